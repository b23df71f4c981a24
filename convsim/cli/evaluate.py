"""`convsim evaluate`: score ingested historical transcripts with the campaign evaluators."""

from __future__ import annotations

from pathlib import Path

import typer

from convsim.cli.common import console, fail, user_errors


def evaluate(
    transcripts: Path = typer.Argument(..., help="An ingested transcripts folder (convsim ingest)."),
    out: Path = typer.Option(..., "--out", "-o",
                             help="Where the run folder goes (<out>/<run_id>/, as runs/<campaign>)."),
    evaluators: str = typer.Option(
        "process,disclosures,goal,rules,escalation,truthfulness", "--evaluators", "-e",
        help="Comma-separated evaluator names, as a campaign's `evaluators:`."),
    domain: str = typer.Option(None, "--domain", "-d",
                               help="Domain pack whose rules apply (name, module:attr or folder); "
                                    "default: the transcripts' domain column or the catalog's."),
    catalog: Path = typer.Option(None, "--catalog", "-c",
                                 help="A mined catalog: intents of unlabelled conversations and "
                                      "the mined process per intent."),
    agent_version: str = typer.Option(None, "--agent-version",
                                      help="Agent version that served these conversations, for "
                                           "those ingested without one (a canary and its "
                                           "control: `convsim gate CANARY --baseline-run "
                                           "CONTROL`)."),
) -> None:
    """Score production transcripts with the same evaluators as a campaign; same Parquet tables."""
    from convsim.engine.score_transcripts import EvaluateError, evaluate_transcripts

    names = [n.strip() for n in evaluators.split(",") if n.strip()]
    if not names:
        fail("--evaluators: give at least one evaluator name")
    with user_errors(EvaluateError):
        report = evaluate_transcripts(transcripts, out, evaluators=names, domain=domain,
                                      catalog=catalog, agent_version=agent_version)
    if report.conversations == 0:
        fail(f"{transcripts}: no conversation to score")
    console.print(f"scored {report.conversations} conversations ({report.scores} scores) in "
                  f"{report.seconds:.1f}s -> {report.run_dir}", highlight=False)
    named = {v: n for v, n in report.versions.items() if v}
    if named:
        console.print("  agent versions: " + ", ".join(f"{v} {n}" for v, n in sorted(
            named.items())), highlight=False)
    if report.versions.get(""):
        console.print(f"  agent_version is empty in {report.versions['']} conversations: "
                      "`convsim gate` cannot use them; pass --agent-version (here or to "
                      "convsim ingest)", highlight=False)
    for against, n in report.against.most_common():
        console.print(f"  {n} scored against: {against}", highlight=False)
    for metric in sorted(report.scored):
        n, ok = report.scored[metric], report.passed[metric]
        console.print(f"  {metric:34s} {ok:>5}/{n:<5} {ok / n:6.1%}", highlight=False)
