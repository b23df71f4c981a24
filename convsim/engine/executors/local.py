"""Local executor: one worker in this process, batches run concurrently on asyncio."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from convsim.core.config import AgentConfig, ExecutionConfig, JudgeConfig, LLMConfig
from convsim.core.records import ConversationSpec
from convsim.core.results import Packing, ResultBatch
from convsim.engine.executors import batches_in_flight
from convsim.engine.worker import ConversationWorker

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class LocalExecutor:
    def __init__(self, agents: Sequence[AgentConfig], evaluators: Sequence[str],
                 execution: ExecutionConfig, llm: LLMConfig | None = None,
                 judge: JudgeConfig | None = None, max_batches_in_flight: int | None = None
                 ) -> None:
        self._args = (agents, evaluators, execution, llm, judge)
        self._in_flight = max_batches_in_flight or batches_in_flight(execution)
        self.lag_counts: dict[int, int] = {}
        """Event-loop lag while conversations ran (ms -> samples), once `run` is over."""

    def run(self, batches: Iterable[Sequence[ConversationSpec]], packing: Packing
            ) -> Iterator[ResultBatch]:
        """Batches are pulled lazily (the caller may stop them). SIGINT/SIGTERM while the
        loop runs stop it between steps and raise KeyboardInterrupt here, so no
        conversation task is hit by the signal mid-request."""
        loop = asyncio.new_event_loop()
        worker = ConversationWorker(*self._args)
        pending: set[asyncio.Task[ResultBatch]] = set()
        todo = iter(batches)
        interrupted: list[int] = []
        waiter: list[asyncio.Future[Any]] = []
        previous = self._catch_signals(loop, interrupted, waiter)
        try:
            loop.run_until_complete(worker.start())

            def fill() -> None:
                while len(pending) < self._in_flight and not interrupted:
                    batch = next(todo, None)
                    if batch is None:
                        return
                    pending.add(loop.create_task(worker.run_packed(batch, packing)))

            fill()
            while pending:
                waiter[:] = [loop.create_task(
                    asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED))]
                try:
                    done, rest = loop.run_until_complete(waiter[0])
                except asyncio.CancelledError:
                    if interrupted:
                        raise KeyboardInterrupt from None
                    raise
                pending.clear()
                pending.update(rest)
                for task in done:
                    yield task.result()
                fill()
            if interrupted:  # a signal while nothing was in flight
                raise KeyboardInterrupt
        finally:
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(worker.stop())
            for ms, n in worker.lag.counts.items():
                self.lag_counts[ms] = self.lag_counts.get(ms, 0) + n
            # Background tasks of libraries (litellm's logging) die with the loop, quietly.
            leftovers = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in leftovers:
                task.cancel()
            if leftovers:
                loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            self._restore_signals(loop, previous)
            loop.close()

    @staticmethod
    def _catch_signals(loop: asyncio.AbstractEventLoop, interrupted: list[int],
                       waiter: list[asyncio.Future[Any]]) -> dict[int, Any]:
        def on_signal(sig: int) -> None:
            interrupted.append(sig)
            if waiter and not waiter[0].done():
                waiter[0].cancel()

        previous: dict[int, Any] = {}
        for sig in _SIGNALS:
            try:
                handler = signal.getsignal(sig)
                loop.add_signal_handler(sig, on_signal, sig)
            except (RuntimeError, ValueError, NotImplementedError):
                continue  # not the main thread, or no signals here
            previous[sig] = handler
        return previous

    @staticmethod
    def _restore_signals(loop: asyncio.AbstractEventLoop, previous: dict[int, Any]) -> None:
        for sig, handler in previous.items():
            with contextlib.suppress(RuntimeError, ValueError):
                loop.remove_signal_handler(sig)
                signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
