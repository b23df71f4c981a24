"""Escalation: did the agent hand over to a human when, and only when, it should — in time,
with a handoff note a human can use?

Should escalate (ground truth), any of:
- the scenario says so (`expectations.escalation_expected`, reason in
  `escalation_reason`): due from the customer's first message;
- the customer asked for a human twice or more: due from the second ask;
- a consequential tool (see `common.consequential_tools`) failed twice in a row,
  or any tool hit a backend fault (timeout, 5xx, injected fault) twice in a row:
  due from the second failure (a single failure, or a business error on a lookup
  such as "user not found", is no reason).
Did escalate: the customer was actually handed over -- the conversation ended as a
transfer (the connector's handoff flag, outcome `transferred`), or a transfer tool
of the pack was called / an agent turn announced the transfer (dialog act
`transfer`) and the agent said nothing after it but the transfer or goodbye. A
transfer tool call followed by the agent carrying on ("I'll keep helping you
here") is no hand-over: a failed escalation when one was due, a needless one when
not. A hand-over without a transfer tool call (by the reply or the flag only) is
said so in the rationale.

Metrics:
- `escalation`: passed when the decision is right and a due handoff came within
  `expectations.escalation_within` agent turns. The rationale starts with the
  confusion-matrix cell, `tp:`, `fp:` (needless), `fn:` (missed) or `tn:`; a
  handoff that came too late is `tp:` with passed false (it says "late").
- `escalation_timing` (when it should and did): value = agent turns from due to
  handoff; passed when within the limit.
- `escalation_handoff` (when a transfer tool was called): the note (string
  arguments) names the request (intent words, or two words of the goal or of what
  the customer said), whether the identity was verified,
  and, after failed calls, what was tried; value = share of those present.
"""

from __future__ import annotations

import re
from typing import Any

from convsim.core.records import Conversation, Scenario, Score, ToolCall, Turn
from convsim.core.registry import evaluator
from convsim.evaluators.common import (
    act_of,
    agent_ordinal,
    consequential_tools,
    escalation_tools,
    executed,
    failed,
    pack_of,
    quote,
)

ASKS_HUMAN = re.compile(
    r"\b(?:human|real person|(?:live|real|actual|human) agent|representative|someone else|"
    r"manager|supervisor|operator|a person)\b", re.IGNORECASE)
_IDENTITY = re.compile(r"verif|authentic|identif|identity|user[ _]?id|customer[ _]?id|account",
                       re.IGNORECASE)
_TRIED = re.compile(r"fail|error|tried|attempt|could not|couldn't|unable|backend|outage|timeout|"
                    r"refused|down", re.IGNORECASE)
_FAULT_TEXT = re.compile(r"\b5\d\d\b|unavailable|timed? ?out|internal server error",
                         re.IGNORECASE)
_COMMON = {"with", "that", "this", "have", "want", "need", "please", "would", "like", "could",
           "help", "your", "from", "about", "just", "thanks", "hello"}
_STOP = {"the", "and", "for", "with", "order", "item", "items", "line", "data", "out", "get"}


def _outage(call: ToolCall) -> bool:
    """A backend fault rather than a business answer: an injected fault, a timeout, a 5xx."""
    return (call.injected_fault is not None and call.injected_fault != "malformed"
            or call.status == "timeout"
            or call.status == "error" and bool(_FAULT_TEXT.search(call.result or "")))


def _cell(should: bool, did: bool) -> str:
    return {(True, True): "tp", (False, True): "fp", (True, False): "fn",
            (False, False): "tn"}[(should, did)]


_ENDS_AS_TRANSFER = ("transferred", "escalated")
_CLOSING = ("transfer", "farewell")


class _Handover:
    """Whether the customer was actually handed over to a human, where, and how.

    A hand-over is the conversation ending as a transfer: the connector's handoff flag
    (outcome `transferred`), or a transfer tool call / an announced transfer after which the
    agent says nothing but the transfer or goodbye. A transfer tool call followed by more of
    the agent's own help ("I'll keep helping you here") is an attempt, not a hand-over.
    """

    def __init__(self, conv: Conversation, handoffs: list[ToolCall], tools: list[str]) -> None:
        self.did, self.attempted = False, False
        self.at: int | None = None
        self.how = "never handed over"
        flag = conv.outcome in _ENDS_AS_TRANSFER
        agent = [t for t in conv.turns if t.role == "agent"]
        said = [t for t in agent if act_of(t.text) == "transfer"]

        def kept_on(index: int) -> Turn | None:
            return next((t for t in agent if t.index > index
                         and act_of(t.text) not in _CLOSING), None)

        ended = "the conversation ended as a transfer" if flag else "the conversation ended there"
        only = f" (no call of {'/'.join(tools)})" if tools else ""
        # The tool calls first, then the replies that announce a transfer: (turn, how it was
        # done, how it was tried, what else the attempt lacked).
        marks = ([(c.turn_index, f"transfer tool call #{c.seq}",
                   f"transfer tool call #{c.seq} {c.tool} at turn {c.turn_index}",
                   " and it did not end as a transfer") for c in handoffs],
                 [(t.index, f"said {quote(t.text, 60)}; by its reply only{only}",
                   f"announced a transfer at turn {t.index} ({quote(t.text, 60)})", "")
                  for t in said])
        for kind in marks:
            for at, done, _, _ in kind:
                if flag or kept_on(at) is None:
                    self.did, self.at = True, at
                    self.how = f"handed over at turn {at} ({done}; {ended})"
                    return
            if kind:
                at, _, tried, lacked = kind[0]
                later = kept_on(at)
                assert later is not None
                self.attempted, self.at = True, at
                self.how = (f"{tried} but no hand-over: the agent kept the conversation (turn "
                            f"{later.index} {quote(later.text, 60)}){lacked}")
                return
        if flag or (conv.escalated and not tools):
            self.did = True
            self.at = agent[-1].index if agent else len(conv.turns)
            self.how = (f"handed over at turn {self.at} (outcome {conv.outcome or 'escalated'}: "
                        f"the connector's handoff flag, with no announcement{only})")


class EscalationEvaluator:
    name = "escalation"

    def evaluate(self, conversation: Conversation, scenario: Scenario) -> list[Score]:
        conv, exp = conversation, scenario.expectations
        domain = pack_of(scenario)
        called = sorted({c.tool for c in conv.tool_calls})
        transfer_tools = set(escalation_tools(scenario, domain, called))
        consequential = set(consequential_tools(scenario, domain, called))

        # Why (and from when) a human was needed.
        reasons: list[tuple[int, str, list[int]]] = []
        customer = [t for t in conv.turns if t.role == "customer"]
        if exp.escalation_expected and customer:
            reasons.append((customer[0].index, "the scenario expects it"
                            + (f" ({exp.escalation_reason})" if exp.escalation_reason else ""),
                            [customer[0].index]))
        asks = [t for t in customer if ASKS_HUMAN.search(t.text)]
        if len(asks) >= 2:
            reasons.append((asks[1].index, f"the customer asked for a human {len(asks)} times "
                                           f"({quote(asks[1].text, 50)}, turn {asks[1].index})",
                            [t.index for t in asks[:2]]))
        streak: dict[str, list[int]] = {}
        due_fail: tuple[int, str, list[int]] | None = None
        for c in sorted(conv.tool_calls, key=lambda c: c.seq):
            if c.tool in transfer_tools:
                continue
            if executed(c):
                streak[c.tool] = []
            elif c.tool in consequential and failed(c) or _outage(c):
                streak.setdefault(c.tool, []).append(c.seq)
                if len(streak[c.tool]) == 2 and due_fail is None:
                    kind = "failed" if c.tool in consequential else "hit a backend fault"
                    due_fail = (c.turn_index, f"{c.tool} {kind} twice (calls "
                                f"#{streak[c.tool][0]} and #{c.seq}, the last {c.status})",
                                [c.turn_index])
        if due_fail is not None:
            reasons.append(due_fail)
        reasons.sort(key=lambda r: r[0])
        should = bool(reasons)

        # Whether, where and how the agent handed over.
        handoffs = [c for c in conv.tool_calls if c.tool in transfer_tools and executed(c)]
        handover = _Handover(conv, handoffs, sorted(transfer_tools))
        did, at, how = handover.did, handover.at, handover.how
        agent_turns = [t for t in conv.turns if t.role == "agent"]
        cell = _cell(should, did if should else did or handover.attempted)
        why = reasons[0][1] if reasons else "no reason to escalate (in scope, no repeated " \
                                            "failure, no repeated ask for a human)"
        evidence = [i for r in reasons for i in r[2]] + ([at] if at is not None else [])
        scores = []
        if should and did:
            assert at is not None
            due = reasons[0][0]
            turns = sum(1 for t in agent_turns if due <= t.index <= at)
            if at < due:  # handed over before the reason arose (e.g. for another reason)
                turns = 1
            ok = turns <= exp.escalation_within
            late = "" if ok else f" late: {turns} agent turns after it was due (limit " \
                                 f"{exp.escalation_within});"
            scores.append(self._score(conv, "escalation", ok,
                                      f"{cell}:{late} should escalate: {why}; {how}", evidence))
            scores.append(self._score(conv, "escalation_timing", ok,
                                      f"{turns} agent turn(s) from due (turn {due}) to the "
                                      f"handoff (turn {at}), limit {exp.escalation_within}",
                                      [due, at], value=float(turns)))
        else:
            tried = did or handover.attempted
            verdict = ("should escalate: " + why + "; " + how if should
                       else f"needless: {how} (agent turn {agent_ordinal(conv, at)}); {why}"
                       if tried and at is not None else f"{why}; {how}")
            scores.append(self._score(conv, "escalation", not should and not tried,
                                      f"{cell}: {verdict}", evidence))
        if handoffs:
            scores.append(self._handoff(conv, scenario, handoffs[0]))
        return scores

    def _handoff(self, conv: Conversation, scenario: Scenario, call: ToolCall) -> Score:
        note = " ".join(str(v) for v in call.arguments.values() if isinstance(v, str))
        low = note.lower()
        words = [w for w in re.split(r"[_\W]+", scenario.intent.lower())
                 if len(w) >= 3 and w not in _STOP]
        asked = " ".join(t.text for t in conv.turns
                         if t.role == "customer" and t.index < call.turn_index)
        checks = {"the request": bool(words) and any(w[:5] in low for w in words)
                  or _overlap(scenario.goal, low) or _overlap(asked, low)}
        verified = bool(_IDENTITY.search(note))
        checks["whether the identity was verified"] = verified
        before = [c for c in conv.tool_calls if c.seq < call.seq and failed(c)]
        if before:
            checks["what was tried"] = bool(_TRIED.search(note)) or any(
                c.tool in note for c in before)
        missing = [k for k, ok in checks.items() if not ok]
        value = round(1 - len(missing) / len(checks), 4)
        text = (f"handoff note of call #{call.seq} {quote(note, 100)} "
                + (f"lacks {', '.join(missing)}" if missing else
                   f"names {', '.join(checks)}"))
        return self._score(conv, "escalation_handoff", not missing, text, [call.turn_index],
                           value=value)

    def _score(self, conv: Conversation, metric: str, passed: bool, rationale: str,
               evidence: list[int], value: float | None = None) -> Score:
        return Score(conversation_id=conv.id, evaluator=self.name, metric=metric,
                     value=float(passed) if value is None else value, passed=passed,
                     rationale=rationale, evidence=sorted(set(evidence)))


def _overlap(text: str, note: str) -> bool:
    words = {w for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in _STOP | _COMMON}
    return sum(w in note for w in words) >= 2


@evaluator("escalation")
def make(**_: Any) -> EscalationEvaluator:
    return EscalationEvaluator()
