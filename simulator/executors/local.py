"""Local executor: one worker in this process, batches run concurrently on asyncio."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence

from convsim.simulator.config import AgentConfig, ExecutionConfig, LLMConfig
from convsim.simulator.records import ConversationResult, ConversationSpec
from convsim.simulator.worker import ConversationWorker


class LocalExecutor:
    def __init__(self, agents: Sequence[AgentConfig], evaluators: Sequence[str],
                 execution: ExecutionConfig, llm: LLMConfig | None = None,
                 max_batches_in_flight: int = 4) -> None:
        self._args = (agents, evaluators, execution, llm)
        self._in_flight = max_batches_in_flight

    def run(self, batches: Sequence[Sequence[ConversationSpec]]
            ) -> Iterator[list[ConversationResult]]:
        loop = asyncio.new_event_loop()
        worker = ConversationWorker(*self._args)
        pending: set[asyncio.Task[list[ConversationResult]]] = set()
        todo = iter(batches)
        try:
            loop.run_until_complete(worker.start())

            def fill() -> None:
                while len(pending) < self._in_flight:
                    batch = next(todo, None)
                    if batch is None:
                        return
                    pending.add(loop.create_task(worker.run_batch(batch)))

            fill()
            while pending:
                done, rest = loop.run_until_complete(
                    asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED))
                pending.clear()
                pending.update(rest)
                for task in done:
                    yield task.result()
                fill()
        finally:
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(worker.stop())
            loop.close()
