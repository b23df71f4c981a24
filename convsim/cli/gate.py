"""`convsim gate` (a release verdict for CI) and `convsim plan-size` (how many conversations)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from convsim.cli.common import fail, policy_option, user_error_kinds, user_errors
from convsim.core.config import ConfigError


def gate(
    run_dir: list[Path] = typer.Argument(..., help="Run folder(s) holding the candidate (globs work)."),
    policy: Path = policy_option("the verdict follows"),
    baseline: str = typer.Option(None, "--baseline", help="Baseline agent version."),
    baseline_run: Path = typer.Option(None, "--baseline-run", help="Take the baseline from this "
                                      "run folder (paired when it shares the pairs, same seed)."),
    candidate: str = typer.Option(None, "--candidate", help="Agent version to gate (default: "
                                  "the run's only version other than the baseline)."),
    junit: Path = typer.Option(None, "--junit", help="Also write JUnit XML here."),
    markdown: Path = typer.Option(None, "--markdown", help="Also write the markdown summary here."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON verdict instead of markdown."),
    out: Path = typer.Option(None, "--out", help="Folder for gate.json, gate.md, gate.junit.xml "
                             "(default: the run folder)."),
) -> None:
    """Gate an agent version on a run: exit 0 pass, 1 fail, 2 no verdict (unusable input or
    run: gate.md, JUnit and JSON still say why when the run exists)."""
    import os

    from convsim.decisions.analytics import AnalyticsError, load_runs
    from convsim.decisions.gate import (
        GateInputError,
        gate_run,
        load_policy,
        verdict_junit,
        verdict_markdown,
    )

    kinds = (ConfigError, GateInputError, AnalyticsError)
    with user_errors(*kinds), internal_errors("gate", *kinds):
        rules = load_policy(policy)
        runs = load_runs(run_dir)
        base_runs = load_runs(baseline_run) if baseline_run is not None else None
        verdict = gate_run(runs, rules, candidate=candidate, baseline=baseline,
                           baseline_runs=base_runs, policy_source=str(policy or "default policy"))
        target = out if out is not None else runs.run_dirs[0]
        report = runs.run_dirs[0] / "report.html"
        href = os.path.relpath(report, target.resolve() if target.exists() else target)
        text_md, text_xml = verdict_markdown(verdict, href), verdict_junit(verdict)
        text_json = verdict.model_dump_json(indent=1) + "\n"
    try:
        target.mkdir(parents=True, exist_ok=True)
        (target / "gate.json").write_text(text_json)
        (target / "gate.md").write_text(text_md)
        (target / "gate.junit.xml").write_text(text_xml)
        if junit is not None:
            junit.write_text(text_xml)
        if markdown is not None:
            markdown.write_text(text_md)
    except OSError as exc:
        fail(f"cannot write the gate outputs: {exc}")
    typer.echo(text_json if as_json else text_md, nl=False)
    raise typer.Exit(verdict.exit_code)


@contextmanager
def internal_errors(command: str, *user_kinds: type[Exception]) -> Iterator[None]:
    """Any exception but a user error (`user_kinds`, `user_error_kinds()`) is convsim's own
    bug, not a verdict: one line, exit 2 (never 1, which CI reads as "blocked")."""
    try:
        yield
    except (typer.Exit, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - the point: no traceback, no exit 1
        if isinstance(exc, (*user_kinds, *user_error_kinds())):
            raise
        where = ""
        tb = exc.__traceback__
        while tb is not None:
            where = f" at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}"
            tb = tb.tb_next
        fail(f"internal error in convsim {command} (not a verdict): {type(exc).__name__}: "
             f"{str(exc).splitlines()[0] if str(exc) else ''}{where}"[:400])


def plan_size(
    baseline_rate: float = typer.Option(..., "--baseline-rate", help="Expected baseline pass rate."),
    drop: float = typer.Option(..., "--drop", help="Drop in pass rate to detect (absolute)."),
    power: float = typer.Option(0.8, "--power", help="Chance to detect it."),
    alpha: float = typer.Option(0.05, "--alpha", help="One-sided significance level."),
    discordance: float = typer.Option(None, "--discordance", help="Share of pairs whose outcome "
                                      "differs between versions (default: independent versions, "
                                      "conservative)."),
    comparisons: int = typer.Option(1, "--comparisons", help="Tests in the family (metrics x "
                                    "segments); alpha is divided by it."),
    unpaired: bool = typer.Option(False, "--unpaired", help="Two sets without pairs (a canary "
                                  "and its control, `gate --baseline-run`): conversations per "
                                  "version for a two-proportion test."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Paired conversations needed to detect a drop in pass rate (McNemar power).

    With --unpaired: conversations per version for two sets that share no pairs (a canary
    and its control), the number the gate's power check uses for them."""
    from convsim.decisions.power import required_pairs, required_per_version

    if unpaired and discordance is not None:
        fail("--discordance is a property of pairs: it has no meaning with --unpaired")
    try:
        if unpaired:
            per_version = required_per_version(baseline_rate, drop, power, alpha, comparisons)
        else:
            size = required_pairs(baseline_rate, drop, power, alpha, discordance, comparisons)
    except ValueError as exc:
        fail(str(exc))
    if unpaired:
        family = f" / {comparisons} comparisons" if comparisons > 1 else ""
        if as_json:
            typer.echo(json.dumps({"per_version": per_version, "conversations": 2 * per_version,
                                   "baseline_rate": baseline_rate,
                                   "candidate_rate": baseline_rate - drop, "power": power,
                                   "alpha": alpha, "comparisons": comparisons,
                                   "unpaired": True}, indent=1))
            return
        typer.echo(f"{per_version} conversations per version ({2 * per_version} in all) to "
                   f"detect {baseline_rate:.1%} -> {baseline_rate - drop:.1%} with power "
                   f"{power:.0%} at one-sided alpha {alpha:g}{family}, two sets without pairs "
                   "(a canary and its control; stratified by intent, mixes that differ need more).")
        return
    if as_json:
        typer.echo(json.dumps(size.model_dump(), indent=1))
        return
    typer.echo(f"{size.pairs} pairs per version ({size.conversations} conversations in all) to "
               f"detect {size.baseline_rate:.1%} -> {size.candidate_rate:.1%} with power "
               f"{size.power:.0%} at one-sided alpha {size.alpha:g}"
               + (f" / {size.comparisons} comparisons" if size.comparisons > 1 else "")
               + f", assuming {size.discordance:.1%} of pairs differ.")
    typer.echo("Count distinct conversations: identical repetitions add nothing; repetitions "
               "that differ count less than distinct specs.")
