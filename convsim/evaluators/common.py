"""What the rule evaluators share: the pack of a scenario, the rules that apply, dialog acts
of agent turns, which calls count as done or failed, and how evidence is quoted."""

from __future__ import annotations

import inspect
import json
import re
from functools import lru_cache
from typing import Any

from convsim.core.acts import classify
from convsim.core.packs.discovery import find_domain
from convsim.core.packs.model import Domain, ToolError, clone_state
from convsim.core.records import Conversation, Scenario, ToolCall
from convsim.core.rule_specs import Rule, matches
from convsim.evaluators.process import executed

__all__ = ["StateReplay", "act_of", "action_words", "agent_ordinal", "attempted",
           "consequential_tools", "escalation_tools", "executed", "failed", "pack_of", "quote",
           "result_value", "rules_for"]

_WRITE_VERBS = ("cancel", "return", "exchange", "modify", "update", "change", "suspend", "resume",
                "refuel", "make_payment", "pay", "refund", "enable", "disable", "delete", "remove",
                "book", "create", "place", "send_payment", "add", "set_", "finish", "submit",
                "checkout")
"""Verbs that say a tool writes something, read from its name and from the first word of its
description ("finish_order", "Finish order ...": completing an order sends it to be made)."""


_GENERIC = {"get", "make", "send", "request", "pending", "delivered", "user", "order", "orders",
            "items", "item", "line", "data", "customer", "details", "for", "the", "by", "to", "of",
            "id", "info", "new", "roaming"}
_SYNONYMS = {"payment": ["paid", "payment"], "refund": ["refund"],
             "modify": ["modif", "updated"], "address": ["address"],
             "refuel": ["refuel", "add", "topped", "top up"]}


def action_words(tool: str) -> list[str]:
    """Word starts that name what a tool does (cancel_pending_order -> cance), for matching
    agent sentences with `\\b<word>`."""
    out: list[str] = []
    for token in tool.lower().split("_"):
        if token in _GENERIC or len(token) < 4:
            continue
        out += _SYNONYMS.get(token, [token[:5] if len(token) >= 6 else token.rstrip("e")])
    return out


def failed(call: ToolCall) -> bool:
    """The call did not do what was asked: an error (business or injected), a timeout."""
    return call.status in ("error", "timeout")


def attempted(call: ToolCall) -> bool:
    """The agent called a tool the pack has (whatever the backend answered)."""
    return call.status != "unknown_tool"


def quote(text: str, limit: int = 90) -> str:
    """A short quotation of a turn for a rationale."""
    text = re.sub(r"\s+", " ", text).strip()
    return json.dumps(text if len(text) <= limit else text[: limit - 1] + "\u2026")


_HANDOFF_NAMED = re.compile(
    r"\b(?:transfer|connect|escalat|hand)\w*\b[^.?!]*\b(?:human|agent|representative|specialist|"
    r"supervisor|manager|team|colleague|department)\b", re.IGNORECASE)
_HANDING_NOW = re.compile(
    r"\b(?:i(?:'ll| will|'m going to| am going to| am now|'m now)|let me|i'm|i am) (?:now |just )?"
    r"(?:pass(?:ing)?|rout(?:e|ing)|hand(?:ing)?|transfer(?:ring)?|connect(?:ing)?|put(?:ting)?) "
    r"(?:you|your (?:call|chat|case|request))(?: over| through| on)? (?:to|with)\b[^.?!]*\b(?:agent|"
    r"representative|colleague|human|team|specialist|supervisor|manager|person|someone|department|"
    r"desk)\b", re.IGNORECASE)
"""A hand-over the agent does now, said in one sentence ("I'll pass you to my colleague now")."""
_HANDOFF_NOT_NOW = re.compile(
    r"\b(?:would|might|may|could) (?:need|have) to (?:transfer|escalat|connect|hand)\w*|"
    r"\b(?:unable|not able|cannot|can't|can not|won't be able|(?:do not|don't|does not|doesn't) "
    r"have the (?:ability|authority|option|power|means)) (?:to )?(?:[a-z]+ ){0,3}?(?:or |and )?"
    r"(?:transfer|escalat|connect|hand)\w*", re.IGNORECASE)
"""A hand-over said as hypothetical ("I would need to transfer you to a human agent") or
refused ("I am unable to escalate", "I don't have the ability to make exceptions or escalate
this"): not one done now."""
_HOLD_WHILE = re.compile(
    r"\b(?:hold on|hold|wait|bear with me|one moment|a moment|stay on the line)\b[^.?!]*\bwhile i\b|"
    r"\bi(?:'ll| will| am going to|'m going to) (?:do (?:that|it|so)|go ahead and do (?:that|it)) "
    r"(?:now|right away)\b", re.IGNORECASE)
"""The agent going ahead with a hand-over it named in the sentence before ("I can transfer
you to a human agent ... Please hold on for a moment while I do that."): the act reader
(`convsim.core.acts`, per sentence) reads the first sentence as an offer."""


@lru_cache(maxsize=65536)
def act_of(text: str) -> str:
    """The dialog act of an agent message (cached: agents repeat themselves); a hand-over
    named in one sentence and carried out in the next ("please hold while I do that") is a
    transfer."""
    act = classify(text)
    if act == "transfer" and _HANDOFF_NOT_NOW.search(text) and not _HANDING_NOW.search(text):
        # "I would need to transfer you ... Would you like me to do that?", "I am unable to
        # escalate": the hand-over sentences are hypothetical or refused; read the rest.
        rest = [s for s in re.split(r"(?<=[.!?])\s+|\n+", text)
                if s.strip() and not _HANDOFF_NOT_NOW.search(s)]
        act = classify(" ".join(rest)) if rest else "inform"
    if act != "transfer" and any(_HANDING_NOW.search(s) and not s.rstrip().endswith("?")
                                 and not re.search(r"\bif\b", s, re.I)
                                 for s in re.split(r"(?<=[.!?])\s+|\n+", text)):
        return "transfer"
    if act != "transfer" and _HANDOFF_NAMED.search(text):
        sentences = [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]
        for before, after in zip(sentences, sentences[1:], strict=False):
            if _HANDOFF_NAMED.search(before) and _HOLD_WHILE.search(after) \
                    and not after.rstrip().endswith("?") and not re.search(r"\bif\b", after, re.I):
                return "transfer"
    return act


def result_value(call: ToolCall) -> Any:
    """The parsed result of a call, or None when it has none or cannot be read."""
    if not call.result:
        return None
    try:
        return json.loads(call.result)
    except ValueError:
        return None


@lru_cache(maxsize=64)
def _pack(ref: str) -> Domain | None:
    try:
        return find_domain(ref)
    except Exception:  # noqa: BLE001 - an evaluator works without the pack (fewer checks)
        return None


def pack_of(scenario: Scenario) -> Domain | None:
    """The scenario's domain pack, or None when it cannot be loaded."""
    return _pack(scenario.domain) if scenario.domain else None


def rules_for(scenario: Scenario, domain: Domain | None = None) -> list[Rule]:
    """The pack's rules and the scenario's (a scenario rule replaces a pack rule of the same
    name), those that apply to the scenario's intent."""
    domain = domain if domain is not None else pack_of(scenario)
    by_name = {r.name: r for r in (domain.rules if domain is not None else [])}
    by_name.update({r.name: r for r in scenario.expectations.rules})
    return [r for r in by_name.values() if r.applies_to(scenario.intent)]


def consequential_tools(scenario: Scenario, domain: Domain | None = None,
                        tools: list[str] | None = None) -> list[str]:
    """Tools whose call changes something for the customer: those the rules require consent
    or a state for; without such rules, tools named like a write (cancel, modify, pay...)."""
    domain = domain if domain is not None else pack_of(scenario)
    patterns = [t for r in rules_for(scenario, domain) if r.kind in ("requires_consent", "only_if")
                for t in r.body.tool]
    names = sorted(set(tools or []) | set(domain.tools if domain is not None else []))
    if patterns:
        found = [t for t in names if matches(t, patterns)]
        return found or [p for p in patterns if "*" not in p]
    escalation = set(escalation_tools(scenario, domain, names))
    return [t for t in names if t not in escalation and (_writes(t) or _writes(
        _description_lead(domain, t)))]


def _writes(name: str) -> bool:
    return any(name.startswith(v) or f"_{v}" in name for v in _WRITE_VERBS)


def _description_lead(domain: Domain | None, tool: str) -> str:
    """The first word of a tool's description, as a name ("Submits the order." -> submit_),
    so a tool named for its object ("order_drink") is read by what it does."""
    spec = domain.tools.get(tool) if domain is not None else None
    words = re.findall(r"[a-z]+", spec.spec.description.lower()) if spec is not None else []
    if not words:
        return ""
    lead = words[0]
    if lead in ("return", "returns", "get", "gets", "list", "lists", "look", "looks"):
        return ""  # "Returns the user's details": what it answers, not what it does
    return (lead[:-1] if lead.endswith("s") and not lead.endswith("ss") else lead) + "_"


def escalation_tools(scenario: Scenario, domain: Domain | None = None,
                     tools: list[str] | None = None) -> list[str]:
    """The pack's transfer tools; without a pack, tools named like one."""
    domain = domain if domain is not None else pack_of(scenario)
    if domain is not None and domain.escalation_tools:
        return list(domain.escalation_tools)
    return [t for t in tools or [] if re.search(r"transfer|escalat|handoff|human", t)]


class StateReplay:
    """The backend state before each call, from the initial state and the executed calls."""

    def __init__(self, domain: Domain | None, initial: dict[str, Any], source: str) -> None:
        self.domain, self.source = domain, source
        self._initial: dict[str, Any] | None = initial
        self._state: dict[str, Any] = {}
        self.applied = -1
        self.broken: str | None = None if domain is not None else "the pack cannot be loaded"

    @property
    def state(self) -> dict[str, Any]:
        """The replayed state, copied from the initial one on first use (an evaluator that
        finds nothing to replay pays no copy)."""
        if self._initial is not None:
            self._state, self._initial = clone_state(self._initial), None
        return self._state

    def apply(self, calls: list[ToolCall]) -> dict[str, Any] | None:
        """The state after the executed `calls` (in seq order), or None if one cannot be
        replayed."""
        for c in sorted(calls, key=lambda c: c.seq):
            if self.broken:
                break
            if executed(c):
                self._apply(c)
        return None if self.broken else self.state

    def before(self, call: ToolCall, calls: list[ToolCall]) -> dict[str, Any] | None:
        """The state just before `call`, replaying the executed calls before it (calls are
        visited in order: ask for increasing calls)."""
        for c in calls:
            if self.broken or c.seq >= call.seq:
                break
            if c.seq <= self.applied:
                continue
            self.applied = c.seq
            if executed(c):
                self._apply(c)
        return None if self.broken else self.state

    def _apply(self, c: ToolCall) -> None:
        assert self.domain is not None
        tool = self.domain.tools.get(c.tool)
        if tool is None or tool.kind in ("proxy", "replay"):
            self.broken = f"{c.tool} cannot be replayed ({tool.kind if tool else 'unknown'})"
            return
        try:
            value = tool.fn(self.state, dict(c.arguments))
            if inspect.isawaitable(value):
                getattr(value, "close", lambda: None)()
                self.broken = f"{c.tool} is asynchronous and cannot be replayed"
        except ToolError:
            pass  # refused in replay as well: no change
        except Exception as exc:  # noqa: BLE001 - a pack tool failing on logged arguments
            self.broken = f"replaying call #{c.seq} {c.tool} failed: {type(exc).__name__}"


def agent_ordinal(conversation: Conversation, turn_index: int) -> int:
    """1-based count of agent turns up to and including `turn_index`."""
    return sum(1 for t in conversation.turns if t.role == "agent" and t.index <= turn_index)
