"""What a mutation operator is: one realistic defect, applied to any agent from outside.

An operator sees each reply the agent under test gives (its text, handoff and end flags,
and the tool calls it made meanwhile) and, for tool-level defects, each tool call as the
agent makes it. `fires_on_reply` / `fires_on_call` say whether the defect applies there;
they read only what the unmutated agent did, so `convsim adequacy` can tell from the
baseline conversation alone whether an operator would fire in it (until it fires, the
mutant's conversation is the baseline's, turn for turn). `mutate_reply` / `mutate_call`
apply the defect. What an operator knows of the business comes from the domain pack
(`PackFacts`: write, verification and transfer tools, disclosure patterns).

Operators are plug-ins: a factory in the entry-point group `convsim.mutations` that
returns a `MutationOperator` (see `operators.py` for the bundled ones).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from convsim.core.records import AgentReply, ToolCall
from convsim.core.rule_specs import matches

_WRITE_VERBS = ("cancel", "modify", "update", "change", "return", "exchange", "refund", "pay",
                "make_", "send_", "suspend", "resume", "enable", "disable", "refuel", "book",
                "create", "delete", "add", "remove", "set", "place", "order", "transfer")
_SENTENCE = re.compile(r"(?<=[.?!])\s+|\n+")
_WORD = re.compile(r"[a-z]{3,}")
_STOP = frozenset(re.findall(r"\S+", """the and for you your our with from that this will are
was were have has been can may not but all any its they them their there here what when which
who how just also very into about than then some would could should shall only"""))
OVERLAP = 0.5
"""Share of an example's content words a sentence must contain to state that disclosure."""


def _stems(text: str) -> set[str]:
    out = set()
    for word in _WORD.findall(text.lower()):
        if word in _STOP:
            continue
        for suffix in ("ing", "ed", "es", "ly", "s"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
        out.add(word)
    return out


def sentences(text: str) -> list[str]:
    """The sentences of a reply, as written (split after . ? ! and at line breaks)."""
    return [s for s in _SENTENCE.split(text) if s.strip()]


@dataclass(frozen=True)
class PackFacts:
    """What operators know of the business: from the domain pack and the campaign."""

    write_tools: frozenset[str]
    """Tools whose call changes something for the customer (the pack's consent, state and
    count rules name them; without rules, tools named like a write)."""
    consent_tools: frozenset[str]
    """Tools a pack rule asks consent for (`requires_consent`)."""
    verification_tools: frozenset[str]
    """Lookups a pack rule requires a result of before a change (`requires_result`, `before`)."""
    escalation_tools: frozenset[str]
    """The pack's transfer tools (`@tool(escalation=True)`)."""
    disclosures: tuple[str, ...] = ()
    """Regular expressions of the disclosures the campaign's scenarios require."""
    examples: tuple[str, ...] = ()
    """Example sentences of the disclosures written as a meaning (`meaning:` + `examples:`)."""
    rules: tuple[Any, ...] = ()
    """The pack's rules (`core.rule_specs.Rule`)."""
    yes: str = "Yes, please go ahead."
    """What a customer says to agree (the pack's `yes` utterance, if it has one)."""

    @classmethod
    def of(cls, domain: Any, disclosures: Iterable[str] = (),
           examples: Iterable[str] = ()) -> PackFacts:
        """Facts of a loaded pack (`core.packs.model.Domain`) and the campaign's disclosures
        (regular expressions, and example sentences of those written as a meaning)."""
        tools = sorted(domain.tools)
        rules = list(domain.rules) + [r for t in domain.scenarios for r in t.expectations.rules]
        escalation = frozenset(domain.escalation_tools)

        def named(kinds: Sequence[str], fields: Sequence[str]) -> set[str]:
            patterns = [p for r in rules if r.kind in kinds for f in fields
                        for p in (getattr(r.body, f, None) or [])]
            return {t for t in tools if matches(t, patterns)}

        consent = named(["requires_consent"], ["tool"])
        writes = consent | named(["only_if", "at_most", "never"], ["tool"]) \
            | named(["requires_result"], ["before"]) | named(["before"], ["then"])
        writes = {t for t in writes if t not in escalation and not re.match(
            r"(?:get|find|list|search|check|lookup|look_up|show|read|calculate)_", t)}
        if not writes:
            writes = {t for t in tools if t not in escalation and any(
                t.startswith(v) or f"_{v}" in t for v in _WRITE_VERBS)}
        verification = named(["requires_result"], ["tool"]) | named(["before"], ["first"])
        patterns = list(dict.fromkeys(
            [p for t in domain.scenarios for d in t.expectations.disclosures for p in d.patterns]
            + list(disclosures)))
        said = list(dict.fromkeys(
            [e for t in domain.scenarios for d in t.expectations.disclosures
             for e in getattr(d, "examples", [])] + list(examples)))
        yes = (domain.utterances.get("yes") or [cls.yes])[0]
        return cls(frozenset(writes), frozenset(consent), frozenset(verification - writes),
                   escalation, tuple(patterns), tuple(said), tuple(rules),
                   yes if "{" not in yes else cls.yes)

    def disclosure_sentence(self, sentence: str) -> bool:
        """Whether a sentence states a disclosure: it matches one of the patterns, or holds
        at least half the content words of an example (and two of them)."""
        if any(re.search(p, sentence, re.IGNORECASE) for p in self.disclosures):
            return True
        if not self.examples:
            return False
        words = _stems(sentence)
        for example in self.examples:
            wanted = _stems(example)
            shared = len(wanted & words)
            if wanted and shared >= 2 and shared >= OVERLAP * len(wanted):
                return True
        return False


@dataclass
class Reply:
    """One reply of the agent and the tool calls it made while producing it."""

    text: str
    handoff: bool = False
    end: bool = False
    calls: list[ToolCall] = field(default_factory=list)


@dataclass
class MutantContext:
    """What an operator may do while mutating one reply of one conversation."""

    conversation_id: str
    facts: PackFacts
    state: dict[str, Any]
    """The operator's memory for this conversation (e.g. fired once already)."""
    forward: Callable[[str], Awaitable[Reply]]
    """Send a message to the agent under test as if the customer said it; its reply."""
    call_tool: Callable[[str, dict[str, Any]], Awaitable[ToolCall]]
    """Call a tool of the conversation's sandbox (recorded like the agent's own calls)."""
    run_tool: Callable[[str, dict[str, Any]], Awaitable[ToolCall | None]]
    """The tool's true answer, off the record and without injected faults (None when the
    tool itself refuses): what a backend that never failed would have said."""


class MutationOperator:
    """One defect. Subclass and override the hooks of the level the defect lives at."""

    name: str = ""
    description: str = ""
    """The defect, in a sentence a release manager reads."""
    evaluators: tuple[str, ...] = ()
    """Evaluators whose metrics see the defect when it happens."""
    metrics: tuple[str, ...] = ()
    """Metric patterns expected to catch it (e.g. 'disclosure:*')."""
    required: bool = True
    """Whether the default adequacy policy requires the campaign to catch it."""
    once: bool = False
    """Fire at most once per conversation."""

    def fires_on_reply(self, reply: Reply, facts: PackFacts, state: dict[str, Any]) -> bool:
        """Whether the defect applies to this reply of the unmutated agent."""
        return False

    async def mutate_reply(self, reply: Reply, ctx: MutantContext) -> AgentReply:
        """The reply the customer gets instead."""
        return AgentReply(text=reply.text, handoff=reply.handoff, end=reply.end)

    def fires_on_call(self, call: ToolCall, facts: PackFacts, state: dict[str, Any]) -> bool:
        """Whether the defect applies to this tool call of the unmutated agent (as recorded)."""
        return False

    def skips_call(self, tool: str, arguments: dict[str, Any], facts: PackFacts,
                   state: dict[str, Any]) -> bool:
        """Whether the mutant answers this call itself, off the record, with the tool's true
        answer (a defect that never makes the call); if the tool refuses, the call is made.
        Must agree with `fires_on_call` on the record the call would have left."""
        return False

    async def mutate_call(self, call: ToolCall, ctx: MutantContext) -> ToolCall:
        """What the agent receives for this call (the call is already made and recorded)."""
        return call

    def exercise_hint(self, facts: PackFacts) -> str:
        """What a campaign needs to exercise the defect, when it never fired."""
        return "scenarios in which the agent does what this operator changes"

    def rule_hint(self, facts: PackFacts) -> str | None:
        """The pack rule that would catch the defect when the campaign runs the `rules`
        evaluator (None: no rule to suggest)."""
        return None

    def catch_hint(self, facts: PackFacts, evaluators: Sequence[str]) -> str:
        """What to add so that a metric sees the defect, when it fired and nothing changed."""
        if "rules" in evaluators and (rule := self.rule_hint(facts)):
            return rule
        missing = [e for e in self.evaluators if e not in evaluators]
        if missing:
            return f"add the evaluator{'s' * (len(missing) > 1)} {', '.join(missing)} " \
                   "to the campaign's `evaluators:`"
        return (f"the evaluators {', '.join(self.evaluators) or '(none named)'} run but none of "
                f"their metrics ({', '.join(self.metrics) or 'none'}) changed: add a pack rule "
                "or an evaluator that checks this behaviour")

    def fires_in(self, replies: Sequence[Reply], facts: PackFacts) -> bool:
        """Whether the operator would fire in a finished conversation of the unmutated agent
        (its replies in order, each with its tool calls)."""
        state: dict[str, Any] = {}
        for reply in replies:
            if any(self.fires_on_call(c, facts, state) for c in reply.calls):
                return True
            if self.fires_on_reply(reply, facts, state):
                return True
        return False

    def would_fire(self, replies: Sequence[tuple[str, bool, bool, list[ToolCall]]],
                   facts: PackFacts) -> bool:
        """`fires_in` on plain data: (text, handoff, end, tool calls) per agent reply (what
        the engine reads back from a run's tables)."""
        return self.fires_in([Reply(t, h, e, list(c)) for t, h, e, c in replies], facts)

    @staticmethod
    def pack_facts(domain: Any, disclosures: Iterable[str] = (),
                   examples: Iterable[str] = ()) -> PackFacts:
        """What operators know of a loaded pack (and the campaign's disclosures: patterns,
        and example sentences of those written as a meaning)."""
        return PackFacts.of(domain, disclosures, examples)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description,
                "evaluators": list(self.evaluators), "metrics": list(self.metrics),
                "required": self.required}
