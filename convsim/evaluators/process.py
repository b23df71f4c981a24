"""Process adherence: the required steps happened, in the required order.

Steps come from the scenario's expectations (e.g. authenticate before cancel);
a step is done by its first successful tool call. Forbidden tools must not be
called successfully at all.
"""

from __future__ import annotations

from typing import Any

from convsim.core.records import Conversation, Scenario, Score, ToolCall
from convsim.core.registry import evaluator


def executed(call: ToolCall) -> bool:
    """The backend carried the call out (ok, or done but answered with a garbled body)."""
    return call.status == "ok" or call.injected_fault == "malformed"


def first_ok_call(calls: list[ToolCall], tools: list[str]) -> ToolCall | None:
    """The first executed call to any of `tools`, or None."""
    return next((c for c in calls if c.tool in tools and executed(c)), None)


class ProcessEvaluator:
    name = "process"

    def evaluate(self, conversation: Conversation, scenario: Scenario) -> list[Score]:
        exp = scenario.expectations
        if not exp.process and not exp.forbidden_tools:
            return [Score(conversation_id=conversation.id, evaluator=self.name,
                          metric="process", status="not_applicable",
                          rationale="scenario has no process expectations")]
        calls = conversation.tool_calls
        firsts = {s.name: first_ok_call(calls, s.tools) for s in exp.process}
        problems: list[str] = []
        evidence: set[int] = set()
        checks = 0
        for step in exp.process:
            call = firsts[step.name]
            if step.required:
                checks += 1
                if call is None:
                    problems.append(f"step '{step.name}' ({'/'.join(step.tools)}) never done")
            for later in step.before:
                later_call = firsts.get(later)
                if later_call is None:
                    continue
                checks += 1
                if call is None or call.seq > later_call.seq:
                    problems.append(f"'{later}' (turn {later_call.turn_index}) happened before "
                                    f"'{step.name}'")
                    evidence.add(later_call.turn_index)
        for call in calls:
            if call.tool in exp.forbidden_tools and executed(call):
                checks += 1
                problems.append(f"forbidden tool '{call.tool}' called (turn {call.turn_index})")
                evidence.add(call.turn_index)
        checks = max(checks, 1)
        value = max(0.0, 1.0 - len(problems) / checks)
        rationale = "; ".join(problems) if problems else (
            "all required steps done in order: " + " -> ".join(s.name for s in exp.process))
        return [Score(conversation_id=conversation.id, evaluator=self.name, metric="process",
                      value=round(value, 4), passed=not problems, rationale=rationale,
                      evidence=sorted(evidence))]


@evaluator("process")
def make(**_: Any) -> ProcessEvaluator:
    return ProcessEvaluator()
