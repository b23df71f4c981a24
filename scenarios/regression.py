"""Regression scenarios from historical conversations (e.g. a production failure).

The scenario keeps the customer's goal (their opening), their own words (for a
replay of the customer side), and expectations: the intent's mined process from
a catalog when there is one (what should have happened), else the process the
transcript itself followed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
import yaml

from simulator.records import Expectations, ProcessStep, Scenario, stable_hash


class TranscriptNotFound(Exception):
    """No conversation with that id in the transcripts folder."""


def _steps_from_catalog(catalog: Path, intent: str) -> list[ProcessStep] | None:
    data = yaml.safe_load((catalog / "catalog.yaml").read_text())
    proposed = ((data.get("intents", {}).get(intent) or {}).get("process") or {}).get(
        "proposed_expectations")
    if not proposed or not proposed.get("required_steps"):
        return None
    after: dict[str, list[str]] = {}
    for first, then in proposed.get("order_constraints", []):
        after.setdefault(first, []).append(then)
    return [ProcessStep(name=t, tools=[t], before=after.get(t, []))
            for t in proposed["required_steps"]]


def _find(root: Path, wanted: str) -> dict[str, Any]:
    """The conversation row with this id, or with this source id (as in the original data)."""
    for part in sorted((root / "conversations").glob("*.parquet")):
        for row in pq.read_table(part).to_pylist():
            if row["conversation_id"] == wanted or dict(row["labels"] or []).get(
                    "source_id") == wanted:
                return row
    raise TranscriptNotFound(f"{root}: no conversation {wanted!r} (by id or source id)")


def scenario_from_transcript(conversation_id: str, transcripts: str | Path,
                             catalog: str | Path | None = None) -> Scenario:
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
    intent = intent or "unlabelled"
    customer = [t for r, t in turns.select("role", "text").iter_rows() if r == "customer"]
    steps = _steps_from_catalog(Path(catalog), intent) if catalog else None
    source = "catalog"
    if steps is None:
        tools = [t for t in dict.fromkeys(calls["tool"].to_list() if calls.height else [])
                 if t not in ("unknown", "unknown_action")]
        steps = [ProcessStep(name=t, tools=[t], before=tools[i + 1:i + 2])
                 for i, t in enumerate(tools)]
        source = "transcript"
    return Scenario(
        id=f"regression-{stable_hash([cid], 10)}", domain=str(row.get("domain") or "historical"),
        intent=intent, goal=customer[0] if customer else "",
        slots={"customer_turns": customer, "source_conversation": cid},
        expectations=Expectations(process=steps,
                                  escalation_expected=row["outcome"] == "escalated",
                                  turn_budget=max(10, 2 * turns.height)),
        difficulty="hard", tags=["regression"],
        provenance={"from_transcript": cid, "origin": row["origin"],
                    "outcome_then": row["outcome"], "expectations_from": source})
