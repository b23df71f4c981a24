"""`convsim judge calibrate`: how far the LLM judge agrees with reference labels."""

from __future__ import annotations

from pathlib import Path

import typer

from convsim.cli.common import console, user_errors

app = typer.Typer(help="The LLM judge: measure its reliability.", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """The LLM judge: measure its reliability."""


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


@app.command("calibrate")
def calibrate(
    run_dir: list[Path] = typer.Argument(..., help="Run folder(s) with judge scores (globs work)."),
    labels: Path = typer.Option(None, "--labels", "-l", help="CSV of reference labels "
                                "(conversation_id, metric, label pass/fail); default: the rule "
                                "verdicts of the same run (task_success vs goal, groundedness "
                                "vs truthfulness)."),
    metric: list[str] = typer.Option(None, "--metric", "-m", help="Judge metric to compare "
                                     "(repeatable; default: every judged metric)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Compare the judge's verdicts with reference labels: per metric n, agreement, Cohen's
    kappa and the confusion counts; inconclusive verdicts apart. Exit 2 on unusable input."""
    from convsim.decisions.analytics import AnalyticsError, load_runs
    from convsim.evaluators.calibrate import CalibrationError, calibrate_judge

    with user_errors(AnalyticsError, CalibrationError):
        result = calibrate_judge(load_runs(run_dir).scores, labels=labels, metrics=metric or None)
    if as_json:
        typer.echo(result.model_dump_json(indent=1))
        return
    from rich import box
    from rich.table import Table

    table = Table(title="LLM judge vs reference labels", box=box.SIMPLE_HEAD,
                  caption="confusion: judge/reference; inconclusive verdicts are not counted in n")
    for name in ("metric", "reference", "n", "agreement", "kappa", "pass/pass", "pass/fail",
                 "fail/pass", "fail/fail", "inconclusive"):
        table.add_column(name, justify="left" if name in ("metric", "reference") else "right",
                         no_wrap=True)
    for m in result.metrics:
        table.add_row(m.metric, m.reference, str(m.n), _num(m.agreement), _num(m.kappa),
                      str(m.pass_pass), str(m.pass_fail), str(m.fail_pass), str(m.fail_fail),
                      str(m.inconclusive))
    console.print(table)
    for name in result.without_reference:
        console.print(f"{name}: no reference label (give --labels)", highlight=False)
