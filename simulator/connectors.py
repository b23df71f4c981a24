"""Agent connectors: how the simulator talks to an agent version.

- `http`: a black-box agent service. POST a turn, read the reply (and optional
  end / handoff flags); field names are configurable. Connection errors and 5xx
  are retried with exponential backoff and jitter; what still fails raises
  `AgentUnavailable` (an infrastructure error, never an agent failure).
- `python`: an in-process agent (the reference agent, or any object with an
  async `respond(state, text, tools)`), for unit tests and notebooks.
"""

from __future__ import annotations

import asyncio
import importlib
import random
from typing import Any

import aiohttp

from convsim.simulator.protocols import (
    AgentProtocolError,
    AgentUnavailable,
    ToolOutcome,
    parse_tool_body,
)
from convsim.simulator.records import AgentReply
from convsim.simulator.registry import connector
from convsim.simulator.sandbox import CONVERSATION_HEADER, SANDBOX_URL_HEADER, ToolSandbox


class HttpConnector:
    """Black-box HTTP agent."""

    def __init__(self, version: str, url: str, session: aiohttp.ClientSession,
                 timeout_s: float = 10.0, retries: int = 2, options: dict[str, Any] | None = None
                 ) -> None:
        opts = options or {}
        self.version = version
        self._base = url.rstrip("/")
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._retries = retries
        self._chat_path = opts.get("chat_path", "/v1/chat")
        self._close_path = opts.get("close_path", "/v1/conversations/{id}")
        self._id_field = opts.get("conversation_id_field", "conversation_id")
        self._message_field = opts.get("message_field", "message")
        self._reply_field = opts.get("reply_field", "reply")
        self._end_field = opts.get("end_field", "end")
        self._handoff_field = opts.get("handoff_field", "handoff")
        bursts = opts.get("bursts", "sequential")
        if bursts not in ("sequential", "batched"):
            raise ValueError(f"options.bursts: expected sequential or batched, got {bursts!r}")
        self.batches_bursts = bursts == "batched"
        """A burst of short customer messages arrives as one message, parts on their own
        lines (batched), or as one POST per part, the agent answering each (sequential)."""

    async def send(self, conversation_id: str, text: str, sandbox: ToolSandbox,
                   sandbox_url: str) -> AgentReply:
        body = {self._id_field: conversation_id, self._message_field: text}
        headers = {SANDBOX_URL_HEADER: sandbox_url, CONVERSATION_HEADER: conversation_id}
        last = ""
        for attempt in range(self._retries + 1):
            if attempt:
                # Backoff with jitter; seeded by the conversation so runs stay reproducible.
                jitter = random.Random(f"{conversation_id}:{attempt}").random()
                await asyncio.sleep(min(2.0, 0.05 * 2**attempt) * (0.5 + jitter))
            try:
                async with self._session.post(self._base + self._chat_path, json=body,
                                              headers=headers, timeout=self._timeout) as resp:
                    raw = await resp.text()
                    if resp.status >= 500:
                        last = f"HTTP {resp.status} from {self._base}"
                        continue
                    if resp.status >= 400:
                        raise AgentProtocolError(f"HTTP {resp.status}: {raw[:200]}")
                    return self._parse(raw)
            except TimeoutError:
                last = f"no reply within {self._timeout.total:g}s from {self._base}"
            except aiohttp.ClientError as exc:
                last = f"{type(exc).__name__}: {exc}"
        raise AgentUnavailable(last)

    def _parse(self, raw: str) -> AgentReply:
        import json

        try:
            data = json.loads(raw)
        except ValueError:
            raise AgentProtocolError(f"reply is not JSON: {raw[:120]!r}") from None
        if not isinstance(data, dict) or not isinstance(data.get(self._reply_field), str):
            raise AgentProtocolError(
                f"reply has no text field {self._reply_field!r}: {raw[:120]!r}")
        return AgentReply(text=data[self._reply_field], end=bool(data.get(self._end_field)),
                          handoff=bool(data.get(self._handoff_field)))

    async def close(self, conversation_id: str) -> None:
        try:
            async with self._session.delete(
                    self._base + self._close_path.format(id=conversation_id),
                    timeout=self._timeout):
                pass
        except (TimeoutError, aiohttp.ClientError):
            pass  # forgetting state is best effort


class _SandboxTools:
    """In-process tool client for python agents."""

    def __init__(self, sandbox: ToolSandbox) -> None:
        self._sandbox = sandbox

    async def __call__(self, tool: str, arguments: dict[str, Any]) -> ToolOutcome:
        from convsim.simulator.sandbox import http_status_for

        call = await self._sandbox.call(tool, arguments)
        return parse_tool_body(http_status_for(call), call.result or "")


class PythonConnector:
    """In-process agent: `agent.respond(state, text, tools)`, one state per conversation."""

    def __init__(self, version: str, agent: Any, new_state: Any) -> None:
        self.version = version
        self._agent = agent
        self._new_state = new_state
        self._states: dict[str, Any] = {}

    async def send(self, conversation_id: str, text: str, sandbox: ToolSandbox,
                   sandbox_url: str) -> AgentReply:
        state = self._states.setdefault(conversation_id, self._new_state())
        reply = await self._agent.respond(state, text, _SandboxTools(sandbox))
        return reply if isinstance(reply, AgentReply) else AgentReply.model_validate(reply)

    async def close(self, conversation_id: str) -> None:
        self._states.pop(conversation_id, None)


@connector("http")
def make_http(version: str, url: str, session: aiohttp.ClientSession, timeout_s: float,
              retries: int, options: dict[str, Any], **_: Any) -> HttpConnector:
    return HttpConnector(version, url, session, timeout_s, retries, options)


@connector("python")
def make_python(version: str, target: str | None = None, reference: str | None = None,
                **_: Any) -> PythonConnector:
    """From a reference agent YAML, or a 'module:factory' returning (agent, new_state)."""
    if reference:
        from convsim.simulator.reference_agent.policy import (
            DialogueState,
            ReferenceAgent,
            load_agent_config,
        )

        return PythonConnector(version, ReferenceAgent(load_agent_config(reference)),
                               DialogueState)
    assert target is not None
    module, _sep, attr = target.partition(":")
    agent, new_state = getattr(importlib.import_module(module), attr)()
    return PythonConnector(version, agent, new_state)
