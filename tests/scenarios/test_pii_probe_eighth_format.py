"""The eighth personal-data probe, tests/data/pii_probe_eighth.jsonl (held out whole, built by
benchmarks/pii_probe_eighth_build.py from public text): format, counts, labels (probe_checks.py)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
from pathlib import Path

from stdnum import ean, isbn, iso11649, luhn
from stdnum.au import tfn
from stdnum.cr import cpf as cr_cpf
from stdnum.cu import ni as cu_ni
from stdnum.do import cedula
from stdnum.ie import pps
from stdnum.lv import pvn
from stdnum.mx import rfc
from stdnum.pk import cnic
from stdnum.si import emso

_spec = importlib.util.spec_from_file_location("probe_checks", Path(__file__).with_name("probe_checks.py"))
checks = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(checks)  # type: ignore[union-attr]

PROBE = checks.PROBES / "pii_probe_eighth.jsonl"
AT_LEAST = {"name": 40, "email": 40, "phone": 40, "street": 40, "postcode": 40, "dob": 40,
            "name_possessive": 25, "iban": 25, "card": 25, "national_id": 25, "user_id": 25}
LOOKALIKES_AT_LEAST = {"name": 300, "name_possessive": 15, "pin": 20, "card": 20, "dob": 20, "postcode": 20,
                       "iban": 20, "national_id": 20, "phone": 20, "street": 20, "user_id": 20, "email": 10}
NEW_LOCALES = {"ru_RU", "uk_UA", "bg_BG", "mk_MK", "de", "es"}
LOCALES = NEW_LOCALES | {"en_US", "en_GB", "de_DE", "fr_FR"}
ID_SYSTEM = {"IE": pps, "AU": tfn, "PK": cnic, "DO": cedula, "SI": emso, "LV": pvn, "MX": rfc, "CR": cr_cpf,
             "CU": cu_ni}
NATIONAL = tuple(ID_SYSTEM.values())
SOURCES = {"tm4-dialogs", "tau2-retail-tasks"}
DOB_FORMATS = ("%B %d, %Y", "%m-%d-%Y", "%d %B %Y", "%d/%m/%Y", "%d.%m.%Y", "%d %b %Y", "%d. %m. %Y",
               "%d.%m.%Y.", "%d-%m-%Y", "%Y-%m-%d", "%d-%b-%Y")


def test_schema_and_counts_per_kind() -> None:
    lines = checks.read_lines(PROBE)
    checks.assert_counts(lines, SOURCES, LOCALES, NEW_LOCALES, AT_LEAST, 25, LOOKALIKES_AT_LEAST)
    assert len(lines) >= 300
    assert sum(len(x["harmless"]) for x in lines) >= 400
    assert {x["source"] for x in lines} == SOURCES


def test_each_planted_value_occurs_once_and_no_look_alike_overlaps_one() -> None:
    checks.assert_once_and_clear(checks.read_lines(PROBE))


def test_numbers_are_valid_in_their_own_system() -> None:
    lines = checks.read_lines(PROBE)
    for line in lines:
        for span in line["spans"]:
            kind, value, origin = span["kind"], span["value"], span["origin"]
            if kind in ("pin", "passcode", "otp"):  # one-time codes may be read out in two groups
                assert re.fullmatch(r"\d{3,4}( ?\d{2,4})?", value), value
                continue
            region = origin if re.fullmatch(r"[A-Z]{2}", origin) else None
            checks.assert_valid(kind, value, region, NATIONAL)
            if kind == "iban":
                assert value[:2] == origin, value
            elif kind == "national_id":  # valid in its own country's system
                assert ID_SYSTEM[origin].is_valid(value), span
            elif kind == "user_id":
                assert re.fullmatch(r"[a-z]+\.[a-z]+\d{2}|7\d{9}|CX-\d{6}", value), value
        for h in line["harmless"]:  # business numbers shaped like personal ones are real ones too
            if h["kind"] in ("ean", "isbn"):
                assert (ean if h["kind"] == "ean" else isbn).is_valid(h["value"]), h
            elif h["kind"] == "creditor_ref":
                assert iso11649.is_valid(h["value"]), h
            elif h["kind"] == "loyalty_card":  # shaped like a card, but no card: fails Luhn
                digits = h["value"].replace(" ", "")
                assert len(digits) == 16 and not luhn.is_valid(digits), h
    checks.assert_spaced_and_compact_ibans(lines)
    ids = [s["value"] for x in lines for s in x["spans"] if s["kind"] == "national_id"]
    assert any(v.isalnum() for v in ids) and any(not v.isalnum() for v in ids)
    assert {s["origin"] for x in lines for s in x["spans"] if s["kind"] == "national_id"} == set(ID_SYSTEM)
    otps = [s["value"] for x in lines for s in x["spans"] if s["kind"] == "otp"]
    assert any(" " in v for v in otps) and any(" " not in v for v in otps)


def test_dates_of_birth_are_real_dates_of_adults() -> None:
    built = dt.date(2026, 12, 6)
    for line in checks.read_lines(PROBE):
        for span in line["spans"]:
            if span["kind"] != "dob":
                continue
            parsed = []
            for fmt in DOB_FORMATS:
                try:
                    parsed.append(dt.datetime.strptime(span["value"], fmt).date())
                except ValueError:
                    pass
            assert parsed, span
            assert any(17 <= (built - d).days / 365.25 <= 91 for d in parsed), span


def test_file_is_what_its_builder_writes(tmp_path: Path) -> None:
    checks.assert_builder_writes(checks.REPO / "benchmarks" / "pii_probe_eighth_build.py", PROBE,
                                 ("tau2_bench", "taskmaster"), tmp_path)
