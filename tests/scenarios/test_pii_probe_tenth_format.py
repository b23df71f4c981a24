"""The tenth personal-data probe, tests/data/pii_probe_tenth.jsonl (held out whole, built by
benchmarks/pii_probe_tenth_build.py from public text): format, counts, labels. Its codes (PINs said
digit by digit, letter-and-digit passcodes, prefixed one-time codes) and ordinal dates of birth are
new shapes, so it checks them here and takes the rest from probe_checks."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from stdnum.ad import nrt
from stdnum.ca import sin
from stdnum.co import nit as co_nit
from stdnum.de import vat as de_vat
from stdnum.in_ import epic
from stdnum.ke import pin as ke_pin
from stdnum.mu import nid
from stdnum.py import ruc
from stdnum.ve import rif

from tests.scenarios import probe_checks as checks

PROBE = checks.PROBES / "pii_probe_tenth.jsonl"
BUILDER = checks.REPO / "benchmarks" / "pii_probe_tenth_build.py"
ID_SYSTEM = {"CA": sin, "IN": epic, "MU": nid, "KE": ke_pin, "AD": nrt, "CO": co_nit, "VE": rif, "PY": ruc}
NEW_LOCALES = {"ko_KR", "zh_CN", "zh_TW"}
SOURCES = {"tm4-dialogs", "tau-fewshot"}
AT_LEAST = {"name": 30, "email": 30, "phone": 30, "street": 30, "postcode": 30, "dob": 30,
            "name_possessive": 25, "iban": 25, "card": 25, "national_id": 25, "user_id": 25}
LOOKALIKES_AT_LEAST = {"name": 400, "name_possessive": 20, "pin": 30, "card": 40, "dob": 10, "postcode": 15,
                       "iban": 10, "national_id": 15, "phone": 20, "street": 10, "user_id": 20, "email": 10}
CODES = {"pin": r"\d([- ]?\d){3}", "passcode": r"[a-z0-9]{5}\d{2}", "otp": r"(G-|KP-)?\d{6}"}
USER_ID = r"@[a-z]+\d{3}|[a-z]+_[a-z]+\.\d|CU-\d{6}|0\d{8}"
DOB_FORMATS = ("%B %d, %Y", "%b. %d, %Y", "%m/%d/%Y", "the %d of %B %Y", "%d %B %Y", "%d/%m/%Y",
               "%d.%m.%Y", "%Y.%m.%d", "%Y-%m-%d", "%Y/%m/%d", "%d-%m-%Y", "%d.%m.%Y.")


def _lines() -> list[dict[str, Any]]:
    return checks.read_lines(PROBE)


def _values(kind: str) -> list[dict[str, str]]:
    return [s for x in _lines() for s in x["spans"] if s["kind"] == kind]


def test_schema_and_counts_per_kind() -> None:
    lines = _lines()
    checks.assert_counts(lines, SOURCES, NEW_LOCALES | {"en_US", "en_GB", "de_DE", "fr_FR"}, NEW_LOCALES,
                         AT_LEAST, 25, LOOKALIKES_AT_LEAST)
    assert len(lines) >= 300 and sum(len(x["harmless"]) for x in lines) >= 600
    assert {x["source"] for x in lines} == SOURCES
    made = {h["kind"] for x in lines for h in x["harmless"]}
    new = {"vat", "bic", "invoice", "ticket", "serial", "price", "gift_pin", "year_span", "reservation"}
    assert new <= made


def test_each_planted_value_occurs_once_and_no_look_alike_overlaps_one() -> None:
    checks.assert_once_and_clear(_lines())


def test_numbers_are_valid_in_their_own_system() -> None:
    lines = _lines()
    for _, span in checks.planted(lines):
        kind, value, origin = span["kind"], span["value"], span["origin"]
        if kind in CODES:
            assert re.fullmatch(CODES[kind], value), span
            continue
        region = origin if re.fullmatch(r"[A-Z]{2}", origin) else None
        checks.assert_valid(kind, value, region, tuple(ID_SYSTEM.values()))
        if kind == "iban":
            assert value[:2] == origin, span
        elif kind == "national_id":  # valid in its own country's system
            assert ID_SYSTEM[origin].is_valid(value), span
        elif kind == "user_id":
            assert re.fullmatch(USER_ID, value), span
    checks.assert_business_numbers(lines, "loyalty_card", False)
    checks.assert_spaced_and_compact_ibans(lines)
    checks.assert_both_ways(lines, "national_id", str.isalnum)  # with and without separators
    checks.assert_both_ways(lines, "pin", str.isdigit)  # said digit by digit and not
    assert {s["origin"] for s in _values("national_id")} == set(ID_SYSTEM)
    vats = [h["value"] for x in lines for h in x["harmless"] if h["kind"] == "vat"]
    assert vats and all(de_vat.is_valid(v) for v in vats)


def test_dates_of_birth_are_real_dates_of_adults() -> None:
    """Ordinal days ("the 3rd of March 1984") read without their suffix."""
    lines = [dict(x, spans=[dict(s, value=re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", s["value"]))
                            for s in x["spans"]]) for x in _lines()]
    checks.assert_adult_dates(lines, DOB_FORMATS)
    assert any(re.search(r"\d(st|nd|rd|th)\b", s["value"]) for s in _values("dob"))


def test_romanised_names_are_latin_letters() -> None:
    for span in _values("name") + _values("name_possessive"):
        assert re.fullmatch(r"[^\W\d_]{3,}(-[^\W\d_]+)?", span["value"]), span
        if span["origin"] in NEW_LOCALES:
            assert re.fullmatch(r"[A-Z][a-z]+(-[A-Z][a-z]+)?", span["value"]), span


def test_file_is_what_its_builder_writes(tmp_path: Path) -> None:
    checks.assert_builder_writes(BUILDER, PROBE, ("tau_bench", "tau2_bench", "taskmaster"), tmp_path)
