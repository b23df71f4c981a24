"""PII scrubber on the probes nobody tuned it on, and the cases their tune halves taught.

The second probe (tests/data/pii_probe_external.jsonl) and the third
(tests/data/pii_probe_public.jsonl, built by benchmarks/pii_probe_build.py from public data)
are split into a tune half, whose misses may be read, and a held-out half, never read: the
targets are asserted on the tune halves; the held-out halves are guarded against falling
below the figures reported in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from convsim.scenarios.pii import Scrubber

_spec = importlib.util.spec_from_file_location("probe_checks", Path(__file__).with_name("probe_checks.py"))
checks = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(checks)  # type: ignore[union-attr]

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
RECALL, PRECISION = 0.98, 0.95
# Held-out figures of benchmarks/RESULTS.md (2026-12-06), per probe and kind, rounded down.
HELD_OUT_FLOOR = {
    "pii_probe_external.jsonl": {"name": 0.97, "postcode": 0.90, "user_id": 0.98, "dob": 1.0, "email": 1.0},
    "pii_probe_public.jsonl": {"name": 0.97, "postcode": 0.98, "street": 0.98, "phone": 0.98, "dob": 1.0,
                               "email": 1.0},
}


def _bench() -> ModuleType:
    module: ModuleType = checks.load("pii_probe", REPO / "benchmarks" / "pii_probe.py")
    return module


def _half(probe: str, half: str) -> dict[str, object]:
    bench = _bench()
    lines = [x for x in bench.load_probe(DATA / probe) if bench.half_of(x) == half]
    assert lines
    result: dict[str, object] = bench.evaluate(lines)
    return result


@pytest.mark.parametrize("probe", ["pii_probe_external.jsonl", "pii_probe_public.jsonl"])
def test_tune_half_meets_the_targets_per_kind(probe: str) -> None:
    result = _half(probe, "tune")
    family, looks = result["family"], result["lookalike"]
    assert isinstance(family, dict) and isinstance(looks, dict)
    for kind, (planted, removed) in family.items():
        assert removed / planted >= RECALL, (probe, kind, removed, planted)
    for kind, (values, changed) in looks.items():
        assert (values - changed) / values >= PRECISION, (probe, kind, changed, values)


@pytest.mark.parametrize("probe", ["pii_probe_external.jsonl", "pii_probe_public.jsonl"])
def test_held_out_half_does_not_fall_below_its_reported_figures(probe: str) -> None:
    result = _half(probe, "held-out")
    family, looks = result["family"], result["lookalike"]
    assert isinstance(family, dict) and isinstance(looks, dict)
    for kind, (planted, removed) in family.items():
        assert removed / planted >= HELD_OUT_FLOOR[probe][kind], (probe, kind, removed, planted)
    assert sum(c for _, c in looks.values()) == 0  # no look-alike changed


def test_public_probe_is_what_its_builder_writes(tmp_path: Path) -> None:
    checks.assert_builder_writes(REPO / "benchmarks" / "pii_probe_build.py", DATA / "pii_probe_public.jsonl",
                                 ("tau2_bench", "taskmaster"), tmp_path)


def test_public_probe_has_both_halves_five_locales_and_labels_that_occur() -> None:
    lines = _bench().load_probe(DATA / "pii_probe_public.jsonl")
    assert {x["half"] for x in lines} == {"tune", "held-out"}
    assert {x["locale"] for x in lines} >= {"en_US", "en_GB", "de_DE", "fr_FR", "en_IN"}
    kinds: dict[str, int] = {}
    for x in lines:
        for s in x["spans"]:
            assert s["value"] in x["text"], (x["id"], s)
            kinds[s["kind"]] = kinds.get(s["kind"], 0) + 1
        for h in x["harmless"]:
            assert h["value"] in x["text"], (x["id"], h)
    assert set(kinds) == {"name", "email", "phone", "street", "postcode", "dob"}
    assert min(kinds.values()) >= 40
    # half the names from Faker locales the scrubber's dictionary does not hold
    names = [(s["origin"], x["locale"]) for x in lines for s in x["spans"] if s["kind"] == "name"]
    other = [origin for origin, locale in names if origin != locale]
    assert 0.3 <= len(other) / len(names) <= 0.7
    assert len(set(other)) >= 10


def _scrub(text: str) -> str:
    scrubber = Scrubber("test-probes")
    scrubber.begin([], [text])
    return scrubber.scrub(text)


@pytest.mark.parametrize(("text", "values"), [
    ("Provide your full name (Rūta Narušis), annual income", ["Rūta", "Narušis"]),
    ("Your character:** Hope Ojo, a 33-year-old accountant from San Diego, CA.", ["Hope", "Ojo"]),
    ("Can I get a mocha for Lotfi", ["Lotfi"]),
    ("Can I go ahead and get a Macchiato for Nozizwe please?", ["Nozizwe"]),
    ("### Passengers:\n1. Piątkiewicz Filip\n2. Siewiera Podpora\n", ["Piątkiewicz", "Siewiera", "Podpora"]),
    ("- **Passengers**: Aarav Ahmed, Daiki Li\n- **Total Price**: $608", ["Daiki", "Li"]),
    ("The passenger name has been updated from Mei Lee to Mei Garcia.", ["Mei", "Lee", "Garcia"]),
    ("The account holder is Amir Abdurahmonov.", ["Amir", "Abdurahmonov"]),
    ("Please transfer the money to Jack Hunt.", ["Jack", "Hunt"]),
    ("My wife Maria will pick it up.", ["Maria"]),
    ("You are mei_kovacs_8020 in zipcode 28236.", ["mei_kovacs_8020", "28236"]),
    ("- **User ID**: jamie-lee_d'arcy_1750\n", ["jamie-lee_d'arcy_1750"]),
])
def test_names_and_ids_the_tune_halves_missed_are_replaced(text: str, values: list[str]) -> None:
    out = _scrub(text)
    for value in values:
        assert value not in out, (value, out)


@pytest.mark.parametrize(("text", "values"), [
    ("DOB: 31-03-1969 | Address: 166, Bhakta Circle, Saugor - 601974", ["601974"]),
    ("You are Juhani Hellevi from Houston TX, N4735HK.", ["N4735HK"]),
    ("You are Codin Dochioiu from San Jose CA, 730878.", ["730878"]),
    ("You are Ann Li in zip code H-5580.", ["H-5580"]),
    ("Your zip code: D24 TR43", ["D24 TR43"]),
    ("You are Ann Li in Las Vegas 32-665", ["32-665"]),
    ("You live in Odense, 2000.", ["2000"]),
    ("Address: Paulo-Schleich-Straße 19, 69725 Köln", ["Paulo-Schleich-Straße 19", "69725"]),
    ("My work address is 4970 Cynthia Viaduct, Atlanta, PA 96787.", ["4970 Cynthia Viaduct", "96787"]),
    ("Ship it to 82/59, Bhatti Chowk, Pune 796669", ["82/59, Bhatti Chowk", "796669"]),
])
def test_postcodes_and_streets_of_other_shapes_are_replaced(text: str, values: list[str]) -> None:
    out = _scrub(text)
    for value in values:
        assert value not in out, (value, out)


@pytest.mark.parametrize(("text", "kept"), [
    ("3. **Reservation ID: LU15PA**\n   - **Origin:** SFO", ["LU15PA"]),
    ("I've found it in my email. It's GV1N64.", ["GV1N64"]),
    ("I don't see any drink named Mocha. Did you mean to say Macchiato?", ["Mocha"]),
    ("Sure, we have Earl Grey, Assam, and Ceylon.", ["Earl Grey"]),
    ("Well, we carry Earl Gray, Ceylon Black Tea, and Irish Breakfast.", ["Earl Gray", "Ceylon Black Tea"]),
    ("- **Clicky Switches, Full Size, White Backlight**: Available for $244.91", ["White Backlight"]),
    ("I ordered 4 Blue Ridge mugs and a 5 Star Pass.", ["4 Blue Ridge", "5 Star Pass"]),
    ("Pagué 20000 Pesos por eso.", ["20000"]),
    ("See you in Paris, 2019.", ["2019"]),
    ("Berlin 2024 was the year I signed up for the plan.", ["2024", "signed up for"]),
])
def test_look_alikes_stay(text: str, kept: list[str]) -> None:
    out = _scrub(text)
    for value in kept:
        assert value in out, (value, out)


# The fourth probe was held out when first scored (benchmarks/RESULTS.md, "the fourth probe,
# scored once") and tuned on since: the targets hold on it as on the tune halves. The fifth was
# held out (scored once, 2026-12-06 16:35 UTC) and has been tuned on since (18:20 UTC): these
# floors are FITS (its figures after tuning, rounded down), not held-out figures; the held-out
# figures it gave are in benchmarks/RESULTS.md ("the fifth probe, scored once").
FIFTH_FLOOR = {"name": 0.99, "name_possessive": 1.0, "email": 1.0, "iban": 1.0, "dob": 1.0,
               "postcode": 0.99, "national_id": 1.0, "card": 1.0, "user_id": 0.94,
               "phone": 1.0, "street": 1.0, "pin": 1.0}


def _whole(probe: str) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    bench = _bench()
    result = bench.evaluate(bench.load_probe(DATA / probe))
    return result["family"], result["lookalike"]


def test_fourth_probe_now_tuned_on_meets_the_targets_per_kind() -> None:
    family, looks = _whole("pii_probe_fourth.jsonl")
    for kind, (planted, removed) in family.items():
        assert removed / planted >= RECALL, (kind, removed, planted)
    for kind, (values, changed) in looks.items():
        assert (values - changed) / values >= PRECISION, (kind, changed, values)


def test_fifth_probe_tuned_on_does_not_fall_below_its_fitted_figures() -> None:
    family, looks = _whole("pii_probe_fifth.jsonl")
    assert set(family) == set(FIFTH_FLOOR)
    for kind, (planted, removed) in family.items():
        assert removed / planted >= FIFTH_FLOOR[kind], (kind, removed, planted)
    for kind, (values, changed) in looks.items():
        assert (values - changed) / values >= PRECISION, (kind, changed, values)
    assert sum(c for _, c in looks.values()) <= 1


SIXTH_FLOOR = {  # the sixth probe: FITS since 19:10 UTC 2026-12-06 (its misses were read while
    # tuning the scrubber). Held out, scored once by the lead at 18:53 before that: card 28/30,
    # name 70/79, name_possessive 44/58, national_id 14/32, phone 47/48, pin 27/33, postcode
    # 46/48, street 40/48, all 486/546, 7 of 1,042 look-alikes changed. removed/planted as fitted:
    "card": 1.0, "dob": 1.0, "email": 1.0, "iban": 1.0, "name": 78 / 79,
    "name_possessive": 56 / 58, "national_id": 26 / 32, "phone": 47 / 48, "pin": 1.0,
    "postcode": 47 / 48, "street": 1.0, "user_id": 1.0}
SIXTH_LOOKALIKES_CHANGED = 2  # of 1,042 fitted (an airport, an opener; held out: 7)


def test_sixth_probe_tuned_on_does_not_fall_below_its_fitted_figures() -> None:
    _meets("pii_probe_sixth.jsonl", SIXTH_FLOOR, SIXTH_LOOKALIKES_CHANGED)


SEVENTH_FLOOR = {  # the seventh probe: FITS since 19:25 UTC 2026-12-06 (tuned on: its misses read).
    # Held out, scored once by the lead at 19:17 UTC: card 1.0, dob 44/45, email 1.0, iban 1.0,
    # name 170/171, name_possessive 48/52, national_id 21/30, phone 41/46, pin 22/30,
    # postcode 86/107, street 45/46, user_id 64/65; 6 of 881 look-alikes changed.
    "card": 1.0, "dob": 1.0, "email": 1.0, "iban": 1.0, "name": 170 / 171,
    "name_possessive": 51 / 52, "national_id": 29 / 30, "phone": 1.0, "pin": 1.0,
    "postcode": 1.0, "street": 1.0, "user_id": 1.0}
SEVENTH_LOOKALIKES_CHANGED = 2  # of 881 fitted (a waybill, a product; held out: 6, with 4 promo codes)


def test_seventh_probe_tuned_on_does_not_fall_below_its_fitted_figures() -> None:
    _meets("pii_probe_seventh.jsonl", SEVENTH_FLOOR, SEVENTH_LOOKALIKES_CHANGED)


EIGHTH_FLOOR = {  # the eighth probe: FITS since 20:55 UTC 2026-12-06, when its misses were read and
    # tuned on (458/461 removed, 0 of 826 look-alikes changed). Held out, scored once by the lead at
    # 19:54 UTC: card 27/28, name_possessive 38/42, national_id 17/30, phone 31/44, pin 23/31,
    # street 43/44, user_id 23/28, the rest 1.0; 29 of 826 look-alikes changed.
    "card": 1.0, "dob": 1.0, "email": 1.0, "iban": 1.0, "name": 1.0,
    "name_possessive": 1.0, "national_id": 28 / 30, "phone": 1.0, "pin": 1.0,
    "postcode": 1.0, "street": 43 / 44, "user_id": 1.0}
EIGHTH_LOOKALIKES_CHANGED = 0  # of 826, a fit (held out: 29 — 13 shop possessives ("Kohl's"),
# 11 spaced order numbers taken for ids or phones, 4 loyalty cards, 1 creditor reference)


def test_eighth_probe_does_not_fall_below_its_held_out_figures() -> None:
    _meets("pii_probe_eighth.jsonl", EIGHTH_FLOOR, EIGHTH_LOOKALIKES_CHANGED)


NINTH_FLOOR = {  # the ninth probe: FITS since 21:20 UTC 2026-12-06, when its misses were read and
    # tuned on (466/466 removed, 0 of 1,559 look-alikes changed). Held out, scored once by the lead at
    # 21:15 UTC after the eighth-probe round: 417/466 — card 26/28, dob 43/44, national_id 21/32,
    # phone 35/46, pin 23/32, postcode 41/46, street 41/46, user_id 25/30, the rest 1.0; 1 of 1,559
    # look-alikes changed (an EAN taken for a card).
    "card": 1.0, "dob": 1.0, "email": 1.0, "iban": 1.0, "name": 1.0,
    "name_possessive": 1.0, "national_id": 1.0, "phone": 1.0, "pin": 1.0,
    "postcode": 1.0, "street": 1.0, "user_id": 1.0}
NINTH_LOOKALIKES_CHANGED = 0  # of 1,559, a fit (held out: 1, an EAN after "The barcode says")


def test_ninth_probe_does_not_fall_below_its_held_out_figures() -> None:
    _meets("pii_probe_ninth.jsonl", NINTH_FLOOR, NINTH_LOOKALIKES_CHANGED)



TENTH_FLOOR = {  # the tenth probe: FITS since 22:25 UTC 2026-12-06, when its misses were read and
    # tuned on (356/359 removed, 0 of 773 look-alikes changed). Held out, scored once by the lead at
    # 22:05 UTC after the ninth-probe round: 321/359 — name 22/32, name_possessive 26/30,
    # national_id 17/27, pin 23/35, street 29/31, the rest 1.0; 28 of 773 look-alikes changed.
    "card": 1.0, "dob": 1.0, "email": 1.0, "iban": 1.0, "name": 1.0,
    "name_possessive": 27 / 30, "national_id": 1.0, "phone": 1.0, "pin": 1.0,
    "postcode": 1.0, "street": 1.0, "user_id": 1.0}
TENTH_LOOKALIKES_CHANGED = 0  # of 773, a fit (held out: 28 — 13 shop/brand possessives ("Ben &
# Milica's", "from Arranz's ad"), 7 year spans and 7 serial numbers, 1 gift-card scratch code)


def test_tenth_probe_does_not_fall_below_its_held_out_figures() -> None:
    _meets("pii_probe_tenth.jsonl", TENTH_FLOOR, TENTH_LOOKALIKES_CHANGED)


def _meets(probe: str, floor: dict[str, float], lookalikes_changed: int) -> None:
    """The probe's recall per kind is at least its floor; at most so many look-alikes changed."""
    family, looks = _whole(probe)
    assert set(family) == set(floor)
    for kind, (planted, removed) in family.items():
        assert removed / planted >= floor[kind] - 1e-9, (kind, removed, planted)
    assert sum(c for _, c in looks.values()) <= lookalikes_changed
