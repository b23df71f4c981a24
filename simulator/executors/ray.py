"""Ray executor: async actors, each running whole batches of conversations.

The only module that imports ray. By default it starts a local Ray instance
(`ray.init()` on 127.0.0.1), or joins an existing cluster at `ray_address`
(`ray://host:10001` needs the Ray client: `pip install "ray[client]"`). Each actor
hosts one `ConversationWorker` (its own sandbox hub and HTTP session) and runs a
batch's conversations concurrently on its event loop: one Ray call per batch, never
one per turn.

A batch's results come back whole or not at all, so a lost actor (its process killed,
its node gone) loses only batches nobody wrote: they are played again on a new actor,
and every conversation is written once.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from convsim.simulator.config import (
    AgentConfig,
    ConfigError,
    ExecutionConfig,
    JudgeConfig,
    LLMConfig,
)
from convsim.simulator.executors import ExecutorError, batches_in_flight
from convsim.simulator.records import ConversationResult, ConversationSpec
from convsim.simulator.redact import REDACT

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

MAX_ATTEMPTS = 3
"""Times a batch is played before its loss stops the campaign (a batch that kills every
actor it reaches, e.g. out of memory, must not loop forever)."""


class WorkerLost(ExecutorError):
    """A batch was lost with its actor MAX_ATTEMPTS times."""


class _WorkerActor:
    def __init__(self, agents: list[AgentConfig], evaluators: list[str],
                 execution: ExecutionConfig, llm: LLMConfig | None = None,
                 judge: JudgeConfig | None = None) -> None:
        from convsim.simulator.worker import ConversationWorker

        self._worker = ConversationWorker(agents, evaluators, execution, llm, judge)

    async def run_batch(self, specs: list[ConversationSpec]) -> list[ConversationResult]:
        return await self._worker.run_batch(specs)

    async def stop(self) -> None:
        await self._worker.stop()

    def pid(self) -> int:
        return os.getpid()


def _lost_errors() -> tuple[type[BaseException], ...]:
    import ray.exceptions as rex

    # OutOfMemoryError: Ray's memory monitor killed the actor (the node, not the batch, may
    # be short of memory); MAX_ATTEMPTS bounds a batch that is itself too big.
    names = ("RayActorError", "ActorDiedError", "ActorUnavailableError", "WorkerCrashedError",
             "ObjectLostError", "OwnerDiedError", "NodeDiedError", "LocalRayletDiedError",
             "OutOfMemoryError")
    return tuple(getattr(rex, n) for n in names if hasattr(rex, n))


def _init(address: str | None, num_cpus: int | None) -> None:
    import ray

    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                              "configure_logging": False}
    if not address:
        # A local instance advertises and connects on loopback only. Ray 2.x still binds
        # its gRPC servers (GCS, raylet, workers) on every interface, behind Ray's
        # token authentication; there is no option to bind them to 127.0.0.1.
        ray.init(num_cpus=num_cpus, _node_ip_address="127.0.0.1", **kwargs)
        return
    shown = REDACT(address)
    try:
        ray.init(address=address, **kwargs)
    except ValueError as exc:
        if "ray[client]" in str(exc):
            raise ConfigError(f"ray_address {shown}: a ray:// address needs the Ray client; "
                              "install it with pip install \"ray[client]\" (the same Ray "
                              "version as the cluster)") from None
        raise ConfigError(f"ray_address {shown}: {exc}") from None
    except ConnectionError as exc:
        raise ConfigError(f"ray_address {shown}: cannot join the Ray cluster ({exc})") from None


class RayExecutor:
    def __init__(self, agents: Sequence[AgentConfig], evaluators: Sequence[str],
                 execution: ExecutionConfig, llm: LLMConfig | None = None,
                 judge: JudgeConfig | None = None, num_cpus: int | None = None) -> None:
        self._args = (list(agents), list(evaluators), execution, llm, judge)
        self._execution = execution
        self._num_cpus = num_cpus
        self.retried_batches = 0
        """Batches played again because their actor was lost."""
        self.replaced_actors = 0

    def run(self, batches: Iterable[Sequence[ConversationSpec]]
            ) -> Iterator[list[ConversationResult]]:
        import ray

        started_here = not ray.is_initialized()
        # ray.init puts its own SIGTERM handlers in place (sys.exit, and a C++ one that dumps
        # a stack); the caller's (e.g. the CLI's clean stop) comes back once Ray is up.
        term_handler = signal.getsignal(signal.SIGTERM)
        if started_here:
            _init(self._execution.ray_address, self._num_cpus)
        if threading.current_thread() is threading.main_thread() and term_handler is not None:
            signal.signal(signal.SIGTERM, term_handler)
        lost = _lost_errors()
        cpus = int(ray.cluster_resources().get("CPU", 1))
        n_workers = self._execution.workers or max(1, cpus)
        actor_cls = ray.remote(num_cpus=min(1.0, cpus / n_workers))(_WorkerActor)
        actors = [actor_cls.remote(*self._args) for _ in range(n_workers)]
        per_actor = batches_in_flight(self._execution)
        todo = iter(batches)  # pulled lazily: the caller may stop the batches mid-run
        again: deque[tuple[list[ConversationSpec], int]] = deque()  # lost batches to replay
        # ref -> (actor slot, the actor, the batch, attempts so far)
        in_flight: dict[Any, tuple[int, Any, list[ConversationSpec], int]] = {}

        def submit(slot: int) -> None:
            while sum(v[0] == slot for v in in_flight.values()) < per_actor:
                if again:
                    batch, attempts = again.popleft()
                else:
                    nxt = next(todo, None)
                    if nxt is None:
                        return
                    batch, attempts = list(nxt), 0
                actor = actors[slot]
                in_flight[actor.run_batch.remote(batch)] = (slot, actor, batch, attempts)

        try:
            for slot in range(n_workers):
                submit(slot)
            while in_flight:
                ready, _ = ray.wait(list(in_flight), num_returns=1)
                slot, actor, batch, attempts = in_flight.pop(ready[0])
                try:
                    results = ray.get(ready[0])
                except lost as exc:
                    if attempts + 1 >= MAX_ATTEMPTS:
                        raise WorkerLost(f"a batch of {len(batch)} conversations was lost with "
                                         f"its Ray worker {attempts + 1} times (last: "
                                         f"{type(exc).__name__}); stopping") from None
                    self.retried_batches += 1
                    again.append((batch, attempts + 1))
                    if actors[slot] is actor:  # first news of this actor's loss: replace it
                        ray.kill(actor, no_restart=True)
                        actors[slot] = actor_cls.remote(*self._args)
                        self.replaced_actors += 1
                    submit(slot)
                    continue
                submit(slot)
                yield results
        finally:
            for ref in in_flight:
                ray.cancel(ref)
            try:
                ray.get([a.stop.remote() for a in actors], timeout=10)
            except Exception:  # noqa: BLE001 - best effort while tearing down
                pass
            for actor in actors:
                ray.kill(actor)
            if started_here:
                ray.shutdown()
