"""Ray executor: async actors, each running whole batches of conversations.

The only module that imports ray. By default it starts a local Ray instance
(`ray.init()` on 127.0.0.1), or joins an existing cluster at `ray_address`. Each actor hosts
one `ConversationWorker` (its own sandbox hub and HTTP session) and runs a
batch's conversations concurrently on its event loop: one Ray call per batch,
never one per turn.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from convsim.simulator.config import AgentConfig, ExecutionConfig, JudgeConfig, LLMConfig
from convsim.simulator.records import ConversationResult, ConversationSpec

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


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


class RayExecutor:
    def __init__(self, agents: Sequence[AgentConfig], evaluators: Sequence[str],
                 execution: ExecutionConfig, llm: LLMConfig | None = None,
                 judge: JudgeConfig | None = None, num_cpus: int | None = None) -> None:
        self._args = (list(agents), list(evaluators), execution, llm, judge)
        self._execution = execution
        self._num_cpus = num_cpus

    def run(self, batches: Sequence[Sequence[ConversationSpec]]
            ) -> Iterator[list[ConversationResult]]:
        import ray

        started_here = not ray.is_initialized()
        # ray.init puts its own SIGTERM handlers in place (sys.exit, and a C++ one that dumps
        # a stack); the caller's (e.g. the CLI's clean stop) comes back once Ray is up.
        term_handler = signal.getsignal(signal.SIGTERM)
        if started_here:
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "configure_logging": False}
            if self._execution.ray_address:
                ray.init(address=self._execution.ray_address, **kwargs)
            else:
                # A local instance advertises and connects on loopback only. Ray 2.x still binds
                # its gRPC servers (GCS, raylet, workers) on every interface, behind Ray's
                # token authentication; there is no option to bind them to 127.0.0.1.
                ray.init(num_cpus=self._num_cpus, _node_ip_address="127.0.0.1", **kwargs)
        if threading.current_thread() is threading.main_thread() and term_handler is not None:
            signal.signal(signal.SIGTERM, term_handler)
        cpus = int(ray.cluster_resources().get("CPU", 1))
        n_workers = self._execution.workers or max(1, cpus)
        actor_cls = ray.remote(num_cpus=min(1.0, cpus / n_workers))(_WorkerActor)
        actors = [actor_cls.remote(*self._args) for _ in range(n_workers)]
        todo = iter(batches)  # pulled lazily: the caller may stop the batches mid-run
        in_flight: dict[Any, Any] = {}

        def submit(actor: Any) -> None:
            batch = next(todo, None)
            if batch is not None:
                in_flight[actor.run_batch.remote(batch)] = actor

        try:
            for actor in actors:  # two batches per actor keep it busy while one returns
                submit(actor)
                submit(actor)
            while in_flight:
                ready, _ = ray.wait(list(in_flight), num_returns=1)
                actor = in_flight.pop(ready[0])
                results = ray.get(ready[0])
                submit(actor)
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
