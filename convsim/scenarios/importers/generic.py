"""Generic importer: any JSONL / JSON / CSV / Parquet log, described by a mapping YAML.

Two layouts: `turns` (one record per turn, grouped by conversation id; a
conversation's records must be contiguous) and `conversations` (one record per
conversation holding a list of turns). Fields are addressed by dotted paths, so
a format nobody anticipated imports without code. Example:

    layout: conversations
    conversation_id: convo_id
    turns: original            # list of [speaker, text]
    speaker: "0"
    text: "1"
    intent: scenario.subflow
    agent_version: bot.version   # optional: the agent version that served it
    names: [scenario.personal.customer_name]
    speakers: {customer: [customer], agent: [agent], system: [action]}

With `tool` (and `arguments`, `result`), records naming a tool are the agent's tool
calls: `convsim scenarios from-transcript` rebuilds the backend state from them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from convsim.core.records import Role, ToolCall, Turn
from convsim.scenarios.importers.base import (
    Item,
    MappingError,
    Quarantined,
    RawRecord,
    excerpt_of,
    get_path,
    historical,
    isolated,
    iter_records,
)
from convsim.scenarios.importers.outcomes import ERROR_RESULT as ERROR
from convsim.scenarios.importers.taskmaster import json_or_raw


class GenericMapping(BaseModel):
    """Where each field of a conversation lives in the source records."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    layout: Literal["turns", "conversations"]
    """turns: one record per turn; conversations: one record per conversation."""
    conversation_id: str
    """Path of the conversation id."""
    turns: str | None = None
    """conversations layout: path of the list of turns."""
    speaker: str
    """Path of the speaker (in a turn record)."""
    text: str
    """Path of the text (in a turn record)."""
    timestamp: str | None = None
    intent: str | None = None
    """Path of the intent label (conversation record, or first turn record)."""
    outcome: str | None = None
    agent_version: str | None = None
    """Path of the agent version that served the conversation (conversation record, or first
    turn record): a canary and its control are told apart by it (`convsim gate`)."""
    labels: dict[str, str] = Field(default_factory=dict)
    """Label name -> path, kept as conversation labels."""
    names: list[str] = Field(default_factory=list)
    """Paths of person-name fields: scrubbed wherever those names appear."""
    speakers: dict[Role, list[str]]
    """Role -> speaker values in the source (case-insensitive)."""
    tool: str | None = None
    """Path of a tool name in a turn record: a record that has one is a tool call the agent
    made at that point (its speaker and text are not needed), not a turn."""
    arguments: str | None = None
    """Path of the tool call's arguments (an object, or JSON text)."""
    result: str | None = None
    """Path of the tool call's result (kept as JSON text)."""


def load_mapping(path: str | Path) -> GenericMapping:
    from convsim.core.config import ConfigError
    from convsim.core.yaml_files import load_model

    try:
        mapping = load_model(path, GenericMapping)
    except ConfigError as exc:
        raise MappingError(str(exc)) from None
    if mapping.layout == "conversations" and not mapping.turns:
        raise MappingError(f"{path}: turns: required for layout 'conversations' "
                           "(path of the list of turns)")
    return mapping


class GenericImporter:
    name = "generic"

    def __init__(self, mapping: GenericMapping | str | Path | None) -> None:
        if mapping is None:
            raise MappingError("--format generic needs --mapping FILE (see `convsim ingest --help`)")
        self.mapping = mapping if isinstance(mapping, GenericMapping) else load_mapping(mapping)
        self._roles = {v.lower(): role for role, vals in self.mapping.speakers.items()
                       for v in vals}

    def _opt(self, record: Any, path: str | None) -> str | None:
        if path is None:
            return None
        value = get_path(record, path, None)
        return None if value is None else str(value)

    def _call(self, rec: Any, name: str, seq: int, turn_index: int) -> ToolCall:
        m = self.mapping
        args = json_or_raw(get_path(rec, m.arguments, None)) if m.arguments else None
        result = get_path(rec, m.result, None) if m.result else None
        text = result if isinstance(result, str) or result is None else json.dumps(result)
        return ToolCall(seq=seq, turn_index=turn_index, tool=name,
                        arguments=args if isinstance(args, dict) else
                        ({} if args in (None, "") else {"_value": args}), result=text,
                        status="error" if ERROR.match(text or "") else "ok")

    def _build(self, source: str, location: str, conv_id: str, head: Any,
               turn_records: list[Any]) -> Item:
        m = self.mapping
        turns: list[Turn] = []
        calls: list[ToolCall] = []
        for i, rec in enumerate(turn_records):
            if m.tool and (name := get_path(rec, m.tool, None)) not in (None, ""):
                calls.append(self._call(rec, str(name), len(calls), max(len(turns) - 1, 0)))
                continue
            try:
                speaker = get_path(rec, m.speaker)
                text = get_path(rec, m.text)
            except KeyError as exc:
                return Quarantined(source, location, f"conversation {conv_id}: turn {i} has no "
                                   f"field {exc.args[0]!r}")
            role = self._roles.get(str(speaker).lower())
            if role is None:
                return Quarantined(source, location, f"conversation {conv_id}: unknown speaker "
                                   f"{speaker!r} at turn {i} (add it under speakers:)")
            if text is None or not str(text).strip():
                continue
            turns.append(Turn(index=len(turns), role=role, text=str(text)))
        labels = {k: str(v) for k, p in m.labels.items()
                  if (v := get_path(head, p, None)) is not None}
        labels["source_id"] = conv_id
        names = [str(n) for p in m.names if (n := get_path(head, p, None))]
        return historical("generic", conv_id, source, location, names=names,
                          marker=self._opt(head, m.outcome), turns=turns, tool_calls=calls,
                          intent=self._opt(head, m.intent),
                          agent_version=(self._opt(head, m.agent_version) or "").strip() or None,
                          labels=labels)

    def read(self, path: Path) -> Iterator[Item]:
        source = str(path)
        records = iter_records(path)
        if self.mapping.layout == "conversations":
            yield from self._read_conversations(source, records)
        else:
            yield from self._read_turns(source, records)

    def _read_conversations(self, source: str, records: Iterator[RawRecord]) -> Iterator[Item]:
        m = self.mapping
        for rec in records:
            if rec.error:
                yield Quarantined(source, rec.location, rec.error, rec.excerpt)
                continue
            conv_id = get_path(rec.value, m.conversation_id, None)
            turns = get_path(rec.value, m.turns or "", None)
            if conv_id is None:
                yield Quarantined(source, rec.location, f"no conversation id at "
                                  f"{m.conversation_id!r}", excerpt_of(rec.value))
            elif not isinstance(turns, list):
                yield Quarantined(source, rec.location, f"no list of turns at {m.turns!r}",
                                  excerpt_of(rec.value))
            else:
                yield isolated(source, rec.location, partial(
                    self._build, source, rec.location, str(conv_id), rec.value, turns))

    def _read_turns(self, source: str, records: Iterator[RawRecord]) -> Iterator[Item]:
        m = self.mapping
        seen: set[str] = set()
        current: str | None = None
        group: list[Any] = []
        start = ""

        def flush() -> Iterator[Item]:
            if current is not None and group:
                yield isolated(source, start, partial(
                    self._build, source, start, current, group[0], group))

        for rec in records:
            if rec.error:
                yield Quarantined(source, rec.location, rec.error, rec.excerpt)
                continue
            conv_id = get_path(rec.value, m.conversation_id, None)
            if conv_id is None:
                yield Quarantined(source, rec.location, f"no conversation id at "
                                  f"{m.conversation_id!r}", excerpt_of(rec.value))
                continue
            conv_id = str(conv_id)
            if conv_id != current:
                yield from flush()
                if conv_id in seen:
                    # A second run of turns would make a partial duplicate: keep it visible.
                    yield Quarantined(source, rec.location, f"conversation {conv_id}: turns are "
                                      "not contiguous (sort the file by conversation id)")
                    current, group = None, []
                    continue
                seen.add(conv_id)
                current, group, start = conv_id, [], rec.location
            if current is not None:
                group.append(rec.value)
        yield from flush()
