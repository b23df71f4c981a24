"""τ²-bench tasks -> ready-made Scenarios (not transcripts).

A task's user scenario gives the goal (reason for call), what the customer
knows and does not know, and behaviour instructions; its evaluation criteria
give the expected actions (kept as ordered process steps, write actions as the
steps that matter), the information the agent must communicate and NL
assertions. Initial backend state is left to the domain's database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from convsim.core.records import Expectations, ProcessStep, Scenario, stable_hash
from convsim.scenarios.importers.base import Quarantined, excerpt_of, iter_records

READ_PREFIXES = ("get_", "find_", "list_", "search_", "calculate", "think")


def _intent(actions: list[dict[str, Any]]) -> str:
    writes = [a["name"] for a in actions if not a["name"].startswith(READ_PREFIXES)]
    return "+".join(dict.fromkeys(writes)) or "information"


def task_to_scenario(task: dict[str, Any], domain_hint: str = "") -> Scenario:
    scen = task.get("user_scenario") or {}
    instr = scen.get("instructions") or {}
    if isinstance(instr, str):
        instr = {"task_instructions": instr}
    criteria = task.get("evaluation_criteria") or {}
    actions = [a for a in criteria.get("actions") or [] if a.get("requestor", "assistant")
               != "user"]
    names = list(dict.fromkeys(a["name"] for a in actions))
    steps = [ProcessStep(name=n, tools=[n], before=names[i + 1:i + 2])
             for i, n in enumerate(names)]
    domain = instr.get("domain") or domain_hint or "unknown"
    slots = {k: instr[k] for k in ("known_info", "unknown_info", "task_instructions")
             if instr.get(k)}
    slots["expected_actions"] = [{"name": a["name"], "arguments": a.get("arguments") or {}}
                                 for a in actions]
    goal = instr.get("reason_for_call") or (task.get("description") or {}).get("purpose") or ""
    return Scenario(
        id=f"tau2-{domain}-{task.get('id')}-{stable_hash(task, 6)}", domain=domain,
        intent=_intent(actions), goal=str(goal), slots=slots,
        expectations=Expectations(
            process=steps,
            must_communicate=[str(x) for x in criteria.get("communicate_info") or []]),
        difficulty="hard" if len(names) > 4 else "medium" if len(names) > 2 else "easy",
        tags=[t for t in ("nl_assertions",) if criteria.get("nl_assertions")],
        provenance={"source": "tau2-bench", "task_id": str(task.get("id")),
                    "persona": scen.get("persona"),
                    "nl_assertions": criteria.get("nl_assertions") or []})


TASK_FIELDS = ("id", "user_scenario", "evaluation_criteria")
"""What a tau2 task has (tasks.json; in CSV or Parquet, the nested ones as JSON text)."""


def _as_task(value: Any) -> dict[str, Any]:
    """A task record, its nested fields decoded when a CSV or Parquet file holds them as
    JSON text; ValueError naming the expected fields when it is not a task."""
    if not isinstance(value, dict):
        raise ValueError(f"expected an object with {', '.join(TASK_FIELDS)}, got "
                         f"{type(value).__name__}")
    task = dict(value)
    for key in ("user_scenario", "evaluation_criteria", "description"):
        if isinstance(task.get(key), str) and task[key].lstrip().startswith(("{", "[")):
            task[key] = json.loads(task[key])
    if task.get("id") in (None, "") or not isinstance(task.get("user_scenario"), dict):
        has = ", ".join(map(str, list(task)[:12])) or "none"
        raise ValueError(f"expected fields {', '.join(TASK_FIELDS)} (user_scenario an object); "
                         f"the record has: {has}")
    return task


def read_tau2_tasks(path: Path) -> Iterator[Scenario | Quarantined]:
    """Scenarios from a tau2 tasks.json (a list of tasks); bad tasks are quarantined."""
    hint = path.parent.name if path.parent.name != "tau2" else ""
    for rec in iter_records(path):
        if rec.error:
            yield Quarantined(str(path), rec.location, rec.error, rec.excerpt)
            continue
        try:
            yield task_to_scenario(_as_task(rec.value), hint)
        except Exception as exc:  # noqa: BLE001 (a bad task must not stop the file)
            detail = " ".join(str(exc).split())[:300]
            yield Quarantined(str(path), rec.location, f"not a tau2 task: {detail}",
                              excerpt_of(rec.value))
