"""`convsim ingest`: historical transcripts into scrubbed Parquet."""

from __future__ import annotations

from pathlib import Path

import typer

from convsim.cli.common import console, fail, user_errors
from convsim.core.config import ConfigError


def ingest(
    sources: list[Path] = typer.Argument(..., help="Transcript files (jsonl, json, csv, parquet)."),
    fmt: str = typer.Option(..., "--format", "-f",
                            help="generic, openai, taskmaster, abcd, or tau2 (tasks -> scenarios.jsonl)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (created; re-imports dedupe)."),
    mapping: Path = typer.Option(None, "--mapping", help="Field mapping YAML (format generic)."),
    pii: Path = typer.Option(None, "--pii", help="PII YAML: extra identifiers to scrub."),
    domain: str = typer.Option(None, "--domain", help="Domain pack (name or folder): pseudonyms "
                                                      "keep the shapes of its id slots."),
    agent_version: str = typer.Option(None, "--agent-version", help="Agent version that served "
                                      "these conversations, for those whose records name none "
                                      "(a canary and its control: `convsim gate`)."),
) -> None:
    """Import transcripts: normalise, quarantine bad records, scrub personal data, write Parquet.

    Pseudonyms are consistent within a dataset; set CONVSIM_PII_SALT to make them
    reproducible across imports (the salt is never stored with the data).
    """
    from convsim.core.yaml_files import load_model
    from convsim.scenarios.importers import MappingError
    from convsim.scenarios.ingest import ingest_transcripts
    from convsim.scenarios.pii import PiiConfig

    with user_errors(MappingError, ConfigError):
        from convsim.core.packs.discovery import find_domain

        pii_config = load_model(pii, PiiConfig) if pii else None
        pack = find_domain(domain) if domain else None
        report = ingest_transcripts(sources, fmt, out, mapping=mapping, pii=pii_config,
                                    domain=pack, agent_version=agent_version)
    console.print(f"read {report.read}, imported {report.imported}, "
                  f"duplicates skipped {report.duplicates}, quarantined {report.quarantined} "
                  f"in {report.seconds:.1f}s -> {report.out}", highlight=False)
    for kind, n in report.reasons.most_common():
        others = f" (and {n - 1} more like it)" if n > 1 else ""
        console.print(f"  quarantined: {report.examples.get(kind, kind)}{others}",
                      highlight=False, soft_wrap=True)
    named = {v: n for v, n in report.versions.items() if v}
    if named:
        filled = f" ({report.version_filled} from --agent-version)" if report.version_filled \
            else ""
        console.print("  agent versions: " + ", ".join(f"{v} {n}" for v, n in sorted(
            named.items())) + filled, highlight=False)
    if report.versions.get(""):
        console.print(f"  agent_version is empty in {report.versions['']} conversations: pass "
                      "--agent-version (here or to convsim evaluate) to gate them as a canary "
                      "or a control", highlight=False)
    if report.pii:
        console.print("  personal data replaced: " + ", ".join(
            f"{k}={v}" for k, v in sorted(report.pii.items())), highlight=False)
    if report.imported + report.duplicates == 0:
        fail(f"nothing could be imported from {len(sources)} file(s); every reason is in "
             f"{report.out / report.quarantine}")
