"""A run's plan: which conversations it plays, pulled batch by batch.

`RunPlan.of(config, limit)` builds the population and plans its ConversationSpecs lazily
(scenarios x personas x perturbation profiles x repetitions x agent versions, see
`population`: streamed, never all held); `RunPlan.batches` cuts them into the batches an
executor pulls, skipping those a resumed run already wrote. Neighbours: `population` (the
specs), `manifest` (what is done), `campaign` (run_campaign plays the plan).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from convsim.core.config import CampaignConfig
from convsim.core.records import ConversationSpec
from convsim.engine.population import build_population, iter_specs, planned_count


class SpecBatches:
    """The campaign's batches, planned as the executor pulls them: at most the batches in
    flight are in memory. Specs already written (`done`, on resume) are skipped on the way.
    Once `stop()` is called, iterating yields no new batch (the executors pull batches
    lazily, so the ones in flight finish and nothing else starts)."""

    def __init__(self, specs: Iterator[ConversationSpec], size: int,
                 done: set[str] | None = None) -> None:
        self._specs = specs
        self._size = size
        self._done = done or set()
        self.skipped = 0
        """Planned specs found already written, so far."""
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True

    def _next_batch(self) -> list[ConversationSpec]:
        batch: list[ConversationSpec] = []
        for spec in self._specs:
            if spec.id in self._done:
                self.skipped += 1
                continue
            batch.append(spec)
            if len(batch) == self._size:
                break
        return batch

    def __iter__(self) -> Iterator[list[ConversationSpec]]:
        while not self.stopped:
            batch = self._next_batch()
            if not batch:
                return
            yield batch

    def count_skipped(self) -> int:
        """Go through the rest of the plan (after a stop) to count what was already written."""
        self.skipped += sum(spec.id in self._done for spec in self._specs)
        return self.skipped


@dataclass
class RunPlan:
    """What a run plays: how many conversations and their specs, made as they are pulled."""

    planned: int
    """Conversations planned (after `--limit`)."""
    specs: Iterator[ConversationSpec]
    """The planned specs in plan order; iterated once."""

    @classmethod
    def of(cls, config: CampaignConfig, limit: int | None = None) -> RunPlan:
        """The plan of `config`, cut to its first `limit` conversations."""
        scenarios, personas = build_population(config)
        # Planned lazily: specs are made as the executor pulls batches, written, then dropped.
        planned = planned_count(config, scenarios, personas)
        specs: Iterator[ConversationSpec] = iter_specs(config, scenarios, personas)
        if limit is not None:
            planned = min(planned, limit)
            specs = itertools.islice(specs, limit)
        return cls(planned=planned, specs=specs)

    def batches(self, size: int, done: set[str] | None = None) -> SpecBatches:
        """The specs in batches of `size`, those in `done` (already written) skipped."""
        return SpecBatches(self.specs, size, done)

    def todo(self, done: set[str]) -> int:
        """Conversations left to play: exact unless a resumed run had another --limit."""
        return max(0, self.planned - len(done))
