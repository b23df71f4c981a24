"""Checks every personal-data probe file gets (tests/data/pii_probe_*.jsonl): the file is what
its builder writes, its lines have the probe schema, each planted value occurs once, and the
planted numbers are valid in their own systems. Only the files and their builders are read
here, never the scrubber: a probe held out whole is scored once, by
`benchmarks/pii_probe.py --probe FILE`.

Loaded by path (the tests run with --import-mode=importlib), e.g.
``checks = load("probe_checks", Path(__file__).with_name("probe_checks.py"))``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import phonenumbers
import pytest
from stdnum import iban, luhn

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
