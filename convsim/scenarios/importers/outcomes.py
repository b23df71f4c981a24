"""How a historical conversation ended, from evidence, with the rule that decided it.

Every importer calls `decide_outcome` once per conversation. In order:
1. transferred: a transfer/handoff tool was called successfully, the format's own
   marker says so (a disposition, ABCD's "manager has been notified"), or one of the
   agent's last two turns hands the customer over ("let me transfer you", "a
   specialist will take it from here");
2. a marker of the format that is not "resolved" (failed, abandoned, reward 0) is kept;
3. resolved: only with evidence, a successful write (a tool that changes something,
   not a lookup) or the customer's thanks or confirmation in their last turns; a
   marker saying resolved without such evidence is `unresolved`;
4. else `unresolved` (nothing shows the request was met).
The rule that decided is stored in the conversation's labels (`outcome_rule`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from convsim.core.records import Conversation, ToolCall, Turn

TRANSFER_TOOL = re.compile(r"transfer|hand_?off|handover|escalat|human_agent|live_agent|"
                           r"to_human|to_agent|route_to|supervisor|callback_request", re.I)
READ_TOOL = re.compile(r"^(get|find|list|search|lookup|look_up|check|verify|validate|calculate|"
                       r"think|fetch|read|query|show|view|describe|identify|authenticate|"
                       r"pull|ask|retrieve|lookup)[-_]|^(lookup|search|think|calculate)$", re.I)
HANDOFF = re.compile(
    r"\b(transferr?(ing|ed)? (you|your (call|chat|case))|"
    r"connect(ing)? you (to|with)|put(ting)? you through|"
    r"hand(ing)? (you|this|your \w+) (over|off)|pass(ing)? you (on|over|along)|"
    r"escalat(e|ed|ing) (this|your|it)|"
    r"(specialist|supervisor|manager|human agent|live agent|colleague|representative|"
    r"team|department) (will|is going to|can) (take (it|this) from here|take over|"
    r"contact|reach out|call you|be with you|help you (further|with this))|"
    r"(manager|supervisor) has been notified|"
    r"(transfer|handoff) (is )?(complete|done|initiated))", re.I)
THANKS = re.compile(r"\b(thanks?|thank you|thx|ty|cheers|appreciate|perfect|great|awesome|"
                    r"wonderful|excellent|that'?s (all|everything|it)|that is all|all set|"
                    r"that works|sounds good|problem solved|all good|got it)\b", re.I)
NOT_PLEASED = re.compile(r"\b(not|still|doesn'?t|didn'?t|won'?t|never|useless|ridiculous|"
                         r"unacceptable|no thanks|cancel)\b", re.I)
ERROR_RESULT = re.compile(r"^\s*[\"']?\s*(\{\s*\"?error|error\b|not found|failed|denied)", re.I)


@dataclass(frozen=True)
class Outcome:
    outcome: str
    rule: str


def _ok(call: ToolCall) -> bool:
    return call.status == "ok" and not ERROR_RESULT.match(call.result or "")


def _snippet(text: str, match: re.Match[str]) -> str:
    return " ".join(text[max(0, match.start() - 10):match.end() + 10].split())


def decide_outcome(turns: Sequence[Turn], calls: Sequence[ToolCall], *,
                   marker: str | None = None, transfer_marker: str | None = None,
                   transfer_tools: Sequence[str] = ()) -> Outcome:
    """The outcome of a historical conversation and the rule used (see the module doc).

    `marker` is what the format says (`resolved`, `failed`, a disposition...);
    `transfer_marker` the format's own evidence of a handoff, said in the rule.
    """
    for call in calls:
        if (call.tool in transfer_tools or TRANSFER_TOOL.search(call.tool)) and _ok(call):
            return Outcome("transferred", f"transfer tool {call.tool} called")
    norm = (marker or "").strip().lower()
    if transfer_marker:
        return Outcome("transferred", f"format marker: {transfer_marker}")
    if norm in ("transferred", "transfer", "escalated", "handoff", "handed_off", "escalation"):
        return Outcome("transferred", f"format marker: outcome {marker}")
    agent = [t for t in turns if t.role == "agent" and t.text.strip()]
    for turn in agent[-2:]:
        if m := HANDOFF.search(turn.text):
            return Outcome("transferred", f"handoff in agent turn {turn.index}: "
                           f"'{_snippet(turn.text, m)}'")
    if norm and norm not in ("resolved", "completed", "success", "solved", "1", "1.0", "true"):
        return Outcome(norm, f"format marker: outcome {marker}")
    evidence = ""
    writes = [c.tool for c in calls if not READ_TOOL.search(c.tool) and _ok(c)
              and c.tool not in ("unknown", "unknown_action")]
    if writes:
        evidence = f"successful write {writes[-1]}"
    else:
        customer = [t for t in turns if t.role == "customer" and t.text.strip()]
        for turn in customer[-2:]:
            m = THANKS.search(turn.text)
            if m and not NOT_PLEASED.search(turn.text):
                evidence = f"customer confirmed in turn {turn.index}: '{_snippet(turn.text, m)}'"
    said = f"format marker {marker} and " if norm else ""
    if evidence:
        return Outcome("resolved", said + evidence)
    if norm:
        return Outcome("unresolved", f"format marker {marker} but no evidence (no successful "
                       "write, no thanks or confirmation from the customer)")
    return Outcome("unresolved", "no evidence of resolution (no successful write, no thanks "
                   "or confirmation from the customer, no handoff)")


def settle(conv: Conversation, *, marker: str | None = None,
           transfer_marker: str | None = None) -> Conversation:
    """`conv` with its outcome, escalated flag and `outcome_rule` label decided."""
    decided = decide_outcome(conv.turns, conv.tool_calls, marker=marker,
                             transfer_marker=transfer_marker)
    conv.outcome = decided.outcome
    conv.escalated = decided.outcome == "transferred"
    conv.labels["outcome_rule"] = decided.rule
    return conv
