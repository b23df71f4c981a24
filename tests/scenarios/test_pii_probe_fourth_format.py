"""The fourth personal-data probe (tests/data/pii_probe_fourth.jsonl, built by
benchmarks/pii_probe_fourth_build.py from public text): its format, counts and labels.

Only the file and its builder are read here, never the scrubber: the probe is held out whole
and scored once (`benchmarks/pii_probe.py --probe tests/data/pii_probe_fourth.jsonl`).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from collections import Counter
from pathlib import Path
from types import ModuleType

import phonenumbers
import pytest
from stdnum import iban, luhn
from stdnum.ar import cuit
from stdnum.at import vnr
from stdnum.be import nn
from stdnum.ch import ssn as ch_ssn
from stdnum.mx import curp
from stdnum.pl import pesel

REPO = Path(__file__).resolve().parents[2]
PROBE = REPO / "tests" / "data" / "pii_probe_fourth.jsonl"
KINDS = {"name", "name_possessive", "email", "phone", "street", "postcode", "dob", "iban", "card",
         "national_id", "pin", "passcode", "otp", "user_id"}
AT_LEAST = {"name": 40, "name_possessive": 15, "email": 40, "phone": 40, "street": 40, "postcode": 40,
            "dob": 40, "iban": 15, "card": 15, "national_id": 15}
NEW_LOCALES = {"en_NZ", "en_IE", "de_AT", "de_CH", "fr_CA", "nl_BE", "pt_PT", "da_DK", "pl_PL", "es_MX",
               "es_AR", "fr_BE", "it_CH"}
REGION = {"en_NZ": "NZ", "en_IE": "IE", "de_AT": "AT", "de_CH": "CH", "fr_CA": "CA", "nl_BE": "BE",
          "pt_PT": "PT", "da_DK": "DK", "pl_PL": "PL", "es_MX": "MX", "es_AR": "AR", "fr_BE": "BE",
          "it_CH": "CH", "en_GB": "GB", "en_US": "US", "de_DE": "DE", "fr_FR": "FR"}


def _lines() -> list[dict[str, object]]:
    return [json.loads(x) for x in PROBE.read_text().splitlines() if x.strip()]


def _load_builder() -> ModuleType:
    path = REPO / "benchmarks" / "pii_probe_fourth_build.py"
    spec = importlib.util.spec_from_file_location("pii_probe_fourth_build", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _word(value: str) -> re.Pattern[str]:
    # the same "still a word of the text" test the benchmark uses for a leak
    return re.compile(rf"(?<!\w){re.escape(value)}(?!\w)", re.I)


def test_schema_and_counts_per_kind() -> None:
    lines = _lines()
    assert len({x["id"] for x in lines}) == len(lines)
    planted: Counter[str] = Counter()
    for line in lines:
        assert set(line) == {"id", "locale", "source", "ref", "text", "spans", "harmless", "half"}
        assert line["half"] == "held-out" and line["locale"] in REGION
        assert line["source"] in {"tau2-airline", "tau2-telecom", "tm4-coffee", "tm1-sample"}
        for span in line["spans"]:  # type: ignore[attr-defined]
            assert set(span) == {"value", "kind", "origin"} and span["kind"] in KINDS
            planted[span["kind"]] += 1
        for h in line["harmless"]:  # type: ignore[attr-defined]
            assert set(h) == {"value", "kind", "resembles"} and h["value"]
    for kind, floor in AT_LEAST.items():
        assert planted[kind] >= floor, (kind, planted[kind])
    assert planted["pin"] + planted["passcode"] + planted["otp"] >= 15
    assert sum(len(x["harmless"]) for x in lines) >= 250  # type: ignore[misc, arg-type]
    assert len({x["source"] for x in lines}) >= 2
    assert {x["locale"] for x in lines} >= NEW_LOCALES


def test_each_planted_value_occurs_once_and_no_look_alike_overlaps_one() -> None:
    for line in _lines():
        text = str(line["text"])
        values = [s["value"].lower() for s in line["spans"]]  # type: ignore[attr-defined]
        for span in line["spans"]:  # type: ignore[attr-defined]
            assert len(_word(span["value"]).findall(text)) == 1, (line["id"], span)
        for h in line["harmless"]:  # type: ignore[attr-defined]
            assert h["value"] in text, (line["id"], h)
            low = h["value"].lower()
            assert not any(v in low or low in v for v in values), (line["id"], h)


def test_numbers_are_valid_in_their_own_system() -> None:
    national = (ch_ssn, nn, pesel, curp, cuit, vnr)
    seen: Counter[str] = Counter()
    for line in _lines():
        for span in line["spans"]:  # type: ignore[attr-defined]
            kind, value = span["kind"], span["value"]
            seen[kind] += 1
            if kind == "phone":
                region = REGION[str(line["locale"])]
                parsed = phonenumbers.parse(value, region)
                assert phonenumbers.is_valid_number_for_region(parsed, region), value
            elif kind == "iban":
                assert iban.is_valid(value), value
            elif kind == "card":
                assert luhn.is_valid(value.replace(" ", "")), value
            elif kind == "national_id":
                assert value.isalnum() and any(m.is_valid(value) for m in national), value
            elif kind in ("pin", "passcode", "otp"):
                assert value.isdigit() and 4 <= len(value) <= 8, value
            elif kind == "email":
                assert re.fullmatch(r"[\w.]+@[\w.-]+\.[a-z]{2,}", value), value
    assert seen["iban"] and seen["national_id"] and seen["phone"]
    # compact and spaced IBANs both occur, and at least one line lists them side by side
    ibans = [s["value"] for x in _lines() for s in x["spans"] if s["kind"] == "iban"]  # type: ignore[attr-defined]
    assert any(" " in v for v in ibans) and any(" " not in v for v in ibans)


def test_file_is_what_its_builder_writes(tmp_path: Path) -> None:
    build = _load_builder()
    present = (build.DATA / "tau2_bench").is_dir() and (build.DATA / "taskmaster").is_dir()
    # CI always has ../shared beside the clone: there the check must run, never skip.
    assert present or not os.environ.get("CI"), f"no public datasets at {build.DATA}"
    if not present:
        pytest.skip(f"public datasets not at {build.DATA}")
    out = tmp_path / "probe.jsonl"
    written = build.build(build.DATA)
    out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in written))
    assert out.read_bytes() == PROBE.read_bytes()
