"""PII scrubber: the labelled probe, consistent pseudonyms, and no raw value in any ingest output."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import polars as pl
import pytest
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.scenarios.pii import Scrubber

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()

# Targets of issue 12, per kind (see tests/data/PII_PROBE.md). A kind that falls short would be
# listed here with the floor it reaches; none does today.
RECALL, PRECISION = 0.98, 0.95
SHORTFALL: dict[str, tuple[float, float]] = {}


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
    assert {"quantity", "tracking", "order", "price", "product", "adjective", "place"} <= harmless


def test_probe_has_enough_instances_per_kind_to_mean_something() -> None:
    bench = _benchmark()
    result = bench.evaluate(bench.load_probe())
    thin = {k: n for k, (n, _) in result["planted"].items() if n < 10}
    thin_lookalikes = {k: n for k, (n, _) in result["lookalike"].items() if n < 10}
    assert not thin and not thin_lookalikes, (thin, thin_lookalikes)
    assert sum(result["planted"][k][0] for k in ("name_cue", "name_nocue", "name_lower")) >= 300


def test_probe_file_is_what_its_generator_writes() -> None:
    data = REPO / "tests" / "data"
    spec = importlib.util.spec_from_file_location("make_pii_probe", data / "make_pii_probe.py")
    assert spec and spec.loader
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    written = [json.loads(line) for line in (data / "pii_probe.jsonl").read_text().splitlines()
               if line.strip() and json.loads(line)["id"].startswith("gen-")]
    assert written == maker.build()


def _scrub_one(text: str) -> str:
    s = Scrubber("t")
    s.begin([], [text])
    return s.scrub(text)


@pytest.mark.parametrize("text, gone", [
    ("Ottoline Featherstonehaugh called yesterday about her refund.", ["Ottoline", "Featherstonehaugh"]),
    ("Please let Ngozi know the refund went through.", ["Ngozi"]),
    ("Yesterday Bjarki told me the courier never came.", ["Bjarki"]),
    ("Abebe Mitchell placed the order, not me.", ["Abebe", "Mitchell"]),
    ("Send it to Ravindra Ni-Bhriain at the same address.", ["Ravindra", "Ni-Bhriain"]),
    ("Zsofia Xu placed the order.", ["Zsofia", "Xu"]),
    ("meseret demirci here, still waiting", ["meseret", "demirci"]),
    ("tell bartosz i said the box was empty", ["bartosz"]),
    ("hey its arben, any update?", ["arben"]),
    ("Hi, my name is Florence Okafor.", ["Florence", "Okafor"]),
    ("I was born on 09/10/1983.", ["09/10/1983"]),
    ("Bitte an Lindenweg 4, 01234 Kleinkleckersdorf liefern.", ["01234", "Lindenweg 4"]),
])
def test_names_and_values_without_the_usual_cues_are_replaced(text: str, gone: list[str]) -> None:
    out = _scrub_one(text)
    assert not [g for g in gone if g.lower() in out.lower()], out


@pytest.mark.parametrize("text, kept", [
    ("We flew from Buenos Aires to Costa Rica, then on to Dar es Salaam.", ["Buenos Aires", "Costa Rica",
                                                                           "Dar es Salaam"]),
    ("We moved from Bangalore to Valencia last month.", ["Bangalore", "Valencia"]),
    ("I bought the Nespresso Vertuo and my Garmin Fenix.", ["Nespresso Vertuo", "Garmin Fenix"]),
    ("Die Lieferung kam ohne Rechnung und Garantieschein.", ["Lieferung", "Rechnung", "Garantieschein"]),
    ("I need a 2 TB hard drive; the Spring 2025 collection is out.", ["2 TB hard drive", "Spring 2025"]),
    ("Ich habe 10000 Punkte gesammelt.", ["10000 Punkte"]),
    ("I ordered it at amazon dot com and at otto dot de.", ["amazon dot com", "otto dot de"]),
    ("The vinyl was first released on 12 May 1979. See section 3.2.1.4.", ["12 May 1979", "3.2.1.4"]),
    ("Call ticket 212-55-0199 please; lot number 555-66-7777.", ["212-55-0199", "555-66-7777"]),
])
def test_look_alikes_are_kept(text: str, kept: list[str]) -> None:
    out = _scrub_one(text)
    assert all(k in out for k in kept), out


def test_a_name_found_by_its_context_is_replaced_everywhere_in_the_conversation() -> None:
    texts = ["Ottoline Featherstonehaugh called yesterday.", "Is Ottoline around?", "ask featherstonehaugh"]
    s = Scrubber("c")
    s.begin([], texts)
    first, second, third = (s.scrub(t) for t in texts)
    fake_first, fake_last = first.split()[:2]
    assert fake_first in second and "Ottoline" not in second
    assert fake_last.lower() in third and "featherstonehaugh" not in third


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
