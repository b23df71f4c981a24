"""Process adherence: the required steps happened, in the required order.

Steps come from the scenario's expectations (e.g. authenticate before cancel);
a step is done by its first successful tool call. Forbidden tools must not be
called successfully at all.

Under injected faults: when convsim's own fault injection failed a call of a
required step (an injected error or timeout) and that step was never carried out
afterwards, that step and the required steps listed after it could not be done;
they are not counted as missing, and the rationale names them and the fault (the
handling of the failure is judged by `goal`, `escalation` and `truthfulness`).

A customer who left without making its request (label `LEFT_UNASKED`: it asked a question and
went, as real customers of its intent do) asked no step of the agent: not applicable, unless
the agent called a forbidden tool anyway, which still fails.
"""

from __future__ import annotations

from typing import Any

from convsim.core.records import Conversation, Scenario, Score, ToolCall, left_unasked
from convsim.core.registry import evaluator


def executed(call: ToolCall) -> bool:
    """The backend carried the call out (ok, or done but answered with a garbled body)."""
    return call.status == "ok" or call.injected_fault == "malformed"


def first_ok_call(calls: list[ToolCall], tools: list[str]) -> ToolCall | None:
    """The first executed call to any of `tools`, or None."""
    return next((c for c in calls if c.tool in tools and executed(c)), None)


def unreachable_steps(calls: list[ToolCall], steps: list[Any]) -> tuple[list[str], ToolCall | None]:
    """Required steps convsim's fault injection made impossible, in listed order, and the
    faulted call: the first required step with an injected failure and no executed call of
    it afterwards, and every required step after it not done."""
    required = [s for s in steps if s.required]
    for k, step in enumerate(required):
        faults = [c for c in calls if c.tool in step.tools and c.injected_fault not in
                  (None, "malformed") and c.status in ("error", "timeout")]
        if not faults:
            continue
        fault = faults[-1]
        if any(c.tool in step.tools and executed(c) and c.seq > fault.seq for c in calls):
            continue
        later = [s.name for s in required[k:] if first_ok_call(calls, s.tools) is None]
        return later, fault
    return [], None


class ProcessEvaluator:
    name = "process"

    def evaluate(self, conversation: Conversation, scenario: Scenario) -> list[Score]:
        exp = scenario.expectations
        if not exp.process and not exp.forbidden_tools:
            return [Score(conversation_id=conversation.id, evaluator=self.name,
                          metric="process", status="not_applicable",
                          rationale="scenario has no process expectations")]
        calls = conversation.tool_calls
        left = left_unasked(conversation)
        if left and not any(c.tool in exp.forbidden_tools and executed(c) for c in calls):
            return [Score(conversation_id=conversation.id, evaluator=self.name,
                          metric="process", status="not_applicable",
                          rationale=f"{left}: no step was asked of the agent")]
        steps = [] if left else exp.process  # left, a forbidden call is all there is to judge
        firsts = {s.name: first_ok_call(calls, s.tools) for s in steps}
        unreachable, fault = unreachable_steps(calls, steps)
        problems: list[str] = []
        evidence: set[int] = set()
        checks = 0
        for step in steps:
            call = firsts[step.name]
            if step.required and step.name not in unreachable:
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
        reachable = [s.name for s in steps if s.name not in unreachable]
        rationale = "; ".join(problems) if problems else (
            "all required steps done in order: " + " -> ".join(reachable) if reachable
            else "no required step could be done")
        if fault is not None:
            rationale += (f"; not judged: step(s) {', '.join(repr(n) for n in unreachable)} "
                          f"could not be done (call #{fault.seq} {fault.tool} at turn "
                          f"{fault.turn_index} hit an injected fault ({fault.injected_fault}) and "
                          "was not carried out afterwards)")
        return [Score(conversation_id=conversation.id, evaluator=self.name, metric="process",
                      value=round(value, 4), passed=not problems, rationale=rationale,
                      evidence=sorted(evidence))]


@evaluator("process")
def make(**_: Any) -> ProcessEvaluator:
    return ProcessEvaluator()
