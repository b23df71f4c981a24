"""Campaigns: plan conversation specs, serve agents, fan out, write results.

`run_campaign` plans the campaign's ConversationSpecs lazily (scenarios x personas x
perturbation profiles x repetitions x agent versions, see `population`: streamed, never all
held), runs them in batches with an executor and streams the results to Parquet.
Neighbours: `population` (build_population, iter_specs, plan_specs), `agent_processes`
starts the agents the campaign serves itself, `manifest` holds the run's manifest and the
checks of a safe resume.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from convsim.core.campaign_file import budget_warning
from convsim.core.config import CampaignConfig
from convsim.core.errors import CampaignError
from convsim.core.llm import for_run, run_spend
from convsim.core.records import (
    SCHEMA_VERSION,
    ConversationSpec,
    LLMUsage,
    stable_hash,
)
from convsim.core.redact import REDACT, redactor_for
from convsim.core.results import Packing, ResultWriter, write_manifest
from convsim.decisions.summary import write_summary
from convsim.engine.agent_processes import serve_agents
from convsim.engine.executors import ExecutorError, make_executor
from convsim.engine.manifest import _driver, _git_sha, _open_resume, _versions, plan_of
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


class _Batches:
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


SAVE_EVERY_S = 1.0
"""The manifest of a running campaign is rewritten at most this often."""


def _totals(run_dir: Path) -> dict[str, Any]:
    """Counts over every conversation written in the run folder (all sessions)."""
    import pyarrow.parquet as pq

    return _totals_of(pq.read_table(part, columns=["outcome", "error", "n_turns"]).to_pydict()
                      for part in sorted((run_dir / "conversations").glob("part-*.parquet")))


def _totals_of(tables: Iterable[dict[str, list[Any]]]) -> dict[str, Any]:
    outcomes: Counter[str] = Counter()
    errors = simulator_errors = turns = written = 0
    for table in tables:
        for outcome, error, n in zip(table["outcome"], table["error"], table["n_turns"],
                                     strict=True):
            written += 1
            outcomes[outcome or "unknown"] += 1
            simulator_errors += outcome == "simulator_error"
            errors += error is not None and outcome not in ("simulator_error", "budget_stopped")
            turns += n or 0
    return {"written": written, "errors": errors, "simulator_errors": simulator_errors,
            "turns": turns, "outcomes": dict(outcomes)}


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
    config_json = config.model_dump(mode="json")
    plan = plan_of(config_json)
    fingerprint = stable_hash(plan)
    notes: list[str] = []
    original: str | None = None
    previous: dict[str, Any] = {}
    if resume is not None:
        run_dir = Path(resume)
        original, previous = _open_resume(run_dir, config, plan, fingerprint, notes)
        run_id = str(previous.get("run_id") or run_dir.name)
    if (warning := budget_warning(config)) is not None:
        notes.append(warning)
    scenarios, personas = build_population(config)
    # Planned lazily: specs are made as the executor pulls batches, written, then dropped.
    planned = planned_count(config, scenarios, personas)
    specs: Iterator[ConversationSpec] = iter_specs(config, scenarios, personas)
    if limit is not None:
        planned = min(planned, limit)
        specs = itertools.islice(specs, limit)
    if resume is None:
        run_id = f"{started_at:%Y%m%dT%H%M%SZ}-{stable_hash(config.model_dump(), 6)}"
        run_dir = Path(out_dir or config.output_dir) / config.name / run_id
    elif previous.get("schema_version") not in (None, SCHEMA_VERSION):
        raise CampaignError(f"{run_dir}: written by another convsim (results schema "
                            f"{previous.get('schema_version')}, this one writes "
                            f"{SCHEMA_VERSION}); start a new run")
    writer = ResultWriter(run_dir, run_id)
    done = writer.done_ids() if resume is not None else set()
    batches = _Batches(specs, config.execution.batch_size, done)
    todo = max(0, planned - len(done))  # exact unless a resumed run had another --limit
    info = RunInfo(run_dir=run_dir, run_id=run_id, planned=planned, written=0,
                   skipped=planned - todo, notes=notes, redact=red)
    if config.llm.budget_usd is not None and run_spend(run_dir) >= config.llm.budget_usd:
        batches.stop()  # a resumed run whose budget is spent starts nothing
        info.stopped_by_budget = True
    session: dict[str, Any] = {
        "started_at": started_at.isoformat(), "limit": limit, "versions": _versions(),
        "git_sha": _git_sha(), "executor": config.execution.executor,
        "previous_status": previous.get("status")}
    if resume is None:
        manifest: dict[str, Any] = {
            "campaign": config.name, "run_id": run_id, "status": "running",
            "config": config_json, "seed": config.seed, "limit": limit,
            "plan": plan, "plan_fingerprint": fingerprint,
            "versions": session["versions"], "git_sha": session["git_sha"],
            "started_at": started_at.isoformat(),
            "agent_versions": [a.version for a in config.agents],
            "domain": config.scenarios.domain,
            "executor": config.execution.executor, "counts": {"planned": planned},
        }
    else:
        # The run's identity stays as it was; this session is appended to its history.
        manifest = dict(previous)
        manifest.setdefault("plan", plan)
        manifest.setdefault("plan_fingerprint", fingerprint)
        manifest["status"] = "running"
        manifest["resumes"] = [*(previous.get("resumes") or []), session]
    manifest["driver"] = _driver()
    manifest["updated_at"] = started_at.isoformat()
    previous_counts = dict(previous.get("counts") or {})
    # Totals over the run folder: read once here, then kept up to date as batches are
    # written; the final save reads the folder again (it is the truth).
    base = _totals(run_dir) if resume is not None else _totals_of([])

    def totals(final: bool) -> dict[str, Any]:
        if final:
            return _totals(run_dir)
        outcomes = Counter(base["outcomes"])
        outcomes.update(info.outcomes)
        return {"written": base["written"] + info.written,
                "errors": base["errors"] + info.errors,
                "simulator_errors": base["simulator_errors"] + info.simulator_errors,
                "turns": base["turns"] + info.turns, "outcomes": dict(outcomes)}

    def counts(final: bool) -> dict[str, Any]:
        session_counts = {"planned": planned, "written": info.written,
                          "skipped_already_done": info.skipped, "errors": info.errors,
                          "simulator_errors": info.simulator_errors,
                          "unknown_tool_calls": dict(info.unknown_tools),
                          "llm": info.llm.model_dump() | {"cost_usd": info.llm.cost_usd},
                          "turns": info.turns, "outcomes": dict(info.outcomes),
                          "rate_limited": info.rate_limited,
                          "not_started": info.not_started}
        if resume is None:
            # The folder is the truth (a signal may land between a write and the tally).
            return session_counts | totals(final)
        # Totals over the whole run folder; LLM and unknown tools summed over the sessions
        # that closed the manifest (a killed session's are missing).
        unknown = Counter(previous_counts.get("unknown_tool_calls") or {})
        unknown.update(info.unknown_tools)
        llm = LLMUsage.model_validate({k: v for k, v in (previous_counts.get("llm") or {}).items()
                                       if k in LLMUsage.model_fields})
        llm.add(info.llm)
        return session_counts | totals(final) | {
            "unknown_tool_calls": dict(unknown),
            "llm": llm.model_dump() | {"cost_usd": llm.cost_usd},
            "this_session": session_counts}

    last_save = [time.monotonic()]

    def save(status: str) -> None:
        last_save[0] = time.monotonic()
        manifest["status"] = status
        manifest["updated_at"] = datetime.now(UTC).isoformat()
        manifest["counts"] = counts(final=status != "running")
        manifest["seconds"] = round(time.perf_counter() - t0, 3)
        if resume is not None:
            session.update(ended_at=manifest["updated_at"], status=status,
                           written=info.written, seconds=manifest["seconds"])
        else:
            manifest["ended_at"] = manifest["updated_at"]
        if status != "running":
            manifest.pop("driver", None)
        write_manifest(run_dir, manifest, redact=red)

    write_manifest(run_dir, manifest, redact=red)
    if started:
        started(info)
    if progress:
        progress(0, todo, info.outcomes)
    status = "failed"
    try:
        with serve_agents(agents_env) as agents:
            manifest["agent_urls"] = {a.version: a.url for a in agents if a.url}
            executor = make_executor(config.execution.executor, agents, config.evaluators,
                                     config.execution, for_run(config.llm, run_dir),
                                     config.judge)
            budget = config.llm.budget_usd
            # Workers pack their results into the run's tables (credentials masked).
            for packed in executor.run(batches, Packing(run_id=run_id, redact=red)):
                # Conversations cut short by an open circuit never really ran: not written,
                # so --resume plays them.
                cut = [p for p in packed.played if not p.written and "circuit open: " in str(p.error)]
                if cut and info.stopped_by_breaker is None:
                    info.stopped_by_breaker = red(str(cut[0].error).split("circuit open: ", 1)[1])
                if packed.tables:
                    writer.write_tables(packed.tables)
                for p in packed.played:
                    if not p.written:
                        continue
                    info.outcomes[p.outcome or "unknown"] += 1
                    info.simulator_errors += p.outcome == "simulator_error"
                    info.errors += p.error is not None and p.outcome not in (
                        "simulator_error", "budget_stopped")
                    info.rate_limited += "unreachable: rate limited:" in (p.error or "")
                    info.unknown_tools.update(p.unknown_tools)
                    info.turns += p.turns
                    info.llm.add(p.llm)
                    info.written += 1
                if progress:
                    progress(info.written, todo, info.outcomes)
                if info.stopped_by_breaker is not None:
                    # Start nothing more; the batches in flight fail fast on the open
                    # circuit and what they finished is written.
                    batches.stop()
                if budget is not None and (info.outcomes["budget_stopped"]
                                           or run_spend(run_dir) >= budget):
                    # Stop starting conversations; the batches in flight finish (an LLM call
                    # is not cut mid-request) and are written; --resume continues later.
                    info.stopped_by_budget = True
                    batches.stop()
                if not batches.stopped and time.monotonic() - last_save[0] >= SAVE_EVERY_S:
                    save("running")
            lag = LoopLag.summary(getattr(executor, "lag_counts", {}))
            manifest["loop_lag_ms"] = info.loop_lag = lag
            if lag.get("p50_ms", 0) >= LAG_NOTE_MS:
                info.timing_note = (
                    f"convsim was CPU-bound: its event loop ran {lag['p50_ms']:g} ms late at the "
                    f"median (p90 {lag['p90_ms']:g} ms), and agent latencies (turns.latency_ms) "
                    "include that wait; more Ray workers or a lower execution.concurrency give "
                    "truer timings")
            nodes = Counter(previous.get("ray_nodes") or {})
            nodes.update(getattr(executor, "node_conversations", {}))
            if nodes:  # Ray: conversations played per node (this run and the ones it resumed)
                manifest["ray_nodes"] = dict(nodes)
            retried = getattr(executor, "retried_batches", 0)
            if retried:
                notes.append(f"{retried} batches were played again after a Ray worker was "
                             "lost (their conversations written once)")
            if batches.stopped:
                batches.count_skipped()
            info.skipped = batches.skipped
            if info.stopped_by_budget:  # exit 3 only when something was left undone
                mid_way = info.outcomes["budget_stopped"]
                info.stopped_by_budget = bool(mid_way or info.not_started)
                notes.append(f"LLM spend of the run (every session): ${run_spend(run_dir):.4f} "
                             f"of ${budget:g}; {mid_way} conversations stopped mid-way (outcome "
                             "budget_stopped: kept, not scored)")
        status = ("stopped_by_circuit_breaker" if info.stopped_by_breaker is not None
                  else "stopped_by_budget" if info.stopped_by_budget else "complete")
        if info.stopped_by_breaker is not None:
            manifest["stop_reason"] = f"circuit open: {info.stopped_by_breaker}"
        if info.written:
            # Batch part files merged into a bounded number of files per table; a failure
            # here (a full disk) leaves the batch files as they were, all readable.
            try:
                manifest["compacted_parts"] = writer.compact()
            except OSError as exc:
                notes.append(f"the batch part files were not merged ({exc}); the results are "
                             "complete and readable as they are")
        if info.written or info.skipped:
            write_summary(run_dir)
    except (KeyboardInterrupt, SystemExit):
        status = "interrupted"
        raise
    except BaseException as exc:
        manifest["error"] = red(f"{type(exc).__name__}: {exc}")
        if isinstance(exc, ExecutorError):
            raise CampaignError(f"{red(str(exc))}; results kept in {run_dir}, continue with "
                                "--resume") from None
        raise
    finally:
        info.seconds = time.perf_counter() - t0
        if original is not None and not info.written and status in ("failed", "interrupted"):
            # A resume that added nothing leaves the run exactly as it was.
            (run_dir / "manifest.json").write_text(original, encoding="utf-8")
        else:
            save(status)
    return info
