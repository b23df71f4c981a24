"""`convsim run` and `convsim validate`: campaigns from YAML."""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from pydantic import ValidationError
from rich import box
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from convsim.cli.common import console, fail, user_errors, warn
from convsim.core.campaign_file import check_output_dir, load_campaign
from convsim.core.config import CampaignConfig, ConfigError
from convsim.core.yaml_files import format_validation_error

INFRA_DOMINATED = 0.5
"""A run where at least this share of conversations hit infrastructure errors exits 2."""


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


def render_summary(run_dir: Path, per_profile: bool = False) -> None:
    """The pass-rate table (and, with several profiles, the same per profile) and outcomes."""
    from convsim.decisions.summary import outcome_counts

    _rates_table(run_dir, ("agent_version", "metric"), "Pass rate per agent version and metric")
    if per_profile:
        _rates_table(run_dir, ("agent_version", "perturbation", "metric"),
                     "Pass rate per agent version, perturbation profile and metric")
    outcomes = outcome_counts(run_dir)
    for version in sorted(set(outcomes["agent_version"].to_list())):
        parts = [f"{r['outcome']}={r['conversations']}" for r in outcomes.iter_rows(named=True)
                 if r["agent_version"] == version]
        console.print(f"outcomes {version}: " + ", ".join(parts), highlight=False)


def _divergence_table(run_dir: Path) -> None:
    from convsim.decisions.summary import divergence_summary

    table = Table(title="Where the agent departs from the historical conversations",
                  box=box.SIMPLE_HEAD)
    for col in ("version", "intent", "replayed", "diverged", "median turn", "out-of-context"):
        table.add_column(col, justify="left" if col in ("version", "intent") else "right")
    for r in divergence_summary(run_dir).iter_rows(named=True):
        turn = "-" if r["median_turn"] is None else f"{r['median_turn']:g}"
        table.add_row(r["agent_version"], str(r["intent"]), str(r["replayed"]),
                      str(r["diverged"]), turn, str(r["out_of_context_turns"]))
    console.print(table)


def _rates_table(run_dir: Path, by: tuple[str, ...], title: str) -> None:
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
    console.print(table)


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


def run(
    campaign: Path = typer.Argument(..., help="Campaign YAML file."),
    out: Path = typer.Option(None, "--out", help="Output folder (default: the config's output_dir)."),
    seed: int = typer.Option(None, "--seed", help="Override the campaign seed."),
    limit: int = typer.Option(None, "--limit", min=1, help="Run only the first N planned conversations."),
    executor: str = typer.Option(None, "--executor", help="local or ray (default: from the config)."),
    ray_address: str = typer.Option(None, "--ray-address", help="Join an existing Ray cluster."),
    resume: Path = typer.Option(None, "--resume", help="Continue an interrupted run folder."),
) -> None:
    """Run a simulation campaign and write Parquet results; prints a summary table.

    Exit codes: 0 done; 2 unusable input or run (config error, an agent that cannot start,
    an endpoint whose circuit breaker opened, a run dominated by infrastructure errors);
    3 stopped by the LLM budget; 130 interrupted (SIGINT/SIGTERM; results kept, resumable).
    """
    from convsim.core.redact import REDACT, redactor_for
    from convsim.engine.campaign import RunInfo, run_campaign

    red = REDACT
    started: list[RunInfo] = []
    with _signals_interrupt():
        try:
            # Every user error (ConfigError's family, CampaignError, ...) is one clean line.
            with user_errors(source=campaign, redact=lambda message: red(message)):
                if executor not in (None, "local", "ray"):
                    raise ConfigError(f"--executor: expected 'local' or 'ray', got {executor!r}")
                config = _apply_overrides(load_campaign(campaign), seed, executor, ray_address)
                if out is not None and resume is None:
                    check_output_dir(out, "--out")
                red = redactor_for(config.agents)
                with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                              MofNCompleteColumn(), TextColumn("{task.fields[counts]}"),
                              TimeElapsedColumn(), console=console, transient=False) as bar:
                    task = bar.add_task(f"{config.name}", total=None, counts="starting")

                    def progress(done: int, total: int, outcomes: Counter[str]) -> None:
                        counts = " ".join(f"{k}={v}" for k, v in sorted(outcomes.items()))
                        bar.update(task, completed=done, total=total, counts=counts or "running")

                    info = run_campaign(config, out_dir=out, limit=limit, resume=resume,
                                        progress=progress, started=started.append)
        except (KeyboardInterrupt, SystemExit):
            where = f" in {started[0].run_dir}; continue with --resume {started[0].run_dir}" \
                if started else ""
            fail(f"interrupted: the run stopped cleanly, results kept{where}", code=130)
    for note in info.notes:
        warn(red(note))
    console.print(f"{info.written} conversations ({info.turns} turns) in {info.seconds:.1f}s; "
                  f"{info.skipped} already done, {info.errors} infrastructure errors, "
                  f"{info.simulator_errors} simulator errors", highlight=False)
    if info.timing_note:
        console.print(f"[dim]note: {info.timing_note}[/dim]", highlight=False)
    if info.written or info.skipped:
        render_summary(info.run_dir, per_profile=len(config.perturbations) > 1)
    if config.user_simulator == "replay" and info.written:
        _divergence_table(info.run_dir)
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
    console.print(f"run folder: {info.run_dir}", highlight=False, soft_wrap=True)
    if info.llm.calls or info.llm.cache_hits:
        cost = "unknown (a model has no price)" if info.llm.cost_usd is None \
            else f"${info.llm.cost_usd:.4f}"
        console.print(f"LLM: {info.llm.calls} calls, {info.llm.cache_hits} cache hits, "
                      f"{info.llm.prompt_tokens + info.llm.completion_tokens} tokens, cost {cost}",
                      highlight=False)
    if info.stopped_by_breaker is not None:
        fail(red(f"agent endpoint unusable, circuit open: {info.stopped_by_breaker}; stopped "
                 f"starting conversations ({info.not_started} not played, {info.written} "
                 f"written); results kept — fix the agent and continue with --resume "
                 f"{info.run_dir}"))
    if info.stopped_by_budget:
        fail(f"LLM budget reached: spent ${info.llm.known_cost_usd:.4f} of "
             f"${config.llm.budget_usd:g}; {info.not_started} "
             f"conversations not started; results kept — continue with --resume {info.run_dir}",
             code=3)
    if info.written and info.errors / info.written >= INFRA_DOMINATED:
        fail(f"{info.errors} of {info.written} conversations hit infrastructure errors (agent "
             "unreachable, timing out or answering garbage): the run is not usable as a verdict "
             f"(results kept in {info.run_dir})")


def validate(campaign: Path = typer.Argument(..., help="Campaign YAML file.")) -> None:
    """Check a campaign file without running it: every problem, with file and field."""
    from convsim.engine.campaign import build_population, plan_specs

    with user_errors(source=campaign):
        config = load_campaign(campaign)
        scenarios, personas = build_population(config)
        specs = plan_specs(config, scenarios, personas)
    console.print(f"{campaign}: ok — {len(scenarios)} scenarios, {len(personas)} personas, "
                  f"{len(config.perturbations)} perturbation profiles, "
                  f"{len(config.agents)} agent versions -> {len(specs)} conversations",
                  highlight=False)


