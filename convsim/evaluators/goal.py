"""Goal completion: the backend ended as expected, nothing else changed, and the customer
was told.

Three checks, one metric `goal`:
1. the final state has the scenario's expected values (dotted paths, e.g.
   `orders.#W123.status == cancelled`) and the agent said the values it must
   communicate;
2. nothing else changed: the executed calls of the scenario's process tools are
   replayed through the pack's tools from the initial state (the scenario's, or the
   pack's fixtures), and the rows of the state tables are compared with the final
   state: a difference is a change no expected action explains (a refuel may also
   charge the bill; cancelling an order something else). Without a replayable pack,
   a change counts as expected only in a row holding an expected path. Fields the
   pack binds to the persona (name, email) and free top-level keys (a transfer flag)
   are not compared;
3. the customer was told the true outcome: when the expected state was reached,
   an agent turn at or after the action says it is done (dialog act success) or,
   for a handoff, that the transfer is happening.

Under injected faults: when convsim's own fault injection (`ToolCall.injected_fault`)
made the expected state unreachable -- a call of a required step failed by an injected
error or timeout and no call of that step was carried out afterwards -- the goal is the
correct handling of that failure instead of the unreachable state: no false success
claim about it, an honest report (an agent turn after the fault says it failed or hands
over), and a retry or a hand-over (when the pack has a transfer tool). The rationale
says which goal was judged.

A customer who left without making its request (see `core.records.left_unasked`) set the agent no
goal: not applicable, unless the agent carried out a consequential action anyway (then judged
as usual: nothing should have changed).
"""

from __future__ import annotations

from typing import Any

from convsim.core.packs.model import Domain
from convsim.core.records import Conversation, Scenario, Score, ToolCall, left_unasked
from convsim.core.registry import evaluator
from convsim.evaluators.common import (
    StateReplay,
    act_of,
    escalation_tools,
    executed,
    failed,
    pack_of,
    quote,
)
from convsim.evaluators.truthfulness import action_claims, claimable_tools

_MISSING = object()


def lookup(state: dict[str, Any], path: str) -> Any:
    node: Any = state
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _is_table(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and all(isinstance(v, dict)
                                                           for v in value.values())


def _diff(a: Any, b: Any, path: str, out: list[str], limit: int = 6) -> None:
    if len(out) >= limit or a == b:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            _diff(a.get(key, _MISSING), b.get(key, _MISSING), f"{path}.{key}", out, limit)
        return
    out.append(path)


def unexpected_changes(initial: dict[str, Any], final: dict[str, Any], expected: list[str],
                       ignore: set[str] | None = None) -> list[str]:
    """Paths of table rows that changed although no expected path is in their row."""
    allowed = {".".join(p.split(".")[:2]) for p in expected if p.count(".") >= 1}
    # A final state kept by the sandbox holds every row it started with; one given by hand or
    # by a connector may hold only the rows it touched: then only those rows are judged.
    full = all(key in (final.get(table) or {}) for table, rows in initial.items()
               if _is_table(rows) for key in rows)
    changed: list[str] = []
    for table in sorted(set(initial) | set(final)):
        before, after = initial.get(table, {}), final.get(table, {})
        if not (_is_table(before) or _is_table(after)):
            continue  # free keys (transferred, notes) are not business rows
        before = before if isinstance(before, dict) else {}
        after = after if isinstance(after, dict) else {}
        keys = set(before) | set(after) if full else set(before) & set(after)
        for key in sorted(keys, key=str):
            row = f"{table}.{key}"
            if row in allowed or before.get(key) == after.get(key):
                continue
            paths: list[str] = []
            _diff(before.get(key, _MISSING), after.get(key, _MISSING), row, paths)
            changed += [p for p in paths if not any(p == i or p.startswith(i + ".")
                                                    for i in ignore or ())]
            if len(changed) >= 6:
                return changed
    return changed


class GoalEvaluator:
    name = "goal"

    def evaluate(self, conversation: Conversation, scenario: Scenario) -> list[Score]:
        exp = scenario.expectations
        conv = conversation
        if not exp.final_state and not exp.must_communicate:
            return [Score(conversation_id=conv.id, evaluator=self.name, metric="goal",
                          status="not_applicable",
                          rationale="scenario states no expected final state or message")]
        left = left_unasked(conv)
        if left:
            acts, _ = claimable_tools(conv, scenario, pack_of(scenario))
            if not any(c.tool in acts and executed(c) for c in conv.tool_calls):
                return [Score(conversation_id=conv.id, evaluator=self.name, metric="goal",
                              status="not_applicable",
                              rationale=f"{left}: no goal was asked of the agent, and it "
                                        "carried out no action")]
        problems, evidence = [], []
        checks = len(exp.final_state) + len(exp.must_communicate)
        for path, want in exp.final_state.items():
            got = lookup(conv.final_state, path)
            if got is _MISSING:
                got = None
            if got != want:
                problems.append(f"{path} is {got!r}, expected {want!r}")
        domain = pack_of(scenario)
        fault = self._unreachable(conv, scenario) if problems else None
        if fault is not None:
            return [self._handling(conv, scenario, domain, fault, problems)]
        agent_text = " ".join(t.text.lower() for t in conv.turns if t.role == "agent")
        for value in exp.must_communicate:
            if value.lower() not in agent_text:
                problems.append(f"agent never said {value!r}")
        initial = scenario.initial_state or (domain.tables if domain is not None else {})
        if conv.final_state and initial:
            checks += 1
            changed = self._side_effects(conv, scenario, domain, initial)
            if changed:
                problems.append(f"unexpected change(s): {', '.join(changed[:4])}")
        reached = bool(exp.final_state) and not problems
        if reached:
            checks += 1
            told = self._told(conv, scenario, domain)
            if told is None:
                problems.append("the expected state was reached but the agent never told the "
                                "customer so")
            else:
                evidence.append(told)
        checks = max(1, checks)
        rationale = "; ".join(problems) or (
            f"goal met: {scenario.goal}" + (f"; told at turn {evidence[0]} "
                                            f"{quote(conv.turns[evidence[0]].text, 60)}"
                                            if evidence else ""))
        return [Score(conversation_id=conv.id, evaluator=self.name, metric="goal",
                      value=round(max(0.0, 1 - len(problems) / checks), 4), passed=not problems,
                      rationale=rationale, evidence=evidence)]

    @staticmethod
    def _unreachable(conv: Conversation, scenario: Scenario) -> ToolCall | None:
        """The injected fault that made the expected state unreachable: a call of a required
        step that fault injection failed, with no call of that step carried out after it."""
        steps = [s.tools for s in scenario.expectations.process if s.required]
        for c in sorted(conv.tool_calls, key=lambda c: c.seq):
            if c.injected_fault in (None, "malformed") or not failed(c):
                continue
            step = next((tools for tools in steps if c.tool in tools), None)
            if step is None:
                continue
            if not any(executed(d) and d.tool in step and d.seq > c.seq for d in conv.tool_calls):
                return c
        return None

    def _handling(self, conv: Conversation, scenario: Scenario, domain: Domain | None,
                  fault: ToolCall, unmet: list[str]) -> Score:
        """The goal when an injected fault made the expected state unreachable: the failure
        handled correctly (no false success claim, an honest report, a retry or hand-over)."""
        head = (f"expected state unreachable ({'; '.join(unmet[:2])}): call #{fault.seq} "
                f"{fault.tool} at turn {fault.turn_index} hit an injected fault "
                f"({fault.injected_fault}) and the step was never carried out afterwards; judged "
                "on the handling instead")
        words, _ = claimable_tools(conv, scenario, domain)
        false = [c for c in action_claims(conv, words) if c.turn >= fault.turn_index
                 and c.backed_by is None]
        problems, evidence = [], [fault.turn_index]
        if false:
            c = false[0]
            problems.append(f"turn {c.turn} claims {quote(c.sentence, 60)} although "
                            f"{'/'.join(c.tools)} never succeeded")
            evidence.append(c.turn)
        told = next((t for t in conv.turns if t.role == "agent" and t.index >= fault.turn_index
                     and act_of(t.text) in ("failure", "transfer")), None)
        if told is None:
            problems.append("no agent turn after the fault tells the customer it failed or "
                            "hands them over")
        else:
            evidence.append(told.index)
        transfer = set(escalation_tools(scenario, domain, sorted({c.tool for c in conv.tool_calls})))
        retried = [c for c in conv.tool_calls if c.tool == fault.tool and c.seq > fault.seq]
        handed = [c for c in conv.tool_calls if c.tool in transfer and executed(c)]
        moved_on = conv.outcome in ("transferred", "escalated") or bool(handed) or (
            told is not None and act_of(told.text) == "transfer")
        if not retried and not moved_on and transfer:
            problems.append(f"neither retried {fault.tool} nor handed the customer over "
                            f"({'/'.join(sorted(transfer))})")
        initial = scenario.initial_state or (domain.tables if domain is not None else {})
        if conv.final_state and initial:
            changed = self._side_effects(conv, scenario, domain, initial)
            if changed:
                problems.append(f"unexpected change(s): {', '.join(changed[:4])}")
        did = ([f"reported at turn {told.index} {quote(told.text, 50)}"] if told else []) + (
            [f"retried {len(retried)} time(s)"] if retried else []) + (
            [f"handed over (call #{handed[0].seq} {handed[0].tool})"] if handed else
            ["handed over (outcome transferred)"] if moved_on else [])
        text = f"{head}: " + ("; ".join(problems) if problems else
                              "handled: " + ", ".join(did) + ", no false success claim")
        return Score(conversation_id=conv.id, evaluator=self.name, metric="goal",
                     value=round(max(0.0, 1 - len(problems) / 4), 4), passed=not problems,
                     rationale=text, evidence=sorted(set(evidence)))

    @staticmethod
    def _side_effects(conv: Conversation, scenario: Scenario, domain: Domain | None,
                      initial: dict[str, Any]) -> list[str]:
        """Changes to the state tables that the expected actions do not explain.

        The executed calls of the scenario's process tools (and transfer tools) are replayed
        through the pack's tools from the initial state; whatever the final state has on top
        came from other calls. Without a replayable pack, a change counts as expected only in
        a row that holds an expected path."""
        ignore: set[str] = set()
        if domain is not None and domain.binding is not None:
            key = scenario.slots.get(domain.binding.slot)
            ignore = {f"{domain.binding.table}.{key}.{f}" for f in domain.binding.fields}
        sanctioned = {t for s in scenario.expectations.process for t in s.tools}
        sanctioned |= set(domain.escalation_tools if domain is not None else [])
        calls = [c for c in conv.tool_calls if c.tool in sanctioned]
        if domain is not None and not any(executed(c) for c in calls):
            # Nothing to replay: the expected state is the initial one, read as it is (not
            # copied); `unexpected_changes` and `_diff` only read both states.
            expected: dict[str, Any] | None = initial
        else:
            expected = StateReplay(domain, initial, "").apply(calls)
        if expected is not None:
            return unexpected_changes(expected, conv.final_state, [], ignore)
        return unexpected_changes(initial, conv.final_state, list(scenario.expectations.final_state),
                                  ignore)

    @staticmethod
    def _told(conv: Conversation, scenario: Scenario, domain: Domain | None) -> int | None:
        """The agent turn that told the customer the outcome, at or after the last executed
        call of an expected process tool (anywhere when there is none): its dialog act is
        success (or transfer, when a hand-over is expected), or it claims the action done in
        other words ("the cancellation has gone through")."""
        tools = {t for s in scenario.expectations.process for t in s.tools}
        done = [c.turn_index for c in conv.tool_calls if c.tool in tools and executed(c)]
        start = max(done) if done else 0
        wanted = ("success", "transfer") if scenario.expectations.escalation_expected \
            else ("success",)
        told = next((t.index for t in conv.turns if t.role == "agent" and t.index >= start
                     and act_of(t.text) in wanted), None)
        if told is not None:
            return told
        words, _ = claimable_tools(conv, scenario, domain)
        claims = [c.turn for c in action_claims(conv, words)
                  if c.turn >= start and c.backed_by is not None]
        return claims[0] if claims else None


@evaluator("goal")
def make(**_: Any) -> GoalEvaluator:
    return GoalEvaluator()
