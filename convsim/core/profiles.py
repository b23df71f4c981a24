"""Named perturbation profiles: the mess of production, ready to cross with scenarios.

A campaign's `perturbations:` list takes these names or full profiles (see
`PerturbationProfile`); a name and a few overrides is a profile too
(`{name: noisy_voice, tool_faults: {...}}` starts from the named one).
"""

from __future__ import annotations

from typing import Any

PROFILES: dict[str, dict[str, Any]] = {
    "clean": {},
    "noisy_text": {"text_noise": {"typo_rate": 0.04, "filler_rate": 0.3, "drop_rate": 0.02}},
    "noisy_voice": {"text_noise": {"asr_rate": 0.8, "filler_rate": 0.4, "drop_rate": 0.02}},
    "impatient": {"burst_rate": 0.5, "interrupt_rate": 0.3},
    "wandering": {"topic_switch_rate": 0.6, "correction_rate": 0.6},
    "backend_outage": {"tool_faults": {"*": {"error_rate": 0.25, "timeout_rate": 0.1,
                                             "latency_ms": 20}}},
}
"""Profile name -> settings. `backend_outage` makes a quarter of tool calls fail."""


def expand_profile(entry: Any) -> Any:
    """A profile entry of a campaign: a name, or a mapping whose `name` may be a bundled one
    (its settings first, the mapping's on top). Anything else is returned as it is."""
    if isinstance(entry, str):
        if entry not in PROFILES:
            raise ValueError(f"unknown perturbation profile {entry!r}; bundled: "
                             f"{', '.join(PROFILES)} (or give a full profile)")
        return {"name": entry, **PROFILES[entry]}
    if isinstance(entry, dict) and entry.get("name") in PROFILES:
        return {**PROFILES[entry["name"]], **entry}
    return entry
