"""Hand-written conversations for evaluator tests: turns and the tool calls made in them."""

from __future__ import annotations

import json
from typing import Any

from convsim.core.records import Conversation, Expectations, Scenario, Score, ToolCall, Turn
from convsim.core.registry import evaluators


def call(tool: str, status: str = "ok", result: Any = "ok", fault: str | None = None,
         **arguments: Any) -> dict[str, Any]:
    """A tool call made during the agent turn it is listed with."""
    return {"tool": tool, "status": status, "result": result, "fault": fault,
            "arguments": arguments}


def conversation(*events: tuple[Any, ...], final_state: dict[str, Any] | None = None,
                 outcome: str = "completed", escalated: bool = False) -> Conversation:
    """Events: ("customer", text) or ("agent", text, call(...), call(...), ...)."""
    turns: list[Turn] = []
    calls: list[ToolCall] = []
    for role, text, *made in events:
        index = len(turns)
        turns.append(Turn(index=index, role=role, text=text))
        for c in made:
            result = c["result"]
            calls.append(ToolCall(
                seq=len(calls), turn_index=index, tool=c["tool"], arguments=c["arguments"],
                status=c["status"], injected_fault=c["fault"],
                result=None if result is None else json.dumps(result)))
    return Conversation(id="c1", turns=turns, tool_calls=calls, final_state=final_state or {},
                        outcome=outcome, escalated=escalated)


def scenario(domain: str, intent: str, initial_state: dict[str, Any] | None = None,
             **expectations: Any) -> Scenario:
    return Scenario(id="s1", domain=domain, intent=intent, goal=f"{intent} goal",
                    initial_state=initial_state or {}, expectations=Expectations(**expectations))


def scores(name: str, conv: Conversation, scen: Scenario) -> dict[str, Score]:
    """Metric -> score of one evaluator."""
    return {s.metric: s for s in evaluators.create(name).evaluate(conv, scen)}
