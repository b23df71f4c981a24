"""Tools that answer with responses logged in real transcripts.

`convsim domain from-transcripts` writes `tool_responses.jsonl` (one logged call
per line: tool, arguments, result). A replayed tool answers a call with the
logged response whose arguments match best: all equal first, then the most
equal arguments, then the most frequent response; ties go to the earliest line,
so answers are deterministic. The schema is what the pack declares, else one
inferred from the logged arguments.
"""

from __future__ import annotations

import copy
import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from convsim.core.packs.model import PackError, State, Tool, ToolError, ToolSpec

_JSON_TYPE = {str: "string", bool: "boolean", int: "integer", float: "number", list: "array",
              dict: "object"}


def _norm(value: Any) -> str:
    if isinstance(value, str):
        return " ".join(value.lower().split())
    return json.dumps(value, sort_keys=True)


def infer_schema(calls: list[dict[str, Any]]) -> dict[str, Any]:
    """An object schema from logged arguments: every argument seen, required if always there."""
    types: dict[str, Counter[str]] = defaultdict(Counter)
    for args in calls:
        for k, v in args.items():
            types[k][_JSON_TYPE.get(type(v), "string")] += 1
    props = {k: {"type": c.most_common(1)[0][0]} for k, c in sorted(types.items())}
    required = sorted(k for k, c in types.items() if sum(c.values()) == len(calls))
    return {"type": "object", "properties": props, "required": required}


def _replayer(name: str, log: list[dict[str, Any]]) -> Any:
    frequency = Counter(json.dumps(e.get("result"), sort_keys=True) for e in log)

    def run(state: State, args: dict[str, Any]) -> Any:
        wanted = {k: _norm(v) for k, v in args.items()}
        best: tuple[int, int, int] | None = None
        chosen: dict[str, Any] | None = None
        for entry in log:
            logged = {k: _norm(v) for k, v in (entry.get("arguments") or {}).items()}
            same = sum(1 for k, v in wanted.items() if logged.get(k) == v)
            exact = int(logged == wanted)
            rank = (exact, same, frequency[json.dumps(entry.get("result"), sort_keys=True)])
            if best is None or rank > best:
                best, chosen = rank, entry
        assert chosen is not None
        if chosen.get("status") == "error":
            raise ToolError(str(chosen.get("result") or f"{name} failed"))
        state.setdefault("replayed_calls", []).append(name)
        return copy.deepcopy(chosen.get("result"))

    return run


def replay_tools(entries: Any, source: Path,
                 declared: dict[str, tuple[dict[str, Any], str, bool]]) -> list[Tool]:
    """Replayed tools from logged calls; `declared` gives (schema, description, escalation)."""
    if not isinstance(entries, list):
        raise PackError(f"{source}: expected one logged tool call per line")
    by_tool: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for i, e in enumerate(entries, 1):
        if not isinstance(e, dict) or not isinstance(e.get("tool"), str):
            raise PackError(f"{source}: line {i}: expected {{tool, arguments, result}}")
        if not isinstance(e.get("arguments", {}), dict):
            raise PackError(f"{source}: line {i}: arguments must be an object")
        by_tool[e["tool"]].append(e)
    missing = sorted(set(declared) - set(by_tool))
    if missing:
        raise PackError(f"{source}: no logged calls for replay tools {missing}")
    tools = []
    for name, log in by_tool.items():
        schema, description, escalation = declared.get(
            name, (infer_schema([e.get("arguments") or {} for e in log]),
                   f"{name} (answers replayed from {len(log)} logged calls)", False))
        tools.append(Tool(spec=ToolSpec(name=name, description=description, parameters=schema),
                          fn=_replayer(name, log), kind="replay", escalation=escalation))
    return tools
