"""Regression scenarios from historical conversations (e.g. a production failure).

The scenario keeps the customer's goal (their opening), their own words (for a
replay of the customer side), and expectations: the intent's mined process from
a catalog when there is one (what should have happened), else the process the
transcript itself followed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
import yaml

from convsim.core.packs.model import Domain
from convsim.core.records import Expectations, ProcessStep, Scenario, stable_hash
from convsim.scenarios.replay_state import StateReport, bind_from_turns, parse_calls, reconstruct


class TranscriptNotFound(Exception):
    """No conversation with that id in the transcripts folder."""


ESCALATED = ("escalated", "transferred", "transfer", "handoff")


def _steps_from_catalog(catalog: Path, intent: str) -> list[ProcessStep] | None:
    """The intent's mined process; a step group (e.g. authenticate) names its real tools."""
    data = yaml.safe_load((catalog / "catalog.yaml").read_text())
    proposed = ((data.get("intents", {}).get(intent) or {}).get("process") or {}).get(
        "proposed_expectations")
    if not proposed or not proposed.get("required_steps"):
        return None
    groups: dict[str, list[str]] = data.get("step_groups") or {}
    after: dict[str, list[str]] = {}
    for first, then in proposed.get("order_constraints", []):
        after.setdefault(first, []).append(then)
    return [ProcessStep(name=t, tools=list(groups.get(t, [t])), before=after.get(t, []))
            for t in proposed["required_steps"]]


def _bind_customer(domain: Domain, calls: pl.DataFrame, slots: dict[str, Any]) -> dict[str, Any]:
    """The customer of the transcript in the pack's state: their key from the logged calls
    (an argument named like the binding slot, or a result carrying the table's key field).

    A key the pack's fixtures hold is enough (the slot binds that row). A production key the
    fixtures do not hold brings its row from the logged results into the scenario's own
    initial state (the fixtures plus that row). Returns that initial state ({} = fixtures)."""
    assert domain.binding is not None
    table, slot = domain.binding.table, domain.binding.slot
    key_field = domain.keys.get(table, slot)
    keys: list[str] = []
    rows: dict[str, dict[str, Any]] = {}

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if node.get(key_field) is not None and len(node) > 1:
                rows.setdefault(str(node[key_field]), node)
            for v in node.values():
                visit(v)
        elif isinstance(node, list):
            for v in node:
                visit(v)

    for args, result in calls.select("arguments_json", "result").iter_rows():
        value = json.loads(args or "{}").get(slot)
        if value is not None:
            keys.append(str(value))
        try:
            visit(json.loads(result)) if result else None
        except ValueError:
            pass
    keys += list(rows)
    known = domain.tables.get(table, {})
    for key in keys:
        if key in known:
            slots[slot] = key
            return {}
    for key in keys:
        if key in rows:
            slots[slot] = key
            state = {name: dict(t) for name, t in domain.tables.items()}
            state.setdefault(table, {})[key] = rows[key]
            return state
    return {}


def _overlay(domain: Domain, read: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """The pack's fixtures with the records read laid over them (a fixture record keeps the
    fields the log did not show)."""
    state = {name: dict(t) for name, t in domain.tables.items()}
    for table, rows in read.items():
        target = state.setdefault(table, {})
        for key, row in rows.items():
            known = target.get(key)
            target[key] = {**known, **row} if isinstance(known, dict) else row
    return state


def _rebuild_state(domain: Domain, calls: pl.DataFrame, customer_turns: list[str],
                   slots: dict[str, Any]) -> tuple[dict[str, Any], StateReport]:
    """The scenario's initial state (fixtures + the records the conversation read), and what
    was rebuilt or is missing (see `replay_state`); binds the customer's key in `slots`."""
    logged = parse_calls(calls.select("tool", "arguments_json", "result", "status").iter_rows()
                         ) if calls.height else []
    read, report = reconstruct(domain, logged)
    binding = domain.binding
    if binding is None:
        if not read:
            return {}, report
        return _overlay(domain, read), report
    customers = read.get(binding.table) or {}
    if customers:
        slots[binding.slot] = sorted(customers)[0]
    elif logged:  # a key in the arguments: a fixture customer, or a record a result carried
        named = _bind_customer(domain, calls, slots).get(binding.table) or {}
        if binding.slot in slots:
            key = str(slots[binding.slot])
            if key in named:
                read.setdefault(binding.table, {})[key] = named[key]
            report.read.setdefault(binding.table, []).append(
                key if key in named else f"{key} (in the pack's fixtures)")
    if binding.slot not in slots:
        typed = bind_from_turns(domain, customer_turns)
        if typed:
            report.source = "persona binding" if not logged else f"{report.source} + binding"
            key_field = domain.keys.get(binding.table, binding.slot)
            key = f"replay-{stable_hash(typed, 8)}"
            read.setdefault(binding.table, {})[key] = {key_field: key, **typed}
            report.read.setdefault(binding.table, []).append(
                f"{key} (from what the customer typed: {', '.join(sorted(typed))})")
            slots[binding.slot] = key
        else:
            report.missing.append(f"{binding.table}: the customer's record (no tool log names "
                                  "it, and the customer typed no value of the pack's identity "
                                  "slots)")
    if not logged:
        others = sorted(t for t in domain.tables if t != binding.table and domain.tables[t])
        if others:
            report.missing.append(f"{', '.join(others)}: the customer's records (the transcript "
                                  "has no tool log; the pack's fixtures are used)")
    if not read:
        return {}, report
    return _overlay(domain, read), report


def all_conversation_ids(transcripts: str | Path) -> list[str]:
    """Ids of every conversation in an ingested transcripts folder, sorted."""
    root = Path(transcripts)
    if not (root / "conversations").is_dir():
        raise FileNotFoundError(f"{root}: not an ingested transcripts folder")
    return sorted(pl.read_parquet(root / "conversations" / "*.parquet")["conversation_id"])


def _find(root: Path, wanted: str) -> dict[str, Any]:
    """The conversation row with this id, or with this source id (as in the original data)."""
    for part in sorted((root / "conversations").glob("*.parquet")):
        for row in pq.read_table(part).to_pylist():
            if row["conversation_id"] == wanted or dict(row["labels"] or []).get(
                    "source_id") == wanted:
                return row
    raise TranscriptNotFound(f"{root}: no conversation {wanted!r} (by id or source id)")


def scenario_from_transcript(conversation_id: str, transcripts: str | Path,
                             catalog: str | Path | None = None,
                             domain: Domain | None = None) -> Scenario:
    """A regression scenario from one historical conversation.

    With a domain pack: steps naming tools the pack lacks are dropped (and listed in
    the provenance), and the customer's key found in the logged tool arguments (the
    pack binding's slot, e.g. user_id) binds the persona to that row of the pack's state.
    """
    root = Path(transcripts)
    if not (root / "conversations").is_dir():
        raise FileNotFoundError(f"{root}: not an ingested transcripts folder")
    row = _find(root, conversation_id)
    cid = row["conversation_id"]
    turns = pl.read_parquet(root / "turns" / "*.parquet").filter(
        pl.col("conversation_id") == cid).sort("turn_index")
    calls_dir = root / "tool_calls"
    calls = (pl.read_parquet(calls_dir / "*.parquet").filter(pl.col("conversation_id") == cid)
             .sort("seq") if any(calls_dir.glob("*.parquet")) else pl.DataFrame())
    intent = row["intent"]
    if intent is None and catalog is not None and (Path(catalog) / "assignments.parquet").is_file():
        found = pl.read_parquet(Path(catalog) / "assignments.parquet").filter(
            pl.col("conversation_id") == cid)
        intent = found["intent"][0] if found.height else None
    return _scenario(row, turns, calls, intent, catalog, domain)


RANGE_CONVERSATIONS = 5_000
"""Conversations read together by `iter_scenarios_from_transcripts` (one range of ids)."""


def iter_scenarios_from_transcripts(transcripts: str | Path, catalog: str | Path | None = None,
                                    domain: Domain | None = None) -> Iterator[Scenario]:
    """`scenario_from_transcript` of every conversation of an ingested folder, in the order of
    `all_conversation_ids`, made a range of RANGE_CONVERSATIONS ids at a time: only that
    range's conversations, turns and tool calls are read (a scan of each table per range),
    so a million conversations never sit in memory."""
    root = Path(transcripts)
    if not (root / "conversations").is_dir():
        raise FileNotFoundError(f"{root}: not an ingested transcripts folder")
    conv = pl.scan_parquet(root / "conversations" / "*.parquet")
    starts = conv.select(pl.col("conversation_id").sort().gather_every(RANGE_CONVERSATIONS)
                         ).collect(engine="streaming").to_series().to_list()
    has_calls = any((root / "tool_calls").glob("*.parquet"))
    assignments = Path(catalog) / "assignments.parquet" if catalog is not None else None
    for i, lo in enumerate(starts):
        hi = starts[i + 1] if i + 1 < len(starts) else None
        cid = pl.col("conversation_id")
        within = (cid >= lo) if hi is None else (cid >= lo) & (cid < hi)

        def read(table: str, where: pl.Expr = within) -> pl.DataFrame:
            return pl.scan_parquet(root / table / "*.parquet").filter(where).collect(
                engine="streaming")

        rows = read("conversations")
        turns = _ByConversation(read("turns"), "turn_index")
        calls = _ByConversation(read("tool_calls"), "seq") if has_calls else None
        intents: dict[str, Any] = {}
        if assignments is not None and assignments.is_file():
            for a_id, a_intent in pl.scan_parquet(assignments).filter(within).select(
                    "conversation_id", "intent").collect().iter_rows():
                intents.setdefault(a_id, a_intent)
        firsts: dict[str, dict[str, Any]] = {}
        for row in rows.to_dicts():
            firsts.setdefault(row["conversation_id"], row)
        for c in rows["conversation_id"].sort().to_list():
            row = firsts[c]
            own_turns = turns.of(c)
            own_calls = calls.of(c) if calls is not None else pl.DataFrame()
            intent = row["intent"]
            if intent is None and assignments is not None and assignments.is_file():
                intent = intents.get(c)
            yield _scenario(row, own_turns, own_calls, intent, catalog, domain)


class _ByConversation:
    """A table's rows sorted by conversation and `order`, sliced per conversation (views, not
    one small frame per conversation)."""

    def __init__(self, frame: pl.DataFrame, order: str) -> None:
        self.frame = frame.sort("conversation_id", order, maintain_order=True)
        lengths = self.frame.group_by("conversation_id", maintain_order=True).len()
        self.spans: dict[str, tuple[int, int]] = {}
        start = 0
        for cid, n in lengths.iter_rows():
            self.spans[cid] = (start, n)
            start += n

    def of(self, conversation_id: str) -> pl.DataFrame:
        start, n = self.spans.get(conversation_id, (0, 0))
        return self.frame.slice(start, n)


def _scenario(row: dict[str, Any], turns: pl.DataFrame, calls: pl.DataFrame, intent: str | None,
              catalog: str | Path | None, domain: Domain | None) -> Scenario:
    """The regression scenario of one conversation (its row, turns by turn_index, tool calls
    by seq, intent from its row or the catalog's assignments)."""
    cid = row["conversation_id"]
    intent = intent or "unlabelled"
    customer = [t for r, t in turns.select("role", "text").iter_rows() if r == "customer"]
    # What the historical agent answered to each customer turn ("" when it said nothing).
    answered: list[str] = []
    for role, text in turns.select("role", "text").iter_rows():
        if role == "customer":
            answered.append("")
        elif role == "agent" and answered:
            answered[-1] = (answered[-1] + " " + text).strip()
    steps = _steps_from_catalog(Path(catalog), intent) if catalog else None
    source = "catalog"
    if steps is None:
        tools = [t for t in dict.fromkeys(calls["tool"].to_list() if calls.height else [])
                 if t not in ("unknown", "unknown_action")]
        steps = [ProcessStep(name=t, tools=[t], before=tools[i + 1:i + 2])
                 for i, t in enumerate(tools)]
        source = "transcript"
    slots: dict[str, Any] = {"customer_turns": customer, "agent_turns": answered,
                             "source_conversation": cid}
    initial_state: dict[str, Any] = {}
    state_report = StateReport()
    expected_state: dict[str, Any] = {}
    tools_called = calls["tool"].to_list() if calls.height else []
    dropped: list[str] = []
    if domain is not None:
        kept = []
        for step in steps:
            known = [t for t in step.tools if t in domain.tools]
            if known:
                kept.append(step.model_copy(update={"tools": known}))
            else:
                dropped.append(step.name)
        names = {s.name for s in kept}
        steps = [s.model_copy(update={"before": [b for b in s.before if b in names]}) for s in kept]
        initial_state, state_report = _rebuild_state(domain, calls, customer, slots)
        expected_state = state_report.expected
    escalation_tools = set(domain.escalation_tools) if domain is not None else set()
    escalated = str(row["outcome"]) in ESCALATED or any(
        t in escalation_tools or "transfer" in t for t in tools_called)
    return Scenario(
        id=f"regression-{stable_hash([cid], 10)}",
        domain=domain.name if domain is not None else str(row.get("domain") or "historical"),
        intent=intent, goal=customer[0] if customer else "", slots=slots,
        initial_state=initial_state,
        expectations=Expectations(process=steps, escalation_expected=escalated,
                                  final_state=expected_state,
                                  turn_budget=max(10, 2 * turns.height)),
        difficulty="hard", tags=["regression"],
        provenance={"from_transcript": cid, "origin": row["origin"],
                    "outcome_then": row["outcome"], "expectations_from": source,
                    "steps_not_in_pack": dropped,
                    **({"state": state_report.as_dict()} if domain is not None else {})})
