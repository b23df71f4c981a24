"""Plug-in roles of the engine, as Protocols (the Executor protocol is in
`simulator.executors`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from convsim.core.records import (
    AgentReply,
    Conversation,
    Scenario,
    Score,
)

if TYPE_CHECKING:
    from convsim.core.sandbox import ToolSandbox


class ToolOutcome(BaseModel):
    """What a tool call gave an agent: a value, or an error (a business error or a fault)."""

    ok: bool
    value: Any = None
    error: str = ""
    fault: bool = False
    """Infrastructure failure (5xx, timeout, unreadable body) rather than a business error."""


class ToolClient(Protocol):
    """How an in-process or HTTP agent calls its tools: `await tools(name, arguments)`."""

    async def __call__(self, tool: str, arguments: dict[str, Any]) -> ToolOutcome: ...


def parse_tool_body(status: int, body: str) -> ToolOutcome:
    """Turn a sandbox HTTP answer into a ToolOutcome (5xx and garbage are faults)."""
    if status >= 500:
        return ToolOutcome(ok=False, error=f"HTTP {status}", fault=True)
    try:
        value = json.loads(body)
    except ValueError:
        return ToolOutcome(ok=False, error="unreadable response", fault=True)
    if status >= 400:
        msg = value.get("error", "") if isinstance(value, dict) else str(value)
        return ToolOutcome(ok=False, error=msg)
    return ToolOutcome(ok=True, value=value)


class AgentUnavailable(Exception):
    """The agent could not be reached or answered with a server error after retries."""


class AgentProtocolError(Exception):
    """The agent answered, but not in the expected shape."""


@dataclass
class UserReply:
    """What a simulated customer says next; `end` closes the conversation after it."""

    text: str
    end: bool = False
    act: str | None = None
    """The dialog act the simulator recognised in the agent message it answers."""
    unsure: bool = False
    """The simulator could not tell what the agent wanted and answered generically."""


class UserSimulator(Protocol):
    """Plays the customer of one conversation."""

    async def opening(self) -> UserReply:
        """The customer's first message."""
        ...

    async def respond(self, agent_text: str) -> UserReply:
        """The customer's answer to the agent's last message."""
        ...

    @property
    def outcome(self) -> str | None:
        """How the customer judged the conversation when it ended (completed, abandoned)."""
        ...


class AgentConnector(Protocol):
    """Talks to one agent version."""

    version: str

    async def send(self, conversation_id: str, text: str, sandbox: ToolSandbox,
                   sandbox_url: str) -> AgentReply:
        """Send one customer message, get the agent's reply (tools: the sandbox, in-process
        or at `sandbox_url`)."""
        ...

    async def close(self, conversation_id: str) -> None:
        """The conversation is over: let the agent free its state."""
        ...


class Evaluator(Protocol):
    """Scores conversations on one or more metrics."""

    name: str

    def evaluate(self, conversation: Conversation, scenario: Scenario) -> list[Score]: ...
