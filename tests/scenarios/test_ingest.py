"""Ingest: every format, quarantine, dedupe, and no personal data in any output."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.scenarios.ingest import ingest_transcripts

runner = CliRunner()
SAMPLES = Path(__file__).resolve().parents[2] / "convsim" / "scenarios" / "data" / "transcripts"

PII = {
    "name_first": "Zelda", "name_last": "Quixote", "email": "zelda.quixote@mailbox.org",
    "phone": "(415) 555-0134", "card": "4111 1111 1111 1111", "street": "1234 Maple Street",
    "zip": "90210", "order": "ORD-884213", "cue_first": "Bartholomew", "cue_last": "Vandersloot",
}

MAPPING = """\
layout: conversations
conversation_id: meta.id
turns: messages
speaker: from
text: body
intent: meta.topic
names: [meta.customer]
labels: {channel: meta.channel}
speakers: {customer: [client, Customer], agent: [bot]}
"""


def _seed_files(tmp_path: Path) -> tuple[Path, Path]:
    p = PII
    good = {"meta": {"id": "A1", "topic": "refund", "customer": f"{p['name_first']} {p['name_last']}",
                     "channel": f"email {p['email']}"},
            "messages": [
                {"from": "client", "body": f"Hi, it's {p['name_first']} again. My card "
                                           f"{p['card']} was charged twice for {p['order']}."},
                {"from": "bot", "body": f"Sorry {p['name_first']} {p['name_last']}! "
                                        "Can you confirm your email and phone?"},
                {"from": "Customer", "body": f"{p['email']}, {p['phone']}. I live at "
                                             f"{p['street']}, zip code {p['zip']}."},
                {"from": "client", "body": f"Also my husband, my name is {p['cue_first']} "
                                           f"{p['cue_last']}... sorry, his."},
                {"from": "bot", "body": f"Thanks {p['cue_first']}, refund sent."}]}
    lines = [
        json.dumps(good),
        '{"meta": {"id": "A2"}, "messages": [{"from": "client", "body": "broken',  # bad JSON
        json.dumps({"meta": {"id": "A3"}, "messages": []}),  # empty
        json.dumps({"meta": {"id": "A4"}, "messages": [{"from": "martian", "body": "hi"}]}),
        json.dumps({"meta": {"id": "A5"}, "messages": [
            {"from": "client", "body": "where is my parcel"}, {"from": "bot", "body": "on its way"}]}),
    ]
    jsonl = tmp_path / "logs.jsonl"
    jsonl.write_bytes(("\n".join(lines) + "\n").encode() + b'{"meta": {"id": "\xff\xfe"}}\n')
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING)
    return jsonl, mapping


def _all_output_text(out: Path, cli_output: str) -> str:
    """Every value of every Parquet file, plus every other file and the CLI output."""
    chunks = [cli_output]
    for f in out.rglob("*"):
        if f.suffix == ".parquet":
            df = pl.read_parquet(f)
            chunks.append(json.dumps(df.to_dicts(), default=str))
        elif f.is_file():
            chunks.append(f.read_bytes().decode("utf-8", "replace"))
    return "\n".join(chunks)


def test_no_personal_data_survives_ingest(tmp_path: Path) -> None:
    jsonl, mapping = _seed_files(tmp_path)
    pii_yaml = tmp_path / "pii.yaml"
    pii_yaml.write_text("identifiers:\n  order: {pattern: 'ORD-\\d{6}', keep_letters: true}\n")
    out = tmp_path / "out"
    result = runner.invoke(app, ["ingest", str(jsonl), "--format", "generic", "--mapping",
                                 str(mapping), "--pii", str(pii_yaml), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "imported 2" in result.output and "quarantined 4" in result.output
    text = _all_output_text(out, result.output)
    leaks = {k: v for k, v in PII.items() if v.lower() in text.lower()}
    leaks.update({"card digits": PII["card"]} if "4111111111111111" in text else {})
    assert not leaks, leaks
    turns = pl.read_parquet(out / "turns" / "*.parquet")
    texts = turns["text"].to_list()
    # Coherent pseudonyms: the same name maps to the same fake name within the conversation.
    fake_first = texts[1].split()[1]
    assert fake_first in texts[0] and fake_first != PII["name_first"]
    assert "ORD-" in text  # identifier shape kept


def test_quarantine_names_file_line_and_reason(tmp_path: Path) -> None:
    jsonl, mapping = _seed_files(tmp_path)
    report = ingest_transcripts([jsonl], "generic", tmp_path / "out", mapping=mapping, salt="s")
    assert (report.read, report.imported, report.quarantined) == (6, 2, 4)
    q = pl.read_parquet(tmp_path / "out" / "quarantine" / "*.parquet").sort("location")
    reasons = dict(zip(q["location"], q["reason"], strict=True))
    assert "invalid JSON" in reasons["line 2"]
    assert "empty conversation" in reasons["line 3"]
    assert "unknown speaker 'martian'" in reasons["line 4"]
    assert "not UTF-8" in reasons["line 6"]
    assert set(q["source"]) == {str(jsonl)}


def test_reimport_gives_same_ids_and_no_duplicates(tmp_path: Path) -> None:
    jsonl, mapping = _seed_files(tmp_path)
    out = tmp_path / "out"
    first = ingest_transcripts([jsonl], "generic", out, mapping=mapping, salt="s")
    ids = set(pl.read_parquet(out / "conversations" / "*.parquet")["conversation_id"])
    again = ingest_transcripts([jsonl], "generic", out, mapping=mapping, salt="s")
    assert again.imported == 0 and again.duplicates == first.imported
    conv = pl.read_parquet(out / "conversations" / "*.parquet")
    assert set(conv["conversation_id"]) == ids and conv.height == len(ids)


def test_turn_layout_csv(tmp_path: Path) -> None:
    csv = tmp_path / "turns.csv"
    csv.write_text("conv,who,said,topic\nc1,USER,I want a refund,refund\nc1,AGENT,Sure,refund\n"
                   "c2,USER,hello,other\nc1,USER,late turn,refund\n")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("layout: turns\nconversation_id: conv\nspeaker: who\ntext: said\n"
                       "intent: topic\nspeakers: {customer: [user], agent: [agent]}\n")
    report = ingest_transcripts([csv], "generic", tmp_path / "out", mapping=mapping, salt="s")
    assert report.imported == 2 and report.quarantined == 1  # c1 came back: not contiguous
    conv = pl.read_parquet(tmp_path / "out" / "conversations" / "*.parquet").sort("intent")
    assert conv["intent"].to_list() == ["other", "refund"]


def test_wrong_mapping_names_the_field(tmp_path: Path) -> None:
    jsonl, _ = _seed_files(tmp_path)
    mapping = tmp_path / "bad.yaml"
    mapping.write_text("layout: conversations\nconversation_id: meta.id\nturns: messages\n"
                       "text: body\nspeakers: {customer: [client]}\n")
    result = runner.invoke(app, ["ingest", str(jsonl), "-f", "generic", "--mapping", str(mapping),
                                 "-o", str(tmp_path / "out")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "speaker: required key is missing" in result.output


def test_nothing_importable_exits_non_zero(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{nope\n")
    result = runner.invoke(app, ["ingest", str(bad), "-f", "openai", "-o", str(tmp_path / "o")])
    assert result.exit_code != 0 and "nothing could be imported" in result.output


@pytest.mark.parametrize("fmt,files,expect", [
    ("openai", ["tau_bench/retail_few_shot.jsonl", "tau_bench/airline_trajectories_sample.jsonl"],
     77),
    ("taskmaster", ["taskmaster/tm4_coffee_sample.jsonl", "taskmaster/tm1_sample.json"], 61),
    ("abcd", ["abcd/abcd_sample.jsonl"], 3),
])
def test_each_format_imports_its_sample(tmp_path: Path, fmt: str, files: list[str],
                                        expect: int) -> None:
    report = ingest_transcripts([SAMPLES / f for f in files], fmt, tmp_path / "out", salt="s")
    assert report.imported == expect and report.quarantined == 0
    conv = pl.read_parquet(tmp_path / "out" / "conversations" / "*.parquet")
    calls = pl.read_parquet(tmp_path / "out" / "tool_calls" / "*.parquet")
    assert conv["source"].unique().to_list() == ["historical"]
    assert calls.height > 0
    if fmt == "abcd":
        # the sample's scenario.subflow values
        assert sorted(conv["intent"]) == ["refund_status", "return_size", "timing_4"]
        assert "pull-up-account" in calls["tool"].to_list()
    if fmt == "openai":
        assert "resolved" in conv["outcome"].to_list() or "failed" in conv["outcome"].to_list()
        named = calls.filter(pl.col("tool") != "unknown")
        assert named.height > 0 and named["arguments_json"].str.contains("{", literal=True).all()


def test_generic_mapping_reads_a_format_nobody_anticipated(tmp_path: Path) -> None:
    mapping = Path(__file__).resolve().parents[2] / "configs" / "mappings" / "abcd_generic.yaml"
    report = ingest_transcripts([SAMPLES / "abcd" / "abcd_sample.jsonl"], "generic",
                                tmp_path / "out", mapping=mapping, salt="s")
    assert report.imported == 3 and report.quarantined == 0
    conv = pl.read_parquet(tmp_path / "out" / "conversations" / "*.parquet")
    assert "return_size" in conv["intent"].to_list()
    turns = pl.read_parquet(tmp_path / "out" / "turns" / "*.parquet")
    assert set(turns["role"]) == {"customer", "agent", "system"}
    assert not turns["text"].str.contains("(?i)crystal minh|cminh730").any()


def test_agent_version_from_the_data_or_the_command(tmp_path: Path) -> None:
    # A generic log with a version column: each conversation keeps its own; the command's
    # --agent-version only names those whose records name none.
    log = tmp_path / "chats.csv"
    log.write_text("chat,who,said,bot\n"
                   "a,customer,hi I need my bill,v2.1\na,agent,here it is,v2.1\n"
                   "b,customer,cancel my plan,\nb,agent,done,\n")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("layout: turns\nconversation_id: chat\nspeaker: who\ntext: said\n"
                       "agent_version: bot\nspeakers: {customer: [customer], agent: [agent]}\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["ingest", str(log), "--format", "generic", "--mapping",
                                      str(mapping), "--out", str(out), "--agent-version", "v1"])
    assert result.exit_code == 0, result.output
    conv = pl.read_parquet(out / "conversations" / "*.parquet")
    versions = {dict(labels)["source_id"]: v for labels, v in
                conv.select("labels", "agent_version").iter_rows()}
    assert versions == {"a": "v2.1", "b": "v1"}
    assert "agent versions: v1 1, v2.1 1 (1 from --agent-version)" in result.output
    # OpenAI records name it in metadata; none named and no flag: said at once
    chats = tmp_path / "chats.jsonl"
    chats.write_text("\n".join(json.dumps({"id": i, "metadata": meta, "messages": [
        {"role": "user", "content": "where is my parcel"},
        {"role": "assistant", "content": "on its way"}]})
        for i, meta in (("x", {"agent_version": "canary-7"}), ("y", {}))) + "\n")
    report = ingest_transcripts([chats], "openai", tmp_path / "oa")
    assert report.versions == {"canary-7": 1, "": 1}
    result = CliRunner().invoke(app, ["ingest", str(chats), "--format", "openai", "--out",
                                      str(tmp_path / "oa2")])
    assert "agent_version is empty in 1 conversations: pass --agent-version" in result.output
