"""The ninth personal-data probe, tests/data/pii_probe_ninth.jsonl (held out whole, built by
benchmarks/pii_probe_ninth_build.py from public text): format, counts, labels (probe_checks.py)."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import re
import sys
from collections.abc import Callable
from pathlib import Path

from stdnum import ean, isbn, iso11649, luhn
from stdnum.ar import dni as ar_dni
from stdnum.be import bis
from stdnum.bg import pnf
from stdnum.gb import nhs
from stdnum.nz import ird
from stdnum.ru import inn
from stdnum.sv import nit
from stdnum.us import itin

_spec = importlib.util.spec_from_file_location("probe_checks", Path(__file__).with_name("probe_checks.py"))
checks = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
sys.modules.setdefault("probe_checks", checks)  # registered before it runs, as dataclasses need
_spec.loader.exec_module(checks)  # type: ignore[union-attr]

PROBE = checks.PROBES / "pii_probe_ninth.jsonl"
AT_LEAST = {
    "name": 40,
    "email": 40,
    "phone": 40,
    "street": 40,
    "postcode": 40,
    "dob": 40,
    "name_possessive": 25,
    "iban": 25,
    "card": 25,
    "national_id": 25,
    "user_id": 25,
}
LOOKALIKES_AT_LEAST = {
    "name": 500,
    "name_possessive": 25,
    "pin": 50,
    "card": 50,
    "dob": 15,
    "postcode": 40,
    "iban": 15,
    "national_id": 40,
    "phone": 40,
    "street": 15,
    "user_id": 30,
    "email": 15,
}
NEW_LOCALES = {"el_GR", "hy_AM", "ka_GE", "vi_VN"}
LOCALES = NEW_LOCALES | {"en_US", "en_GB", "de_DE", "fr_FR"}
ID_SYSTEM = {"AR": ar_dni, "NZ": ird, "US": itin, "GB": nhs, "RU": inn, "BE": bis, "BG": pnf, "SV": nit}
NATIONAL = tuple(ID_SYSTEM.values())
SOURCES = {"tm4-dialogs", "tau-fewshot"}
DOB_FORMATS = (
    "%B %d, %Y",
    "%m/%d/%Y",
    "%d %B %Y",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%d %b %Y",
    "%d-%m-%Y",
    "%Y/%m/%d",
    "%Y. %m. %d.",
    "%Y.%m.%d.",
)


def test_schema_and_counts_per_kind() -> None:
    lines = checks.read_lines(PROBE)
    checks.assert_counts(lines, SOURCES, LOCALES, NEW_LOCALES, AT_LEAST, 25, LOOKALIKES_AT_LEAST)
    assert len(lines) >= 500
    assert sum(len(x["harmless"]) for x in lines) >= 500
    assert {x["source"] for x in lines} == SOURCES
    made = {h["kind"] for x in lines for h in x["harmless"]}
    assert {
        "word_name",
        "shop_possessive",
        "confirmation",
        "member_card",
        "order_dotted",
        "time24",
        "points",
        "reservation",
    } <= made


def test_each_planted_value_occurs_once_and_no_look_alike_overlaps_one() -> None:
    checks.assert_once_and_clear(checks.read_lines(PROBE))


def _fails_luhn_16(value: str) -> bool:
    digits = value.replace(" ", "")
    return len(digits) == 16 and not luhn.is_valid(digits)


# planted kinds checked beyond probe_checks.assert_valid, and look-alikes that are real business numbers
PLANTED_EXTRA: dict[str, Callable[[str, str], bool]] = {
    "iban": lambda value, origin: value[:2] == origin,
    "national_id": lambda value, origin: ID_SYSTEM[origin].is_valid(value),  # its own country's system
    "user_id": lambda value, _: re.fullmatch(r"[a-z]+\d{2}|3\d{7}|MBR\d{7}", value) is not None,
}
LOOKALIKE_VALID: dict[str, Callable[[str], bool]] = {
    "ean": ean.is_valid,
    "isbn": isbn.is_valid,
    "creditor_ref": iso11649.is_valid,
    "loyalty_card": _fails_luhn_16,  # shaped like a card, but no card
    "gift_card": _fails_luhn_16,
    "member_card": lambda value: len(value.replace(" ", "")) == 12,  # too short for a card
}
CODES = re.compile(r"\d{3,4}( ?\d{2,4})?")  # one-time codes may be read out in two groups


def test_numbers_are_valid_in_their_own_system() -> None:
    lines = checks.read_lines(PROBE)
    spans = [s for x in lines for s in x["spans"]]
    for span in spans:
        kind, value, origin = span["kind"], span["value"], span["origin"]
        if kind in ("pin", "passcode", "otp"):
            assert CODES.fullmatch(value), span
            continue
        checks.assert_valid(kind, value, origin if re.fullmatch(r"[A-Z]{2}", origin) else None, NATIONAL)
        assert PLANTED_EXTRA.get(kind, lambda *_: True)(value, origin), span
    looks = [h for x in lines for h in x["harmless"] if h["kind"] in LOOKALIKE_VALID]
    assert looks and all(LOOKALIKE_VALID[h["kind"]](h["value"]) for h in looks)
    checks.assert_spaced_and_compact_ibans(lines)
    ids = [s["value"] for s in spans if s["kind"] == "national_id"]
    assert any(v.isalnum() for v in ids) and any(not v.isalnum() for v in ids)
    assert {s["origin"] for s in spans if s["kind"] == "national_id"} == set(ID_SYSTEM)
    otps = [s["value"] for s in spans if s["kind"] == "otp"]
    assert any(" " in v for v in otps) and any(" " not in v for v in otps)


def _dates(value: str) -> list[dt.date]:
    """Every reading of `value` in one of the probe's date-of-birth formats."""
    out = []
    for fmt in DOB_FORMATS:
        with contextlib.suppress(ValueError):
            out.append(dt.datetime.strptime(value, fmt).date())
    return out


def test_dates_of_birth_are_real_dates_of_adults() -> None:
    built = dt.date(2026, 12, 6)
    births = [s for x in checks.read_lines(PROBE) for s in x["spans"] if s["kind"] == "dob"]
    assert births
    for span in births:
        ages = [(built - d).days / 365.25 for d in _dates(span["value"])]
        assert any(17 <= age <= 91 for age in ages), span


def test_romanised_names_are_latin_letters() -> None:
    for line in checks.read_lines(PROBE):
        for span in line["spans"]:
            if span["kind"].startswith("name") and span["origin"] in ("el_GR", "hy_AM", "ka_GE"):
                assert re.fullmatch(r"[A-Z][a-z]+", span["value"]), span


def test_file_is_what_its_builder_writes(tmp_path: Path) -> None:
    checks.assert_builder_writes(
        checks.REPO / "benchmarks" / "pii_probe_ninth_build.py",
        PROBE,
        ("tau_bench", "tau2_bench", "taskmaster"),
        tmp_path,
    )
