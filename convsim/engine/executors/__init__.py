"""Executors: run batches of conversation specs and yield results as batches finish.

Layer 3 of the engine. `local` runs a worker in this process (asyncio); `ray`
runs workers as async Ray actors. Both are found by name through the registry
(entry-point group `convsim.executors`), as a third party's executor would be; both
take the same worker arguments and give the same results for the same specs, and keep
just enough batches in flight to fill each worker's `concurrency`.
"""

from __future__ import annotations

from collections.abc import Sequence

from convsim.core.config import AgentConfig, ExecutionConfig, JudgeConfig, LLMConfig
from convsim.core.protocols import Executor
from convsim.core.registry import PluginError, executors

__all__ = ["Executor", "ExecutorError", "batches_in_flight", "make_executor"]


class ExecutorError(RuntimeError):
    """The executor cannot go on (e.g. a batch lost with its Ray worker again and again)."""


def make_executor(kind: str, agents: Sequence[AgentConfig], evaluators: Sequence[str],
                  execution: ExecutionConfig, llm: LLMConfig | None = None,
                  judge: JudgeConfig | None = None) -> Executor:
    """The executor named `kind`, found in the `convsim.executors` entry points (the
    bundled `local` and `ray` are registered there like a third party's)."""
    try:
        made: Executor = executors.create(kind, agents=agents, evaluators=evaluators,
                                          execution=execution, llm=llm, judge=judge)
    except PluginError as exc:
        raise ValueError(str(exc)) from None
    return made


def batches_in_flight(execution: ExecutionConfig) -> int:
    """Batches to keep in flight per worker: enough to fill its concurrency while the
    slowest conversations of a batch finish, and no more (memory stays bounded)."""
    return max(2, -(-execution.concurrency // execution.batch_size) + 1)
