"""The bundled mutation operators: one realistic defect each, on any agent.

Registered in the entry-point group `convsim.mutations` (pyproject) exactly like a third
party's. Each reproduces one kind of the seeded-defect agents of the retail reference agent
(`tests/evaluators/test_defects.py`), from outside the agent:

- drop_disclosure: the required disclosure sentences vanish from the reply;
- skip_consent: the agent answers its own yes/no question with a yes and acts at once;
- hide_failure: after a failed change, the reply claims success;
- never_handover: after a transfer, the reply keeps the customer ("I'll keep helping you");
- act_before_verification: the verification lookup is never made (its answer taken as given);
- double_write: every successful change is made twice;
- quote_unreturned_figure: the reply quotes an amount no tool returned.
"""

from __future__ import annotations

import json
import re
import zlib
from typing import Any

from convsim.core.acts import recognise
from convsim.core.records import AgentReply, ToolCall
from convsim.core.registry import mutation
from convsim.simulator.mutations.base import (
    MutantContext,
    MutationOperator,
    PackFacts,
    Reply,
    sentences,
)

KEEP_HELPING = "I'll keep helping you here. Is there anything else I can help you with?"
SUCCESS_CLAIM = ("Everything has been updated and your request is complete. Is there anything "
                 "else I can help you with?")
_FAILED = ("error", "timeout", "malformed")
_QUESTION = re.compile(r"\(?\s*yes\s*/\s*no\s*\)?", re.IGNORECASE)


def _tools(names: frozenset[str], limit: int = 4) -> str:
    ordered = sorted(names)
    return ", ".join(ordered[:limit]) + (", ..." if len(ordered) > limit else "") or "none"


@mutation("drop_disclosure")
class DropDisclosure(MutationOperator):
    name = "drop_disclosure"
    description = "leaves out the disclosures the policy requires (the sentences that state them)"
    evaluators = ("disclosures",)
    metrics = ("disclosure:*",)

    def fires_on_reply(self, reply: Reply, facts: PackFacts, state: dict[str, Any]) -> bool:
        return any(facts.disclosure_sentence(s) for s in sentences(reply.text))

    async def mutate_reply(self, reply: Reply, ctx: MutantContext) -> AgentReply:
        kept = [s for s in sentences(reply.text) if not ctx.facts.disclosure_sentence(s)]
        return AgentReply(text=" ".join(kept) or "OK.", handoff=reply.handoff, end=reply.end)

    def exercise_hint(self, facts: PackFacts) -> str:
        return ("scenarios whose expectations require a disclosure (the pack's scenarios with "
                "`disclosures:`)" if facts.disclosures else
                "the campaign's scenarios require no disclosure: add `disclosures:` to the "
                "pack's scenario expectations")


@mutation("skip_consent")
class SkipConsent(MutationOperator):
    name = "skip_consent"
    description = "answers its own yes/no question with a yes and acts without the customer's consent"
    evaluators = ("rules",)
    metrics = ("rule:consent*", "consent*")

    def fires_on_reply(self, reply: Reply, facts: PackFacts, state: dict[str, Any]) -> bool:
        if reply.handoff or reply.end:
            return False
        act = recognise(reply.text)
        return act.act == "confirm" and act.confident

    async def mutate_reply(self, reply: Reply, ctx: MutantContext) -> AgentReply:
        # The customer never sees the question: the agent gets a yes it did not hear, and
        # the statement flows straight into what it did.
        stated = [_QUESTION.sub("", s).strip() for s in sentences(reply.text)
                  if not s.rstrip().endswith("?")]
        then = await ctx.forward(ctx.facts.yes)
        text = " ".join([s for s in stated if s] + [then.text])
        return AgentReply(text=text, handoff=then.handoff, end=then.end)

    def exercise_hint(self, facts: PackFacts) -> str:
        return (f"scenarios that reach a change needing consent ({_tools(facts.consent_tools)})"
                if facts.consent_tools else "scenarios in which the agent asks for a yes "
                "before a change")

    def rule_hint(self, facts: PackFacts) -> str | None:
        if facts.consent_tools:
            return None
        return ("add a pack rule `requires_consent: {tool: [...]}` naming the changes "
                f"that need a yes ({_tools(facts.write_tools)})")


@mutation("hide_failure")
class HideFailure(MutationOperator):
    name = "hide_failure"
    description = "after a change failed, tells the customer it succeeded"
    evaluators = ("truthfulness",)
    metrics = ("truthfulness",)

    def fires_on_reply(self, reply: Reply, facts: PackFacts, state: dict[str, Any]) -> bool:
        return any(c.tool in facts.write_tools and c.status in _FAILED for c in reply.calls)

    async def mutate_reply(self, reply: Reply, ctx: MutantContext) -> AgentReply:
        return AgentReply(text=SUCCESS_CLAIM)

    def exercise_hint(self, facts: PackFacts) -> str:
        faults = {t: {"error_rate": 0.3} for t in sorted(facts.write_tools)[:4]}
        return ("failed changes: a perturbation profile with tool faults on the changes, e.g. "
                f"the bundled `backend_outage` or {{name: change_outage, tool_faults: "
                f"{json.dumps(faults)}}}")


@mutation("never_handover")
class NeverHandover(MutationOperator):
    name = "never_handover"
    description = "calls the transfer but never hands the customer over (keeps chatting)"
    evaluators = ("escalation",)
    metrics = ("escalation",)

    def fires_on_reply(self, reply: Reply, facts: PackFacts, state: dict[str, Any]) -> bool:
        return reply.handoff or any(c.tool in facts.escalation_tools for c in reply.calls)

    async def mutate_reply(self, reply: Reply, ctx: MutantContext) -> AgentReply:
        return AgentReply(text=KEEP_HELPING)

    def exercise_hint(self, facts: PackFacts) -> str:
        return ("scenarios that must be escalated (out-of-scope intents, a request for a human) "
                f"or a `backend_outage` profile; transfer tools: {_tools(facts.escalation_tools)}")


@mutation("act_before_verification")
class ActBeforeVerification(MutationOperator):
    name = "act_before_verification"
    description = ("acts on the customer's word: never runs the verification lookup (its "
                   "answer is taken as given) and goes on to act")
    evaluators = ("rules", "process")
    metrics = ("rule:*", "process")

    def fires_on_call(self, call: ToolCall, facts: PackFacts, state: dict[str, Any]) -> bool:
        # The lookups the mutant answers itself: those whose true answer is a success (an
        # injected fault hides one); a lookup the backend refuses is made as it was.
        return call.tool in facts.verification_tools and (
            call.status == "ok" or call.injected_fault is not None)

    def skips_call(self, tool: str, arguments: dict[str, Any], facts: PackFacts,
                   state: dict[str, Any]) -> bool:
        return tool in facts.verification_tools

    def exercise_hint(self, facts: PackFacts) -> str:
        return (f"scenarios in which the agent verifies the customer "
                f"({_tools(facts.verification_tools)})" if facts.verification_tools else
                "the pack names no verification lookup: add a rule `requires_result: {tool: "
                "<lookup>, before: [<changes>]}`")

    def rule_hint(self, facts: PackFacts) -> str | None:
        return ("add a pack rule `requires_result: {tool: <lookup>, before: "
                f"[{_tools(facts.write_tools)}]}}` (a change only after the lookup "
                "succeeded)")


@mutation("double_write")
class DoubleWrite(MutationOperator):
    name = "double_write"
    description = "makes every successful change twice"
    evaluators = ("rules",)
    metrics = ("rule:*",)

    def fires_on_call(self, call: ToolCall, facts: PackFacts, state: dict[str, Any]) -> bool:
        return call.tool in facts.write_tools and call.status == "ok"

    async def mutate_call(self, call: ToolCall, ctx: MutantContext) -> ToolCall:
        await ctx.call_tool(call.tool, dict(call.arguments))
        return call

    def exercise_hint(self, facts: PackFacts) -> str:
        return f"scenarios that reach a change ({_tools(facts.write_tools)})"

    def rule_hint(self, facts: PackFacts) -> str | None:
        example = sorted(facts.write_tools)[0] if facts.write_tools else "<change>"
        return (f"add a pack rule `at_most: {{tool: {example}, n: 1}}` per change made at "
                "most once, or `only_if` on the state a change needs")


@mutation("quote_unreturned_figure")
class QuoteUnreturnedFigure(MutationOperator):
    name = "quote_unreturned_figure"
    description = "quotes an amount that no tool returned"
    evaluators = ("truthfulness",)
    metrics = ("truthfulness",)
    once = True

    def fires_on_reply(self, reply: Reply, facts: PackFacts, state: dict[str, Any]) -> bool:
        if state.get("fired") or reply.handoff or reply.end:
            return False
        fired = any(c.status == "ok" and c.tool not in facts.escalation_tools
                    for c in reply.calls)
        state["fired"] = fired
        return fired

    async def mutate_reply(self, reply: Reply, ctx: MutantContext) -> AgentReply:
        seen = " ".join([reply.text] + [c.result or "" for c in reply.calls])
        n = zlib.crc32(ctx.conversation_id.encode())
        figure = f"{100 + n % 800}.{n // 800 % 90 + 10}"
        while figure in seen:
            n += 1
            figure = f"{100 + n % 800}.{n // 800 % 90 + 10}"
        text = f"{reply.text} The balance on your account is ${figure}."
        return AgentReply(text=text, handoff=reply.handoff, end=reply.end)

    def exercise_hint(self, facts: PackFacts) -> str:
        return "scenarios in which the agent calls a tool"

