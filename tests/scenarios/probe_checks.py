"""Checks every personal-data probe file gets (tests/data/pii_probe_*.jsonl): the file is what
its builder writes, its lines have the probe schema, each planted value occurs once, and the
planted numbers are valid in their own systems. Only the files and their builders are read
here, never the scrubber: a probe held out whole is scored once, by
`benchmarks/pii_probe.py --probe FILE`.

Loaded by path (the tests run with --import-mode=importlib), e.g.
``checks = load("probe_checks", Path(__file__).with_name("probe_checks.py"))``.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
import time_machine
from stdnum import ean, iban, isbn, iso11649, luhn

REPO = Path(__file__).resolve().parents[2]
PROBES = REPO / "tests" / "data"
LINE_KEYS = {"id", "locale", "source", "ref", "text", "spans", "harmless", "half"}
KINDS = {"name", "name_possessive", "email", "phone", "street", "postcode", "dob", "iban", "card",
         "national_id", "pin", "passcode", "otp", "user_id"}


def load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def read_lines(probe: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in probe.read_text().splitlines() if x.strip()]


def word(value: str) -> re.Pattern[str]:
    # the same "still a word of the text" test the benchmark uses for a leak
    return re.compile(rf"(?<!\w){re.escape(value)}(?!\w)", re.I)


def assert_builder_writes(builder: Path, probe: Path, folders: tuple[str, ...], tmp_path: Path) -> None:
    """`builder`'s build() over the shared public data writes `probe` byte for byte; skipped only
    off CI when the data (`folders` of ../shared/data) is not there."""
    build = load(builder.stem, builder)
    present = all((build.DATA / f).is_dir() for f in folders)
    # CI always has ../shared beside the clone: there the check must run, never skip.
    assert present or not os.environ.get("CI"), f"no public datasets at {build.DATA}"
    if not present:
        pytest.skip(f"public datasets not at {build.DATA}")
    out = tmp_path / "probe.jsonl"
    # Built years later in another time zone: a builder whose values follow the clock fails
    # here on the day it is written, not on a later day's CI (benchmarks/pii_probe_common.py).
    with time_machine.travel(dt.datetime(2031, 7, 1, 3, 0, tzinfo=ZoneInfo("Pacific/Auckland"))):
        written = build.build(build.DATA)
    out.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in written))
    assert out.read_bytes() == probe.read_bytes()


def held_out_labels(lines: list[dict[str, Any]], sources: set[str], locales: set[str]
                    ) -> tuple[Counter[str], Counter[str]]:
    """Asserts the schema of a probe held out whole; returns the planted values per kind and the
    look-alikes per kind they resemble."""
    assert len({x["id"] for x in lines}) == len(lines)
    planted: Counter[str] = Counter()
    resembles: Counter[str] = Counter()
    for line in lines:
        assert set(line) == LINE_KEYS
        assert line["half"] == "held-out" and line["locale"] in locales
        assert line["source"] in sources
        for span in line["spans"]:
            assert set(span) == {"value", "kind", "origin"} and span["kind"] in KINDS
            planted[span["kind"]] += 1
        for h in line["harmless"]:
            assert set(h) == {"value", "kind", "resembles"} and h["value"]
            resembles[h["resembles"]] += 1
    return planted, resembles


def assert_counts(lines: list[dict[str, Any]], sources: set[str], locales: set[str], new_locales: set[str],
                  at_least: dict[str, int], codes_at_least: int, lookalikes_at_least: dict[str, int]) -> None:
    """The schema of a probe held out whole, and its floors: planted values per kind, PINs,
    passcodes and one-time codes together, look-alikes per kind they resemble (250 in all), two
    sources or more, every new locale."""
    planted, resembles = held_out_labels(lines, sources, locales)
    for kind, floor in at_least.items():
        assert planted[kind] >= floor, (kind, planted[kind])
    assert planted["pin"] + planted["passcode"] + planted["otp"] >= codes_at_least
    for kind, floor in lookalikes_at_least.items():
        assert resembles[kind] >= floor, (kind, resembles[kind])
    assert sum(resembles.values()) >= 250
    assert len({x["source"] for x in lines}) >= 2
    assert {x["locale"] for x in lines} >= new_locales


def assert_once_and_clear(lines: list[dict[str, Any]]) -> None:
    """Each planted value occurs once as a word; each look-alike is in the text and overlaps none."""
    for line in lines:
        text = line["text"]
        values = [s["value"].lower() for s in line["spans"]]
        for span in line["spans"]:
            assert len(word(span["value"]).findall(text)) == 1, (line["id"], span)
        for h in line["harmless"]:
            assert h["value"] in text, (line["id"], h)
            low = h["value"].lower()
            assert not any(v in low or low in v for v in values), (line["id"], h)


def assert_valid(kind: str, value: str, region: str | None, national: tuple[Any, ...]) -> None:
    """A planted number is valid in its own system (phone of `region`, IBAN, card, national id
    by one of the `national` python-stdnum modules, codes of 4 to 8 digits, e-mail shape)."""
    if kind == "phone":
        assert region, (value, "no region")
        parsed = phonenumbers.parse(value, region)
        assert phonenumbers.is_valid_number_for_region(parsed, region), value
    elif kind == "iban":
        assert iban.is_valid(value), value
    elif kind == "card":
        assert luhn.is_valid(re.sub(r"[ -]", "", value)), value
    elif kind == "national_id":
        assert any(m.is_valid(value) for m in national), value
    elif kind in ("pin", "passcode", "otp"):
        assert value.isdigit() and 4 <= len(value) <= 8, value
    elif kind == "email":
        assert re.fullmatch(r"[\w.-]+@[\w.-]+\.[a-z]{2,}", value), value


def assert_spaced_and_compact_ibans(lines: list[dict[str, Any]]) -> None:
    ibans = [s["value"] for x in lines for s in x["spans"] if s["kind"] == "iban"]
    assert any(" " in v for v in ibans) and any(" " not in v for v in ibans)


def planted(lines: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], dict[str, str]]]:
    """Each planted value's (line, span), in file order."""
    for line in lines:
        for span in line["spans"]:
            yield line, span


def assert_business_numbers(lines: list[dict[str, Any]], card_kind: str = "", card_luhn: bool = False
                            ) -> None:
    """Business numbers shaped like personal ones are real ones too (EAN, ISBN, creditor
    references); look-alikes of `card_kind` pass Luhn when `card_luhn` (those all digits), else
    are 16 digits that fail it (shaped like a card, but no card)."""
    for line in lines:
        for h in line["harmless"]:
            if h["kind"] in ("ean", "isbn"):
                assert (ean if h["kind"] == "ean" else isbn).is_valid(h["value"]), h
            elif h["kind"] == "creditor_ref":
                assert iso11649.is_valid(h["value"]), h
            elif h["kind"] == card_kind and card_luhn and h["value"].isdigit():
                assert luhn.is_valid(h["value"]) and len(h["value"]) == 16, h
            elif h["kind"] == card_kind and not card_luhn:
                digits = h["value"].replace(" ", "")
                assert len(digits) == 16 and not luhn.is_valid(digits), h


def assert_both_ways(lines: list[dict[str, Any]], kind: str, plain: Callable[[str], bool]) -> None:
    """The planted values of `kind` are written both ways: some `plain`, some not."""
    values = [s["value"] for x in lines for s in x["spans"] if s["kind"] == kind]
    assert any(plain(v) for v in values) and any(not plain(v) for v in values)


def assert_adult_dates(lines: list[dict[str, Any]], formats: tuple[str, ...]) -> None:
    """Each planted date of birth reads as a date in one of `formats`, of someone 17 to 91 on the
    probes' build date."""
    built = dt.date(2026, 12, 6)
    for line in lines:
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


HELD_OUT_AT_LEAST = {"name": 40, "email": 40, "phone": 40, "street": 40, "postcode": 40, "dob": 40,
                     "name_possessive": 25, "iban": 25, "card": 25, "national_id": 25, "user_id": 25}
"""The floors of planted values per kind of the sixth probe and later."""


class HeldOut(NamedTuple):
    """What a probe held out whole (the sixth and later) must hold; `held_out_tests` checks it.
    (A tuple, not a dataclass: the tests load this file by path, outside sys.modules.)"""

    file: str
    """Its name in tests/data."""
    builder: str
    """The builder's name in benchmarks/."""
    folders: tuple[str, ...]
    """The folders of ../shared/data the builder reads."""
    sources: set[str]
    """Its sources, each used."""
    new_locales: set[str]
    """Its line locales besides en_US, en_GB, de_DE and fr_FR, each used."""
    lookalikes_at_least: dict[str, int]
    national: tuple[Any, ...]
    """The python-stdnum modules of its national ids."""
    user_id: str
    """A regular expression every planted user id matches."""
    card_lookalike: tuple[str, bool]
    """The kind of its card-shaped look-alike and whether it passes Luhn."""
    dob_formats: tuple[str, ...]
    id_system: dict[str, Any] | None = None
    """Country -> module: each id valid in its own country's system, every country used."""
    phone_region: dict[str, str] | None = None
    """A value's origin -> its phone region (default: the origin when it is a country code)."""
    lines_at_least: int = 0
    at_least: dict[str, int] = HELD_OUT_AT_LEAST
    """Planted values per kind, at least; PINs, passcodes and one-time codes: 25 together."""

    @property
    def locales(self) -> set[str]:
        return self.new_locales | {"en_US", "en_GB", "de_DE", "fr_FR"}

    def region(self, origin: str) -> str | None:
        if self.phone_region is not None:
            return self.phone_region.get(origin)
        return origin if re.fullmatch(r"[A-Z]{2}", origin) else None


def assert_held_out_numbers(probe: HeldOut, lines: list[dict[str, Any]]) -> None:
    """Every planted number valid in its own system, IBANs of their origin, user ids of the
    probe's shapes, one-time codes read out in one or two groups, business numbers real."""
    for line in lines:
        for span in line["spans"]:
            kind, value, origin = span["kind"], span["value"], span["origin"]
            if kind in ("pin", "passcode", "otp"):  # one-time codes may be read out in two groups
                assert re.fullmatch(r"\d{3,4}( ?\d{2,4})?", value), value
                continue
            assert_valid(kind, value, probe.region(origin), probe.national)
            if kind == "iban":
                assert value[:2] == origin, value
            elif kind == "national_id" and probe.id_system is not None:  # valid in its own country's system
                assert probe.id_system[origin].is_valid(value), span
            elif kind == "user_id":
                assert re.fullmatch(probe.user_id, value), value
    assert_business_numbers(lines, *probe.card_lookalike)
    assert_spaced_and_compact_ibans(lines)
    assert_both_ways(lines, "national_id", str.isalnum)  # with and without separators
    if probe.id_system is not None:
        assert {s["origin"] for x in lines for s in x["spans"] if s["kind"] == "national_id"} == \
            set(probe.id_system)
    assert_both_ways(lines, "otp", lambda v: " " not in v)


def held_out_tests(probe: HeldOut) -> dict[str, Callable[..., None]]:
    """The format tests of a probe held out whole, by name (a test module adds them to its
    globals for pytest to collect)."""
    path = PROBES / probe.file

    def test_schema_and_counts_per_kind() -> None:
        lines = read_lines(path)
        assert_counts(lines, probe.sources, probe.locales, probe.new_locales, probe.at_least, 25,
                      probe.lookalikes_at_least)
        assert len(lines) >= probe.lines_at_least
        assert sum(len(x["harmless"]) for x in lines) >= 400
        assert {x["source"] for x in lines} == probe.sources

    def test_each_planted_value_occurs_once_and_no_look_alike_overlaps_one() -> None:
        assert_once_and_clear(read_lines(path))

    def test_numbers_are_valid_in_their_own_system() -> None:
        assert_held_out_numbers(probe, read_lines(path))

    def test_dates_of_birth_are_real_dates_of_adults() -> None:
        assert_adult_dates(read_lines(path), probe.dob_formats)

    def test_file_is_what_its_builder_writes(tmp_path: Path) -> None:
        assert_builder_writes(REPO / "benchmarks" / probe.builder, path, probe.folders, tmp_path)

    tests = (test_schema_and_counts_per_kind,
             test_each_planted_value_occurs_once_and_no_look_alike_overlaps_one,
             test_numbers_are_valid_in_their_own_system, test_dates_of_birth_are_real_dates_of_adults,
             test_file_is_what_its_builder_writes)
    return {t.__name__: t for t in tests}
