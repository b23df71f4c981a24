"""`convsim report`: the self-contained HTML report of a run."""

from __future__ import annotations

from pathlib import Path

import typer

from convsim.cli.common import console, policy_option, user_errors


def report(
    run_dir: list[Path] = typer.Argument(..., help="Run folder(s) (runs/<campaign>/<run_id>), or a "
                                                   "campaign folder."),
    out: Path = typer.Option(None, "--out", help="HTML file to write (default: RUN_DIR/report.html)."),
    baseline: str = typer.Option(None, "--baseline", help="Agent version the others are compared "
                                                          "with (default: the campaign's first)."),
    candidate: str = typer.Option(None, "--candidate", help="Compare only this version "
                                                            "(default: every other version)."),
    policy: Path = policy_option("whose tests the comparison shows"),
) -> None:
    """Write a self-contained HTML report (opens offline): pass rates, the comparison with the
    baseline, breakdowns, coverage, errors and the worst failing transcripts."""
    from convsim.cli.gate import internal_errors
    from convsim.decisions.analytics import AnalyticsError
    from convsim.decisions.gate import load_policy
    from convsim.decisions.report import ReportError, write_report

    with user_errors(ReportError, AnalyticsError), internal_errors("report", ReportError,
                                                                    AnalyticsError):
        path = write_report(run_dir, out or run_dir[0] / "report.html", baseline=baseline,
                            candidate=candidate, policy=load_policy(policy))
    console.print(f"report: {path}", highlight=False, soft_wrap=True)
