"""Test helpers: build specs and run single conversations without a campaign."""

from __future__ import annotations

from pathlib import Path

from convsim.core.campaign_file import load_campaign
from convsim.core.records import ConversationSpec
from convsim.engine.campaign import build_population, plan_specs

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def demo_specs(intent: str | None = None, perturbation: str = "clean") -> list[ConversationSpec]:
    config = load_campaign(CONFIGS / "demo.yaml")
    specs = plan_specs(config, *build_population(config))
    return [s for s in specs if (intent is None or s.scenario.intent == intent)
            and s.perturbation.name == perturbation]
