"""Executors: run batches of conversation specs and yield results as batches finish.

Layer 3 of the engine. `local` runs a worker in this process (asyncio); `ray`
runs workers as async Ray actors. Both take the same worker arguments and give
the same results for the same specs, and keep just enough batches in flight to fill
each worker's `concurrency`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from convsim.core.config import AgentConfig, ExecutionConfig, JudgeConfig, LLMConfig
from convsim.core.records import ConversationSpec
from convsim.core.results import Packing, ResultBatch


class ExecutorError(RuntimeError):
    """The executor cannot go on (e.g. a batch lost with its Ray worker again and again)."""


class Executor(Protocol):
    def run(self, batches: Iterable[Sequence[ConversationSpec]], packing: Packing
            ) -> Iterator[ResultBatch]:
        """Yield each batch's results as it finishes (any order), packed into the run's
        tables by the worker that played them. Batches are pulled lazily, a bounded number
        ahead (planning is lazy, memory stays flat)."""
        ...


def make_executor(kind: str, agents: Sequence[AgentConfig], evaluators: Sequence[str],
                  execution: ExecutionConfig, llm: LLMConfig | None = None,
                  judge: JudgeConfig | None = None) -> Executor:
    if kind == "local":
        from convsim.engine.executors.local import LocalExecutor

        return LocalExecutor(agents, evaluators, execution, llm, judge)
    if kind == "ray":
        from convsim.engine.executors.ray import RayExecutor

        return RayExecutor(agents, evaluators, execution, llm, judge)
    raise ValueError(f"unknown executor {kind!r} (local or ray)")


def batches_in_flight(execution: ExecutionConfig) -> int:
    """Batches to keep in flight per worker: enough to fill its concurrency while the
    slowest conversations of a batch finish, and no more (memory stays bounded)."""
    return max(2, -(-execution.concurrency // execution.batch_size) + 1)
