"""The backend state a historical conversation needs to be replayed, rebuilt from its log.

`reconstruct(domain, calls, customer_turns)` reads a conversation's logged tool calls
(any importer: OpenAI tool calls, tau-bench, Taskmaster API calls, a generic mapping's
tool columns) in order. A record a call returned is recognised by its table's key
field (`line_id` -> `lines`; when several tables' keys are in it, the table whose
columns it shares most):
- records a lookup or listing returned become the initial state (the first time a
  record is seen is how it was before the conversation); the arguments of a call that
  returned one record fill that record's columns the result left out (the PIN a
  `verify_caller` was given);
- records a change returned become the expected final state (`table.key.field`), the
  fields that differ from the record as it was read; a record created by the
  conversation (a table without fixtures, or a tool named add/create/open/order...)
  is expected as a whole; a record changed but never read is reported missing.
With no tool log, the pack's persona binding is filled with the identity values the
customer typed (found by the slot's pattern, or the shape of the pack's own values,
after one of the slot's words); the records of other tables are reported missing.
Every conversation gets a `StateReport`: where the state came from, what was rebuilt
and what is missing. In the replay, `missing_state_failure` tells a failure of the rebuilt
state (a record the transcript had is not there) from the agent's: convsim's, outcome
`simulator_error`, never scored against the agent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from convsim.core.packs.model import Domain
from convsim.core.replay_check import NOT_FOUND, missing_state_failure
from convsim.scenarios.importers.outcomes import READ_TOOL
from convsim.scenarios.pii_pack import infer_pattern

__all__ = ["NOT_FOUND", "LoggedCall", "StateReport", "bind_from_turns", "missing_state_failure",
           "parse_calls", "reconstruct"]

CREATE_TOOL = re.compile(r"(^|_)(add|create|insert|open|order|book|new|submit|file|register|"
                         r"schedule|issue)(_|$)", re.I)
ERROR_RESULT = re.compile(r"^\s*[\"']?\s*(\{\s*\"?error|error\b)", re.I)


@dataclass
class LoggedCall:
    """One call of the tool log, as stored by `convsim ingest`."""

    tool: str
    arguments: dict[str, Any]
    result: Any
    ok: bool = True


@dataclass
class StateReport:
    """What was rebuilt for one conversation, and what could not be."""

    source: str = "none"
    """`tool log`, `persona binding` or `none`."""
    read: dict[str, list[str]] = field(default_factory=dict)
    """Table -> keys of the records rebuilt into the initial state."""
    expected: dict[str, Any] = field(default_factory=dict)
    """Expected final state (`table.key.field` -> value) from the logged changes."""
    missing: list[str] = field(default_factory=list)
    """What the replay will lack, in words."""
    found: list[dict[str, Any]] = field(default_factory=list)
    """Calls that found their record in the transcript ({tool, arguments}, the pack's tools
    only): the same call failing (or listing nothing) in a replay means the rebuilt state
    lacks that record."""

    def summary(self) -> str:
        read = "; ".join(f"{t} {', '.join(keys)}" for t, keys in self.read.items()) or "nothing"
        line = f"state from {self.source}: {read}"
        if self.expected:
            line += f"; expected after: {len(self.expected)} field(s)"
        return line + (f"; missing: {'; '.join(self.missing)}" if self.missing else "")

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "read": self.read, "expected": self.expected,
                "missing": self.missing, "found": self.found}


def parse_calls(rows: Iterable[tuple[str, str | None, str | None, str | None]]
                ) -> list[LoggedCall]:
    """LoggedCalls from stored (tool, arguments_json, result, status) rows."""
    calls = []
    for tool, args, result, status in rows:
        try:
            arguments = json.loads(args or "{}")
        except ValueError:
            arguments = {}
        try:
            value = json.loads(result) if result else None
        except ValueError:
            value = result
        calls.append(LoggedCall(tool, arguments if isinstance(arguments, dict) else {}, value,
                                ok=(status or "ok") == "ok" and not (
                                    isinstance(value, str) and ERROR_RESULT.match(value))))
    return calls


def _records(value: Any, is_record: Any) -> Iterable[dict[str, Any]]:
    """The records a result holds: itself, the items of a list, the values of a wrapper
    object; not the records nested inside a record (an order's items are the order's)."""
    if isinstance(value, dict):
        if is_record(value):
            yield value
            return
        for v in value.values():
            if isinstance(v, dict | list):
                yield from _records(v, is_record)
    elif isinstance(value, list):
        for v in value:
            yield from _records(v, is_record)


class _Tables:
    """The pack's tables: key fields and known columns."""

    def __init__(self, domain: Domain) -> None:
        self.domain = domain
        self.keys = {t: domain.keys.get(t, "id") for t in domain.tables}
        self.columns: dict[str, set[str]] = {}
        for table, rows in domain.tables.items():
            cols = {self.keys[table]}
            for row in list(rows.values())[:50]:
                if isinstance(row, dict):
                    cols |= set(row)
            self.columns[table] = cols

    def table_of(self, record: dict[str, Any]) -> str | None:
        fits = [(len(set(record) & self.columns[t]), t) for t, key in self.keys.items()
                if record.get(key) not in (None, "")]
        return max(fits)[1] if fits else None


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else \
        json.dumps(value, sort_keys=True)


def reconstruct(domain: Domain, calls: Sequence[LoggedCall]) -> tuple[dict[str, Any],
                                                                       StateReport]:
    """(records read: table -> key -> row, report) from a conversation's tool log."""
    tables = _Tables(domain)
    report = StateReport(source="tool log" if calls else "none")
    read: dict[str, dict[str, dict[str, Any]]] = {}
    current: dict[tuple[str, str], dict[str, Any]] = {}
    for call in calls:
        if not call.ok or call.tool in domain.escalation_tools:
            continue
        tool = domain.tools.get(call.tool)
        if tool is not None and tool.escalation:
            continue
        records = list(_records(call.result, tables.table_of))
        writes = not READ_TOOL.search(call.tool)
        for record in records:
            table = tables.table_of(record)
            assert table is not None
            key = str(record[tables.keys[table]])
            fixture = (domain.tables.get(table) or {}).get(key)
            if not writes:
                row = read.setdefault(table, {}).setdefault(key, {})
                for f, v in record.items():
                    row.setdefault(f, v)
                if len(records) == 1:  # what the lookup was given belongs to that record
                    for f, v in call.arguments.items():
                        if f in tables.columns[table] and f not in row:
                            row[f] = v
                current[(table, key)] = {**current.get((table, key), {}), **record}
                continue
            before = current.get((table, key)) or (dict(fixture) if isinstance(fixture, dict)
                                                   else None)
            if before is None and (not domain.tables.get(table) or CREATE_TOOL.search(call.tool)):
                for f, v in record.items():  # a record the conversation created
                    report.expected[f"{table}.{key}.{f}"] = _plain(v)
                current[(table, key)] = dict(record)
                continue
            if before is None:
                report.missing.append(f"{table} {key}: changed by {call.tool} but never read "
                                      "(its state before the change is unknown)")
                continue
            for f, v in record.items():
                if f in before and before[f] != v:
                    report.expected[f"{table}.{key}.{f}"] = _plain(v)
            current[(table, key)] = {**before, **record}
    report.read = {t: sorted(rows) for t, rows in read.items()}
    seen: set[str] = set()
    for call in calls:
        if call.ok and call.arguments and call.tool in domain.tools and \
                call.result not in (None, "", [], {}):
            entry = {"tool": call.tool, "arguments": call.arguments}
            key = json.dumps(entry, sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                report.found.append(entry)
    return read, report


def bind_from_turns(domain: Domain, customer_turns: Sequence[str]) -> dict[str, Any]:
    """The binding table's identity fields the customer typed: slot field -> value.

    A slot counts when it names a field of the binding table (`field:`, or its name) and
    the customer said a value of its pattern (`pattern:`, else the shape of the pack's own
    values), within a few words after one of the slot's words ("PIN 5590") or, for a
    distinctive shape (letters in it, e.g. KM-4xxxx), anywhere."""
    if domain.binding is None:
        return {}
    table = domain.binding.table
    rows = [r for r in (domain.tables.get(table) or {}).values() if isinstance(r, dict)]
    columns = set().union(*(set(r) for r in rows)) if rows else set()
    text = "\n".join(customer_turns)
    found: dict[str, Any] = {}
    for name, slot in domain.slots.items():
        column = (slot.field or name).split(".")[-1]
        if column not in columns or column in found:
            continue
        pattern = slot.pattern or infer_pattern([str(r.get(column)) for r in rows
                                                 if r.get(column) is not None])
        if pattern is None:
            continue
        distinctive = bool(re.search(r"[A-Za-z]", re.sub(r"\\[a-zA-Z]|\[[^]]*\]", "", pattern)))
        words = "|".join(re.escape(w) for w in slot.all_words())
        cued = re.compile(rf"(?i:\b(?:{words}))\b\W{{0,3}}(?:\w+\W{{1,3}}){{0,2}}?"
                          rf"(?<![\w-])({pattern})(?![\w-])")
        m = cued.search(text) or (re.search(rf"(?<![\w-])({pattern})(?![\w-])", text)
                                  if distinctive else None)
        if m:
            found[column] = m.group(1)
    return found
