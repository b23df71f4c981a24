"""Campaigns: plan conversation specs, serve agents, fan out, write results.

A run is a plan (what to play: `plan.RunPlan`, specs made lazily as batches are pulled), a
manifest (what is done: `manifest.Manifest`, with the checks of a safe resume) and an
executor (local or Ray) that plays the batches; `run_campaign` is those steps, and the
results stream to Parquet. Neighbours: `population` (build_population, iter_specs,
plan_specs), `agent_processes` starts the agents the campaign serves itself.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from convsim.core.campaign_file import budget_warning
from convsim.core.config import CampaignConfig
from convsim.core.errors import CampaignError
from convsim.core.llm import for_run, run_spend
from convsim.core.protocols import Executor
from convsim.core.records import LLMUsage, stable_hash
from convsim.core.redact import REDACT, redactor_for
from convsim.core.results import Packing, Played, ResultBatch, ResultWriter
from convsim.decisions.summary import write_summary
from convsim.engine.agent_processes import serve_agents
from convsim.engine.executors import ExecutorError, make_executor
from convsim.engine.manifest import Manifest
from convsim.engine.plan import RunPlan, SpecBatches
from convsim.engine.population import (
    ScenarioFile,
    build_population,
    iter_specs,
    load_scenarios,
    plan_specs,
    planned_count,
)
from convsim.engine.worker import LoopLag

ProgressFn = Callable[[int, int, Counter[str]], None]

__all__ = ["RunInfo", "ScenarioFile", "build_population", "iter_specs", "load_scenarios",
           "plan_specs", "planned_count", "run_campaign"]


LAG_NOTE_MS = 10
"""A median event-loop lag from this many ms up is worth telling the user about."""


@dataclass
class RunInfo:
    """Where a run landed and what it did."""

    run_dir: Path
    run_id: str
    planned: int
    written: int
    skipped: int
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: int = 0
    """Infrastructure errors (agent unreachable, malformed replies)."""
    simulator_errors: int = 0
    """Conversations convsim's own side failed (never scored as agent failures)."""
    unknown_tools: Counter[str] = field(default_factory=Counter)
    """Tools the agent called that the pack does not define -> calls."""
    llm: LLMUsage = field(default_factory=LLMUsage)
    """LLM calls of the run (customers and agents), summed."""
    stopped_by_budget: bool = False
    """The LLM budget was reached before every planned conversation started."""
    stopped_by_breaker: str | None = None
    """Why the circuit breaker of an agent endpoint opened (the campaign then stopped
    starting conversations; those cut short by the open circuit are not written)."""
    rate_limited: int = 0
    """Conversations that ended because the agent kept answering 429 / 503 + Retry-After."""
    notes: list[str] = field(default_factory=list)
    """Things the user should know (e.g. a stale run resumed)."""
    redact: Callable[[str], str] = REDACT
    """Masks the agents' credentials in text shown to the user."""
    seconds: float = 0.0
    turns: int = 0
    timing_note: str | None = None
    """Said when the event loops ran late enough to inflate measured agent latencies."""
    loop_lag: dict[str, float] = field(default_factory=dict)
    """How late the workers' event loops ran while conversations played (samples, p50_ms,
    p90_ms, p99_ms, max_ms): the part of measured agent latency spent waiting on convsim."""

    @property
    def not_started(self) -> int:
        return self.planned - self.skipped - self.written

    def tally(self, played: list[Played]) -> None:
        """Count the conversations of a batch that were written."""
        for p in played:
            if not p.written:
                continue
            self.outcomes[p.outcome or "unknown"] += 1
            self.simulator_errors += p.outcome == "simulator_error"
            self.errors += p.error is not None and p.outcome not in (
                "simulator_error", "budget_stopped")
            self.rate_limited += "unreachable: rate limited:" in (p.error or "")
            self.unknown_tools.update(p.unknown_tools)
            self.turns += p.turns
            self.llm.add(p.llm)
            self.written += 1

    def session_counts(self) -> dict[str, Any]:
        """This session's counts as the manifest holds them (`Manifest.save`)."""
        return {"planned": self.planned, "written": self.written,
                "skipped_already_done": self.skipped, "errors": self.errors,
                "simulator_errors": self.simulator_errors,
                "unknown_tool_calls": dict(self.unknown_tools),
                "llm": self.llm.model_dump() | {"cost_usd": self.llm.cost_usd},
                "turns": self.turns, "outcomes": dict(self.outcomes),
                "rate_limited": self.rate_limited, "not_started": self.not_started}




def new_run_id(config: CampaignConfig, started_at: datetime) -> str:
    """A new run's id: its start (UTC) and a hash of its config."""
    return f"{started_at:%Y%m%dT%H%M%SZ}-{stable_hash(config.model_dump(), 6)}"


@dataclass
class _Session:
    """One session of a run: plays the plan's batches on an executor, writes and tallies
    what the workers packed, stops starting conversations on an open circuit or a spent LLM
    budget, and keeps the manifest up to date."""

    config: CampaignConfig
    manifest: Manifest
    writer: ResultWriter
    batches: SpecBatches
    info: RunInfo
    todo: int
    """Conversations left to play when the session started."""
    progress: ProgressFn | None = None

    def stop_if_budget_spent(self) -> None:
        budget = self.config.llm.budget_usd
        if budget is not None and run_spend(self.info.run_dir) >= budget:
            self.batches.stop()  # a resumed run whose budget is spent starts nothing
            self.info.stopped_by_budget = True

    def play(self, executor: Executor) -> None:
        """Run the batches on `executor` to the end (or a stop), then note how it went."""
        # Workers pack their results into the run's tables (credentials masked).
        packing = Packing(run_id=self.info.run_id, redact=self.info.redact)
        for packed in executor.run(self.batches, packing):
            self._take(packed)
        self._executor_done(executor)

    def _take(self, packed: ResultBatch) -> None:
        info, red, budget = self.info, self.info.redact, self.config.llm.budget_usd
        # Conversations cut short by an open circuit never really ran: not written,
        # so --resume plays them.
        cut = [p for p in packed.played if not p.written and "circuit open: " in str(p.error)]
        if cut and info.stopped_by_breaker is None:
            info.stopped_by_breaker = red(str(cut[0].error).split("circuit open: ", 1)[1])
        if packed.tables:
            self.writer.write_tables(packed.tables)
        info.tally(packed.played)
        if self.progress:
            self.progress(info.written, self.todo, info.outcomes)
        if info.stopped_by_breaker is not None:
            # Start nothing more; the batches in flight fail fast on the open
            # circuit and what they finished is written.
            self.batches.stop()
        if budget is not None and (info.outcomes["budget_stopped"]
                                   or run_spend(info.run_dir) >= budget):
            # Stop starting conversations; the batches in flight finish (an LLM call
            # is not cut mid-request) and are written; --resume continues later.
            info.stopped_by_budget = True
            self.batches.stop()
        if not self.batches.stopped and self.manifest.due():
            self.manifest.save("running", info.session_counts())

    def _executor_done(self, executor: Executor) -> None:
        info, notes = self.info, self.info.notes
        info.loop_lag = LoopLag.summary(getattr(executor, "lag_counts", {}))
        self.manifest.record(loop_lag_ms=info.loop_lag)
        lag = info.loop_lag
        if lag.get("p50_ms", 0) >= LAG_NOTE_MS:
            info.timing_note = (
                f"convsim was CPU-bound: its event loop ran {lag['p50_ms']:g} ms late at the "
                f"median (p90 {lag['p90_ms']:g} ms), and agent latencies (turns.latency_ms) "
                "include that wait; more Ray workers or a lower execution.concurrency give "
                "truer timings")
        nodes = Counter((self.manifest.previous or {}).get("ray_nodes") or {})
        nodes.update(getattr(executor, "node_conversations", {}))
        if nodes:  # Ray: conversations played per node (this run and the ones it resumed)
            self.manifest.record(ray_nodes=dict(nodes))
        retried = getattr(executor, "retried_batches", 0)
        if retried:
            notes.append(f"{retried} batches were played again after a Ray worker was "
                         "lost (their conversations written once)")
        if self.batches.stopped:
            self.batches.count_skipped()
        info.skipped = self.batches.skipped
        if info.stopped_by_budget:  # exit 3 only when something was left undone
            mid_way = info.outcomes["budget_stopped"]
            info.stopped_by_budget = bool(mid_way or info.not_started)
            notes.append(f"LLM spend of the run (every session): ${run_spend(info.run_dir):.4f} "
                         f"of ${self.config.llm.budget_usd:g}; {mid_way} conversations stopped "
                         "mid-way (outcome budget_stopped: kept, not scored)")

    def close(self) -> str:
        """Once the agents are stopped: the session's status; the results compacted and
        summarised."""
        info = self.info
        status = ("stopped_by_circuit_breaker" if info.stopped_by_breaker is not None
                  else "stopped_by_budget" if info.stopped_by_budget else "complete")
        if info.stopped_by_breaker is not None:
            self.manifest.record(stop_reason=f"circuit open: {info.stopped_by_breaker}")
        if info.written:
            # Batch part files merged into a bounded number of files per table; a failure
            # here (a full disk) leaves the batch files as they were, all readable.
            try:
                self.manifest.record(compacted_parts=self.writer.compact())
            except OSError as exc:
                info.notes.append(f"the batch part files were not merged ({exc}); the results "
                                  "are complete and readable as they are")
        if info.written or info.skipped:
            write_summary(info.run_dir)
        return status


def _open_manifest(config: CampaignConfig, config_json: dict[str, Any], started_at: datetime,
                   out_dir: str | Path | None, resume: str | Path | None,
                   notes: list[str]) -> Manifest:
    """The manifest of a new run folder, or of the run `resume` names (checked: same plan,
    no live driver)."""
    if resume is not None:
        return Manifest.open(Path(resume), config_json, notes)
    base = new_run_id(config, started_at)
    root = Path(out_dir or config.output_dir) / config.name
    run_id, n = base, 1
    while (root / run_id).exists():  # the same campaign started twice in one second
        n += 1
        run_id = f"{base}-{n}"
    return Manifest.new(root / run_id, run_id, config_json)


def run_campaign(config: CampaignConfig, *, out_dir: str | Path | None = None,
                 limit: int | None = None, resume: str | Path | None = None,
                 progress: ProgressFn | None = None,
                 started: Callable[[RunInfo], None] | None = None) -> RunInfo:
    """Plan, run and write a campaign; returns where the results are.

    `started` is called once the run folder exists (e.g. to name it if the run is
    interrupted).

    With `resume` (an existing run folder), the config must plan the same conversations
    as the run (else CampaignError naming the differences); conversations already written
    there are skipped and the rest are appended. The run's identity (run id, seed, config,
    start) is never rewritten, and a resume that fails before writing anything leaves the
    folder as it was. An agent endpoint whose circuit breaker opens stops the campaign
    (`RunInfo.stopped_by_breaker`); what is done is kept.
    """
    started_at = datetime.now(UTC)
    t0 = time.perf_counter()
    # ${VAR} in the agents' headers, read now and never stored; a missing one is a ConfigError.
    agents_env = [a.with_environment() for a in config.agents]
    red = redactor_for(config.agents)
    notes: list[str] = []
    # The manifest (what is done, checked first on a resume) and the plan (what to play).
    manifest = _open_manifest(config, config.model_dump(mode="json"), started_at, out_dir,
                              resume, notes)
    if (warning := budget_warning(config)) is not None:
        notes.append(warning)
    plan = RunPlan.of(config, limit)
    manifest.check_schema()  # after planning, so a config error is said first
    writer = ResultWriter(manifest.run_dir, manifest.run_id)
    done = writer.done_ids() if manifest.resumed else set()
    todo = plan.todo(done)
    info = RunInfo(run_dir=manifest.run_dir, run_id=manifest.run_id, planned=plan.planned,
                   written=0, skipped=plan.planned - todo, notes=notes, redact=red)
    # A session plays what is left of the plan on the executor, tallying as batches land.
    session = _Session(config, manifest, writer, plan.batches(config.execution.batch_size, done),
                       info, todo, progress)
    session.stop_if_budget_spent()
    manifest.begin(config, limit=limit, planned=plan.planned, started_at=started_at, t0=t0,
                   redact=red)
    if started:
        started(info)
    if progress:
        progress(0, todo, info.outcomes)
    status = "failed"
    try:
        with serve_agents(agents_env) as agents:
            manifest.record(agent_urls={a.version: a.url for a in agents if a.url})
            session.play(make_executor(config.execution.executor, agents, config.evaluators,
                                       config.execution, for_run(config.llm, info.run_dir),
                                       config.judge))
        status = session.close()
    except (KeyboardInterrupt, SystemExit):
        status = "interrupted"
        raise
    except BaseException as exc:
        manifest.record(error=red(f"{type(exc).__name__}: {exc}"))
        if isinstance(exc, ExecutorError):
            raise CampaignError(f"{red(str(exc))}; results kept in {info.run_dir}, continue "
                                "with --resume") from None
        raise
    finally:  # the session's end (or, for a resume that added nothing, none) in the manifest
        info.seconds = time.perf_counter() - t0
        manifest.finish(status, info.session_counts())
    return info
