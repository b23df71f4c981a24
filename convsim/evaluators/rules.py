"""The `rules` evaluator: checks the pack's and the scenario's rules (`rules_model`).

One score per rule, metric `rule:<name>`. A rule whose trigger never happened
(no call of the guarded tool) is not_applicable. Rationales name the rule and
cite tool calls (`call #3 cancel_pending_order at turn 7`) and quoted text;
`evidence` holds the turn indices.

What a rule looks at:
- calls the agent *attempted* (any status but unknown_tool) for the guarded side
  (`then`, `before`, `tool`): the agent's decision is what is scored, whatever the
  backend answered;
- *successful* calls for prerequisites (`first`; `requires_result` also reads the
  result);
- `only_if`: the state just before the call, rebuilt by replaying the executed
  calls before it through the pack's own tools from the scenario's initial state
  (the pack's fixtures when the scenario has none); when that cannot be done (no
  pack, proxy/replayed tools, a path the state does not have) the call is not
  judged and the rationale says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from convsim.core.packs.model import Domain, fill
from convsim.core.records import Conversation, Scenario, Score, ToolCall, Turn
from convsim.core.registry import evaluator
from convsim.core.rule_specs import Rule, matches
from convsim.evaluators.actions import (
    ActionWords,
    asks_consent,
    asks_yes,
    call_values,
    goes_ahead,
    states_action,
)
from convsim.evaluators.actions import action_words as describe_action
from convsim.evaluators.common import (
    StateReplay,
    act_of,
    agent_ordinal,
    attempted,
    executed,
    pack_of,
    quote,
    result_value,
    rules_for,
)
from convsim.evaluators.consent import is_explicit_no, is_explicit_yes

_MISSING = object()


def _call(c: ToolCall) -> str:
    return f"call #{c.seq} {c.tool} at turn {c.turn_index}"


def _names(tools: list[str]) -> str:
    return "/".join(tools)


class _Check:
    """One conversation under one rule: helpers shared by the rule kinds."""

    def __init__(self, conv: Conversation, scenario: Scenario, domain: Domain | None,
                 rule: Rule, kind: str) -> None:
        self.conv, self.scenario, self.domain, self.rule = conv, scenario, domain, rule
        self.kind = kind
        """`rule.kind`, read once (it is looked up field by field)."""
        self.calls = sorted(conv.tool_calls, key=lambda c: c.seq)

    def score(self, passed: bool | None, text: str, evidence: list[int] | None = None) -> Score:
        r = self.rule
        head = f"rule {r.name} ({self.kind}{': ' + r.description if r.description else ''})"
        return Score(conversation_id=self.conv.id, evaluator="rules", metric=f"rule:{r.name}",
                     value=None if passed is None else float(passed), passed=passed,
                     status="scored" if passed is not None else "not_applicable",
                     rationale=f"{head}: {text}", evidence=sorted(set(evidence or [])))

    def guarded(self, tools: list[str]) -> list[ToolCall]:
        return [c for c in self.calls if attempted(c) and matches(c.tool, tools)]

    def not_called(self, tools: list[str]) -> Score:
        """Not applicable: the guarded tools were never called."""
        return self.score(None, f"no call of {_names(tools)}")

    def unbacked(self, guarded: list[ToolCall], good: list[ToolCall], tools: list[str]
                 ) -> tuple[list[ToolCall], list[ToolCall]]:
        """The guarded calls with no `good` call before them, and the calls of `tools` tried
        before the first of those (what the rationale says did not succeed)."""
        bad = [c for c in guarded if not any(g.seq < c.seq for g in good)]
        tried = [c for c in self.calls if matches(c.tool, tools) and c.seq < bad[0].seq] if bad else []
        return bad, tried


def _before(k: _Check) -> Score:
    body = k.rule.before
    assert body is not None
    if not (guarded := k.guarded(body.then)):
        return k.not_called(body.then)
    firsts = [c for c in k.calls if executed(c) and matches(c.tool, body.first)]
    bad, tried = k.unbacked(guarded, firsts, body.first)
    if bad:
        why = (f"; the earlier {', '.join(f'{_call(c)} ({c.status})' for c in tried[:3])} "
               "did not succeed" if tried else "")
        return k.score(False, f"{_call(bad[0])} came before any successful "
                              f"{_names(body.first)}{why}"
                       + (f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""),
                       [c.turn_index for c in bad])
    f = firsts[0]
    return k.score(True, f"{len(guarded)} call(s) of {_names(body.then)} after {_call(f)}",
                   [f.turn_index])


def _result_ok(call: ToolCall, field: str | None, equals: Any, has_equals: bool) -> bool:
    if not executed(call):
        return False
    value = result_value(call)
    if field is None:
        return value not in (None, "", [], {}) and not (isinstance(value, dict) and "error" in value)
    got = _lookup(value, field)
    if got is _MISSING:
        return False
    return _same(got, equals) if has_equals else bool(got)


def _requires_result(k: _Check) -> Score:
    body = k.rule.requires_result
    assert body is not None
    if not (guarded := k.guarded(body.before)):
        return k.not_called(body.before)
    has_equals = "equals" in body.model_fields_set
    want = (f"{body.field} == {body.equals!r}" if has_equals else
            f"{body.field} set" if body.field else "a non-empty result")
    good = [c for c in k.calls if matches(c.tool, body.tool)
            and _result_ok(c, body.field, body.equals, has_equals)]
    bad, tried = k.unbacked(guarded, good, body.tool)
    if bad:
        got = "; ".join(f"{_call(c)} returned {c.status} {quote(c.result or '', 60)}"
                        for c in tried[-2:]) or f"no call of {_names(body.tool)} before it"
        return k.score(False, f"{_call(bad[0])} without {_names(body.tool)} giving {want} "
                              f"({got})", [c.turn_index for c in bad + tried[-2:]])
    g = good[0]
    return k.score(True, f"{len(guarded)} call(s) of {_names(body.before)} after {_call(g)} "
                         f"gave {want}", [g.turn_index])


class _Statement:
    """Where the agent stated a consequential action and asked for a yes."""

    def __init__(self, k: _Check) -> None:
        self.k = k
        body = k.rule.requires_consent
        assert body is not None
        self.stated = re.compile(body.stated, re.IGNORECASE) if body.stated else None
        domain = k.domain
        self.state = (k.scenario.initial_state
                      or (domain.tables if domain is not None else {}))
        self._values: tuple[ToolCall, list[str]] | None = None

    def values(self, call: ToolCall) -> list[str]:
        """`call_values` of the call, worked out once per call (every turn before it may be
        read for it)."""
        if self._values is None or self._values[0] is not call:
            self._values = (call, call_values(call.arguments, self.state))
        return self._values[1]

    def words(self, tool: str) -> ActionWords:
        spec = self.k.domain.tools.get(tool) if self.k.domain is not None else None
        return describe_action(tool, spec.spec.description if spec is not None else "")

    def names(self, text: str, call: ToolCall, asking: bool) -> str | None:
        """What in `text` names the action of `call`: the rule's `stated` regex when given;
        else, in the turn that asks, what `asks_consent` reads (the question names the
        action, or a go-ahead question and another sentence does), in the turn before it,
        a sentence that states the action and is not a refusal."""
        if self.stated is not None:
            m = self.stated.search(text)
            return m.group(0) if m else None
        words, values = [self.words(call.tool)], self.values(call)
        if asking:
            return asks_consent(text, words, values)
        return states_action(text, words, values)

    def find(self, call: ToolCall) -> tuple[Turn, Turn, str] | None:
        """The last agent turn before the call that asks for a yes, with the turn that states
        the action (itself, or the agent turn just before it) and the words that name it."""
        agent = [t for t in self.k.conv.turns if t.role == "agent" and t.index < call.turn_index]
        for i in range(len(agent) - 1, -1, -1):
            ask = agent[i]
            if not asks_yes(ask.text):
                continue
            named = self.names(ask.text, call, asking=True)
            if named:
                return ask, ask, named
            if i and goes_ahead(ask.text):
                named = self.names(agent[i - 1].text, call, asking=False)
                if named:
                    return ask, agent[i - 1], named
        return None


def _requires_consent(k: _Check) -> Score:
    body = k.rule.requires_consent
    assert body is not None
    if not (guarded := k.guarded(body.tool)):
        return k.not_called(body.tool)
    turns = k.conv.turns
    statement = _Statement(k)
    passed: list[str] = []
    evidence: list[int] = []
    for call in guarded:
        found = statement.find(call)
        if found is None:
            how = (f"nothing matching the rule's stated /{body.stated}/" if body.stated else
                   "no yes/no question naming it (verbs such as "
                   + "/".join(v.split("(")[0] for v in statement.words(call.tool).verbs[:4])
                   + ", or a value the call writes)")
            return k.score(False, f"{_call(call)}: the agent never stated the action and asked "
                                  f"for a yes before it ({how})", [call.turn_index])
        ask, said, named = found
        replies = [t for t in turns if t.role == "customer" and ask.index < t.index < call.turn_index]
        yes = [t for t in replies if is_explicit_yes(t.text)]
        later_no = [t for t in replies if yes and t.index > yes[0].index and is_explicit_no(t.text)]
        if not yes or later_no:
            said_ = (f"the customer said {quote(replies[-1].text)} (turn {replies[-1].index})"
                     if replies else "the customer did not answer")
            if later_no:
                said_ = f"the customer took it back: {quote(later_no[0].text)} (turn " \
                        f"{later_no[0].index})"
            return k.score(False, f"{_call(call)} without an explicit yes: the agent asked at "
                                  f"turn {ask.index} {quote(ask.text)}, {said_}",
                           [ask.index, call.turn_index, *(t.index for t in replies[-1:])])
        if not passed:
            where = "" if said is ask else f" (stated at turn {said.index})"
            passed.append(f"{_call(call)} after the agent asked at turn {ask.index} "
                          f"{quote(ask.text, 70)}{where}, naming it by {quote(named, 30)}, and "
                          f"the customer said {quote(yes[0].text, 40)} (turn {yes[0].index})")
            evidence += [said.index, ask.index, yes[0].index, call.turn_index]
    more = f" (and {len(guarded) - 1} more call(s), each after a yes)" if len(guarded) > 1 else ""
    return k.score(True, passed[0] + more, evidence)


def _never(k: _Check) -> Score:
    body = k.rule.never
    assert body is not None
    bad = k.guarded(body.tool)
    if bad:
        return k.score(False, f"{_call(bad[0])} ({bad[0].status})"
                              + (f" and {len(bad) - 1} more" if len(bad) > 1 else ""),
                       [c.turn_index for c in bad])
    return k.score(True, f"no call of {_names(body.tool)}")


def _at_most(k: _Check) -> Score:
    body = k.rule.at_most
    assert body is not None
    calls = [c for c in k.guarded(body.tool) if body.count == "attempted" or executed(c)]
    listing = ", ".join(_call(c) for c in calls[:5])
    if len(calls) > body.n:
        return k.score(False, f"{len(calls)} {body.count} calls of {_names(body.tool)} (at most "
                              f"{body.n}): {listing}", [c.turn_index for c in calls[body.n:]])
    return k.score(True, f"{len(calls)} {body.count} call(s) of {_names(body.tool)} (at most "
                         f"{body.n})" + (f": {listing}" if listing else ""),
                   [c.turn_index for c in calls])


def _within_first(k: _Check) -> Score:
    body = k.rule.within_first
    assert body is not None
    agent = [t for t in k.conv.turns if t.role == "agent"]
    what: str
    hit: int | None = None
    if body.tool:
        what = f"a call of {_names(body.tool)}"
        calls = k.guarded(body.tool)
        hit = calls[0].turn_index if calls else None
        where = f" ({_call(calls[0])})" if calls else ""
    else:
        says = re.compile(body.says, re.IGNORECASE) if body.says else None
        what = f"act {body.act}" if body.act else f"saying /{body.says}/"
        turn = next((t for t in agent if (says.search(t.text) if says else
                                          act_of(t.text) == body.act)), None)
        hit = turn.index if turn else None
        where = f": {quote(turn.text, 70)}" if turn else ""
    if hit is None:
        return k.score(False, f"{what} never happened in {len(agent)} agent turns")
    n = agent_ordinal(k.conv, hit)
    return k.score(n <= body.n, f"{what} at agent turn {n} (turn {hit}), limit {body.n}{where}",
                   [hit])


# ------------------------------------------------------------------ only_if: replayed state


def _lookup(node: Any, path: str) -> Any:
    """Dotted lookup; a key also matches ignoring case and a leading '#' (ids as spoken)."""
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
            continue
        if not isinstance(node, dict):
            return _MISSING
        if part in node:
            node = node[part]
            continue
        want = part.lower().lstrip("#")
        key = next((k for k in node if str(k).lower().lstrip("#") == want), _MISSING)
        if key is _MISSING:
            return _MISSING
        node = node[key]
    return node


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, list):
        return any(_same(got, w) for w in want)
    if isinstance(got, str) and isinstance(want, str):
        return got.strip().lower() == want.strip().lower()
    if isinstance(got, bool) or isinstance(want, bool):
        return got is want or str(got).lower() == str(want).lower()
    if isinstance(got, int | float) and isinstance(want, int | float | str):
        try:
            return float(got) == float(want)
        except ValueError:
            return False
    return bool(got == want)


def _only_if(k: _Check, replay: StateReplay) -> Score:
    body = k.rule.only_if
    assert body is not None
    if not (guarded := k.guarded(body.tool)):
        return k.not_called(body.tool)
    judged: list[str] = []
    unknown: list[str] = []
    for call in guarded:
        state = replay.before(call, k.calls)
        if state is None:
            return k.score(None, f"cannot rebuild the state before {_call(call)}: {replay.broken}")
        for template, want in body.state.items():
            path = str(fill(template, {**call.arguments, "args": call.arguments}))
            got = _lookup(state, path)
            if got is _MISSING:
                unknown.append(f"{path} (before {_call(call)})")
                continue
            if not _same(got, want):
                return k.score(False, f"{_call(call)} while {path} was {got!r} (needs {want!r}; "
                                      f"state replayed from {replay.source})", [call.turn_index])
            judged.append(f"{path} was {got!r} before {_call(call)}")
    if not judged:
        return k.score(None, f"the state before the call has no {', '.join(unknown[:2])} "
                             f"(replayed from {replay.source})")
    return k.score(True, "; ".join(judged[:3]) + f" (state replayed from {replay.source})",
                   [c.turn_index for c in guarded])


_CHECKS: dict[str, Callable[[_Check], Score]] = {
    "before": _before, "requires_result": _requires_result, "requires_consent": _requires_consent,
    "never": _never, "at_most": _at_most, "within_first": _within_first,
}


def check_rule(rule: Rule, conversation: Conversation, scenario: Scenario,
               domain: Domain | None = None) -> Score:
    """Score one rule on one conversation."""
    kind = rule.kind
    k = _Check(conversation, scenario, domain, rule, kind)
    if kind == "only_if":
        source = ("the scenario's initial state" if scenario.initial_state
                  else "the pack's fixtures")
        initial = scenario.initial_state or (domain.tables if domain is not None else {})
        return _only_if(k, StateReplay(domain, initial, source))
    return _CHECKS[kind](k)


class RulesEvaluator:
    name = "rules"

    def evaluate(self, conversation: Conversation, scenario: Scenario) -> list[Score]:
        domain = pack_of(scenario)
        rules = rules_for(scenario, domain)
        if not rules:
            return [Score(conversation_id=conversation.id, evaluator=self.name, metric="rules",
                          status="not_applicable",
                          rationale=f"no rule applies (pack {scenario.domain}, intent "
                                    f"{scenario.intent})")]
        return [check_rule(rule, conversation, scenario, domain) for rule in rules]


@evaluator("rules")
def make(**_: Any) -> RulesEvaluator:
    return RulesEvaluator()
