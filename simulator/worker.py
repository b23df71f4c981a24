"""Conversation worker: builds the parts of a conversation and runs batches of them.

Layer 2 of the engine (instances from names + config, through the registry).
One worker owns an HTTP session, the sandbox hub (the tools' HTTP face), one
connector per agent version and the evaluators. Executors create workers (in
this process or as Ray actors) and feed them batches.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Sequence
from typing import Any

import aiohttp

from simulator.config import AgentConfig, ExecutionConfig
from simulator.loop import conversation_shell, run_conversation
from simulator.records import (
    Conversation,
    ConversationResult,
    ConversationSpec,
    Persona,
    Score,
)
from simulator.registry import connectors, evaluators, user_simulators
from simulator.sandbox import SandboxHub, ToolSandbox


def bind_persona(state: dict[str, Any], user_id: str | None, persona: Persona) -> dict[str, Any]:
    """The scenario's backend state with the customer's account given the persona's identity."""
    state = copy.deepcopy(state)
    user = state.get("users", {}).get(user_id or "")
    if user is not None:
        ident = persona.identity
        user["name"] = {"first_name": ident.first_name, "last_name": ident.last_name}
        user["email"] = ident.email
        user["address"] = {**user.get("address", {}), "address1": ident.address1,
                           "city": ident.city, "state": ident.state, "zip": ident.zip}
    return state


class ConversationWorker:
    """Runs conversations for every agent version of a campaign."""

    def __init__(self, agents: Sequence[AgentConfig], evaluator_names: Sequence[str],
                 execution: ExecutionConfig) -> None:
        self._agents = list(agents)
        self._evaluator_names = list(evaluator_names)
        self._execution = execution
        self._session: aiohttp.ClientSession | None = None
        self._hub = SandboxHub()
        self._connectors: dict[str, Any] = {}
        self._evaluators = [evaluators.create(n) for n in self._evaluator_names]
        self._sem = asyncio.Semaphore(execution.concurrency)
        self._started = False

    async def start(self) -> None:
        if self._started:
            return
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        await self._hub.start()
        for agent in self._agents:
            self._connectors[agent.version] = connectors.create(
                agent.connector, version=agent.version, url=agent.url, session=self._session,
                timeout_s=self._execution.turn_timeout_s, retries=self._execution.retries,
                options=agent.options, target=agent.target, reference=agent.reference)
        self._started = True

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        await self._hub.stop()
        self._started = False

    async def run_spec(self, spec: ConversationSpec) -> ConversationResult:
        """One conversation, evaluated; any unexpected error is recorded, not raised."""
        async with self._sem:
            sandbox = ToolSandbox(
                bind_persona(spec.scenario.initial_state, spec.scenario.slots.get("user_id"),
                             spec.persona), spec.perturbation, spec.seed)
            self._hub.open(spec.id, sandbox)
            try:
                user = user_simulators.create(spec.user_simulator, spec)
                conv = await run_conversation(spec, user, self._connectors[spec.agent_version],
                                              sandbox, self._hub.url)
            except Exception as exc:  # a bug or an unforeseen failure: keep the batch going
                conv = conversation_shell(spec)
                conv.outcome, conv.error = "agent_error", f"{type(exc).__name__}: {exc}"
            finally:
                self._hub.close(spec.id)
        return ConversationResult(conversation=conv, scores=self.evaluate(conv, spec))

    def evaluate(self, conv: Conversation, spec: ConversationSpec) -> list[Score]:
        if conv.error:
            return [Score(conversation_id=conv.id, evaluator=name, metric=name,
                          status="unscored", rationale=f"not scored: {conv.error}")
                    for name in self._evaluator_names]
        scores: list[Score] = []
        for name, ev in zip(self._evaluator_names, self._evaluators, strict=True):
            try:
                scores.extend(ev.evaluate(conv, spec.scenario))
            except Exception as exc:  # an evaluator bug must not lose the conversation
                scores.append(Score(conversation_id=conv.id, evaluator=name, metric=name,
                                    status="unscored",
                                    rationale=f"evaluator error: {type(exc).__name__}: {exc}"))
        return scores

    async def run_batch(self, specs: Sequence[ConversationSpec]) -> list[ConversationResult]:
        await self.start()
        return list(await asyncio.gather(*(self.run_spec(s) for s in specs)))
