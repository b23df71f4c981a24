"""Parquet results: explicit schemas and the one writer that owns the run folder.

`runs/<campaign>/<run_id>/` holds `manifest.json` and one folder of part files
per table (conversations, turns, tool_calls, scores). A part file is written per
finished batch, so a crash loses at most the batches in flight, and a resumed
run skips the conversation ids already written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from convsim.core.records import (
    SCHEMA_VERSION,
    Conversation,
    ConversationResult,
    ConversationSpec,
    LLMUsage,
)
from convsim.core.redact import REDACT, Redactor

TABLES = ("conversations", "turns", "tool_calls", "scores")

CONVERSATIONS = pa.schema([
    ("conversation_id", pa.string()), ("campaign", pa.string()), ("run_id", pa.string()),
    ("agent_version", pa.string()), ("source", pa.string()), ("channel", pa.string()),
    ("scenario_id", pa.string()), ("intent", pa.string()), ("domain", pa.string()),
    ("difficulty", pa.string()), ("scenario_tags", pa.list_(pa.string())),
    ("persona_id", pa.string()), ("persona_emotion", pa.string()),
    ("persona_patience", pa.int32()), ("persona_verbosity", pa.float64()),
    ("persona_cooperativeness", pa.float64()), ("persona_typo_rate", pa.float64()),
    ("perturbation", pa.string()), ("repetition", pa.int32()), ("pair_id", pa.string()),
    ("seed", pa.int64()), ("outcome", pa.string()), ("error", pa.string()),
    ("n_turns", pa.int32()), ("n_customer_turns", pa.int32()), ("n_tool_calls", pa.int32()),
    ("n_tool_faults", pa.int32()), ("n_unknown_tool_calls", pa.int32()),
    ("escalated", pa.bool_()),
    ("final_state_json", pa.string()), ("labels", pa.map_(pa.string(), pa.string())),
    ("origin", pa.string()), ("llm_calls", pa.int32()), ("llm_cache_hits", pa.int32()),
    ("llm_tokens", pa.int64()), ("llm_cost_usd", pa.float64()),
    ("llm_models", pa.list_(pa.string())), ("llm_prompt_version", pa.string()),
    ("started_at", pa.timestamp("us", tz="UTC")), ("ended_at", pa.timestamp("us", tz="UTC")),
])
TURNS = pa.schema([
    ("conversation_id", pa.string()), ("run_id", pa.string()), ("agent_version", pa.string()),
    ("domain", pa.string()),
    ("turn_index", pa.int32()), ("role", pa.string()), ("text", pa.string()),
    ("clean_text", pa.string()), ("perturbations", pa.list_(pa.string())),
    ("latency_ms", pa.float64()), ("interrupted", pa.bool_()), ("act", pa.string()),
    ("unsure", pa.bool_()),
    ("started_at", pa.timestamp("us", tz="UTC")), ("ended_at", pa.timestamp("us", tz="UTC")),
])
TOOL_CALLS = pa.schema([
    ("conversation_id", pa.string()), ("run_id", pa.string()), ("agent_version", pa.string()),
    ("domain", pa.string()), ("seq", pa.int32()),
    ("turn_index", pa.int32()), ("tool", pa.string()), ("arguments_json", pa.string()),
    ("result", pa.string()), ("status", pa.string()), ("injected_fault", pa.string()),
    ("latency_ms", pa.float64()),
])
SCORES = pa.schema([
    ("conversation_id", pa.string()), ("run_id", pa.string()), ("agent_version", pa.string()),
    ("domain", pa.string()),
    ("scenario_id", pa.string()), ("intent", pa.string()), ("perturbation", pa.string()),
    ("pair_id", pa.string()), ("repetition", pa.int32()), ("evaluator", pa.string()),
    ("metric", pa.string()), ("value", pa.float64()), ("passed", pa.bool_()),
    ("status", pa.string()), ("rationale", pa.string()), ("evidence", pa.list_(pa.int32())),
    ("judge_model", pa.string()), ("cost_usd", pa.float64()),
])
QUARANTINE = pa.schema([
    ("source", pa.string()), ("location", pa.string()), ("reason", pa.string()),
    ("excerpt", pa.string()),
])
SCHEMAS: dict[str, pa.Schema] = {"conversations": CONVERSATIONS, "turns": TURNS,
                                 "tool_calls": TOOL_CALLS, "scores": SCORES,
                                 "quarantine": QUARANTINE}


def conversation_rows(c: Conversation, spec: ConversationSpec | None = None,
                      run_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Rows of the conversations, turns and tool_calls tables for one conversation."""
    version = c.agent_version
    traits = spec.persona.traits if spec else None
    scenario = spec.scenario if spec else None
    conv_row = {
        "conversation_id": c.id, "campaign": c.campaign, "run_id": run_id,
        "agent_version": version, "source": c.source, "channel": c.channel,
        "scenario_id": c.scenario_id, "intent": c.intent,
        "domain": scenario.domain if scenario else None,
        "difficulty": scenario.difficulty if scenario else None,
        "scenario_tags": list(scenario.tags) if scenario else [],
        "persona_id": c.persona_id, "persona_emotion": traits.emotion if traits else None,
        "persona_patience": traits.patience if traits else None,
        "persona_verbosity": traits.verbosity if traits else None,
        "persona_cooperativeness": traits.cooperativeness if traits else None,
        "persona_typo_rate": traits.typo_rate if traits else None,
        "perturbation": c.perturbation,
        "repetition": c.repetition, "pair_id": c.pair_id, "seed": c.seed,
        "outcome": c.outcome, "error": c.error, "n_turns": len(c.turns),
        "n_customer_turns": sum(t.role == "customer" for t in c.turns),
        "n_tool_calls": len(c.tool_calls),
        "n_tool_faults": sum(tc.injected_fault is not None for tc in c.tool_calls),
        "n_unknown_tool_calls": sum(tc.status == "unknown_tool" for tc in c.tool_calls),
        "escalated": c.escalated or c.outcome in ("transferred", "escalated"),
        "final_state_json": json.dumps(c.final_state, sort_keys=True) if c.final_state else None,
        "labels": sorted(c.labels.items()), "origin": c.origin,
        "llm_calls": c.llm.calls, "llm_cache_hits": c.llm.cache_hits,
        "llm_tokens": c.llm.prompt_tokens + c.llm.completion_tokens,
        "llm_cost_usd": c.llm.cost_usd if (c.llm.calls or c.llm.cache_hits) else None,
        "llm_models": c.llm.models, "llm_prompt_version": c.llm.prompt_version,
        "started_at": c.started_at, "ended_at": c.ended_at,
    }
    domain = scenario.domain if scenario else None
    turns = [{"conversation_id": c.id, "run_id": run_id, "agent_version": version,
              "domain": domain, "turn_index": t.index,
              "role": t.role, "text": t.text, "clean_text": t.clean_text,
              "perturbations": t.perturbations, "latency_ms": t.latency_ms,
              "interrupted": t.interrupted, "act": t.act, "unsure": t.unsure,
              "started_at": t.started_at, "ended_at": t.ended_at} for t in c.turns]
    calls = [{"conversation_id": c.id, "run_id": run_id, "agent_version": version,
              "domain": domain, "seq": tc.seq,
              "turn_index": tc.turn_index, "tool": tc.tool,
              "arguments_json": json.dumps(tc.arguments, sort_keys=True), "result": tc.result,
              "status": tc.status, "injected_fault": tc.injected_fault,
              "latency_ms": tc.latency_ms} for tc in c.tool_calls]
    return {"conversations": [conv_row], "turns": turns, "tool_calls": calls}


def result_rows(result: ConversationResult, spec: ConversationSpec, run_id: str
                ) -> dict[str, list[dict[str, Any]]]:
    """Flatten one simulated result into rows of the four tables."""
    c = result.conversation
    version = c.agent_version
    rows = conversation_rows(c, spec, run_id)
    rows["scores"] = [{"conversation_id": c.id, "run_id": run_id, "agent_version": version,
               "domain": spec.scenario.domain, "scenario_id": c.scenario_id,
               "intent": c.intent, "perturbation": c.perturbation, "pair_id": c.pair_id,
               "repetition": c.repetition, "evaluator": s.evaluator, "metric": s.metric,
               "value": s.value, "passed": s.passed, "status": s.status,
               "rationale": s.rationale, "evidence": s.evidence, "judge_model": s.judge_model,
               "cost_usd": s.cost_usd} for s in result.scores]
    return rows


def cut_by_open_circuit(conversation: Conversation) -> bool:
    """The conversation failed at once on an agent endpoint's open circuit breaker: it never
    really ran (not written; --resume plays it)."""
    error = conversation.error or ""
    return ": circuit open: " in error or error.startswith("circuit open: ")


@dataclass
class Played:
    """What the campaign needs to know of one conversation of a packed batch."""

    conversation_id: str
    outcome: str | None
    error: str | None
    turns: int = 0
    unknown_tools: list[str] = field(default_factory=list)
    llm: LLMUsage = field(default_factory=LLMUsage)
    written: bool = True
    """False when an open circuit cut it short: not in the tables."""


@dataclass
class ResultBatch:
    """A finished batch as workers ship it: Arrow tables ready to write, built where the
    conversations ran (a Ray actor spares the driver the rows), and one `Played` each."""

    played: list[Played]
    tables: dict[str, pa.Table]
    """Empty when no conversation of the batch is to be written."""


@dataclass
class Packing:
    """How a worker packs its results: the run's id (a column of every table) and the
    masking of credentials in the free-text columns."""

    run_id: str
    redact: Callable[[str], str] = REDACT


def pack_results(results: list[ConversationResult], specs: Mapping[str, ConversationSpec],
                 packing: Packing) -> ResultBatch:
    """Rows of a batch's results (in conversation id order) as Arrow tables, and what the
    campaign counts."""
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    played = []
    for res in sorted(results, key=lambda r: r.conversation.id):
        c = res.conversation
        cut = cut_by_open_circuit(c)
        played.append(Played(conversation_id=c.id, outcome=c.outcome, error=c.error,
                             turns=len(c.turns), llm=c.llm, written=not cut,
                             unknown_tools=[t.tool for t in c.tool_calls
                                            if t.status == "unknown_tool"]))
        if cut:
            continue
        for table, part in result_rows(res, specs[c.id], packing.run_id).items():
            for row in part:
                for column in _REDACTED_COLUMNS.get(table, ()):
                    if row.get(column):
                        row[column] = packing.redact(row[column])
            rows[table].extend(part)
    tables = {t: pa.Table.from_pylist(rows[t], schema=SCHEMAS[t]) for t in TABLES} \
        if any(p.written for p in played) else {}
    return ResultBatch(played=played, tables=tables)


class ResultWriter:
    """Writes part files into a run folder; the only code that writes results."""

    def __init__(self, run_dir: Path, run_id: str, tables: tuple[str, ...] = TABLES) -> None:
        self.run_dir = run_dir
        self.run_id = run_id
        self.tables = tables
        for table in tables:
            (run_dir / table).mkdir(parents=True, exist_ok=True)
        complete = {p.name for p in (run_dir / "conversations").glob("part-*.parquet")}
        for table in tables[1:]:  # parts of a batch whose conversations file never landed
            for orphan in (run_dir / table).glob("part-*.parquet"):
                if orphan.name not in complete:
                    orphan.unlink()
        self._next = max((int(n.split("-")[1].split(".")[0]) for n in complete), default=-1) + 1

    def done_ids(self) -> set[str]:
        """Conversation ids already written (for --resume)."""
        files = sorted((self.run_dir / "conversations").glob("part-*.parquet"))
        ids: set[str] = set()
        for f in files:
            ids.update(pq.read_table(f, columns=["conversation_id"]).column(0).to_pylist())
        return ids

    def write_part(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        """Write one part file per table from rows (an empty table still gets its part)."""
        self.write_tables({t: pa.Table.from_pylist(rows.get(t, []), schema=SCHEMAS[t])
                           for t in self.tables})

    def write_tables(self, tables: Mapping[str, pa.Table]) -> None:
        """Write one part file per table (a table missing from `tables` gets an empty part)."""
        name = f"part-{self._next:05d}.parquet"
        # Conversations last: a part counts as written only once its conversations file exists.
        for table in [t for t in self.tables if t != "conversations"] + ["conversations"]:
            path = self.run_dir / table / name
            tmp = path.with_suffix(".tmp")
            data = tables.get(table)
            pq.write_table(data if data is not None else SCHEMAS[table].empty_table(), tmp)
            os.replace(tmp, path)
        self._next += 1


_REDACTED_COLUMNS = {"conversations": ("error",), "scores": ("rationale",)}


def write_manifest(run_dir: Path, manifest: dict[str, Any],
                   redact: Redactor | None = None) -> None:
    """Write manifest.json atomically, credentials masked (URLs, query strings, headers,
    and the literal secrets `redact` knows)."""
    manifest = (redact or REDACT).obj({"schema_version": SCHEMA_VERSION, **manifest})
    tmp = run_dir / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(tmp, run_dir / "manifest.json")
