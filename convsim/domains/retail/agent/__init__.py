"""The retail reference agent: a deterministic policy (`policy`, `nlu`), configured per
version by the pack's `agents/*.yaml`, served over HTTP by `server`."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def from_yaml(path: str | Path) -> tuple[Any, type[Any]]:
    """The in-process agent of one version YAML: (agent, new_state) for the python connector."""
    from convsim.domains.retail.agent.policy import DialogueState, ReferenceAgent, load_agent_config

    return ReferenceAgent(load_agent_config(path)), DialogueState
