"""The mutant: a connector in front of the agent under test that applies one defect.

Registered as the connector `mutant` (entry point, like any connector). Its options name
the operator (`operator`, a `convsim.mutations` plug-in), the agent it wraps (`inner`: an
agent entry as in a campaign file, with any connector: http, python, openai, a plug-in's),
and the campaign's disclosures (`disclosures`: patterns; `disclosure_examples`: example
sentences of those written as a meaning). It speaks the connector contract
both ways: the customer's messages go to the inner agent unchanged; its replies, and for
tool-level defects the tool results it receives, go through the operator. Tool calls are
intercepted on the conversation's sandbox itself, so an HTTP agent calling the sandbox's
HTTP face is seen as well as an in-process one. Every reply the operator changed carries
the mark `mutation:<operator>` in the turn's perturbations (`core.protocols.AgentMarks`).
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from convsim.core.packs.model import ToolError
from convsim.core.protocols import AgentBatchesBursts, AgentUsesLLM, has_ability
from convsim.core.records import AgentReply, LLMUsage, ToolCall
from convsim.core.registry import connector, connectors, mutations
from convsim.core.sandbox import ToolSandbox
from convsim.simulator.mutations.base import MutantContext, MutationOperator, PackFacts, Reply

MARK = "mutation:"
"""Prefix of the turn perturbation that says which operator changed the reply."""


class _Conversation:
    """The mutant's state for one conversation."""

    def __init__(self, sandbox: ToolSandbox, sandbox_url: str) -> None:
        self.sandbox = sandbox
        self.sandbox_url = sandbox_url
        self.state: dict[str, Any] = {}
        self.marks: list[str] = []
        self.original_call: Any = None


class MutantConnector:
    """One operator applied to the replies (and tool results) of an inner connector."""

    def __init__(self, version: str, inner: Any, operator: MutationOperator,
                 disclosures: list[str], examples: list[str] | None = None) -> None:
        self.version = version
        self.inner = inner
        self.operator = operator
        self._disclosures = disclosures
        self._examples = examples or []
        self._facts: dict[int, PackFacts] = {}
        self._conversations: dict[str, _Conversation] = {}
        self.batches_bursts = bool(has_ability(inner, AgentBatchesBursts)
                                   and inner.batches_bursts)

    def facts(self, domain: Any) -> PackFacts:
        found = self._facts.get(id(domain))
        if found is None:
            found = self._facts[id(domain)] = PackFacts.of(domain, self._disclosures,
                                                           self._examples)
        return found

    def _open(self, conversation_id: str, sandbox: ToolSandbox, sandbox_url: str) -> _Conversation:
        conv = self._conversations.get(conversation_id)
        if conv is None:
            conv = self._conversations[conversation_id] = _Conversation(sandbox, sandbox_url)
            if (type(self.operator).fires_on_call is not MutationOperator.fires_on_call
                    or type(self.operator).skips_call is not MutationOperator.skips_call):
                # The sandbox of this conversation alone: the HTTP face and in-process agents
                # both reach the tools through its `call`.
                conv.original_call = sandbox.call

                async def call(tool: str, arguments: dict[str, Any]) -> ToolCall:
                    return await self._on_call(conversation_id, tool, arguments)

                setattr(sandbox, "call", call)  # noqa: B010 - an instance attribute, on purpose
        return conv

    def _context(self, conversation_id: str, conv: _Conversation) -> MutantContext:
        async def forward(text: str) -> Reply:
            return await self._send_inner(conversation_id, text, conv)

        async def call_tool(tool: str, arguments: dict[str, Any]) -> ToolCall:
            caller = conv.original_call or conv.sandbox.call
            record: ToolCall = await caller(tool, arguments)
            return record

        async def run_tool(tool: str, arguments: dict[str, Any]) -> ToolCall | None:
            impl = conv.sandbox.domain.tools.get(tool)
            if impl is None:
                return None
            try:
                impl.check_arguments(arguments)
                value = impl.fn(conv.sandbox.state, arguments)
                if inspect.isawaitable(value):
                    value = await value
            except (ToolError, ValueError, TypeError, KeyError):
                return None
            return ToolCall(seq=len(conv.sandbox.calls), turn_index=conv.sandbox.current_turn,
                            tool=tool, arguments=arguments,
                            result=json.dumps(value, sort_keys=True, default=str))

        return MutantContext(conversation_id, self.facts(conv.sandbox.domain), conv.state,
                             forward, call_tool, run_tool)

    async def _on_call(self, conversation_id: str, tool: str, arguments: dict[str, Any]
                       ) -> ToolCall:
        conv = self._conversations[conversation_id]
        facts = self.facts(conv.sandbox.domain)
        if self.operator.skips_call(tool, arguments, facts, conv.state):
            answer = await self._context(conversation_id, conv).run_tool(tool, arguments)
            if answer is not None:
                conv.marks.append(MARK + self.operator.name)
                return answer
        record: ToolCall = await conv.original_call(tool, arguments)
        if self.operator.fires_on_call(record, facts, conv.state):
            conv.marks.append(MARK + self.operator.name)
            return await self.operator.mutate_call(record, self._context(conversation_id, conv))
        return record

    async def _send_inner(self, conversation_id: str, text: str, conv: _Conversation) -> Reply:
        start = len(conv.sandbox.calls)
        answer: AgentReply = await self.inner.send(conversation_id, text, conv.sandbox,
                                                   conv.sandbox_url)
        return Reply(answer.text, bool(answer.handoff), bool(answer.end),
                     list(conv.sandbox.calls[start:]))

    async def send(self, conversation_id: str, text: str, sandbox: ToolSandbox,
                   sandbox_url: str) -> AgentReply:
        conv = self._open(conversation_id, sandbox, sandbox_url)
        reply = await self._send_inner(conversation_id, text, conv)
        facts = self.facts(sandbox.domain)
        if self.operator.fires_on_reply(reply, facts, conv.state):
            conv.marks.append(MARK + self.operator.name)
            return await self.operator.mutate_reply(reply, self._context(conversation_id, conv))
        return AgentReply(text=reply.text, handoff=reply.handoff, end=reply.end)

    def turn_marks(self, conversation_id: str) -> list[str]:
        conv = self._conversations.get(conversation_id)
        if conv is None or not conv.marks:
            return []
        marks, conv.marks = list(dict.fromkeys(conv.marks)), []
        return marks

    def usage(self, conversation_id: str) -> LLMUsage | None:
        if has_ability(self.inner, AgentUsesLLM):
            found: LLMUsage | None = self.inner.usage(conversation_id)
            return found
        return None

    async def close(self, conversation_id: str) -> None:
        conv = self._conversations.pop(conversation_id, None)
        if conv is not None and conv.original_call is not None:
            try:
                delattr(conv.sandbox, "call")
            except AttributeError:
                pass
        await self.inner.close(conversation_id)


@connector("mutant")
def make_mutant(version: str, options: dict[str, Any], **settings: Any) -> MutantConnector:
    """The agent of `options.inner` (an agent entry) with the defect of `options.operator`.
    Every other setting is handed on to the inner agent's connector."""
    inner_config = dict(options.get("inner") or {})
    operator_name = options.get("operator")
    if not inner_config or not operator_name:
        raise ValueError(f"agent {version}: a mutant needs options.operator and options.inner")
    inner_connector = str(inner_config.pop("connector", "http"))
    inner_settings = {**settings, **{k: v for k, v in inner_config.items()
                                    if k not in ("version", "command", "workdir", "ready_pattern",
                                                 "ready_url", "ready_timeout_s")}}
    inner_settings["options"] = inner_config.get("options") or {}
    inner = connectors.create(inner_connector, version=version, **inner_settings)
    operator = mutations.create(str(operator_name))
    if not isinstance(operator, MutationOperator):
        raise ValueError(f"mutation operator {operator_name!r}: its factory returned "
                         f"{type(operator).__name__}, not a MutationOperator")
    return MutantConnector(version, inner, operator, list(options.get("disclosures") or []),
                           list(options.get("disclosure_examples") or []))
