"""The sixth personal-data probe, tests/data/pii_probe_sixth.jsonl (held out whole, built by
benchmarks/pii_probe_sixth_build.py from public text): format, counts, labels (probe_checks.py)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
from pathlib import Path

from stdnum import ean, isbn, iso11649, luhn
from stdnum.bg import egn
from stdnum.ee import ik
from stdnum.id import nik
from stdnum.il import idnr as il_idnr
from stdnum.jp import in_ as my_number
from stdnum.lt import asmens
from stdnum.my import nric
from stdnum.ua import rntrc
from stdnum.za import idnr as za_idnr

_spec = importlib.util.spec_from_file_location("probe_checks", Path(__file__).with_name("probe_checks.py"))
checks = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(checks)  # type: ignore[union-attr]

PROBE = checks.PROBES / "pii_probe_sixth.jsonl"
AT_LEAST = {"name": 40, "email": 40, "phone": 40, "street": 40, "postcode": 40, "dob": 40,
            "name_possessive": 25, "iban": 25, "card": 25, "national_id": 25, "user_id": 25}
# look-alikes per personal kind they resemble: precision is measurable for every family
LOOKALIKES_AT_LEAST = {"name": 300, "pin": 40, "card": 30, "dob": 30, "postcode": 25, "iban": 20,
                       "national_id": 20, "phone": 20, "street": 20, "user_id": 20, "email": 10}
NEW_LOCALES = {"id_ID", "ja_JP", "fr_CH", "az_AZ", "zu_ZA", "yo_NG", "ha_NG", "uz_UZ", "ga_IE", "sw"}
LOCALES = NEW_LOCALES | {"en_US", "en_GB", "de_DE", "fr_FR"}
PHONE_REGION = {"id_ID": "ID", "ja_JP": "JP", "fr_CH": "CH", "az_AZ": "AZ", "zu_ZA": "ZA", "yo_NG": "NG",
                "ha_NG": "NG", "uz_UZ": "UZ", "ga_IE": "IE", "sw": "KE", "bg_BG": "BG", "uk_UA": "UA",
                "vi_VN": "VN", "ka_GE": "GE", "et_EE": "EE", "lv_LV": "LV", "lt_LT": "LT", "en_US": "US",
                "en_GB": "GB", "de_DE": "DE", "fr_FR": "FR"}
NATIONAL = (egn, ik, asmens, za_idnr, rntrc, my_number, nik, nric, il_idnr)
SOURCES = {"tau-traj", "tm4-reward", "tm4-dialogs"}


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
            checks.assert_valid(kind, value, PHONE_REGION.get(origin), NATIONAL)
            if kind == "iban":
                assert value[:2] == origin, value
            elif kind == "user_id":
                assert re.fullmatch(r"[a-z]+_[a-z]+_\d{4}", value), value
        for h in line["harmless"]:  # business numbers shaped like personal ones are real ones too
            if h["kind"] in ("ean", "isbn"):
                assert (ean if h["kind"] == "ean" else isbn).is_valid(h["value"]), h
            elif h["kind"] == "creditor_ref":
                assert iso11649.is_valid(h["value"]), h
            elif h["kind"] == "tracking" and h["value"].isdigit():
                assert luhn.is_valid(h["value"]) and len(h["value"]) == 16, h
    checks.assert_spaced_and_compact_ibans(lines)
    ids = [s["value"] for x in lines for s in x["spans"] if s["kind"] == "national_id"]
    assert any(v.isalnum() for v in ids) and any(not v.isalnum() for v in ids)  # with and without separators
    otps = [s["value"] for x in lines for s in x["spans"] if s["kind"] == "otp"]
    assert any(" " in v for v in otps) and any(" " not in v for v in otps)


def test_dates_of_birth_are_real_dates_of_adults() -> None:
    built = dt.date(2026, 12, 6)
    formats = ("%m/%d/%Y", "%B %d, %Y", "%d/%m/%Y", "%d %B %Y", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d",
               "%Y-%m-%d", "%d/%m/%y")
    for line in checks.read_lines(PROBE):
        for span in line["spans"]:
            if span["kind"] != "dob":
                continue
            parsed = []
            for fmt in formats:
                try:
                    parsed.append(dt.datetime.strptime(span["value"], fmt).date())
                except ValueError:
                    pass
            assert parsed, span
            assert any(17 <= (built - d).days / 365.25 <= 91 for d in parsed), span


def test_file_is_what_its_builder_writes(tmp_path: Path) -> None:
    checks.assert_builder_writes(checks.REPO / "benchmarks" / "pii_probe_sixth_build.py", PROBE,
                                 ("tau_bench", "taskmaster"), tmp_path)
