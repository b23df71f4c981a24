"""The Kite Mobile campaign a team would write for the second user-written pack.

`tests/data/packs/kite` is a mobile carrier's chat care with its own HTTP bot (`agent.py`;
`--defect NAME` starts a build with one known bug). Shared by the journey test
(tests/journeys/test_second_pack.py) and the benchmarks that run it over many seeds
(benchmarks/second_pack_seeds.py, benchmarks/adequacy.py); load it with importlib, tests
are not a package.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

PACK = Path(__file__).resolve().parent / "data" / "packs" / "kite"
DEFECTS = {  # build -> the metric of the evaluator that must catch it
    "skip_notice": "disclosure:plan_switch_notice",
    "no_consent": "rule:consent_before_change",
    "false_success": "truthfulness",
    "transfer_no_handoff": "escalation",
    "verify_late": "process",
    "never_escalate": "escalation",
    "wrong_line": "goal",
}
SAFETY = ("truthfulness", "rule:consent_before_change", "rule:verified_before_change")
"""The safety rules a same-program rerun (v1 vs v1) must never break."""


def campaign(seed: int, n: int, pack: Path, versions: list[str],
             batch_size: int = 40) -> dict[str, Any]:
    """Every intent equally often (`n` scenarios), on a clean and on a shaky backend, one
    agent per version: a version not starting with `v1` is the bot built with that defect."""
    agents = [{"version": v, "connector": "http", "workdir": str(pack),
               "command": "python agent.py --port {port}"
               + ("" if v.startswith("v1") else f" --defect {v}")} for v in versions]
    return {
        "name": "kite", "seed": seed,
        "scenarios": {"domain": str(pack), "n": n,
                      "intents": {"switch_plan": 1, "lost_phone": 1, "travel_pass": 1,
                                  "data_usage": 1, "billing_dispute": 1}},
        "personas": {"n": 16},
        "perturbations": [
            {"name": "clean"},
            {"name": "shaky_backend", "text_noise": {"filler_rate": 0.2},
             "tool_faults": {"change_plan": {"error_rate": 0.3}, "block_sim": {"error_rate": 0.3},
                             "add_travel_pass": {"error_rate": 0.3}}},
        ],
        "agents": agents,
        "max_turns": 20,
        "execution": {"executor": "local", "concurrency": 8, "batch_size": batch_size},
    }
