"""Parquet results: explicit schemas and the one writer that owns the run folder.

`runs/<campaign>/<run_id>/` holds `manifest.json` and one folder of part files
per table (conversations, turns, tool_calls, scores). A part file is written per
finished batch, so a crash loses at most the batches in flight, and a resumed
run skips the conversation ids already written.

Size: over 400 lines because it holds the explicit Parquet schemas of all four tables (a
third of the file) beside the one writer that owns them.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from operator import attrgetter
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

def _col(name: str, kind: pa.DataType, doc: str) -> pa.Field:
    """A column and what it means (kept in the field's metadata, so every Parquet file
    describes itself, and docs/parquet.md is generated from here)."""
    return pa.field(name, kind, metadata={"description": doc})


_ID = _col("conversation_id", pa.string(), "Conversation id (stable: a hash of the spec's "
           "content and seed); joins every table.")
_RUN_ID = _col("run_id", pa.string(), "Run id (the run folder's name).")
_DOMAIN = _col("domain", pa.string(), "Domain pack of the scenario (null for transcripts "
               "imported without one).")


def _ids() -> list[pa.Field]:
    return [_ID, _RUN_ID, _col("agent_version", pa.string(), "Agent version of the "
                               "conversation."), _DOMAIN]


_UTC = pa.timestamp("us", tz="UTC")

CONVERSATIONS = pa.schema([
    _ID,
    _col("campaign", pa.string(), "Campaign name."),
    _RUN_ID,
    _col("agent_version", pa.string(), "Agent version that played the conversation "
         "(historical: as imported)."),
    _col("source", pa.string(), "simulated, or historical (an imported transcript)."),
    _col("channel", pa.string(), "Channel of the conversation (chat)."),
    _col("scenario_id", pa.string(), "Scenario played."),
    _col("intent", pa.string(), "The scenario's intent (historical: as mined or labelled)."),
    _DOMAIN,
    _col("difficulty", pa.string(), "The scenario's difficulty label."),
    _col("scenario_tags", pa.list_(pa.string()), "The scenario's tags (e.g. edge cases)."),
    _col("persona_id", pa.string(), "Simulated customer (persona) id."),
    _col("persona_emotion", pa.string(), "Persona trait: calm, frustrated, anxious, cheerful."),
    _col("persona_patience", pa.int32(), "Persona trait: repeated questions tolerated "
         "before giving up."),
    _col("persona_verbosity", pa.float64(), "Persona trait in [0, 1]: how much the customer "
         "says beyond what is asked."),
    _col("persona_cooperativeness", pa.float64(), "Persona trait in [0, 1]: probability of "
         "answering exactly what was asked."),
    _col("persona_typo_rate", pa.float64(), "Persona trait: per-word typo probability."),
    _col("perturbation", pa.string(), "Perturbation profile name (clean, noisy_text, ...)."),
    _col("repetition", pa.int32(), "Repetition of the spec, from 0."),
    _col("pair_id", pa.string(), "Shared by the conversations that differ only by agent "
         "version (same scenario, customer, perturbations, seed): pair on it to compare."),
    _col("seed", pa.int64(), "The conversation's seed (from the campaign seed and the pair)."),
    _col("outcome", pa.string(), "How it ended: completed, transferred, abandoned, max_turns, "
         "agent_ended, agent_error (infrastructure), simulator_error (convsim's side)."),
    _col("error", pa.string(), "Infrastructure or simulator error text (never an agent "
         "failure); null when none. Credentials masked."),
    _col("n_turns", pa.int32(), "Messages in the conversation (every role)."),
    _col("n_customer_turns", pa.int32(), "Customer messages."),
    _col("n_tool_calls", pa.int32(), "Backend tool calls the agent made."),
    _col("n_tool_faults", pa.int32(), "Tool calls with an injected fault."),
    _col("n_unknown_tool_calls", pa.int32(), "Calls to tools the domain pack does not define."),
    _col("escalated", pa.bool_(), "The customer was handed to a human (handoff flag or a "
         "transfer tool)."),
    _col("final_state_json", pa.string(), "Sandbox state at the end, as JSON text (what the "
         "goal evaluator compares)."),
    _col("labels", pa.map_(pa.string(), pa.string()), "Other labels: from the source "
         "transcript, or the replay's divergence turn."),
    _col("origin", pa.string(), "Historical conversations: file and record they came from."),
    _col("llm_calls", pa.int32(), "LLM calls answered by a provider (customer and agent)."),
    _col("llm_cache_hits", pa.int32(), "LLM calls answered from the cache."),
    _col("llm_tokens", pa.int64(), "Prompt plus completion tokens."),
    _col("llm_cost_usd", pa.float64(), "LLM cost in USD; null when no LLM spoke or a model "
         "has no known price."),
    _col("llm_models", pa.list_(pa.string()), "Models called."),
    _col("llm_prompt_version", pa.string(), "Version of convsim's customer prompt, when the "
         "LLM customer spoke."),
    _col("started_at", _UTC, "When the conversation started (UTC)."),
    _col("ended_at", _UTC, "When its last turn was played (UTC)."),
])
TURNS = pa.schema([
    *_ids(),
    _col("turn_index", pa.int32(), "Position in the conversation, from 0."),
    _col("role", pa.string(), "customer, agent, tool or system."),
    _col("text", pa.string(), "What the other side received (customer turns: after "
         "perturbations)."),
    _col("clean_text", pa.string(), "Customer turns: the text before perturbations."),
    _col("perturbations", pa.list_(pa.string()), "Perturbations applied to this turn (typo, "
         "asr, burst, barge_in, ...)."),
    _col("latency_ms", pa.float64(), "Agent turns: ms from the request sent to the reply read "
         "(manifest loop_lag_ms says how much of it was convsim's wait)."),
    _col("interrupted", pa.bool_(), "The speaker was cut off (barge-in)."),
    _col("act", pa.string(), "Customer turns: the dialog act the simulator read in the agent "
         "message it answers (request, confirm, success, ...)."),
    _col("unsure", pa.bool_(), "Customer turns: the simulator could not tell what the agent "
         "wanted and answered generically."),
    _col("started_at", _UTC, "When the turn started (agent turns: request sent; UTC)."),
    _col("ended_at", _UTC, "When the turn was complete (agent turns: reply read; UTC)."),
])
TOOL_CALLS = pa.schema([
    *_ids(),
    _col("seq", pa.int32(), "Order of the call in the conversation, from 0."),
    _col("turn_index", pa.int32(), "The agent turn the call was made for."),
    _col("tool", pa.string(), "Tool name."),
    _col("arguments_json", pa.string(), "Arguments the agent passed, as JSON text."),
    _col("result", pa.string(), "The result the agent received, as JSON text."),
    _col("status", pa.string(), "ok, error (business error), timeout, malformed, or "
         "unknown_tool (the pack defines no such tool)."),
    _col("injected_fault", pa.string(), "Fault injected by the perturbation profile, if any."),
    _col("latency_ms", pa.float64(), "Measured time of the call in the sandbox (injected "
         "delay included)."),
])
SCORES = pa.schema([
    *_ids(),
    _col("scenario_id", pa.string(), "Scenario played (as in conversations)."),
    _col("intent", pa.string(), "The scenario's intent (as in conversations)."),
    _col("perturbation", pa.string(), "Perturbation profile (as in conversations)."),
    _col("pair_id", pa.string(), "Pair of the conversation (as in conversations)."),
    _col("repetition", pa.int32(), "Repetition of the spec (as in conversations)."),
    _col("evaluator", pa.string(), "Evaluator that scored: process, disclosures, goal, rules, "
         "escalation, truthfulness, judge, ..."),
    _col("metric", pa.string(), "Metric (e.g. process, disclosure:refund_timing, "
         "rule:<name>, judge:<metric>)."),
    _col("value", pa.float64(), "Score value (1.0 / 0.0 for pass / fail rules)."),
    _col("passed", pa.bool_(), "The verdict; null when the metric did not apply or could not "
         "be scored (see status)."),
    _col("status", pa.string(), "scored, not_applicable, or unscored (an infrastructure "
         "error, an inconclusive judge): only scored rows enter pass rates."),
    _col("rationale", pa.string(), "Why, naming the rule that decided (credentials masked)."),
    _col("evidence", pa.list_(pa.int32()), "Turn indices supporting the verdict."),
    _col("judge_model", pa.string(), "LLM judge model, when a judge scored."),
    _col("cost_usd", pa.float64(), "Cost of the judge calls in USD."),
])
QUARANTINE = pa.schema([
    _col("source", pa.string(), "Input file."),
    _col("location", pa.string(), "Where in the file (line or record)."),
    _col("reason", pa.string(), "Why the record was refused."),
    _col("excerpt", pa.string(), "The start of the record."),
])

_PANDAS_DTYPES = {pa.bool_(): "boolean", pa.int32(): "Int32", pa.int64(): "Int64"}
"""pandas dtypes that keep nulls in these columns (else pandas reads a nullable boolean as
object and a nullable int as float)."""


def _self_describing(table: str, schema: pa.Schema) -> pa.Schema:
    """The schema with its table name, results schema version and pandas dtypes in its
    metadata (pyarrow's `to_pandas` and so `pandas.read_parquet` follow the `pandas` key)."""
    columns = [{"name": f.name, "field_name": f.name, "pandas_type": "mixed",
                "numpy_type": _PANDAS_DTYPES[f.type], "metadata": None}
               for f in schema if f.type in _PANDAS_DTYPES]
    pandas = {"index_columns": [], "column_indexes": [], "columns": columns,
              "creator": {"library": "convsim", "version": SCHEMA_VERSION},
              "pandas_version": "2.0.0"}
    return schema.with_metadata({"convsim.table": table, "convsim.schema_version": SCHEMA_VERSION,
                                 "pandas": json.dumps(pandas)})


SCHEMAS: dict[str, pa.Schema] = {name: _self_describing(name, schema) for name, schema in {
    "conversations": CONVERSATIONS, "turns": TURNS, "tool_calls": TOOL_CALLS, "scores": SCORES,
    "quarantine": QUARANTINE}.items()}
CONVERSATIONS, TURNS, TOOL_CALLS, SCORES, QUARANTINE = (
    SCHEMAS[t] for t in ("conversations", "turns", "tool_calls", "scores", "quarantine"))


_json = json.JSONEncoder(sort_keys=True, check_circular=False).encode
"""`json.dumps(value, sort_keys=True)`, the same text (states and arguments are trees: no
cycle to look for), ~10% faster: one conversation's final state is ~5 KB of JSON."""


def _conversation_row(c: Conversation, spec: ConversationSpec | None,
                      run_id: str | None) -> dict[str, Any]:
    """The conversations table's row of one conversation."""
    version = c.agent_version
    traits = spec.persona.traits if spec else None
    scenario = spec.scenario if spec else None
    return {
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
        "final_state_json": _json(c.final_state) if c.final_state else None,
        "labels": sorted(c.labels.items()), "origin": c.origin,
        "llm_calls": c.llm.calls, "llm_cache_hits": c.llm.cache_hits,
        "llm_tokens": c.llm.prompt_tokens + c.llm.completion_tokens,
        "llm_cost_usd": c.llm.cost_usd if (c.llm.calls or c.llm.cache_hits) else None,
        "llm_models": c.llm.models, "llm_prompt_version": c.llm.prompt_version,
        "started_at": c.started_at, "ended_at": c.ended_at,
    }


def conversation_rows(c: Conversation, spec: ConversationSpec | None = None,
                      run_id: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """Rows of the conversations, turns and tool_calls tables for one conversation."""
    version = c.agent_version
    conv_row = _conversation_row(c, spec, run_id)
    domain = spec.scenario.domain if spec else None
    turns = [{"conversation_id": c.id, "run_id": run_id, "agent_version": version,
              "domain": domain, "turn_index": t.index,
              "role": t.role, "text": t.text, "clean_text": t.clean_text,
              "perturbations": t.perturbations, "latency_ms": t.latency_ms,
              "interrupted": t.interrupted, "act": t.act, "unsure": t.unsure,
              "started_at": t.started_at, "ended_at": t.ended_at} for t in c.turns]
    calls = [{"conversation_id": c.id, "run_id": run_id, "agent_version": version,
              "domain": domain, "seq": tc.seq,
              "turn_index": tc.turn_index, "tool": tc.tool,
              "arguments_json": _json(tc.arguments), "result": tc.result,
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


BUDGET_NOT_STARTED = "budget: not started"
"""Error of a conversation a worker did not start because the run's LLM budget was spent."""


def cut_by_open_circuit(conversation: Conversation) -> bool:
    """The conversation failed at once on an agent endpoint's open circuit breaker, or was
    not started because the LLM budget was spent: it never really ran (not written;
    --resume plays it)."""
    error = conversation.error or ""
    return (": circuit open: " in error or error.startswith("circuit open: ")
            or error.startswith(BUDGET_NOT_STARTED))


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
    """A batch's results (in conversation id order) as Arrow tables, and what the campaign
    counts. The same tables as `pa.Table.from_pylist` of `result_rows` (credentials masked),
    built column by column: no row dict per turn, tool call and score."""
    played = []
    written: list[ConversationResult] = []
    for res in sorted(results, key=lambda r: r.conversation.id):
        c = res.conversation
        cut = cut_by_open_circuit(c)
        played.append(Played(conversation_id=c.id, outcome=c.outcome, error=c.error,
                             turns=len(c.turns), llm=c.llm, written=not cut,
                             unknown_tools=[t.tool for t in c.tool_calls
                                            if t.status == "unknown_tool"]))
        if not cut:
            written.append(res)
    if not written:
        return ResultBatch(played=played, tables={})
    run_id, redact = packing.run_id, packing.redact
    rows = [_conversation_row(r.conversation, specs[r.conversation.id], run_id)
            for r in written]
    conversations = {f: [row[f] for row in rows] for f in CONVERSATIONS.names}
    conversations["error"] = [redact(v) if v else v for v in conversations["error"]]
    tables = {"conversations": conversations,
              "turns": _columns(written, specs, run_id, lambda r: r.conversation.turns, {
                  "turn_index": attrgetter("index"), "role": attrgetter("role"),
                  "text": attrgetter("text"), "clean_text": attrgetter("clean_text"),
                  "perturbations": attrgetter("perturbations"),
                  "latency_ms": attrgetter("latency_ms"),
                  "interrupted": attrgetter("interrupted"), "act": attrgetter("act"),
                  "unsure": attrgetter("unsure"), "started_at": attrgetter("started_at"),
                  "ended_at": attrgetter("ended_at")}),
              "tool_calls": _columns(written, specs, run_id, lambda r: r.conversation.tool_calls, {
                  "seq": attrgetter("seq"), "turn_index": attrgetter("turn_index"),
                  "tool": attrgetter("tool"),
                  "arguments_json": lambda tc: _json(tc.arguments),
                  "result": attrgetter("result"), "status": attrgetter("status"),
                  "injected_fault": attrgetter("injected_fault"),
                  "latency_ms": attrgetter("latency_ms")}),
              "scores": _columns(written, specs, run_id, lambda r: r.scores, {
                  "evaluator": attrgetter("evaluator"), "metric": attrgetter("metric"),
                  "value": attrgetter("value"), "passed": attrgetter("passed"),
                  "status": attrgetter("status"),
                  "rationale": lambda s: redact(s.rationale) if s.rationale else s.rationale,
                  "evidence": attrgetter("evidence"), "judge_model": attrgetter("judge_model"),
                  "cost_usd": attrgetter("cost_usd")}, per_conversation=_SCORE_CONVERSATION)}
    return ResultBatch(played=played, tables={
        t: pa.Table.from_pydict(tables[t], schema=SCHEMAS[t]) for t in TABLES})


_SCORE_CONVERSATION: dict[str, Callable[[Conversation], Any]] = {
    "scenario_id": attrgetter("scenario_id"), "intent": attrgetter("intent"),
    "perturbation": attrgetter("perturbation"), "pair_id": attrgetter("pair_id"),
    "repetition": attrgetter("repetition")}
"""The scores table's columns that repeat the conversation's own fields."""


def _columns(results: list[ConversationResult], specs: Mapping[str, ConversationSpec],
             run_id: str, items: Callable[[ConversationResult], list[Any]],
             fields: Mapping[str, Callable[[Any], Any]],
             per_conversation: Mapping[str, Callable[[Conversation], Any]] | None = None
             ) -> dict[str, list[Any]]:
    """A child table's columns (turns, tool calls, scores) for a batch: the conversation's
    ids repeated on each of its items (and `per_conversation` fields), then one column per
    item field (`fields`: column -> getter)."""
    per: dict[str, Callable[[Conversation], Any]] = {
        "conversation_id": attrgetter("id"), "run_id": lambda c: run_id,
        "agent_version": attrgetter("agent_version"),
        "domain": lambda c: specs[c.id].scenario.domain, **(per_conversation or {})}
    repeated: dict[str, list[Any]] = {name: [] for name in per}
    flat: list[Any] = []
    for r in results:
        part = items(r)
        if not part:
            continue
        flat.extend(part)
        c, n = r.conversation, len(part)
        for name, get in per.items():
            repeated[name].extend([get(c)] * n)
    return {**repeated, **{name: [get(x) for x in flat] for name, get in fields.items()}}


COMPACT_CONVERSATIONS = 50_000
"""At most this many conversations per Parquet file once a run is compacted (with their
turns, tool calls and scores in the other tables): a million conversations make 20 files
per table instead of 40,000 batch files."""
ROW_GROUP_ROWS = 128 * 1024
"""Rows per row group in compacted files (readers skip and parallelise by row group)."""
ROW_GROUP_BYTES = 16 * 2**20
"""...or fewer: a row group is written once its rows weigh this much in memory, so merging
holds at most one row group per table whatever the run's size (a conversation row carries its
final sandbox state, ~5 KB: 128k of them would be ~700 MB)."""


_LEAN_SCHEMAS = {t: pa.schema([pa.field(f.name, f.type, f.nullable) for f in schema],
                              metadata=schema.metadata) for t, schema in SCHEMAS.items()}
"""Batch part files leave the column descriptions out (a few KB in each small file); the
compacted files carry them."""


def _lean(table: str, data: pa.Table) -> pa.Table:
    lean = _LEAN_SCHEMAS.get(table)
    if lean is None or not data.schema.equals(lean):
        return data
    return pa.Table.from_arrays(data.columns, schema=lean)


def _part_index(path: Path) -> int:
    return int(path.name.split("-")[1].split(".")[0])


class ResultWriter:
    """Writes part files into a run folder; the only code that writes results."""

    def __init__(self, run_dir: Path, run_id: str, tables: tuple[str, ...] = TABLES) -> None:
        self.run_dir = run_dir
        self.run_id = run_id
        self.tables = tables
        for table in tables:
            self._finish_compaction(table)
            (run_dir / table).mkdir(parents=True, exist_ok=True)
            for stale in (run_dir / table).glob(".*.tmp"):  # a write cut short
                stale.unlink()
        complete = {p.name for p in (run_dir / "conversations").glob("part-*.parquet")}
        for table in tables[1:]:  # parts of a batch whose conversations file never landed
            for orphan in (run_dir / table).glob("part-*.parquet"):
                if orphan.name not in complete:
                    orphan.unlink()
        self._next = max((_part_index(Path(n)) for n in complete), default=-1) + 1

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
            tmp = path.with_name(f".{name}.tmp")  # hidden: readers of the folder skip it
            data = tables.get(table)
            pq.write_table(_lean(table, data if data is not None
                                 else SCHEMAS[table].empty_table()), tmp)
            os.replace(tmp, path)
        self._next += 1

    def compact(self, max_conversations: int = COMPACT_CONVERSATIONS) -> int:
        """Merge runs of consecutive part files into files of at most `max_conversations`
        conversations (row groups of ROW_GROUP_ROWS rows); returns the part files merged away.

        Rows and their order are unchanged. Each merged file takes the name of the last part
        it holds, in every table, so `--resume` numbers new parts after it. A table is
        switched whole (its merged copy is built aside, then the folders are swapped; other
        tables first, conversations last), and an interrupted compaction is finished or
        undone the next time the run folder is opened.
        """
        parts = sorted((self.run_dir / "conversations").glob("part-*.parquet"), key=_part_index)
        groups: list[list[str]] = []
        size = 0
        for part in parts:
            rows = pq.ParquetFile(part).metadata.num_rows
            if not groups or size + rows > max_conversations:
                groups.append([])
                size = 0
            groups[-1].append(part.name)
            size += rows
        if all(len(g) == 1 for g in groups):
            return 0
        for table in [t for t in self.tables if t != "conversations"] + ["conversations"]:
            self._compact_table(table, groups)
        pa.default_memory_pool().release_unused()  # give the merge buffers back to the system
        return len(parts) - len(groups)

    def _compact_table(self, table: str, groups: list[list[str]]) -> None:
        folder = self.run_dir / table
        staging, old = self.run_dir / f".compact-{table}", self.run_dir / f".old-{table}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        schema = SCHEMAS.get(table)
        for group in groups:
            members = [folder / name for name in group if (folder / name).exists()]
            if not members:
                continue
            target = staging / group[-1]
            if len(members) == 1:
                try:
                    os.link(members[0], target)
                except OSError:  # no hard links on this file system
                    shutil.copy2(members[0], target)
                continue
            # ParquetFile.read: a fifth of read_table's cost on small files (no dataset).
            first = pq.ParquetFile(members[0]).read()
            writer = pq.ParquetWriter(target, schema if schema is not None and
                                      first.schema.equals(schema) else first.schema)
            pending: list[pa.Table] = []
            rows = size = 0
            for member in members:
                data = first if member == members[0] else pq.ParquetFile(member).read()
                pending.append(data.cast(writer.schema))
                rows, size = rows + data.num_rows, size + data.nbytes
                if rows >= ROW_GROUP_ROWS or size >= ROW_GROUP_BYTES:
                    writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP_ROWS)
                    pending, rows, size = [], 0, 0
            del first
            if pending:
                writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP_ROWS)
            writer.close()
        os.replace(folder, old)
        os.replace(staging, folder)
        shutil.rmtree(old)

    def _finish_compaction(self, table: str) -> None:
        """After a compaction cut short: keep the switched table, or the original one."""
        folder = self.run_dir / table
        staging, old = self.run_dir / f".compact-{table}", self.run_dir / f".old-{table}"
        if not folder.exists():
            if staging.exists() and old.exists():  # cut between the two renames
                os.replace(staging, folder)
            elif old.exists():
                os.replace(old, folder)
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


_REDACTED_COLUMNS = {"conversations": ("error",), "scores": ("rationale",)}


def write_manifest(run_dir: Path, manifest: dict[str, Any],
                   redact: Redactor | None = None) -> None:
    """Write manifest.json atomically, credentials masked (URLs, query strings, headers,
    and the literal secrets `redact` knows)."""
    manifest = (redact or REDACT).obj({"schema_version": SCHEMA_VERSION, **manifest})
    tmp = run_dir / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(tmp, run_dir / "manifest.json")


_TABLE_DOCS = {
    "conversations": "One row per conversation: who, what, how it ended, counts, LLM usage",
    "turns": "One row per message, in order (`turn_index`)",
    "tool_calls": "One row per backend tool call the agent made, in order (`seq`)",
    "scores": "One row per metric of a conversation: the evaluators' verdicts",
    "quarantine": "`convsim ingest` only: one row per refused input record",
}


def _type_name(kind: pa.DataType) -> str:
    return str(kind).replace("timestamp[us, tz=UTC]", "timestamp[us, UTC]")


def schema_markdown() -> str:
    """docs/parquet.md: every table's columns, types and meaning, from SCHEMAS."""
    lines = [
        "# Parquet results: the tables",
        "",
        "<!-- Generated from convsim/core/results.py (the writer's pyarrow schemas): "
        "python -m convsim.core.results > docs/parquet.md -->",
        "",
        f"Results schema version **{SCHEMA_VERSION}** (also in each run's `manifest.json`, "
        "`schema_version`, and in every file's schema metadata, `convsim.schema_version`). "
        "A run folder `runs/<campaign>/<run_id>/` holds `manifest.json`, `summary.json`, "
        "`summary.md` (and `gate.*`, `report.html` once made) beside one folder per table; a "
        "table folder holds Parquet files only. Files are named `part-NNNNN.parquet`: one per "
        "batch while the run plays, merged at its end into files of at most "
        f"{COMPACT_CONVERSATIONS:,} conversations (row groups of {ROW_GROUP_ROWS:,} rows), "
        "so a table of a million conversations is "
        f"{-(-1_000_000 // COMPACT_CONVERSATIONS)} files.",
        "",
        "Read a table of one run, or of every run of a campaign, by its folder or glob:",
        "",
        "```python",
        "import polars as pl",
        'pl.scan_parquet("runs/demo/*/scores/*.parquet")          # every run of the campaign',
        "import pandas as pd, glob",
        'pd.read_parquet("runs/demo/<run_id>/scores")               # one run',
        'pd.read_parquet(glob.glob("runs/demo/*/scores/*.parquet"))  # every run',
        "import duckdb",
        "duckdb.sql(\"SELECT * FROM 'runs/demo/*/scores/*.parquet'\")",
        "import convsim",
        'convsim.load_run("runs/demo")     # every table of every run, lazily (polars)',
        "```",
        "",
        "Never point a reader at a run or campaign folder itself: it holds four tables with "
        "different columns, and JSON and Markdown files. pandas reads booleans as `boolean` "
        "and nullable integers as `Int32`/`Int64` (the files carry pandas dtypes in their "
        "metadata); timestamps are UTC.",
        "",
    ]
    for table, schema in SCHEMAS.items():
        lines += [f"## `{table}`", "", _TABLE_DOCS[table] + ".", "",
                  "| column | type | meaning |", "|---|---|---|"]
        for f in schema:
            doc = (f.metadata or {}).get(b"description", b"").decode()
            lines.append(f"| `{f.name}` | {_type_name(f.type)} | {doc.replace('|', '/')} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(schema_markdown())
