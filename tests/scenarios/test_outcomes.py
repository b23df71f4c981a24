"""True outcomes of imported conversations: transfers recognised, `resolved` only with
evidence, and the rule recorded per conversation. Through `convsim ingest` on two
formats (OpenAI chat logs with tool calls; a generic CSV mapping without any) and the
ABCD sample, whose format marks escalations in its action turns."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from convsim.cli.main import app

DATA = Path(__file__).resolve().parents[2] / "convsim" / "scenarios" / "data" / "transcripts"


def _call(cid: str, tool: str, args: dict, result: object) -> list[dict]:
    return [{"role": "assistant", "content": None, "tool_calls": [
                {"id": cid, "type": "function",
                 "function": {"name": tool, "arguments": json.dumps(args)}}]},
            {"role": "tool", "tool_call_id": cid, "content": json.dumps(result)}]


CHATS = {
    # a dispute handed to a human by the transfer tool; the record claims "resolved"
    "dispute": ([{"role": "user", "content": "I want to dispute a $340 charge"},
                 *_call("c1", "lookup_account", {"account": "41234567"}, {"status": "active"}),
                 *_call("c2", "transfer_to_specialist", {"reason": "dispute"}, {"ok": True}),
                 {"role": "assistant", "content": "You are now with our disputes team."}],
                {"resolution": "resolved"}),
    # number porting: no tool, the agent's last turn hands over
    "porting": ([{"role": "user", "content": "Can I port my number to another carrier?"},
                 {"role": "assistant", "content": "Porting is handled by another team. "
                                                  "Let me connect you with a porting specialist."}],
                {}),
    "plan_change": ([{"role": "user", "content": "Please switch me to Unlimited"},
                     *_call("c3", "change_plan", {"plan": "Unlimited"}, {"plan": "Unlimited"}),
                     {"role": "assistant", "content": "Done, you are on Unlimited now."}],
                    {}),
    "question": ([{"role": "user", "content": "When does my bill come?"},
                  {"role": "assistant", "content": "On the 5th of each month."},
                  {"role": "user", "content": "Great, thanks a lot!"}], {}),
    # the record says resolved, but nothing was written and the customer is not pleased
    "claimed": ([{"role": "user", "content": "My internet is down"},
                 *_call("c4", "get_line_status", {"line": "1"}, {"status": "down"}),
                 {"role": "assistant", "content": "Please restart your router."},
                 {"role": "user", "content": "That does not help, it is still down."}],
                {"resolution": "resolved"}),
    "failed_write": ([{"role": "user", "content": "Cancel my add-on"},
                      *_call("c5", "remove_addon", {"addon": "x"}, "Error: add-on not found"),
                      {"role": "assistant", "content": "Sorry, I could not find it."}], {}),
}


def _ingest(tmp_path: Path, source: Path, fmt: str, *extra: str) -> pl.DataFrame:
    out = tmp_path / f"ingested-{fmt}"
    result = CliRunner().invoke(app, ["ingest", str(source), "--format", fmt, "--out", str(out),
                                      *extra])
    assert result.exit_code == 0, result.output
    conv = pl.read_parquet(out / "conversations" / "*.parquet")
    return conv.with_columns(
        pl.col("labels").map_elements(lambda kv: dict(kv).get("source_id", ""),
                                      return_dtype=pl.String).alias("source_id"),
        pl.col("labels").map_elements(lambda kv: dict(kv).get("outcome_rule", ""),
                                      return_dtype=pl.String).alias("rule"))


def _by_source(conv: pl.DataFrame) -> dict[str, tuple[str, bool, str]]:
    return {s: (o, e, r) for s, o, e, r in
            conv.select("source_id", "outcome", "escalated", "rule").iter_rows()}


def test_openai_chats_get_outcomes_from_evidence(tmp_path: Path) -> None:
    source = tmp_path / "chats.jsonl"
    source.write_text("".join(json.dumps({"id": k, "messages": m, "metadata": meta}) + "\n"
                              for k, (m, meta) in CHATS.items()))
    got = _by_source(_ingest(tmp_path, source, "openai"))
    assert got["dispute"][:2] == ("transferred", True)
    assert "transfer_to_specialist" in got["dispute"][2]
    assert got["porting"][:2] == ("transferred", True)
    assert "connect you with" in got["porting"][2]
    assert got["plan_change"][0] == "resolved" and "change_plan" in got["plan_change"][2]
    assert got["question"][0] == "resolved" and "thanks" in got["question"][2]
    assert got["claimed"][0] == "unresolved" and "no evidence" in got["claimed"][2]
    assert got["failed_write"][0] == "unresolved"
    assert all(rule for _, _, rule in got.values())


def test_generic_mapping_without_tools_gets_the_same_rules(tmp_path: Path) -> None:
    source = tmp_path / "chats.csv"
    with source.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["chat", "who", "said", "disposition"])
        for key, (messages, meta) in CHATS.items():
            for m in messages:
                if m["role"] in ("user", "assistant") and m.get("content"):
                    writer.writerow([key, m["role"], m["content"], meta.get("resolution", "")])
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("layout: turns\nconversation_id: chat\nspeaker: who\ntext: said\n"
                       "outcome: disposition\n"
                       "speakers: {customer: [user], agent: [assistant]}\n")
    got = _by_source(_ingest(tmp_path, source, "generic", "--mapping", str(mapping)))
    # without the tool log, the dispute is no longer known to be transferred, and its
    # "resolved" disposition has no evidence behind it
    assert got["dispute"][0] == "unresolved"
    assert got["porting"][0] == "transferred"
    assert got["question"][0] == "resolved"
    assert got["plan_change"][0] == "unresolved"  # no tool log, no thanks: not shown resolved
    assert got["claimed"][0] == "unresolved"


def test_abcd_escalations_are_transfers_by_the_formats_marker(tmp_path: Path) -> None:
    conv = _ingest(tmp_path, DATA / "abcd" / "abcd_sample.jsonl", "abcd")
    transferred = conv.filter(pl.col("outcome") == "transferred")
    assert transferred.height >= 1
    assert transferred["escalated"].all()
    assert set(conv["outcome"]) <= {"transferred", "resolved", "unresolved"}
    assert conv["rule"].str.len_chars().min() > 0
