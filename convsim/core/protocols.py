"""Plug-in roles of the engine, as Protocols, and the settings their factories receive.

A plug-in kind is a role (`UserSimulator`, `AgentConnector`, `Evaluator`, `Executor`) plus
a factory that builds one from explicit keyword arguments, each a setting of the kind
(`ConnectorSettings`, ...): a factory names the ones it needs and gets only those
(`core.registry` checks that it needs nothing else). Abilities a plug-in may have or not
(an LLM customer's usage, an async judge) are small Protocols of their own, checked with
`isinstance`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypedDict, runtime_checkable

from pydantic import BaseModel

from convsim.core.records import (
    AgentReply,
    Conversation,
    ConversationSpec,
    LLMUsage,
    Scenario,
    Score,
)

if TYPE_CHECKING:
    import aiohttp

    from convsim.core.config import (
        AgentConfig,
        ExecutionConfig,
        JudgeConfig,
        LLMConfig,
    )
    from convsim.core.results import Packing, ResultBatch
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

    def evaluate(self, conversation: Conversation, scenario: Scenario) -> list[Score]:
        """The scores of one finished conversation against what its scenario expects."""
        ...


class Executor(Protocol):
    """Plays batches of conversation specs (in this process, on Ray, ...)."""

    def run(self, batches: Iterable[Sequence[ConversationSpec]], packing: Packing
            ) -> Iterator[ResultBatch]:
        """Yield each batch's results as it finishes (any order), packed into the run's
        tables by the worker that played them. Batches are pulled lazily, a bounded number
        ahead (planning is lazy, memory stays flat)."""
        ...


# Optional abilities: a plug-in has them or not; the engine asks `has_ability`.

_ABILITIES: dict[tuple[type, type], bool] = {}


def has_ability(plugin: object, ability: type) -> bool:
    """`isinstance(plugin, ability)` for a runtime-checkable ability Protocol, answered once
    per class: an ability belongs to the class (checking a Protocol costs ~35 µs, too much
    for each conversation)."""
    key = (type(plugin), ability)
    found = _ABILITIES.get(key)
    if found is None:
        found = _ABILITIES[key] = isinstance(plugin, ability)
    return found


@runtime_checkable
class CustomerUsesLLM(Protocol):
    """A customer that calls an LLM: its usage is added to the conversation's."""

    usage: LLMUsage


@runtime_checkable
class CustomerLabels(Protocol):
    """A customer with findings about the conversation (e.g. where a replay diverged),
    copied into the conversation's labels."""

    labels: dict[str, str]


@runtime_checkable
class AgentUsesLLM(Protocol):
    """A connector whose agent calls an LLM (the `openai` connector)."""

    def usage(self, conversation_id: str) -> LLMUsage | None:
        """The LLM usage of a conversation, taken (a second call returns None)."""
        ...


@runtime_checkable
class AgentMarks(Protocol):
    """A connector that marks agent turns (a mutant of `convsim adequacy` names the operator
    that changed a reply, e.g. "mutation:drop_disclosure"): the marks are added to the
    turn's perturbations."""

    def turn_marks(self, conversation_id: str) -> list[str]:
        """Marks of the reply just returned for this conversation, taken (then empty)."""
        ...


@runtime_checkable
class AgentBatchesBursts(Protocol):
    """A connector that may send a burst of customer messages as one turn."""

    batches_bursts: bool


@runtime_checkable
class AsyncEvaluator(Protocol):
    """An evaluator that awaits (an LLM judge): the engine calls `aevaluate`, not
    `evaluate`."""

    async def aevaluate(self, conversation: Conversation, scenario: Scenario) -> list[Score]:
        ...


# The settings of each kind's factory: a factory takes any of them by keyword.

class ConnectorSettings(TypedDict, total=False):
    """What a connector factory may take (from the campaign's `agents:` entry)."""

    version: str
    """The agent version's label."""
    url: str | None
    """Base URL of an HTTP agent (given, or of the process the campaign started)."""
    session: aiohttp.ClientSession
    """The worker's HTTP session (one per worker: share it, do not open your own)."""
    timeout_s: float
    """Timeout of one agent call (`execution.turn_timeout_s`)."""
    retries: int
    """Retries after a connection error or 5xx (`execution.retries`)."""
    options: dict[str, Any]
    """The agent's `options:` mapping, free-form per connector."""
    target: str | None
    """`module:attr` of an in-process agent factory (python connector)."""
    reference: str | None
    """A reference agent: `PACK:VERSION` or a reference agent YAML."""
    model: str | None
    """litellm model name (openai connector)."""
    prompt: str | None
    """System prompt (openai connector)."""
    settings: dict[str, Any]
    """litellm settings (openai connector)."""
    llm: LLMConfig
    """The campaign's LLM settings (cache, limits, budget)."""


class CustomerSettings(TypedDict, total=False):
    """What a customer factory may take by keyword, after `(spec, domain)`."""

    llm: LLMConfig
    """The campaign's LLM settings (model of the simulated customer, cache, limits)."""


class EvaluatorSettings(TypedDict, total=False):
    """What an evaluator factory may take."""

    llm: LLMConfig
    """The campaign's LLM settings."""
    judge: JudgeConfig
    """The LLM judge's settings (model, samples, cache)."""


class ImporterSettings(TypedDict, total=False):
    """What a transcript importer factory may take."""

    mapping: Any
    """`--mapping FILE` (a field mapping; only importers that take it accept it)."""


class ExecutorSettings(TypedDict, total=False):
    """What an executor factory may take (it creates the workers that play batches)."""

    agents: Sequence[AgentConfig]
    evaluators: Sequence[str]
    execution: ExecutionConfig
    llm: LLMConfig | None
    judge: JudgeConfig | None


SETTINGS: dict[str, tuple[str, ...]] = {
    "connectors": tuple(ConnectorSettings.__annotations__),
    "customers": tuple(CustomerSettings.__annotations__),
    "evaluators": tuple(EvaluatorSettings.__annotations__),
    "importers": tuple(ImporterSettings.__annotations__),
    "executors": tuple(ExecutorSettings.__annotations__),
    "generators": (),
    "domains": (),
}
"""Setting names per plug-in kind."""
