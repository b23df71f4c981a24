"""Shared pieces of the importers: result items, lazy record readers, path lookup.

Size: over 400 lines because everything the formats share lives here (streamed JSON
records with one bad record isolated, building, settling and checking a historical
conversation), so each format's importer is only its mapping.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from convsim.core.records import Conversation, Role, Turn, stable_hash


class MappingError(Exception):
    """The import itself is misconfigured (format, mapping file); nothing can be imported."""


@dataclass
class Imported:
    conversation: Conversation
    names: list[str] = field(default_factory=list)
    """Person names known from fields (scrubbed wherever they appear)."""


MAX_DEPTH = 64
"""Deepest nesting of objects and lists in one record (a transcript needs under 10); a
deeper record is quarantined before it can exhaust the parser's stack or memory."""
MAX_RECORD_BYTES = 16 * 2**20
"""Largest record (a JSONL line, a JSON array item, a single-object JSON file); a larger
one is quarantined, and skipped without being held in memory."""
_BAD_TEXT = re.compile("[\ud800-\udfff\ufdd0]")
"""Undecodable bytes (surrogate escapes; U+FDD0 marks them in JSON arrays) or lone
surrogates from \\uD800-style escapes: text that cannot be written as UTF-8."""


def clean_text(text: str, limit: int | None = None) -> str:
    """`text` safe to store: undecodable characters replaced by U+FFFD, cut at `limit`."""
    text = text if limit is None else text[:limit]
    return _BAD_TEXT.sub("\ufffd", text)


@dataclass
class Quarantined:
    source: str
    location: str
    """Line or record number, or conversation id."""
    reason: str
    excerpt: str = ""

    def __post_init__(self) -> None:
        # Reasons and excerpts quote the bad input; keep them storable.
        self.source = clean_text(self.source)
        self.location = clean_text(self.location)
        self.reason = clean_text(self.reason, 2000)
        self.excerpt = clean_text(self.excerpt, 200)


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


def _too_big() -> str:
    return f"record larger than {MAX_RECORD_BYTES // 2**20} MiB (importer limit MAX_RECORD_BYTES)"


def _too_deep() -> str:
    return f"nested deeper than {MAX_DEPTH} levels (importer limit MAX_DEPTH)"


def record_problem(value: Any) -> str | None:
    """Why a parsed record cannot be imported as it is (too deep, too big, undecodable
    text), else None. Iterative: a deep record cannot exhaust the stack here."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    size = 0
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            size += len(node)
            if _BAD_TEXT.search(node):
                return "not UTF-8: invalid bytes (or a lone \\uD800-\\uDFFF escape) in a value"
        elif isinstance(node, dict | list | tuple):
            if depth > MAX_DEPTH:
                return _too_deep()
            items = list(node.items()) if isinstance(node, dict) else node
            size += len(items)
            stack.extend((item, depth + 1) for item in items)
        else:
            size += 8
        if size > MAX_RECORD_BYTES:
            return _too_big()
    return None


def _jsonl(path: Path) -> Iterator[RawRecord]:
    with path.open("rb") as fh:
        n = 0
        while raw := fh.readline(MAX_RECORD_BYTES + 1):
            n += 1
            loc = f"line {n}"
            if len(raw) > MAX_RECORD_BYTES and not raw.endswith(b"\n"):
                while (rest := fh.readline(2**20)) and not rest.endswith(b"\n"):
                    pass  # skip the rest of the oversized line without keeping it
                yield RawRecord(loc, error=_too_big(),
                                excerpt=raw[:200].decode("utf-8", "replace"))
                continue
            if not raw.strip():
                continue
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
            except RecursionError:
                yield RawRecord(loc, error=_too_deep(), excerpt=text[:200])


class _MarkedUtf8:
    """A binary file read as UTF-8 where each undecodable byte becomes U+FDD0 (a
    noncharacter), so a bad byte spoils only the record holding it."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self._decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")

    def read(self, size: int = -1) -> bytes:
        chunk = self._fh.read(size)
        text = self._decoder.decode(chunk, final=not chunk)
        return _ESCAPED.sub("\ufdd0", text).encode("utf-8")


_ESCAPED = re.compile("[\udc80-\udcff]")


class _Builder:
    """One JSON value from ijson.basic_parse events, with depth and size limits."""

    def __init__(self) -> None:
        self.stack: list[Any] = []
        self.keys: list[Any] = []
        self.value: Any = None
        self.depth = 0
        self.size = 0
        self.problem: str | None = None

    def feed(self, event: str, value: Any) -> bool:
        """Take one event; True when the value is complete."""
        if event in ("start_map", "start_array"):
            self.depth += 1
            if self.depth > MAX_DEPTH and self.problem is None:
                self.problem = _too_deep()
            if self.problem is None:
                container: Any = {} if event == "start_map" else []
                self._add(container)
                self.stack.append(container)
                self.keys.append(None)
            return False
        if event in ("end_map", "end_array"):
            self.depth -= 1
            if self.problem is None:
                self.stack.pop()
                self.keys.pop()
            return self.depth == 0
        self.size += len(value) if isinstance(value, str) else 8
        if self.size > MAX_RECORD_BYTES and self.problem is None:
            self.problem = _too_big()
        if self.problem is None:
            if event == "map_key":
                self.keys[-1] = value
            else:
                self._add(value)
        return self.depth == 0 and event != "map_key"

    def _add(self, value: Any) -> None:
        if not self.stack:
            self.value = value
        elif isinstance(self.stack[-1], list):
            self.stack[-1].append(value)
        else:
            self.stack[-1][self.keys[-1]] = value


def _json(path: Path) -> Iterator[RawRecord]:
    import ijson

    with path.open("rb") as fh:
        first = fh.read(64).lstrip()[:1]
        fh.seek(0)
        if first != b"[":
            data = fh.read(MAX_RECORD_BYTES + 1)
            if len(data) > MAX_RECORD_BYTES:
                yield RawRecord("record 1", error=_too_big())
                return
            try:
                yield RawRecord("record 1", json.loads(data.decode("utf-8")))
            except (ValueError, UnicodeDecodeError) as exc:
                yield RawRecord("file", error=f"invalid JSON: {exc}")
            except RecursionError:
                yield RawRecord("record 1", error=_too_deep())
            return
        # Items one at a time from parser events (basic_parse: no path prefixes, whose
        # length grows with the nesting), so one bad item costs only itself.
        events = ijson.basic_parse(_MarkedUtf8(fh), use_float=True)
        n = 0
        try:
            next(events)  # the top-level '['
            builder: _Builder | None = None
            for event, value in events:
                if builder is None:
                    if event == "end_array":
                        break
                    n += 1
                    builder = _Builder()
                if builder.feed(event, value):
                    yield RawRecord(f"record {n}", builder.value, error=builder.problem)
                    builder = None
        except ijson.JSONError as exc:
            reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            yield RawRecord(f"record {max(n, 1)}",
                            error=f"invalid JSON, rest of file not read: {reason}")


def _csv(path: Path) -> Iterator[RawRecord]:
    with path.open(newline="", encoding="utf-8", errors="surrogateescape") as fh:
        reader = csv.DictReader(fh)
        try:
            header = reader.fieldnames or []
        except csv.Error as exc:
            yield RawRecord("line 1", error=f"unreadable CSV header, file not read: {exc}")
            return
        if any(_BAD_TEXT.search(h) for h in header):
            yield RawRecord("line 1", error="not UTF-8: invalid bytes in the CSV header, file "
                            "not read", excerpt=",".join(header))
            return
        while True:
            loc = f"line {reader.line_num + 1}"
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                yield RawRecord(loc, error=f"unreadable CSV row: {exc}")
                continue
            yield RawRecord(loc, row)


def _parquet(path: Path) -> Iterator[RawRecord]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 0
    try:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=2048):
            for row in batch.to_pylist():
                n += 1
                yield RawRecord(f"row {n}", row)
    except (pa.ArrowException, OSError) as exc:
        where = f"row {n + 1}" if n else "file"
        rest = ", rest of file not read" if n else ""
        yield RawRecord(where, error=f"unreadable Parquet file{rest}: {exc}")


def iter_records(path: Path) -> Iterator[RawRecord]:
    """Records of a JSONL, JSON (array or object), CSV or Parquet file, lazily; a record
    that cannot be imported as it is comes with `error` set (the file goes on)."""
    suffix = path.suffix.lower()
    readers = {".jsonl": _jsonl, ".ndjson": _jsonl, ".json": _json, ".csv": _csv,
               ".parquet": _parquet}
    if suffix not in readers:
        raise MappingError(f"{path}: unknown file type {suffix!r} (jsonl, json, csv, parquet)")
    return _vetted(readers[suffix](path))


def _vetted(records: Iterator[RawRecord]) -> Iterator[RawRecord]:
    try:
        for rec in records:
            if rec.error is None and (problem := record_problem(rec.value)) is not None:
                rec = RawRecord(rec.location, error=problem,
                                excerpt=rec.excerpt or excerpt_of(rec.value))
            elif rec.error is not None:
                rec.value = None
            yield rec
    except OSError as exc:
        yield RawRecord("file", error=f"cannot read the file: {exc.strerror or exc}")


def excerpt_of(value: Any) -> str:
    """The first 200 characters of a record, for the quarantine (safe on deep values)."""
    try:
        return clean_text(str(value), 200)
    except RecursionError:
        return ""


def isolated(source: str, location: str, convert: Callable[[], Item]) -> Item:
    """`convert()` for one record; whatever it raises quarantines that record only."""
    try:
        return convert()
    except Exception as exc:  # noqa: BLE001 (bad data must not stop the file)
        detail = " ".join(str(exc).split())[:300]
        return Quarantined(source, location, f"could not convert the record: "
                           f"{type(exc).__name__}: {detail}")


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
                              excerpt_of(rec.value))
        elif list_field and not isinstance(rec.value.get(list_field), list):
            yield Quarantined(source, rec.location, f"no {list_field!r} list",
                              excerpt_of(rec.value))
        else:
            yield rec


def converted_objects(path: Path, list_field: str | None,
                      convert: Callable[[str, int, RawRecord], Item]) -> Iterator[Item]:
    """Each JSON-object record of a file through `convert(source, n, record)` (n counts
    from 1), one record at a time: what a record's conversion raises quarantines that
    record only, and records `object_records` rejects come back as Quarantined."""
    source = str(path)
    for n, rec in enumerate(object_records(path, list_field), 1):
        if isinstance(rec, Quarantined):
            yield rec
        else:
            yield isolated(source, rec.location, partial(convert, source, n, rec))


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


def agent_version(record: dict[str, Any]) -> str | None:
    """The agent version the record names (`agent_version`, or `metadata.agent_version`)."""
    meta: dict[str, Any] = record["metadata"] if isinstance(record.get("metadata"), dict) else {}
    for value in (record.get("agent_version"), meta.get("agent_version")):
        if isinstance(value, str | int | float) and not isinstance(value, bool) and \
                str(value).strip():
            return str(value).strip()
    return None


def historical_id(fmt: str, source_id: str) -> str:
    """Stable id of an imported conversation: re-imports give the same id."""
    return f"h-{stable_hash([fmt, str(source_id)])}"


def historical(fmt: str, source_id: str, source: str, location: str, *,
               names: list[str] | None = None, marker: str | None = None,
               transfer_marker: str | None = None, **fields: Any) -> Item:
    """One imported record's conversation (`fields`: turns, tool calls, intent, labels, agent
    version, ...): its stable id, its origin, its outcome settled from evidence
    (`outcomes.settle`, with the record's own `marker`), quarantined when unusable."""
    from convsim.scenarios.importers.outcomes import settle

    conv = Conversation(id=historical_id(fmt, source_id), source="historical",
                        origin=f"{source}:{location}", **fields)
    settle(conv, marker=marker, transfer_marker=transfer_marker)
    problem = check_conversation(conv, source, location)
    return problem if problem is not None else Imported(conv, names or [])


class RecordImporter(ABC):
    """An importer whose file holds one JSON-object record per conversation: `read` passes
    each record that holds the `list_field` list through `_convert`, one record at a time,
    and `_conversation` makes the record's historical conversation (its agent version read
    from the record)."""

    name: str
    list_field: str | None = None

    def read(self, path: Path) -> Iterator[Item]:
        return converted_objects(path, self.list_field, self._convert)

    @abstractmethod
    def _convert(self, source: str, n: int, rec: RawRecord) -> Item:
        """One record's item: its historical conversation (`_conversation`) or a problem."""

    def _conversation(self, source_id: str, source: str, rec: RawRecord, **fields: Any) -> Item:
        return historical(self.name, source_id, source, rec.location,
                          agent_version=agent_version(rec.value), **fields)


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
