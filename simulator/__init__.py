"""convsim's engine: records, config, campaigns, executors, results and the CLI.

The kernel of the project. `simulator.records` is the leaf every package
imports; `personas`, `scenarios` and `evaluators` plug in through
`simulator.registry`. Public API (imported lazily so that importing a record
does not pull in the engine):

    from simulator import load_campaign, run_campaign, summarize_run
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_campaign", "plan_specs", "run_campaign", "summarize_run", "build_population"]

_API = {
    "load_campaign": "simulator.config",
    "run_campaign": "simulator.campaign",
    "plan_specs": "simulator.campaign",
    "build_population": "simulator.campaign",
    "summarize_run": "simulator.summary",
}


def __getattr__(name: str) -> Any:
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")
