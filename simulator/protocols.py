"""Plug-in roles of the engine, as Protocols (the Executor protocol is in
`simulator.executors`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from simulator.records import (
    AgentReply,
    Conversation,
    Scenario,
    Score,
)

if TYPE_CHECKING:
    from simulator.sandbox import ToolSandbox


@dataclass
class UserReply:
    """What a simulated customer says next; `end` closes the conversation after it."""

    text: str
    end: bool = False


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
