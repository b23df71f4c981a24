"""convsim: rehearse customer-experience AI agents with simulated customers.

The public API for plug-in authors and notebooks. Everything else under
`convsim.*` may change between releases.

    from convsim import Domain, tool, load_campaign, run_campaign
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "Domain", "Slot", "Tool", "ToolError", "tool", "load_domain", "find_domain",
    "load_campaign", "plan_specs", "run_campaign", "summarize_run", "build_population",
    "Conversation", "Scenario", "Persona", "Score", "Turn", "ToolCall",
]

# Imported lazily so that `import convsim` stays cheap (no Ray, no polars).
_API = {
    "Domain": "convsim.simulator.packs.model",
    "Slot": "convsim.simulator.packs.model",
    "Tool": "convsim.simulator.packs.model",
    "ToolError": "convsim.simulator.packs.model",
    "tool": "convsim.simulator.packs.model",
    "load_domain": "convsim.simulator.packs.discovery",
    "find_domain": "convsim.simulator.packs.discovery",
    "load_campaign": "convsim.simulator.campaign_file",
    "run_campaign": "convsim.simulator.campaign",
    "plan_specs": "convsim.simulator.campaign",
    "build_population": "convsim.simulator.campaign",
    "summarize_run": "convsim.simulator.summary",
    "Conversation": "convsim.simulator.records",
    "Scenario": "convsim.simulator.records",
    "Persona": "convsim.simulator.records",
    "Score": "convsim.simulator.records",
    "Turn": "convsim.simulator.records",
    "ToolCall": "convsim.simulator.records",
}


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'convsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
