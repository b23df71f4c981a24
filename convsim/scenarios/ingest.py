"""Ingest historical transcripts: read, validate, scrub personal data, store as Parquet.

Streaming: conversations are read one at a time and written in parts of
`part_size`, so memory stays bounded whatever the input size. Bad input goes to
the `quarantine` table with file, location and reason; nothing is dropped
silently. Ids are stable (format + source id), so re-importing into the same
folder adds nothing twice.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from convsim.core.campaign_file import check_output_dir
from convsim.core.config import ConfigError
from convsim.core.packs.model import Domain
from convsim.core.records import Conversation
from convsim.core.results import ResultWriter, conversation_rows
from convsim.scenarios.importers import Imported, MappingError, Quarantined, make_importer
from convsim.scenarios.pii import PiiConfig, Scrubber
from convsim.scenarios.pii_pack import pack_shapes

INGEST_TABLES = ("conversations", "turns", "tool_calls", "quarantine")
READABLE = (".jsonl", ".ndjson", ".json", ".csv", ".parquet")
SALT_ENV = "CONVSIM_PII_SALT"


@dataclass
class IngestReport:
    out: Path
    read: int = 0
    imported: int = 0
    duplicates: int = 0
    quarantined: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    """Kind of reason -> its first occurrence as `file: location: reason` (for the console)."""
    quarantine: str = "quarantine/"
    """Where the quarantined records are, relative to `out`."""
    pii: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    salt_from_env: bool = False
    versions: Counter[str] = field(default_factory=Counter)
    """Imported conversations per agent version ('' for none: a canary cannot be gated)."""
    version_filled: int = 0
    """Conversations whose version came from `agent_version` (the data named none)."""


def _scrub_conversation(conv: Conversation, names: list[str], scrubber: Scrubber
                        ) -> Conversation:
    scrubber.begin(names, [t.text for t in conv.turns],
                   [c.arguments for c in conv.tool_calls] + [c.result for c in conv.tool_calls])
    for turn in conv.turns:
        turn.text = scrubber.scrub(turn.text)
    for call in conv.tool_calls:
        call.arguments = scrubber.scrub_value(call.arguments)
        call.result = scrubber.scrub(call.result) if call.result else call.result
    conv.labels = scrubber.scrub_value(conv.labels)
    return conv


def _reason_kind(reason: str) -> str:
    for kind in ("invalid JSON", "not UTF-8", "unknown speaker", "empty conversation",
                 "no customer turn", "not contiguous", "no conversation id", "no list of turns",
                 "nested deeper than", "record larger than", "unreadable CSV",
                 "unreadable Parquet", "cannot read the file", "not a tau2 task",
                 "could not convert", "could not store"):
        if kind in reason:
            return kind
    return reason.split(":")[0][:60]


def _count_reason(report: IngestReport, source: str, location: str, reason: str) -> None:
    kind = _reason_kind(reason)
    report.reasons[kind] += 1
    report.examples.setdefault(kind, f"{source}: {location}: {reason}")


def ingest_transcripts(sources: Sequence[str | Path], fmt: str, out: str | Path, *,
                       mapping: str | Path | None = None, pii: PiiConfig | None = None,
                       salt: str | None = None, part_size: int = 500,
                       progress: Callable[[IngestReport], None] | None = None,
                       domain: Domain | None = None,
                       agent_version: str | None = None) -> IngestReport:
    """Import transcript files into `out` (Parquet), scrubbed; returns the counts.

    With a `domain` pack, pseudonyms of its id-like slots keep the shapes the pack relies
    on (see `pii_pack`), so a replayed conversation still finds its account. The agent
    version of a conversation is the one its record names (the format's field, or the
    generic mapping's `agent_version:`), else `agent_version` (`--agent-version`).

    Raises MappingError when the import cannot start (unknown format, bad mapping,
    missing source file); bad records never raise.
    """
    t0 = time.perf_counter()
    paths = [Path(s) for s in sources]
    for p in paths:
        if not p.is_file():
            raise MappingError(f"{p}: file not found")
        if p.suffix.lower() not in READABLE:
            raise MappingError(f"{p}: unknown file type {p.suffix!r} (jsonl, json, csv, parquet)")
    try:
        check_output_dir(out, "--out")
    except ConfigError as exc:
        raise MappingError(str(exc)) from None
    salt_env = os.environ.get(SALT_ENV)
    shapes: list[str] = []
    if domain is not None:
        try:
            rules, shapes = pack_shapes(domain)
        except ValueError as exc:
            raise MappingError(str(exc)) from None
        pii = (pii or PiiConfig()).model_copy(update={"identifiers": {
            **rules, **(pii.identifiers if pii else {})}})
    scrubber = Scrubber(salt or salt_env or secrets.token_hex(16), pii, shapes)
    if fmt == "tau2":
        return _ingest_tau2_tasks(paths, Path(out), t0, scrubber)
    importer = make_importer(fmt, mapping)
    out = Path(out)
    writer = ResultWriter(out, run_id="ingest", tables=INGEST_TABLES)
    seen = writer.done_ids()
    report = IngestReport(out=out, salt_from_env=bool(salt or salt_env))
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in INGEST_TABLES}
    pending = 0

    def flush() -> None:
        nonlocal rows, pending
        if pending or rows["quarantine"]:
            writer.write_part(rows)
        rows = {t: [] for t in INGEST_TABLES}
        pending = 0

    for path in paths:
        for item in importer.read(path):
            report.read += 1
            if isinstance(item, Quarantined):
                report.quarantined += 1
                scrubber.begin([])
                reason = scrubber.scrub(item.reason)  # may quote a conversation id
                _count_reason(report, item.source, item.location, reason)
                rows["quarantine"].append({
                    "source": item.source, "location": item.location,
                    "reason": reason, "excerpt": scrubber.scrub_excerpt(item.excerpt)})
                if len(rows["quarantine"]) >= part_size:
                    flush()
                continue
            assert isinstance(item, Imported)
            conv = item.conversation
            if conv.id in seen:
                report.duplicates += 1
                continue
            if conv.agent_version is None and agent_version:
                conv.agent_version = agent_version
                report.version_filled += 1
            try:
                scrubbed = _scrub_conversation(conv, item.names, scrubber)
                converted = conversation_rows(scrubbed)
            except Exception as exc:  # noqa: BLE001 (one odd record must not stop the import)
                report.quarantined += 1
                where = (conv.origin or "").rpartition(":")[2]
                reason = f"could not store the conversation: {type(exc).__name__}"
                _count_reason(report, str(path), where, reason)
                rows["quarantine"].append({"source": str(path), "location": where,
                                           "reason": reason, "excerpt": ""})
                continue
            seen.add(conv.id)
            report.versions[conv.agent_version or ""] += 1
            for table, part in converted.items():
                rows[table].extend(part)
            report.imported += 1
            pending += 1
            if pending >= part_size:
                flush()
                if progress:
                    progress(report)
    flush()
    report.pii = dict(scrubber.counts)
    report.seconds = time.perf_counter() - t0
    _append_manifest(out, fmt, paths, report)
    return report


def _scrub_scenario(scenario: Any, scrubber: Scrubber) -> Any:
    """Pseudonymise a task scenario's texts and expected arguments consistently."""
    names = [str(a["arguments"][k]) for a in scenario.slots.get("expected_actions", [])
             for k in ("first_name", "last_name") if k in a.get("arguments", {})]
    scrubber.begin(names, [scenario.goal, *map(str, scenario.slots.values())])
    return scenario.model_copy(update={"goal": scrubber.scrub(scenario.goal),
                                       "slots": scrubber.scrub_value(scenario.slots)})


def _ingest_tau2_tasks(paths: list[Path], out: Path, t0: float, scrubber: Scrubber
                       ) -> IngestReport:
    """tau2 tasks are scenarios: written to `scenarios.jsonl` (one Scenario per line)."""
    from convsim.scenarios.importers.tau2 import read_tau2_tasks

    out.mkdir(parents=True, exist_ok=True)
    target = out / "scenarios.jsonl"
    existing = {}
    if target.is_file():
        # split("\n"), not splitlines(): a scenario's text may hold U+2028 or U+0085.
        for line in target.read_text(encoding="utf-8").split("\n"):
            if line.strip():
                existing[json.loads(line)["id"]] = line
    report = IngestReport(out=out, quarantine="quarantine.jsonl")
    quarantine = []
    for path in paths:
        for item in read_tau2_tasks(path):
            report.read += 1
            if isinstance(item, Quarantined):
                report.quarantined += 1
                scrubber.begin([])
                reason = scrubber.scrub(item.reason)
                _count_reason(report, item.source, item.location, reason)
                quarantine.append({**item.__dict__, "reason": reason,
                                   "excerpt": scrubber.scrub_excerpt(item.excerpt)})
            elif item.id in existing:
                report.duplicates += 1
            else:
                try:
                    existing[item.id] = _scrub_scenario(item, scrubber).model_dump_json()
                except Exception as exc:  # noqa: BLE001 (one odd task must not stop the import)
                    report.quarantined += 1
                    reason = f"could not store the scenario: {type(exc).__name__}"
                    _count_reason(report, str(path), item.id, reason)
                    quarantine.append({"source": str(path), "location": item.id,
                                       "reason": reason, "excerpt": ""})
                    continue
                report.imported += 1
    target.write_text("".join(line + "\n" for line in existing.values()), encoding="utf-8")
    if quarantine:
        with (out / "quarantine.jsonl").open("a") as fh:
            fh.writelines(json.dumps(q) + "\n" for q in quarantine)
    report.pii = dict(scrubber.counts)
    report.seconds = time.perf_counter() - t0
    _append_manifest(out, "tau2", paths, report)
    return report


def _append_manifest(out: Path, fmt: str, paths: list[Path], report: IngestReport) -> None:
    manifest_path = out / "ingest.json"
    history = json.loads(manifest_path.read_text()) if manifest_path.is_file() else []
    history.append({
        "at": datetime.now(UTC).isoformat(), "format": fmt,
        "sources": [str(p) for p in paths],
        "counts": {"read": report.read, "imported": report.imported,
                   "duplicates": report.duplicates, "quarantined": report.quarantined},
        "quarantine_reasons": dict(report.reasons), "pii_replaced": report.pii,
        "agent_versions": {v or "(none)": n for v, n in sorted(report.versions.items())},
        "pseudonym_salt": f"from {SALT_ENV}" if report.salt_from_env else "random, not stored",
        "seconds": round(report.seconds, 3),
    })
    manifest_path.write_text(json.dumps(history, indent=2) + "\n")
