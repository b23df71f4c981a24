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
    "load_run", "summarize", "compare", "gate", "assert_gate",
    # Plug-in authors (docs/plugins.md): roles, decorators, the records they receive.
    "UserSimulator", "AgentConnector", "Evaluator", "Executor", "Importer",
    "AsyncEvaluator", "CustomerUsesLLM", "CustomerLabels", "AgentUsesLLM", "AgentBatchesBursts",
    "ConnectorSettings", "CustomerSettings", "EvaluatorSettings", "ExecutorSettings",
    "ImporterSettings",
    "evaluator", "connector", "customer", "PluginError", "create_plugin",
    "ConversationSpec", "AgentReply", "UserReply", "ToolOutcome", "ToolClient", "LLMUsage",
    "PerturbationProfile", "Imported", "Quarantined", "AgentUnavailable", "AgentProtocolError",
]

# Imported lazily so that `import convsim` stays cheap (no Ray, no polars).
_API = {
    **{name: "convsim.core.protocols" for name in (
        "UserSimulator", "AgentConnector", "Evaluator", "Executor", "AsyncEvaluator",
        "CustomerUsesLLM", "CustomerLabels", "AgentUsesLLM", "AgentBatchesBursts",
        "ConnectorSettings", "CustomerSettings", "EvaluatorSettings", "ExecutorSettings",
        "ImporterSettings", "UserReply", "ToolOutcome", "ToolClient", "AgentUnavailable",
        "AgentProtocolError")},
    **{name: "convsim.core.registry" for name in (
        "evaluator", "connector", "customer", "PluginError", "create_plugin")},
    **{name: "convsim.core.records" for name in (
        "ConversationSpec", "AgentReply", "LLMUsage", "PerturbationProfile")},
    **{name: "convsim.scenarios.importers.base" for name in (
        "Importer", "Imported", "Quarantined")},
    "Domain": "convsim.core.packs.model",
    "Slot": "convsim.core.packs.model",
    "Tool": "convsim.core.packs.model",
    "ToolError": "convsim.core.packs.model",
    "tool": "convsim.core.packs.model",
    "load_domain": "convsim.core.packs.discovery",
    "find_domain": "convsim.core.packs.discovery",
    "load_campaign": "convsim.core.campaign_file",
    "run_campaign": "convsim.engine.campaign",
    "plan_specs": "convsim.engine.campaign",
    "build_population": "convsim.engine.campaign",
    "summarize_run": "convsim.decisions.summary",
    "Conversation": "convsim.core.records",
    "Scenario": "convsim.core.records",
    "Persona": "convsim.core.records",
    "Score": "convsim.core.records",
    "Turn": "convsim.core.records",
    "ToolCall": "convsim.core.records",
    "load_run": "convsim.engine.api",
    "summarize": "convsim.engine.api",
    "compare": "convsim.engine.api",
    "gate": "convsim.engine.api",
    "assert_gate": "convsim.pytest_plugin",
}


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'convsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
