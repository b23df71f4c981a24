"""`convsim export`: a run's conversations as transcripts `convsim ingest` reads back."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from convsim.cli.common import console, fail, user_errors


def export(
    run_dir: Path = typer.Argument(..., help="A run folder (runs/<campaign>/<run_id>)."),
    out: Path = typer.Option(..., "--out", "-o", help="The JSONL file to write."),
    version: str = typer.Option(None, "--version", help="Only this agent version's "
                                "conversations (default: all)."),
    part: str = typer.Option("1/1", "--slice", help="K/N: the K-th of N alternate slices in "
                             "conversation-id order (1/2 and 2/2 are two disjoint halves)."),
    name_version: bool = typer.Option(True, "--name-version/--no-name-version",
                                      help="Name each record's agent version "
                                           "(metadata.agent_version)."),
) -> None:
    """Export a run's conversations as OpenAI chat JSONL (tool calls included) for convsim
    ingest.

    `convsim ingest --format openai` reads it back: e.g. a campaign's two versions as
    stand-ins for a canary's and a control's production logs."""
    from convsim.engine.export import ExportError, export_openai

    m = re.fullmatch(r"(\d+)/(\d+)", part.strip())
    if m is None:
        fail(f"--slice {part!r}: write K/N, e.g. 1/2")
    with user_errors(ExportError):
        n = export_openai(run_dir, out, version=version,
                          slice_of=(int(m.group(1)), int(m.group(2))), name_version=name_version)
    console.print(f"exported {n} conversations -> {out}", highlight=False)
