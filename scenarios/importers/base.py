"""Shared pieces of the importers: result items, lazy record readers, path lookup."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from convsim.simulator.records import Conversation, Role, Turn, stable_hash


class MappingError(Exception):
    """The import itself is misconfigured (format, mapping file); nothing can be imported."""


@dataclass
class Imported:
    conversation: Conversation
    names: list[str] = field(default_factory=list)
    """Person names known from fields (scrubbed wherever they appear)."""


@dataclass
class Quarantined:
    source: str
    location: str
    """Line or record number, or conversation id."""
    reason: str
    excerpt: str = ""


Item = Imported | Quarantined


class Importer(Protocol):
    name: str

    def read(self, path: Path) -> Iterator[Item]: ...


@dataclass
class RawRecord:
    location: str
    value: Any = None
    error: str | None = None
    excerpt: str = ""


def _jsonl(path: Path) -> Iterator[RawRecord]:
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            loc = f"line {n}"
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield RawRecord(loc, error=f"not UTF-8 ({exc.reason} at byte {exc.start})",
                                excerpt=raw[:200].decode("utf-8", "replace"))
                continue
            try:
                yield RawRecord(loc, json.loads(text))
            except ValueError as exc:
                yield RawRecord(loc, error=f"invalid JSON: {exc}", excerpt=text[:200])


def _json(path: Path) -> Iterator[RawRecord]:
    import ijson

    with path.open("rb") as fh:
        first = fh.read(64).lstrip()[:1]
        fh.seek(0)
        if first != b"[":
            try:
                yield RawRecord("record 1", json.loads(fh.read().decode("utf-8")))
            except (ValueError, UnicodeDecodeError) as exc:
                yield RawRecord("file", error=f"invalid JSON: {exc}")
            return
        n = 0
        try:
            for n, item in enumerate(ijson.items(fh, "item", use_float=True), 1):
                yield RawRecord(f"record {n}", item)
        except (ijson.JSONError, UnicodeDecodeError) as exc:
            yield RawRecord(f"after record {n}",
                            error=f"invalid JSON, rest of file not read: {exc}")


def _csv(path: Path) -> Iterator[RawRecord]:
    with path.open(newline="", encoding="utf-8", errors="strict") as fh:
        try:
            for n, row in enumerate(csv.DictReader(fh), 2):
                yield RawRecord(f"line {n}", row)
        except (UnicodeDecodeError, csv.Error) as exc:
            yield RawRecord("file", error=f"unreadable CSV, rest of file not read: {exc}")


def _parquet(path: Path) -> Iterator[RawRecord]:
    import pyarrow.parquet as pq

    n = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=2048):
        for row in batch.to_pylist():
            n += 1
            yield RawRecord(f"row {n}", row)


def iter_records(path: Path) -> Iterator[RawRecord]:
    """Records of a JSONL, JSON (array or object), CSV or Parquet file, lazily."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return _jsonl(path)
    if suffix == ".json":
        return _json(path)
    if suffix == ".csv":
        return _csv(path)
    if suffix == ".parquet":
        return _parquet(path)
    raise MappingError(f"{path}: unknown file type {suffix!r} (jsonl, json, csv, parquet)")


def object_records(path: Path, list_field: str | None = None
                   ) -> Iterator[RawRecord | Quarantined]:
    """JSON-object records of a file; unreadable records, non-objects and records
    without the `list_field` list come back as Quarantined."""
    source = str(path)
    for rec in iter_records(path):
        if rec.error:
            yield Quarantined(source, rec.location, rec.error, rec.excerpt)
        elif not isinstance(rec.value, dict):
            yield Quarantined(source, rec.location, "record is not a JSON object",
                              str(rec.value)[:200])
        elif list_field and not isinstance(rec.value.get(list_field), list):
            yield Quarantined(source, rec.location, f"no {list_field!r} list",
                              str(rec.value)[:200])
        else:
            yield rec


_MISSING = object()


def get_path(value: Any, path: str, default: Any = _MISSING) -> Any:
    """Follow a dotted path (list indexes as numbers) into nested dicts and lists."""
    node = value
    for part in path.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list | tuple) and part.lstrip("-").isdigit() and \
                -len(node) <= int(part) < len(node):
            node = node[int(part)]
        else:
            if default is _MISSING:
                raise KeyError(path)
            return default
    return node


def historical_id(fmt: str, source_id: str) -> str:
    """Stable id of an imported conversation: re-imports give the same id."""
    return f"h-{stable_hash([fmt, str(source_id)])}"


def make_turns(pairs: list[tuple[Role, str]]) -> list[Turn]:
    return [Turn(index=i, role=role, text=text) for i, (role, text) in enumerate(pairs)]


def check_conversation(conv: Conversation, source: str, location: str) -> Quarantined | None:
    """Quarantine reason for a conversation that cannot be used, else None."""
    if not any(t.text.strip() for t in conv.turns if t.role in ("customer", "agent")):
        return Quarantined(source, location, f"empty conversation {conv.labels.get('source_id', '')}"
                           .strip())
    if not any(t.role == "customer" for t in conv.turns):
        return Quarantined(source, location, "no customer turn")
    return None
