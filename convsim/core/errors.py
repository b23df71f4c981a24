"""The campaign's own error, shared by its parts.

Raised by `campaign` (run_campaign), `agent_processes` (an agent that fails to start)
and `manifest` (a run folder that cannot be resumed); re-exported by `campaign`, where
callers import it from.
"""

from __future__ import annotations


class CampaignError(Exception):
    """A campaign could not run (agent failed to start, bad resume folder...)."""
