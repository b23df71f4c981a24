"""The telecom domain pack: tau2-bench's telecom domain for convsim.

`domain.yaml` declares the state (a sample of tau2's telecom database in
`data/`), the persona binding, the slot vocabulary, the policy and the scenario
templates; `tools.py` holds the agent-side tools; `agent.py` a scripted agent
that follows the policy (a test target for campaigns). Registered under the
entry point `convsim.domains: telecom`.
"""

from __future__ import annotations

from pathlib import Path

from convsim.core.packs.declarative import load_domain_folder
from convsim.core.packs.model import Domain


def load() -> Domain:
    """The telecom pack, loaded from this folder."""
    return load_domain_folder(Path(__file__).parent)
