"""The `openai` agent connector: an LLM with a system prompt and the pack's tools.

The agent under test is (model, system prompt, the domain pack's tools as
function schemas, settings), called through `convsim.core.llm` (litellm:
any OpenAI-compatible server, hosted model, vLLM, Ollama). Per conversation it
keeps the chat history; each customer message runs the model until it answers
with text, executing every tool call it makes in the conversation's sandbox
(faults included), in order, parallel calls included, and feeding back one
`tool` message per call. Arguments that are not a JSON object are not executed:
the call is recorded with status `malformed` (no injected fault) and the model
is told. A successful call to an escalation tool is a handoff.

The agent's identity is `fingerprint`, a hash of the tuple; the usage of each
conversation names the model as `model#fingerprint[:8]`, so two prompts of one
model are told apart in the results. LLM failures are agent infrastructure
errors (`AgentUnavailable`, `AgentProtocolError`), never agent failures.
"""

from __future__ import annotations

import json
from typing import Any

from convsim.core.config import LLMConfig
from convsim.core.llm import LLMError, client_for
from convsim.core.packs.model import Domain
from convsim.core.protocols import AgentProtocolError, AgentUnavailable
from convsim.core.records import AgentReply, LLMUsage, ToolCall, stable_hash
from convsim.core.registry import connector
from convsim.core.sandbox import ToolSandbox

MAX_TOOL_ROUNDS = 8
"""Model calls answered with tool calls in a row before the reply counts as malformed."""
SECRET_SETTINGS = {"api_key", "aws_secret_access_key", "azure_ad_token", "vertex_credentials"}


def agent_fingerprint(model: str, prompt: str, tools: list[dict[str, Any]],
                      settings: dict[str, Any]) -> str:
    """Content hash of what defines the agent version: model, prompt, tools, settings."""
    return stable_hash({"model": model, "prompt": prompt, "tools": tools,
                        "settings": settings}, length=16)


def default_prompt(domain: Domain) -> str:
    """System prompt when the campaign gives none: the pack's written policy, if any."""
    head = (f"You are a customer-service agent for {domain.description or domain.name}. "
            "Use the tools to look things up and make changes; transfer the customer to a "
            "human when the request is outside what the tools allow.")
    return f"{head}\n\n{domain.policy.strip()}" if domain.policy.strip() else head


class OpenAIAgent:
    """An agent version played by an LLM with the pack's tools."""

    def __init__(self, version: str, model: str, prompt: str | None = None,
                 settings: dict[str, Any] | None = None, llm: LLMConfig | None = None) -> None:
        settings = dict(settings or {})
        secret = sorted(SECRET_SETTINGS & set(settings))
        if secret:
            raise ValueError(f"agent {version}: settings {secret} would be written to the run's "
                             "manifest; give keys through the environment instead")
        self.version = version
        self.model = model
        self.prompt = prompt
        self.temperature = settings.pop("temperature", 0.0)
        self.settings = settings
        self.client = client_for(llm)
        self.fingerprint = ""
        """Set from the first conversation's pack (the tools are part of the identity)."""
        self._histories: dict[str, list[dict[str, Any]]] = {}
        self._usage: dict[str, LLMUsage] = {}
        self._domains: dict[int, tuple[str, list[dict[str, Any]], str]] = {}

    def _agent_for(self, domain: Domain) -> tuple[str, list[dict[str, Any]], str]:
        """(system prompt, tool schemas, fingerprint) for a pack."""
        if id(domain) not in self._domains:
            prompt = self.prompt or default_prompt(domain)
            tools = domain.tool_schemas()
            fingerprint = agent_fingerprint(self.model, prompt, tools,
                                            {"temperature": self.temperature, **self.settings})
            self._domains[id(domain)] = (prompt, tools, fingerprint)
        return self._domains[id(domain)]

    async def send(self, conversation_id: str, text: str, sandbox: ToolSandbox,
                   sandbox_url: str) -> AgentReply:
        prompt, tools, self.fingerprint = self._agent_for(sandbox.domain)
        history = self._histories.setdefault(
            conversation_id, [{"role": "system", "content": prompt}])
        usage = self._usage.setdefault(conversation_id, LLMUsage())
        history.append({"role": "user", "content": text})
        said: list[str] = []
        handoff = False
        for _ in range(MAX_TOOL_ROUNDS + 1):
            try:
                result = await self.client.complete(
                    history, model=self.model, temperature=self.temperature, tools=tools,
                    sample=conversation_id, **self.settings)
            except LLMError as exc:
                if exc.transient:
                    raise AgentUnavailable(str(exc)) from None
                raise AgentProtocolError(f"the model rejected the request: {exc}") from None
            result.usage.models = [f"{self.model}#{self.fingerprint[:8]}"]
            usage.add(result.usage)
            if result.text.strip():
                said.append(result.text.strip())
            if not result.tool_calls:
                history.append({"role": "assistant", "content": result.text})
                if not said:
                    raise AgentProtocolError("the model answered with an empty message")
                return AgentReply(text="\n".join(said), handoff=handoff)
            # Ids renamed by position: the history (and the cache keys) do not depend on
            # the provider's random call ids.
            calls = [dict(c, id=f"call_{len(history)}_{i}")
                     for i, c in enumerate(result.tool_calls)]
            history.append({"role": "assistant", "content": result.text or None, "tool_calls": [
                {"id": c["id"], "type": "function",
                 "function": {"name": c["name"], "arguments": c["arguments"]}} for c in calls]})
            for call in calls:
                content, escalated = await self._execute(call, sandbox)
                handoff = handoff or escalated
                history.append({"role": "tool", "tool_call_id": call["id"], "content": content})
        raise AgentProtocolError(f"no text reply after {MAX_TOOL_ROUNDS} rounds of tool calls")

    async def _execute(self, call: dict[str, str], sandbox: ToolSandbox) -> tuple[str, bool]:
        """Run one tool call in the sandbox: (the tool message's content, was a handoff)."""
        try:
            arguments = json.loads(call["arguments"] or "{}")
        except ValueError:
            arguments = None
        if not isinstance(arguments, dict):
            error = json.dumps({"error": "arguments are not a valid JSON object"})
            sandbox.calls.append(ToolCall(
                seq=len(sandbox.calls), turn_index=sandbox.current_turn, tool=call["name"],
                arguments={"unparsed_arguments": call["arguments"][:2000]}, result=error,
                status="malformed"))
            return error, False
        record = await sandbox.call(call["name"], arguments)
        if record.status == "timeout":
            return json.dumps({"error": "the tool timed out"}), False
        tool = sandbox.domain.tools.get(call["name"])
        escalated = record.status == "ok" and tool is not None and tool.escalation
        return record.result or "", escalated

    def usage(self, conversation_id: str) -> LLMUsage | None:
        """The LLM usage of a conversation (taken: a second call returns None)."""
        return self._usage.pop(conversation_id, None)

    async def close(self, conversation_id: str) -> None:
        self._histories.pop(conversation_id, None)


@connector("openai")
def make_openai(version: str, model: str | None = None, prompt: str | None = None,
                settings: dict[str, Any] | None = None, llm: LLMConfig | None = None
                ) -> OpenAIAgent:
    if not model:
        raise ValueError(f"agent {version}: the openai connector needs 'model'")
    return OpenAIAgent(version, model, prompt, settings, llm)
