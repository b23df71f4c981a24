"""`convsim domain from-transcripts`: a domain pack from transcripts with logged tool calls."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from convsim.cli.common import console, fail, user_errors
from convsim.core.config import ConfigError


def from_transcripts(
    transcripts: list[Path] = typer.Argument(..., help="Folders written by convsim ingest."),
    out: Path = typer.Option(..., "--out", "-o", help="Pack folder to write."),
    name: str = typer.Option(..., "--name", help="Name of the pack."),
    config: Path = typer.Option(None, "--config", "-c",
                                help="YAML: samples, seed, slot renames, domain.yaml overrides."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Build a domain pack (replayed tools, slots, scenario templates) from transcripts."""
    from convsim.core.yaml_files import load_model
    from convsim.scenarios.packgen import PackgenConfig, PackgenError, pack_from_transcripts

    if not name.strip() or any(c in name for c in "/\\:"):
        fail(f"--name: {name!r} is not a pack name (a word, no slashes or colons)")
    with user_errors(ConfigError, PackgenError):
        settings = load_model(config, PackgenConfig) if config else PackgenConfig()
        summary = pack_from_transcripts(transcripts, out, name, settings)
    if as_json:
        console.print_json(json.dumps(summary))
        return
    console.print(f"{summary['conversations_with_calls']} of {summary['conversations']} "
                  f"conversations logged tool calls: {summary['calls']} calls, "
                  f"{len(summary['tools'])} tools, {len(summary['intents'])} intents, "
                  f"{summary['scenario_templates']} scenario templates -> {out}", highlight=False)
    for file in summary["files"]:
        console.print(f"  wrote {out / file}", highlight=False)
    console.print("  tools: " + ", ".join(f"{t} ({n})" for t, n in summary["tools"].items()),
                  highlight=False)
    console.print("  slots: " + ", ".join(summary["slots"]), highlight=False)
    for intent, info in summary["intents"].items():
        steps = " -> ".join(info["required_steps"]) or "no required steps"
        console.print(f"  {intent}: {info['conversations']} conversations, "
                      f"{info['templates']} templates, process {steps}", highlight=False)
