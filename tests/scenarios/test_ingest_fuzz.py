"""Transcript import under broken input: good records always land, bad ones are
quarantined with file and location, and the command never shows a traceback.

Property-based (hypothesis): each example is a file of one format mixing good records
with broken ones (bad JSON, deep nesting, wrong types, undecodable bytes, lone surrogate
escapes), imported through `convsim ingest`.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.scenarios.importers import base

runner = CliRunner()
FUZZ = settings(max_examples=12, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

MAPPING = """\
layout: conversations
conversation_id: meta.id
turns: messages
speaker: from
text: body
speakers: {customer: [client], agent: [bot]}
"""
TURNS_MAPPING = """\
layout: turns
conversation_id: conv
speaker: who
text: said
speakers: {customer: [user], agent: [agent]}
"""
MARK = "zzMARKzz"  # replaced by undecodable bytes in the serialised record

# ------------------------------------------------------------------ good records per format


def _openai(i: int, a: str, b: str) -> Any:
    return {"id": f"c{i}", "messages": [{"role": "user", "content": a},
                                         {"role": "assistant", "content": b}]}


def _taskmaster(i: int, a: str, b: str) -> Any:
    return {"conversation_id": f"c{i}", "utterances": [{"speaker": "USER", "text": a},
                                                       {"speaker": "ASSISTANT", "text": b}]}


def _abcd(i: int, a: str, b: str) -> Any:
    return {"convo_id": i, "original": [["customer", a], ["agent", b]],
            "scenario": {"flow": "order", "subflow": "status"}}


def _generic(i: int, a: str, b: str) -> Any:
    return {"meta": {"id": f"c{i}"}, "messages": [{"from": "client", "body": a},
                                                   {"from": "bot", "body": b}]}


def _tau2(i: int, a: str, b: str) -> Any:
    return {"id": f"t{i}", "user_scenario": {"instructions": {
        "reason_for_call": a, "known_info": b, "domain": "retail"}},
        "evaluation_criteria": {"actions": [{"name": "cancel_order",
                                             "arguments": {"order_id": f"#W{i}"}}]}}


# Wrong shapes a real export contains, per format (each must be quarantined).
WRONG: dict[str, list[Any]] = {
    "openai": [[1, 2], "text", None, {"id": "w", "messages": "not a list"},
               {"id": "w", "messages": [1, 2]}, {"id": "w", "messages": []},
               {"id": "w", "messages": [{"role": "martian", "content": "hi"}]},
               {"id": "w", "messages": [{"role": "user", "content": "hi"}], "intent": ["x"]}],
    "taskmaster": [{"conversation_id": "w", "utterances": [1, "x"]},
                   {"conversation_id": "w", "utterances": {"a": 1}},
                   {"conversation_id": "w", "utterances": [{"speaker": "ROBOT", "text": "x"}]},
                   {"conversation_id": "w", "utterances": [{"speaker": "USER", "text": "x",
                                                            "annotations": "oops"}]},
                   []],
    "abcd": [{"convo_id": "w", "original": [["customer"]]},
             {"convo_id": "w", "original": [[["nested"], "x"]]},
             {"convo_id": "w", "original": [["customer", "hi"]], "scenario": "a string"},
             {"convo_id": "w", "original": [["action", "x"]], "delexed": "oops"},
             {"convo_id": "w", "original": "no"}],
    "generic": [{"meta": {"id": "w"}, "messages": "no"}, {"meta": "no id"},
                {"meta": {"id": "w"}, "messages": [{"from": "martian", "body": "x"}]},
                {"meta": {"id": "w"}, "messages": [{"body": "no speaker"}]},
                {"meta": {"id": "w"}, "messages": [1, 2]}],
    "tau2": [{"id": "w"}, {"user_scenario": {"instructions": "x"}}, [1], "task",
             {"id": "w", "user_scenario": "not an object"},
             {"id": "w", "user_scenario": {"instructions": {}},
              "evaluation_criteria": {"actions": [{"no_name": 1}]}}],
}
GOOD: dict[str, Callable[[int, str, str], Any]] = {
    "openai": _openai, "taskmaster": _taskmaster, "abcd": _abcd, "generic": _generic,
    "tau2": _tau2}

# ------------------------------------------------------------------ file plans


@dataclass
class Record:
    good: bool
    data: bytes  # serialised (a JSONL line without newline, a JSON array item)


texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                max_size=40).map(lambda t: f"hello {t}".strip())


def _bad_bytes(obj: Any) -> bytes:
    return json.dumps(obj).encode().replace(MARK.encode(), b"caf\xe9\xff")


@st.composite
def bad_record(draw: st.DrawFn, fmt: str, array: bool) -> bytes:
    kinds = ["deep", "wrong", "bytes", "too_deep_for_python"] + \
        ([] if array else ["broken_json", "surrogate"])
    kind = draw(st.sampled_from(kinds))
    if kind == "deep":
        depth = draw(st.integers(base.MAX_DEPTH + 1, 3000))
        return b'{"id": "deep", "x": ' + b"[" * depth + b"]" * depth + b"}"
    if kind == "too_deep_for_python":
        return b"[" * 100_000 + b"]" * 100_000
    if kind == "wrong":
        return json.dumps(draw(st.sampled_from(WRONG[fmt]))).encode()
    if kind == "bytes":
        return _bad_bytes(GOOD[fmt](draw(st.integers(10_000, 20_000)), f"I am {MARK}", "ok"))
    if kind == "surrogate":
        return json.dumps(GOOD[fmt](99_999, "x", "y")).replace('"x"', '"\\ud800"').encode()
    return json.dumps(GOOD[fmt](99_998, "x", "y")).encode()[:-7]  # cut mid-record


@st.composite
def plan(draw: st.DrawFn, fmt: str, array: bool) -> list[Record]:
    goods = draw(st.lists(st.tuples(texts, texts), max_size=5))
    bads = draw(st.lists(bad_record(fmt, array), max_size=4))
    records = [Record(True, json.dumps(GOOD[fmt](i, a, b)).encode())
               for i, (a, b) in enumerate(goods)] + [Record(False, b) for b in bads]
    return draw(st.permutations(records))


def _write_lines(path: Path, records: list[Record]) -> dict[str, bool]:
    path.write_bytes(b"".join(r.data + b"\n" for r in records))
    return {f"line {n}": r.good for n, r in enumerate(records, 1)}


def _write_array(path: Path, records: list[Record]) -> dict[str, bool]:
    path.write_bytes(b"[\n" + b",\n".join(r.data for r in records) + b"\n]")
    return {f"record {n}": r.good for n, r in enumerate(records, 1)}


def _landed(out: Path, fmt: str) -> tuple[int, set[tuple[str, str]]]:
    """(conversations or scenarios written, quarantined (source, location) pairs)."""
    if fmt == "tau2":
        scen = out / "scenarios.jsonl"
        n = len(scen.read_text().split("\n")) - 1 if scen.is_file() else 0
        q = out / "quarantine.jsonl"
        rows = [json.loads(x) for x in q.read_text().split("\n") if x] if q.is_file() else []
        return n, {(r["source"], r["location"]) for r in rows}
    conv = list(out.glob("conversations/*.parquet"))
    n = pl.read_parquet(conv).height if conv else 0
    quar = list(out.glob("quarantine/*.parquet"))
    q = pl.read_parquet(quar) if quar else pl.DataFrame({"source": [], "location": []})
    pairs = list(zip(q["source"].to_list(), q["location"].to_list(), strict=True))
    assert len(pairs) == len(set(pairs)), "a record was quarantined twice"
    return n, set(pairs)


def _ingest(files: list[Path], fmt: str, out: Path, mapping: str | None = None):
    args = ["ingest", *map(str, files), "--format", fmt, "--out", str(out)]
    if mapping is not None:
        (out.parent / "mapping.yaml").write_text(mapping)
        args += ["--mapping", str(out.parent / "mapping.yaml")]
    result = runner.invoke(app, args)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    return result


def _check(result, out: Path, fmt: str, path: Path, expected: dict[str, bool]) -> None:
    n_good = sum(expected.values())
    assert result.exit_code == (0 if n_good else 2), result.output
    landed, quarantined = _landed(out, fmt)
    assert landed == n_good, result.output
    bad = {(str(path), loc) for loc, good in expected.items() if not good}
    assert quarantined == bad, result.output


CASES = [("openai", "jsonl"), ("openai", "json"), ("taskmaster", "jsonl"),
         ("taskmaster", "json"), ("abcd", "jsonl"), ("generic", "jsonl"), ("tau2", "json")]


@pytest.mark.parametrize("fmt,suffix", CASES)
@FUZZ
@given(data=st.data())
def test_every_good_record_lands(fmt: str, suffix: str, data: st.DataObject) -> None:
    records = data.draw(plan(fmt, array=suffix == "json"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input.{suffix}"
        expected = (_write_array if suffix == "json" else _write_lines)(path, records)
        out = Path(tmp) / "out"
        result = _ingest([path], fmt, out, MAPPING if fmt == "generic" else None)
        _check(result, out, fmt, path, expected)


@st.composite
def csv_rows(draw: st.DrawFn) -> list[tuple[bool, bytes]]:
    """Turn rows of a generic CSV (conv,who,said): good two-turn conversations and bad
    single rows (undecodable bytes, unknown speaker, unbalanced quote at the end)."""
    one_line = texts.map(lambda t: t.replace("\r", " ").replace("\n", " "))
    rows: list[tuple[bool, bytes]] = []

    def line(*cells: str) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(cells)
        return buf.getvalue().encode()

    for i in range(draw(st.integers(0, 4))):
        a, b = draw(one_line), draw(one_line)
        rows.append((True, line(f"c{i}", "user", a) + line(f"c{i}", "agent", b)))
    for j in range(draw(st.integers(0, 3))):
        if draw(st.booleans()):
            rows.append((False, line(f"b{j}", "user", "caf" + MARK).replace(
                MARK.encode(), b"\xe9\xff")))
        else:
            rows.append((False, line(f"b{j}", "martian", "hi")))
    return draw(st.permutations(rows))


@FUZZ
@given(rows=csv_rows())
def test_generic_csv_bad_rows_cost_only_themselves(rows: list[tuple[bool, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "turns.csv"
        path.write_bytes(b"conv,who,said\n" + b"".join(r for _, r in rows))
        expected, line = {}, 2
        for good, data in rows:
            expected[f"line {line}"] = good
            line += data.count(b"\n")
        out = Path(tmp) / "out"
        _check(_ingest([path], "generic", out, TURNS_MAPPING), out, "generic", path, expected)


# ------------------------------------------------------------------ whole-file cases


def test_corrupt_parquet_is_one_quarantined_file_and_the_rest_lands(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps(_generic(1, "where is my parcel", "on its way")) + "\n")
    corrupt = tmp_path / "broken.parquet"
    corrupt.write_bytes(b"PAR1" + b"\x00garbage" * 50)
    out = tmp_path / "out"
    result = _ingest([good, corrupt], "generic", out, MAPPING)
    assert result.exit_code == 0, result.output
    assert _landed(out, "generic") == (1, {(str(corrupt), "file")})
    assert "unreadable Parquet" in result.output

    only = _ingest([corrupt], "generic", tmp_path / "out2", MAPPING)
    assert only.exit_code == 2 and "unreadable Parquet" in only.output


def test_parquet_rows_import(tmp_path: Path) -> None:
    path = tmp_path / "turns.parquet"
    pq.write_table(pa.table({"conv": ["c1", "c1", "c2"], "who": ["user", "agent", "robot"],
                             "said": ["hi", "hello", "beep"]}), path)
    out = tmp_path / "out"
    result = _ingest([path], "generic", out, TURNS_MAPPING)
    assert result.exit_code == 0 and _landed(out, "generic") == (1, {(str(path), "row 3")})


def test_very_deep_tau2_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "tasks.json"
    path.write_bytes(b"[" * 100_001 + b"]" * 100_001)
    result = _ingest([path], "tau2", tmp_path / "out")
    assert result.exit_code == 2
    assert f"nested deeper than {base.MAX_DEPTH} levels" in result.output


def test_deep_jsonl_line_loses_only_itself(tmp_path: Path) -> None:
    path = tmp_path / "chats.jsonl"
    path.write_bytes(b"[" * 200_000 + b"]" * 200_000 + b"\n"
                     + json.dumps(_openai(1, "refund please", "done")).encode() + b"\n")
    out = tmp_path / "out"
    result = _ingest([path], "openai", out)
    assert result.exit_code == 0
    assert _landed(out, "openai") == (1, {(str(path), "line 1")})


def test_tau2_csv_with_wrong_columns_names_the_expected_ones(tmp_path: Path) -> None:
    path = tmp_path / "tasks.csv"
    path.write_text("task,goal\n1,cancel my order\n2,return a shirt\n")
    result = _ingest([path], "tau2", tmp_path / "out")
    assert result.exit_code == 2
    assert "id, user_scenario, evaluation_criteria" in " ".join(result.output.split())
    assert not (tmp_path / "out" / "scenarios.jsonl").read_text().strip()


def test_tau2_csv_with_json_cells_imports(tmp_path: Path) -> None:
    path = tmp_path / "tasks.csv"
    task = _tau2(1, "cancel my order", "order #W1")
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "user_scenario", "evaluation_criteria"])
        writer.writerow([task["id"], json.dumps(task["user_scenario"]),
                         json.dumps(task["evaluation_criteria"])])
    out = tmp_path / "out"
    assert _ingest([path], "tau2", out).exit_code == 0
    assert _landed(out, "tau2") == (1, set())


def test_oversized_line_is_skipped_not_loaded(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(base, "MAX_RECORD_BYTES", 4096)
    path = tmp_path / "chats.jsonl"
    big = _openai(1, "x" * 20_000, "y")
    path.write_text(json.dumps(big) + "\n" + json.dumps(_openai(2, "hi", "hello")) + "\n")
    out = tmp_path / "out"
    result = _ingest([path], "openai", out)
    assert result.exit_code == 0 and _landed(out, "openai") == (1, {(str(path), "line 1")})
    assert "record larger than" in result.output


def test_unknown_file_type_and_unwritable_out_are_one_line(tmp_path: Path) -> None:
    odd = tmp_path / "chats.txt"
    odd.write_text("hello\n")
    result = _ingest([odd], "openai", tmp_path / "out")
    assert result.exit_code == 2 and "unknown file type '.txt'" in result.output
    good = tmp_path / "chats.jsonl"
    good.write_text(json.dumps(_openai(1, "hi", "hello")) + "\n")
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = _ingest([good], "openai", blocker / "out")
    assert result.exit_code == 2 and "is not a folder" in result.output
