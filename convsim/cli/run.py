"""`convsim run` and `convsim validate`: campaigns from YAML.

Size: over 400 lines because it holds `run` and `validate` with their progress display (a
bar on a terminal, plain lines in CI), interrupt handling and JSON output.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from pydantic import ValidationError
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from convsim.cli.common import console, err_console, fail, user_errors, warn
from convsim.core.campaign_file import check_output_dir, load_campaign
from convsim.core.config import CampaignConfig, ConfigError
from convsim.core.yaml_files import format_validation_error
from convsim.decisions.gate_model import INFRA_DOMINATED  # the gate's "agent never answered" share: exit 2

if TYPE_CHECKING:
    from convsim.engine.campaign import ProgressFn, RunInfo

SIMULATOR_DOMINATED = 0.5
"""A run where at least this share of conversations ended simulator_error exits 2 (unusable)."""


PROGRESS_EVERY_S = 5.0
"""Without a terminal, a progress line at least and at most this often
(CONVSIM_PROGRESS_SECONDS overrides it)."""


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


class PlainProgress:
    """Progress as plain lines on stderr, for CI logs and pipes (no terminal).

    A line when the run starts, then one every `every` seconds while it runs (also when no
    batch finished in between: a job that hangs still shows where it is), and the last.
    Each line: done/total, the outcomes so far, the rate and the time left at that rate.
    """

    def __init__(self, name: str, every: float | None = None) -> None:
        if every is None:
            try:
                every = float(os.environ.get("CONVSIM_PROGRESS_SECONDS", PROGRESS_EVERY_S))
            except ValueError:
                every = PROGRESS_EVERY_S
        self.name, self.every = name, max(0.0, every)
        self._t0 = time.monotonic()
        self._last: float | None = None
        self._state: tuple[int, int, dict[str, int]] | None = None
        self._shown: tuple[int, int, dict[str, int]] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="convsim-progress", daemon=True)

    def __enter__(self) -> PlainProgress:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        with self._lock:
            if self._state is not None and self._state != self._shown:
                self._emit(*self._state)

    def line(self, done: int, total: int, outcomes: Mapping[str, int]) -> str:
        elapsed = time.monotonic() - self._t0
        share = f" ({done / total:.0%})" if total else ""
        counts = " ".join(f"{k}={v}" for k, v in sorted(outcomes.items())) or "-"
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = _duration((total - done) / rate) if rate > 0 and total >= done else "?"
        return (f"progress {self.name}: {done}/{total} conversations{share}; outcomes {counts}; "
                f"{rate:.1f} conversations/s; elapsed {_duration(elapsed)}, ETA {eta}")

    def update(self, done: int, total: int, outcomes: Mapping[str, int]) -> None:
        with self._lock:
            if self._state is None:  # the run starts now (planning and agents took their time)
                self._t0 = time.monotonic()
            self._state = (done, total, dict(outcomes))
            if (self._last is None or done >= total
                    or time.monotonic() - self._last >= self.every):
                self._emit(*self._state)

    def _beat(self) -> None:
        beat = max(self.every, 1.0)
        while not self._stop.wait(beat):
            with self._lock:
                if self._state is not None and (self._last is None or
                                                time.monotonic() - self._last >= beat):
                    self._emit(*self._state)

    def _emit(self, done: int, total: int, outcomes: dict[str, int]) -> None:
        self._last = time.monotonic()
        self._shown = (done, total, outcomes)
        sys.stderr.write(self.line(done, total, outcomes) + "\n")
        sys.stderr.flush()


def _apply_overrides(config: CampaignConfig, seed: int | None, executor: str | None,
                     ray_address: str | None) -> CampaignConfig:
    update: dict[str, object] = {}
    if seed is not None:
        update["seed"] = seed
    execution = {}
    if executor is not None:
        execution["executor"] = executor
    if ray_address is not None:
        execution["ray_address"] = ray_address
        execution.setdefault("executor", "ray")
    if execution:
        update["execution"] = {**config.execution.model_dump(), **execution}
    if not update:
        return config
    try:  # validated like the file: --seed -1 is the same error as seed: -1
        return CampaignConfig.model_validate({**config.model_dump(), **update})
    except ValidationError as exc:
        raise ConfigError(format_validation_error("--seed/--executor/--ray-address", exc)) from None


def render_summary(run_dir: Path, per_profile: bool = False, out: Console = console) -> None:
    """The pass-rate table (and, with several profiles, the same per profile), how it counted
    conversations (the words of summary.json `counts`, the gate and the report) and outcomes."""
    from convsim.decisions.summary import COUNTING, count_notes, outcome_counts

    _rates_table(run_dir, ("agent_version", "metric"), "Pass rate per agent version and metric",
                 out)
    out.print(f"{COUNTING}: " + "; ".join(count_notes(run_dir)) + ".", highlight=False,
              soft_wrap=True)
    if per_profile:
        _rates_table(run_dir, ("agent_version", "perturbation", "metric"),
                     "Pass rate per agent version, perturbation profile and metric", out)
    outcomes = outcome_counts(run_dir)
    for version in sorted(set(outcomes["agent_version"].to_list())):
        parts = [f"{r['outcome']}={r['conversations']}" for r in outcomes.iter_rows(named=True)
                 if r["agent_version"] == version]
        out.print(f"outcomes {version}: " + ", ".join(parts), highlight=False)
    from convsim.decisions.campaign_fidelity import fidelity_lines
    from convsim.decisions.summary import saved_fidelity

    for line in fidelity_lines(saved_fidelity(run_dir)):
        out.print(line, highlight=False, markup=False, soft_wrap=True)


def _divergence_table(run_dir: Path, out: Console = console) -> None:
    from convsim.decisions.summary import divergence_summary

    table = Table(title="Where the agent departs from the historical conversations",
                  box=box.SIMPLE_HEAD)
    for col in ("version", "intent", "replayed", "diverged", "median turn", "out-of-context"):
        table.add_column(col, justify="left" if col in ("version", "intent") else "right")
    for r in divergence_summary(run_dir).iter_rows(named=True):
        turn = "-" if r["median_turn"] is None else f"{r['median_turn']:g}"
        table.add_row(r["agent_version"], str(r["intent"]), str(r["replayed"]),
                      str(r["diverged"]), turn, str(r["out_of_context_turns"]))
    out.print(table)


def _rates_table(run_dir: Path, by: tuple[str, ...], title: str, out: Console = console) -> None:
    from convsim.decisions.summary import summarize_run

    table = Table(title=title, box=box.SIMPLE_HEAD)
    names = {"agent_version": "version", "perturbation": "profile", "metric": "metric"}
    for col in [names[b] for b in by] + ["passed/n", "rate", "95% CI", "n/a", "unscored"]:
        table.add_column(col, justify="left" if col in names.values() else "right",
                         no_wrap=True)
    for row in summarize_run(run_dir, by=by).iter_rows(named=True):
        if not row["scored"] and not row["unscored"]:
            continue  # metric never applied (e.g. no disclosure required anywhere)
        rate = "-" if row["pass_rate"] is None else f"{row['pass_rate']:.1%}"
        ci = "-" if not row["scored"] else f"{row['ci_low']:.0%}–{row['ci_high']:.0%}"
        table.add_row(*(str(row[b]) for b in by), f"{row['passed']}/{row['scored']}",
                      rate, ci, str(row["not_applicable"]), str(row["unscored"]))
    out.print(table)


@contextmanager
def _signals_interrupt() -> Iterator[None]:
    """SIGTERM behaves like Ctrl-C (KeyboardInterrupt: the run stops cleanly, manifest
    `interrupted`); further signals while the run closes are ignored, the third exits."""
    seen = 0

    def handler(signum: int, frame: object) -> None:
        nonlocal seen
        seen += 1
        if seen == 1:
            raise KeyboardInterrupt
        if seen >= 3:
            os._exit(130)

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in before:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in before.items():
            signal.signal(sig, old)


def _run_payload(info: RunInfo | None, run_dir: Path | None, code: int,
                 error: str | None) -> dict[str, Any]:
    """The run summary `--json` prints: where the run is, how it ended, what it counted, and
    the pass rates (when something was written)."""
    payload: dict[str, Any] = {"run_dir": str(run_dir) if run_dir else None,
                               "run_id": info.run_id if info else None,
                               "status": "failed" if error else "complete",
                               "exit_code": code, "error": error}
    manifest = run_dir / "manifest.json" if run_dir else None
    if manifest is not None and manifest.is_file():
        try:
            payload["status"] = json.loads(manifest.read_text(encoding="utf-8")).get("status")
        except ValueError:
            pass
    if info is not None:
        payload.update(
            planned=info.planned, written=info.written, skipped=info.skipped,
            not_started=info.not_started, infrastructure_errors=info.errors,
            simulator_errors=info.simulator_errors, turns=info.turns,
            seconds=round(info.seconds, 3), outcomes=dict(info.outcomes),
            unknown_tool_calls=dict(info.unknown_tools),
            llm=info.llm.model_dump() | {"cost_usd": info.llm.cost_usd},
            stopped_by_budget=info.stopped_by_budget,
            stopped_by_breaker=info.stopped_by_breaker, notes=list(info.notes))
    summary = run_dir / "summary.json" if run_dir else None
    if summary is not None and summary.is_file():
        saved = json.loads(summary.read_text(encoding="utf-8"))
        payload["pass_rates"] = saved.get("pass_rates", [])
        payload["outcomes_by_version"] = saved.get("outcomes", [])
    return payload


_TABLES_ON_STDERR = Console(stderr=True, width=None if sys.stderr.isatty() else 120,
                            soft_wrap=True)
"""With --json, stdout holds the JSON only: the human summary goes to stderr."""


class _Finished(Exception):
    """Carries the exit code and the error line out of the run command's body."""

    def __init__(self, code: int, error: str | None) -> None:
        super().__init__(error)
        self.code, self.error = code, error


def run(
    campaign: Path = typer.Argument(..., help="Campaign YAML file."),
    out: Path = typer.Option(None, "--out", help="Output folder (default: the config's output_dir)."),
    seed: int = typer.Option(None, "--seed", help="Override the campaign seed."),
    limit: int = typer.Option(None, "--limit", min=1, help="Run only the first N planned conversations."),
    executor: str = typer.Option(None, "--executor", help="local or ray (default: from the config)."),
    ray_address: str = typer.Option(None, "--ray-address", help="Join an existing Ray cluster."),
    resume: Path = typer.Option(None, "--resume", help="Continue an interrupted run folder."),
    as_json: bool = typer.Option(False, "--json", help="Print the run summary as JSON on stdout "
                                 "(also when the run fails: run_dir, status, exit_code, error); "
                                 "the tables go to stderr."),
) -> None:
    """Run a simulation campaign and write Parquet results; prints a summary table.

    The run folder is said on stderr as soon as it exists. Progress goes to stderr: a bar on
    a terminal, else a plain line every few seconds (CONVSIM_PROGRESS_SECONDS).

    Exit codes: 0 done; 2 unusable input or run (config error, an agent that cannot start,
    an endpoint whose circuit breaker opened, a run dominated by infrastructure errors);
    3 stopped by the LLM budget; 130 interrupted (SIGINT/SIGTERM; results kept, resumable).
    """
    started: list[RunInfo] = []
    info: RunInfo | None = None
    code, error = 0, None
    try:
        info = _run(campaign, out, seed, limit, executor, ray_address, resume,
                    _TABLES_ON_STDERR if as_json else console, started.append)
    except _Finished as done:
        code, error = done.code, done.error
        info = started[0] if started else None
    if as_json:  # however the run ended
        payload = _run_payload(info, info.run_dir if info else None, code, error)
        typer.echo(json.dumps(payload, indent=1, default=str))
    if code:
        raise typer.Exit(code)


def _stop(message: str, code: int = 2) -> NoReturn:
    """Say a user error on stderr (as `fail` does) and leave the run command with `code`."""
    try:
        fail(message, code=code)
    except typer.Exit:
        raise _Finished(code, message) from None


def _run(campaign: Path, out: Path | None, seed: int | None, limit: int | None,
         executor: str | None, ray_address: str | None, resume: Path | None, out_console: Console,
         on_start: Callable[[RunInfo], None]) -> RunInfo:
    from convsim.core.redact import REDACT, redactor_for
    from convsim.engine.campaign import run_campaign

    red = REDACT
    started: list[RunInfo] = []
    error: list[str] = []

    def say_run_dir(info: RunInfo) -> None:
        started.append(info)
        on_start(info)
        err_console.print(f"run folder: {info.run_dir}", highlight=False, soft_wrap=True)
        for note in info.notes:  # known before the first conversation (e.g. an unpriced
            warn(red(note))      # model under a budget); repeated in the end report

    with _signals_interrupt():
        try:
            # Every user error (ConfigError's family, CampaignError, ...) is one clean line.
            try:
                with user_errors(source=campaign, redact=lambda message: red(message)):
                    try:
                        if executor not in (None, "local", "ray"):
                            raise ConfigError(f"--executor: expected 'local' or 'ray', got "
                                              f"{executor!r}")
                        config = _apply_overrides(load_campaign(campaign), seed, executor,
                                                  ray_address)
                        if out is not None and resume is None:
                            check_output_dir(out, "--out")
                        red = redactor_for(config.agents)
                        with _progress(config.name) as progress:
                            info = run_campaign(config, out_dir=out, limit=limit, resume=resume,
                                                progress=progress, started=say_run_dir)
                    except Exception as exc:
                        message = red(str(exc)) or type(exc).__name__
                        if isinstance(exc, ConfigError) and str(campaign) not in message \
                                and not message.startswith("--"):  # as user_errors says it
                            message = "\n".join(f"{campaign}: {line}"
                                                 for line in message.splitlines())
                        error[:] = [message]
                        raise
            except typer.Exit as exc:
                raise _Finished(int(exc.exit_code or 2), error[0] if error else None) from None
        except (KeyboardInterrupt, SystemExit):
            where = f" in {started[0].run_dir}; continue with --resume {started[0].run_dir}" \
                if started else ""
            _stop(f"interrupted: the run stopped cleanly, results kept{where}", code=130)
    _report(info, config, red, out_console)
    return info


@contextmanager
def _progress(name: str) -> Iterator[ProgressFn]:
    """A progress callback: a rich bar on a terminal, plain lines on stderr otherwise."""
    if not err_console.is_terminal:
        with PlainProgress(name) as plain:
            yield plain.update
        return
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[counts]}"), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=err_console, transient=False) as bar:
        task = bar.add_task(name, total=None, counts="starting")

        def update(done: int, total: int, outcomes: Mapping[str, int]) -> None:
            counts = " ".join(f"{k}={v}" for k, v in sorted(outcomes.items()))
            bar.update(task, completed=done, total=total, counts=counts or "running")

        yield update


def _report(info: RunInfo, config: CampaignConfig, red: Callable[[str], str],
            out: Console) -> None:
    """The end of a run: notes, the summary tables, warnings, and the exit code."""
    for note in info.notes:
        warn(red(note))
    out.print(f"{info.written} conversations ({info.turns} turns) in {info.seconds:.1f}s; "
              f"{info.skipped} already done, {info.errors} infrastructure errors, "
              f"{info.simulator_errors} simulator errors", highlight=False)
    if info.timing_note:
        out.print(f"[dim]note: {info.timing_note}[/dim]", highlight=False)
    if info.written or info.skipped:
        render_summary(info.run_dir, per_profile=len(config.perturbations) > 1, out=out)
    if config.user_simulator == "replay" and info.written:
        _divergence_table(info.run_dir, out)
    if info.simulator_errors:
        warn(f"{info.simulator_errors} conversations failed on convsim's side (outcome "
             "simulator_error, not scored, never counted against the agent); the reason is in "
             "the conversations table, column error")
    if info.rate_limited:
        warn(f"{info.rate_limited} conversations ended because the agent kept rate-limiting "
             "(HTTP 429 / 503 with Retry-After); lower options.requests_per_second or raise "
             "options.rate_limit_retries")
    if info.unknown_tools:
        tools = ", ".join(f"{t} ({n} calls)" for t, n in info.unknown_tools.most_common())
        warn(f"the agent called tools the domain pack does not define: {tools}; they answered "
             "'unknown tool' (status unknown_tool in tool_calls). Add them to the pack "
             f"({config.scenarios.domain}).")
    out.print(f"run folder: {info.run_dir}", highlight=False, soft_wrap=True)
    if info.llm.calls or info.llm.cache_hits:
        cost = "unknown (a model has no price)" if info.llm.cost_usd is None \
            else f"${info.llm.cost_usd:.4f}"
        out.print(f"LLM: {info.llm.calls} calls, {info.llm.cache_hits} cache hits, "
                  f"{info.llm.prompt_tokens + info.llm.completion_tokens} tokens, cost {cost}",
                  highlight=False)
    if info.stopped_by_breaker is not None:
        what = "simulated customers" if info.stopped_by_breaker.startswith(
            "the simulated customer's model") else "agent endpoint"
        _stop(red(f"{what} unusable, circuit open: {info.stopped_by_breaker}; stopped "
                  f"starting conversations ({info.not_started} not played, {info.written} "
                  f"written); results kept — fix the {'model' if what[0] == 's' else 'agent'} and "
                  f"continue with --resume {info.run_dir}"))
    if info.stopped_by_budget:
        _stop(f"LLM budget reached: spent ${info.llm.known_cost_usd:.4f} of "
              f"${config.llm.budget_usd:g}; {info.not_started} "
              f"conversations not started; results kept — continue with --resume {info.run_dir}",
              code=3)
    if info.written and info.errors / info.written >= INFRA_DOMINATED:
        _stop(f"{info.errors} of {info.written} conversations hit infrastructure errors (agent "
              "unreachable, timing out or answering garbage): the run is not usable as a "
              f"verdict (results kept in {info.run_dir})")
    if info.written and info.simulator_errors / info.written >= SIMULATOR_DOMINATED:
        _stop(f"{info.simulator_errors} of {info.written} conversations failed on convsim's side "
              "(simulator_error: the simulated customer or the pack; the reasons are in the "
              "conversations table, column error): the run is not usable as a verdict "
              f"(results kept in {info.run_dir})")


def validate(campaign: Path = typer.Argument(..., help="Campaign YAML file.")) -> None:
    """Check a campaign file without running it: every problem, with file and field."""
    from convsim.engine.campaign import build_population, iter_specs

    with user_errors(source=campaign):
        config = load_campaign(campaign)
        scenarios, personas = build_population(config)
        specs = sum(1 for _ in iter_specs(config, scenarios, personas))  # planned, not kept
    console.print(f"{campaign}: ok — {len(scenarios)} scenarios, {len(personas)} personas, "
                  f"{len(config.perturbations)} perturbation profiles, "
                  f"{len(config.agents)} agent versions -> {specs} conversations",
                  highlight=False)


