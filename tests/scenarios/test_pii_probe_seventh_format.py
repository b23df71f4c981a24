"""The seventh personal-data probe, tests/data/pii_probe_seventh.jsonl (held out whole, built by
benchmarks/pii_probe_seventh_build.py from public text): format, counts, labels (probe_checks.py)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
from pathlib import Path

from stdnum import ean, isbn, iso11649, luhn
from stdnum.cn import ric
from stdnum.dk import cpr
from stdnum.ec import ci
from stdnum.in_ import pan
from stdnum.is_ import kennitala
from stdnum.kr import rrn
from stdnum.pe import cui
from stdnum.pt import nif
from stdnum.th import pin as th_pin

_spec = importlib.util.spec_from_file_location("probe_checks", Path(__file__).with_name("probe_checks.py"))
checks = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(checks)  # type: ignore[union-attr]

PROBE = checks.PROBES / "pii_probe_seventh.jsonl"
AT_LEAST = {"name": 40, "email": 40, "phone": 40, "street": 40, "postcode": 40, "dob": 40,
            "name_possessive": 25, "iban": 25, "card": 25, "national_id": 25, "user_id": 25}
LOOKALIKES_AT_LEAST = {"name": 300, "pin": 20, "card": 20, "dob": 20, "postcode": 20, "iban": 20,
                       "national_id": 20, "phone": 20, "street": 20, "user_id": 20, "email": 10}
NEW_LOCALES = {"is_IS", "tw_GH", "ig_NG", "en_PK", "en_KE", "en_TH", "es_CA", "fr_DZ", "en_NG"}
LOCALES = NEW_LOCALES | {"en_US", "en_GB", "de_DE", "fr_FR"}
ID_SYSTEM = {"IS": kennitala, "DK": cpr, "PT": nif, "IN": pan, "KR": rrn, "CN": ric, "PE": cui, "EC": ci,
             "TH": th_pin}
NATIONAL = tuple(ID_SYSTEM.values())
SOURCES = {"tau-retail-test", "tau-airline-test", "tm4-dialogs"}
DOB_FORMATS = ("%m/%d/%Y", "%b %d, %Y", "%d/%m/%Y", "%d %B %Y", "%d.%m.%Y", "%d-%b-%Y", "%d-%m-%Y",
               "%Y.%m.%d", "%Y-%m-%d", "%d %b %Y")


def test_schema_and_counts_per_kind() -> None:
    lines = checks.read_lines(PROBE)
    checks.assert_counts(lines, SOURCES, LOCALES, NEW_LOCALES, AT_LEAST, 25, LOOKALIKES_AT_LEAST)
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
                assert re.fullmatch(r"[a-z]+_[a-z]+_\d{4}|4\d{7}|CU\d{8}", value), value
        for h in line["harmless"]:  # business numbers shaped like personal ones are real ones too
            if h["kind"] in ("ean", "isbn"):
                assert (ean if h["kind"] == "ean" else isbn).is_valid(h["value"]), h
            elif h["kind"] == "creditor_ref":
                assert iso11649.is_valid(h["value"]), h
            elif h["kind"] == "gift_card":  # shaped like a card, but no card: fails Luhn
                digits = h["value"].replace(" ", "")
                assert len(digits) == 16 and not luhn.is_valid(digits), h
    checks.assert_spaced_and_compact_ibans(lines)
    ids = [s["value"] for x in lines for s in x["spans"] if s["kind"] == "national_id"]
    assert any(v.isalnum() for v in ids) and any(not v.isalnum() for v in ids)
    assert {s["origin"] for x in lines for s in x["spans"] if s["kind"] == "national_id"} == \
        {"IS", "DK", "PT", "IN", "KR", "CN", "PE", "EC", "TH"}
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
    checks.assert_builder_writes(checks.REPO / "benchmarks" / "pii_probe_seventh_build.py", PROBE,
                                 ("tau_bench", "tau2_bench", "taskmaster"), tmp_path)
