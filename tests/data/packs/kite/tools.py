"""Kite Mobile backend calls that check their arguments against the catalogue."""

from __future__ import annotations

from typing import Any

from convsim import ToolError, tool

ZONES = ("Canada & Mexico", "Europe", "Rest of world")


def _line(state: dict[str, Any], line_id: str) -> dict[str, Any]:
    line = state.get("lines", {}).get(line_id.strip().upper())
    if line is None:
        raise ToolError(f"no line {line_id}")
    if line["status"] != "active":
        raise ToolError(f"line {line_id} is {line['status']}")
    return line


@tool
def change_plan(state: dict[str, Any], line_id: str, plan: str) -> dict[str, Any]:
    """Switch an active line to another plan (Starter 5GB, Plus 20GB, Unlimited,
    Unlimited Max); the new price applies from the next bill."""
    line = _line(state, line_id)
    names = {p.lower(): p for p in state.get("plans", {})}
    new = names.get(plan.strip().lower())
    if new is None:
        raise ToolError(f"unknown plan {plan!r} (plans: {', '.join(names.values())})")
    if new == line["plan"]:
        raise ToolError(f"line {line['line_id']} is already on {new}")
    previous, line["plan"] = line["plan"], new
    return {"line_id": line["line_id"], "plan": new, "previous_plan": previous}


@tool
def add_travel_pass(state: dict[str, Any], line_id: str, zone: str, days: int) -> dict[str, Any]:
    """Add a Travel Pass to an active line: roaming in one zone for 1-30 days, billed per
    day on the next bill."""
    line = _line(state, line_id)
    match = next((z for z in ZONES if z.lower() == zone.strip().lower()), None)
    if match is None:
        raise ToolError(f"unknown zone {zone!r} (zones: {', '.join(ZONES)})")
    if not 1 <= int(days) <= 30:
        raise ToolError("a Travel Pass lasts 1 to 30 days")
    pass_id = f"TP-{line['line_id']}"
    passes = state.setdefault("travel_passes", {})
    if pass_id in passes:
        raise ToolError(f"line {line['line_id']} already has a Travel Pass")
    passes[pass_id] = {"pass_id": pass_id, "line_id": line["line_id"], "zone": match,
                       "days": int(days), "status": "active"}
    return {"pass_id": pass_id, "zone": match, "days": int(days), "status": "active"}
