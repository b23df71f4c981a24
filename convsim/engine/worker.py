"""Conversation worker: builds the parts of a conversation and runs batches of them.

Layer 2 of the engine (instances from names + config, through the registry).
One worker owns an HTTP session, the sandbox hub (the tools' HTTP face), one
connector per agent version and the evaluators. Executors create workers (in
this process or as Ray actors) and feed them batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Sequence
from typing import Any

import aiohttp

from convsim.core.config import AgentConfig, ExecutionConfig, JudgeConfig, LLMConfig
from convsim.core.llm import budget_watch, client_for
from convsim.core.packs.discovery import find_domain
from convsim.core.protocols import (
    AgentUsesLLM,
    AsyncEvaluator,
    CustomerLabels,
    CustomerUsesLLM,
    has_ability,
)
from convsim.core.records import (
    Conversation,
    ConversationResult,
    ConversationSpec,
    LLMUsage,
    Score,
    ToolCall,
)
from convsim.core.registry import connectors, evaluators, user_simulators
from convsim.core.results import BUDGET_NOT_STARTED, Packing, ResultBatch, pack_results
from convsim.core.sandbox import SandboxHub, ToolSandbox
from convsim.engine.loop import SimulatorFailure, conversation_shell, run_conversation


def _collect_llm_usage(conv: Conversation, user: Any, connector: Any) -> None:
    """LLM calls of the customer and of the agent, and what the customer simulator noted
    (e.g. where a replay diverged): optional abilities declared in `core.protocols`."""
    if has_ability(user, CustomerLabels):
        conv.labels.update({str(k): str(v) for k, v in user.labels.items()})
    if has_ability(user, CustomerUsesLLM) and isinstance(user.usage, LLMUsage):
        conv.llm.add(user.usage)
    agent_usage = connector.usage(conv.id) if has_ability(connector, AgentUsesLLM) else None
    if isinstance(agent_usage, LLMUsage):
        conv.llm.add(agent_usage)


def _check_replay_state(conv: Conversation, state: Any) -> None:
    """A replay failing because the state rebuilt from its transcript lacks a record is
    convsim's failure (`simulator_error`), never the agent's; what was rebuilt and what is
    missing goes into the labels either way (see `scenarios.replay_state`)."""
    from convsim.core.replay_check import missing_state_failure

    if not isinstance(state, dict):
        return
    conv.labels["replay_state"] = str(state.get("source") or "none")
    if state.get("missing"):
        conv.labels["replay_state_missing"] = "; ".join(map(str, state["missing"]))[:500]
    if conv.outcome in ("agent_error", "simulator_error", "budget_stopped"):
        return
    why = missing_state_failure(conv.tool_calls, state)
    if why is not None:
        conv.outcome, conv.error = "simulator_error", f"simulator: {why}"[:1000]


class _TimedSandbox(ToolSandbox):
    """A sandbox whose calls record their measured latency (the injected delay and the
    tool's own work), not the configured one."""

    def __init__(self, domain: Any, state: dict[str, Any], profile: Any, seed: int) -> None:
        super().__init__(domain, {}, profile, seed)
        self.state = state  # a fresh copy made for this conversation: no second deep copy

    async def call(self, tool: str, arguments: dict[str, Any]) -> ToolCall:
        started = time.perf_counter()
        record = await super().call(tool, arguments)
        record.latency_ms = round((time.perf_counter() - started) * 1000, 3)
        return record


_GC_GEN0 = 50_000
"""Allocations between young-generation collections while conversations run (Python's
default is 700). Conversations allocate a lot of short-lived objects that reference counting
frees anyway; at the default the cyclic collector took ~18% of the engine's CPU
(benchmarks/wire_speed.py, gc off vs on)."""
_gc_users: list[tuple[int, int, int]] = []


def _engine_gc(on: bool) -> None:
    """Tune the collector while a worker runs: objects alive at start (modules, packs, the
    plan) are frozen out of collections, and young collections are rarer. Restored at stop."""
    if on:
        if not _gc_users:
            gc.freeze()
            old = gc.get_threshold()
            _gc_users.append(old)
            gc.set_threshold(max(old[0], _GC_GEN0), old[1], old[2])
        else:
            _gc_users.append(_gc_users[-1])
    elif _gc_users:
        old = _gc_users.pop()
        if not _gc_users:
            gc.set_threshold(*old)
            gc.unfreeze()


class LoopLag:
    """How late the event loop wakes a sleeper, sampled every `every_s` while conversations run.

    An agent reply that has arrived waits that long before convsim reads it: when the
    engine is CPU-bound, measured agent latencies include this wait. Kept as a histogram of
    whole milliseconds (bounded memory however long the run)."""

    def __init__(self, every_s: float = 0.02) -> None:
        self.every_s = every_s
        self.counts: dict[int, int] = {}
        self.active = 0
        """Conversations running now: an idle worker's samples would only dilute the figure."""

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self.every_s
            await asyncio.sleep(self.every_s)
            if self.active:
                late = int((loop.time() - due) * 1000)
                self.counts[late] = self.counts.get(late, 0) + 1

    @staticmethod
    def summary(counts: dict[int, int]) -> dict[str, float]:
        """samples, p50, p90, p99 and max lag in ms, from (merged) histograms."""
        n = sum(counts.values())
        if not n:
            return {"samples": 0}
        out: dict[str, float] = {"samples": n, "max_ms": max(counts)}
        seen, wanted = 0, [(0.5, "p50_ms"), (0.9, "p90_ms"), (0.99, "p99_ms")]
        for value in sorted(counts):
            seen += counts[value]
            while wanted and seen >= wanted[0][0] * n:
                out[wanted.pop(0)[1]] = value
        return out


class ConversationWorker:
    """Runs conversations for every agent version of a campaign."""

    def __init__(self, agents: Sequence[AgentConfig], evaluator_names: Sequence[str],
                 execution: ExecutionConfig, llm: LLMConfig | None = None,
                 judge: JudgeConfig | None = None) -> None:
        self._agents = list(agents)
        self._evaluator_names = list(evaluator_names)
        self._execution = execution
        self._llm = llm or LLMConfig()
        self._session: aiohttp.ClientSession | None = None
        self._hub = SandboxHub()
        self._connectors: dict[str, Any] = {}
        # Evaluators take what they need of the settings (the judge: its model and the cache).
        self._evaluators = [evaluators.create(n, llm=self._llm, judge=judge or JudgeConfig())
                            for n in self._evaluator_names]
        self._sem = asyncio.Semaphore(execution.concurrency)
        self.lag = LoopLag()
        self._lag_task: asyncio.Task[None] | None = None
        self._gc_tuned = False
        self._started = False
        self._start_lock = asyncio.Lock()

    async def start(self) -> None:
        """Open the session, the sandbox hub and the connectors, once: batches that reach a
        fresh worker together (Ray sends two at a time) must share them."""
        async with self._start_lock:
            if not self._started:
                await self._start()

    async def _start(self) -> None:
        _engine_gc(True)
        self._gc_tuned = True
        self._lag_task = asyncio.get_running_loop().create_task(self.lag.run())
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        await self._hub.start()
        for agent in self._agents:
            self._connectors[agent.version] = connectors.create(
                agent.connector, version=agent.version, url=agent.url, session=self._session,
                timeout_s=self._execution.turn_timeout_s, retries=self._execution.retries,
                options=agent.options, target=agent.target, reference=agent.reference,
                model=agent.model, prompt=agent.prompt, settings=agent.settings, llm=self._llm)
        self._started = True

    async def stop(self) -> None:
        if self._lag_task is not None:
            self._lag_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._lag_task
            self._lag_task = None
        for connector in self._connectors.values():
            closer = getattr(connector, "aclose", None)  # e.g. http's keep-alive connections
            if closer is not None:
                with contextlib.suppress(Exception):
                    await closer()
        self._connectors.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None
        await self._hub.stop()
        if self._gc_tuned:  # also when start failed half-way
            _engine_gc(False)
            self._gc_tuned = False
        self._started = False

    async def run_spec(self, spec: ConversationSpec) -> ConversationResult:
        """One conversation, evaluated; any unexpected error is recorded, not raised.

        Failures on convsim's side (the pack cannot bind the persona, the simulated
        customer raises) are `simulator_error`, never blamed on the agent.
        """
        async with self._sem:
            self.lag.active += 1
            try:
                conv = await self._play(spec)
            finally:
                self.lag.active -= 1
        return ConversationResult(conversation=conv, scores=await self.evaluate(conv, spec))

    async def _play(self, spec: ConversationSpec) -> Conversation:
        # The empty shell is built only where no conversation was played (it is a validated
        # record: run_conversation builds its own).
        if self._llm.budget_usd is not None:
            reached = client_for(self._llm).budget_spent()
            if reached is not None:  # not written (see results.not_started): --resume plays it
                conv = conversation_shell(spec)
                conv.outcome, conv.error = "budget_stopped", f"{BUDGET_NOT_STARTED}: {reached}"
                return conv
        try:
            domain = find_domain(spec.domain)
            sandbox = _TimedSandbox(domain, domain.initial_state(spec.scenario, spec.persona),
                                  spec.perturbation, spec.seed)
            user = user_simulators.create(spec.user_simulator, spec, domain, llm=self._llm)
        except Exception as exc:  # noqa: BLE001 - recorded on the conversation
            conv = conversation_shell(spec)
            conv.outcome, conv.error = "simulator_error", f"simulator: {type(exc).__name__}: {exc}"
            return conv
        self._hub.open(spec.id, sandbox)
        with budget_watch() as refused:
            try:
                conv = await run_conversation(spec, user, self._connectors[spec.agent_version],
                                              sandbox, self._hub.url,
                                              self._execution.max_reply_chars)
            except SimulatorFailure as exc:
                conv = conversation_shell(spec)
                conv.outcome, conv.error = "simulator_error", f"simulator: {exc}"
            except Exception as exc:  # noqa: BLE001 - a bug on our side: keep the batch going
                conv = conversation_shell(spec)
                conv.outcome, conv.error = "simulator_error", f"{type(exc).__name__}: {exc}"
            finally:
                self._hub.close(spec.id)
        if refused:
            # The run's LLM budget stopped it mid-way (whichever side asked for the call):
            # kept with its turns, not scored, never an agent or simulator failure.
            conv.outcome, conv.error = "budget_stopped", f"budget: {refused[0]}"
        _collect_llm_usage(conv, user, self._connectors[spec.agent_version])
        if "state" in spec.scenario.provenance:  # a replay: its state was rebuilt from a log
            _check_replay_state(conv, spec.scenario.provenance["state"])
        escalation = set(domain.escalation_tools)
        conv.escalated = conv.outcome == "transferred" or any(
            c.tool in escalation and c.status == "ok" for c in conv.tool_calls)
        return conv

    async def evaluate(self, conv: Conversation, spec: ConversationSpec) -> list[Score]:
        """Every evaluator's scores; an evaluator with `aevaluate` (an LLM judge) is awaited."""
        if conv.error:
            return [Score(conversation_id=conv.id, evaluator=name, metric=name,
                          status="unscored", rationale=f"not scored: {conv.error}")
                    for name in self._evaluator_names]
        scores: list[Score] = []
        for name, ev in zip(self._evaluator_names, self._evaluators, strict=True):
            try:
                if has_ability(ev, AsyncEvaluator):
                    scores.extend(await ev.aevaluate(conv, spec.scenario))
                else:
                    scores.extend(ev.evaluate(conv, spec.scenario))
            except Exception as exc:  # an evaluator bug must not lose the conversation
                scores.append(Score(conversation_id=conv.id, evaluator=name, metric=name,
                                    status="unscored",
                                    rationale=f"evaluator error: {type(exc).__name__}: {exc}"))
        return scores

    async def run_batch(self, specs: Sequence[ConversationSpec]) -> list[ConversationResult]:
        await self.start()
        return list(await asyncio.gather(*(self.run_spec(s) for s in specs)))

    def play(self, specs: Sequence[ConversationSpec]) -> list[ConversationResult]:
        """`specs` played and scored on a fresh event loop, the worker stopped after (for
        scripts, benchmarks and tests that want the results, not a run folder)."""
        async def batch() -> list[ConversationResult]:
            try:
                return await self.run_batch(specs)
            finally:
                await self.stop()

        return asyncio.run(batch())

    async def run_packed(self, specs: Sequence[ConversationSpec], packing: Packing
                         ) -> ResultBatch:
        """A batch's results packed into the run's tables here, where the conversations
        ran: a Ray driver then only writes them."""
        results = await self.run_batch(specs)
        return pack_results(results, {s.id: s for s in specs}, packing)
