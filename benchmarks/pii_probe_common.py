"""What the personal-data probe builders share (pii_probe_build.py, pii_probe_fourth_build.py,
pii_probe_fifth_build.py): the command line, the JSON Lines writing, the town list, seeded
Faker instances and the checked numbers (phones, cards, IBANs) drawn from them.

Every draw here takes the builder's own random generator in the order the builders always
drew, so each builder still writes its committed probe byte for byte.

Faker reads the clock for some values (a PESEL or a Belgian national number holds a birth date
drawn up to "now"; others count back from today), so a builder that draws them runs under
`at_build_time`: the clock stopped at the instant its probe was written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import gzip
import json
import random
import re
import string
import unicodedata
import zlib
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import phonenumbers
import time_machine
from faker import Faker
from stdnum import iban as std_iban
from stdnum import luhn

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"  # /work/shared/data beside the checkout, and in CI
PLACES = REPO / "convsim" / "scenarios" / "data" / "places.tsv.gz"  # used as a list of towns only
# When the clock-reading probes were written; any instant from 18:00 to 22:00 UTC that day
# rebuilds them byte for byte (benchmarks/RESULTS.md, "Probe builders no longer read the clock").
BUILT_AT = dt.datetime(2026, 12, 6, 20, 0, tzinfo=ZoneInfo("UTC"))

Build = TypeVar("Build", bound=Callable[..., Any])


def at_build_time(build: Build) -> Build:
    """`build` run with the clock (and the local time zone) stopped at BUILT_AT, so Faker's
    clock-based values are the ones the committed probe holds, whatever the day or zone."""
    @functools.wraps(build)
    def frozen(*args: Any, **kwargs: Any) -> Any:
        with time_machine.travel(BUILT_AT, tick=False):
            return build(*args, **kwargs)
    return frozen  # type: ignore[return-value]


def parse_args(doc: str | None, out: Path, data: Path = DATA) -> argparse.Namespace:
    """`--data DIR --out FILE`, described by the first line of the builder's docstring."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=data)
    parser.add_argument("--out", type=Path, default=out)
    return parser.parse_args()


def write_jsonl(path: Path, lines: Iterable[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines))


def count(lines: Iterable[dict[str, Any]], field: str = "spans", key: str = "kind") -> dict[str, int]:
    """How many entries of each `key` the lines' `field` lists hold (planted kinds by default)."""
    counts: dict[str, int] = {}
    for x in lines:
        for s in x[field]:
            counts[s[key]] = counts.get(s[key], 0) + 1
    return counts


def ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def word_re(value: str) -> re.Pattern[str]:
    """`value` as a whole word of a text, any case."""
    return re.compile(rf"(?<!\w){re.escape(value)}(?!\w)", re.I)


def read_towns(places: Path = PLACES, min_population: int = 5000) -> dict[str, list[str]]:
    """Country code -> sorted names of its cities of `min_population` or more (one word-like name each)."""
    towns: dict[str, list[str]] = {}
    with gzip.open(places, "rt", encoding="utf-8") as fh:
        next(fh)
        for row in fh:
            kind, country, population, name = row.rstrip("\n").split("\t")
            if kind == "city" and int(population) >= min_population \
                    and re.fullmatch(r"[^\W\d_][\w .'-]*", name):
                towns.setdefault(country, []).append(name)
    for names in towns.values():
        names.sort()
    return towns


COMMON_LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR"]
BBAN_CHARS = {"a": string.ascii_uppercase, "n": string.digits, "c": string.ascii_uppercase + string.digits}
"""What each letter of a BBAN layout stands for (MakerBase.iban_of)."""


def probe_locales(new: list[str]) -> tuple[list[str], list[str]]:
    """(name locales, line locales) of a probe: its `new` locales and the four common ones; lines
    take the new locales twice as often."""
    return new + COMMON_LOCALES, new + new + COMMON_LOCALES


POSTCODE_FIRST = "{street}, {postcode} {town}"
US_ADDRESS = "{street}, {town}, {state} {postcode}"


def lay_out(layouts: dict[str, str], country: str, **parts: str) -> tuple[str, str, str]:
    """(whole address, street, postcode): `parts` (street, postcode, town, ...) in the country's
    layout, `layouts[country]`, or the postcode before the town when it has none."""
    return layouts.get(country, POSTCODE_FIRST).format(**parts), parts["street"], parts["postcode"]


class MakerBase:
    """Seeded Faker instances per locale and the checked values drawn from them."""

    def __init__(self, seed: int, vocabulary: set[str]) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.fakers: dict[str, Faker] = {}
        self.vocabulary = vocabulary  # lower-case words of the carrier text: no name may be one
        self.towns = read_towns()

    def faker(self, locale: str) -> Faker:
        if locale not in self.fakers:
            fake = Faker(locale)
            fake.seed_instance(self.seed + len(self.fakers))
            self.fakers[locale] = fake
        return self.fakers[locale]

    def _word(self, locale: str, method: str, tries: int = 200, taken: Collection[str] = ()) -> str:
        """A name word of three letters or more that is no word of the carrier text (nor in `taken`)."""
        return self.fresh_word(lambda: str(getattr(self.faker(locale), method)()), f"{method} for {locale}",
                               taken, tries)

    def fresh_word(self, draw: Callable[[], str], what: str, taken: Collection[str] = (), tries: int = 300,
                   shape: str = r"[^\W\d_]{3,}") -> str:
        """The first of up to `tries` words from `draw` that has the form `shape` (three letters or
        more) and is no word of the carrier text nor in `taken`."""
        for _ in range(tries):
            word = draw()
            if re.fullmatch(shape, word) and word.lower() not in self.vocabulary \
                    and word.lower() not in taken:
                return word
        raise RuntimeError(f"no usable {what}")

    def _first_last(self, origin: str, tries: int = 200, taken: Collection[str] = ()) -> tuple[str, str]:
        first = self._word(origin, "first_name", tries, taken)
        last = self._word(origin, "last_name", tries, taken)
        while last == first:
            last = self._word(origin, "last_name", tries, taken)
        return first, last

    def number_forms(self, locale: str, region: str) -> tuple[phonenumbers.PhoneNumber, str, str]:
        """A phone number valid for `region` (valid_number) and its national and international forms."""
        number = self.valid_number(locale, region)
        fmt = phonenumbers.PhoneNumberFormat
        return number, phonenumbers.format_number(number, fmt.NATIONAL), \
            phonenumbers.format_number(number, fmt.INTERNATIONAL)

    def valid_number(self, locale: str, region: str) -> phonenumbers.PhoneNumber:
        """A phone number valid for `region`: Faker's when it has one, else a mobile number of
        the region's own shape with random digits."""
        try:
            for _ in range(60):
                raw = self.faker(locale).phone_number()
                if "x" in raw.lower():
                    continue
                try:
                    parsed = phonenumbers.parse(raw, region)
                except phonenumbers.NumberParseException:
                    continue
                if phonenumbers.is_valid_number_for_region(parsed, region):
                    return parsed
        except AttributeError:  # the locale has no phone provider
            pass
        example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        assert example is not None, region
        national = str(example.national_number)
        for _ in range(500):
            digits = national[:3] + "".join(str(self.rng.randrange(10)) for _ in national[3:])
            candidate = phonenumbers.parse("+" + str(example.country_code) + digits)
            if phonenumbers.is_valid_number_for_region(candidate, region):
                return candidate
        raise RuntimeError(f"no valid phone for {region}")

    @staticmethod
    def first_valid(module: Any, body: str, checks: Iterable[str], tail: str) -> str | None:
        """`body`, the first check character (or string) of `checks` that `module` (python-stdnum)
        accepts, and `tail`; None when none does."""
        for check in checks:
            if module.is_valid(body + check + tail):
                return body + check + tail
        return None

    def digits(self, n: int) -> str:
        """`n` random digits."""
        return "".join(str(self.rng.randrange(10)) for _ in range(n))

    def town_number(self, country: str, below: int) -> tuple[str, str]:
        """A real town of `country` and a house number under `below`, drawn in that order."""
        return self.rng.choice(self.towns[country]), str(self.rng.randrange(1, below))

    @staticmethod
    def as_written(text: str, national: str, region: str) -> str:
        """`text` when it still reads as a valid number of `region`, else the national form."""
        if not phonenumbers.is_valid_number_for_region(phonenumbers.parse(text, region), region):
            text = national
        assert phonenumbers.is_valid_number_for_region(phonenumbers.parse(text, region), region), text
        return text

    def written_dob(self, formats: dict[str, list[str]], country: str, iso: bool = False) -> str:
        """A date of birth for ages 18-90: ISO, or in one of `formats[country]` (no zero after a space)."""
        born = birth_date(self.faker("en_US"), 18, 90)
        if iso:
            return born.isoformat()
        return born.strftime(self.rng.choice(formats[country])).replace(" 0", " ")

    def card_number(self, card_types: tuple[str, ...]) -> str:
        """A Luhn-valid card number of 15 digits or more, of one of `card_types`."""
        for _ in range(50):
            number = str(self.faker("en_US").credit_card_number(card_type=self.rng.choice(card_types)))
            if luhn.is_valid(number) and len(number) >= 15:
                return number
        raise RuntimeError("no card")

    def valid_iban(self, locale: str, region: str) -> str:
        for _ in range(50):
            value = str(self.faker(locale).iban())
            if value[:2] == region and std_iban.is_valid(value):
                return value
        raise RuntimeError(f"no valid IBAN for {locale}")

    def checked_id(self, module: Any, shape: Callable[[], str], checks: Iterable[str], tries: int, what: str,
                   write: Callable[[str], str] | None = None) -> str:
        """A valid id of `module`'s system: a body drawn by `shape` and the first of `checks` that
        makes it valid (up to `tries` bodies), in the system's own format about half the time."""
        for _ in range(tries):
            value = self.first_valid(module, shape(), checks, "")
            if value is not None:
                return self.own_format(module, value, write)
        raise RuntimeError(f"no {what}")

    def first_new_name(self, origins: Iterable[str], locales: list[str] | None,
                       word: Callable[[str, str], str], used: set[str]) -> tuple[str, str, str]:
        """new_name of the first of `origins` whose names have not run out (of `locales`, or of the
        origin alone when None)."""
        for origin in origins:
            try:
                return self.new_name(origin, locales or [origin], word, used)
            except RuntimeError:
                continue
        raise RuntimeError("no names left")

    def login_or_number(self, login: Callable[[], str], account: tuple[str, int],
                        member: tuple[str, int]) -> str:
        """A user id: a login made from the name by `login` half the time, else a number, `account`
        or `member` (a prefix and how many random digits follow it) a quarter of the time each."""
        shape = self.rng.choice(("login", "login", "account", "member"))
        if shape == "login":
            return login()
        prefix, n = account if shape == "account" else member
        return prefix + self.digits(n)

    def own_format(self, module: Any, value: str, write: Callable[[str], str] | None = None) -> str:
        """An id `value` written in its system's own format about half the time: by `write`, else by
        `module.format` (python-stdnum) where the module has one."""
        if self.rng.random() >= 0.5:
            return value
        if write is not None:
            return write(value)
        return str(module.format(value)) if hasattr(module, "format") else value

    def faker_address(self, country: str, locales: dict[str, str], town: str,
                      layouts: dict[str, str]) -> tuple[str, str, str]:
        """(whole address, street, postcode): Faker's street address of `locales[country]` (white
        space folded) and its postcode, drawn in that order, laid out with `town` (see lay_out;
        a "{state}" in the layout draws Faker's state abbreviation last)."""
        fake = self.faker(locales[country])
        street = re.sub(r"\s+", " ", str(fake.street_address())).strip()
        postcode = str(fake.postcode()).strip()
        state = str(fake.state_abbr()) if "{state}" in layouts.get(country, "") else ""
        return lay_out(layouts, country, street=street, postcode=postcode, town=town, state=state)

    def iban_of(self, country: str, faker_locales: dict[str, str], layouts: dict[str, str],
                chars: dict[str, str]) -> str:
        """A valid IBAN of `country`: Faker's of its locale in `faker_locales`, else one of the
        BBAN layout `layouts[country]` (each letter a class of `chars`) with its check digits."""
        if country in faker_locales:
            return self.valid_iban(faker_locales[country], country)
        for _ in range(50):
            bban = "".join(self.rng.choice(chars[c]) for c in layouts[country])
            value = country + std_iban.calc_check_digits(country + "00" + bban) + bban
            if std_iban.is_valid(value):
                return value
        raise RuntimeError(f"no IBAN for {country}")

    def new_name(self, locale: str, locales: list[str], word: Callable[[str, str], str],
                 used: set[str]) -> tuple[str, str, str]:
        """(first, last, origin): of the line's `locale` most of the time when it is one of
        `locales`, else of one of them; `word(origin, method)` draws each word, kept in `used`."""
        own = locale in locales and self.rng.random() < 0.6
        origin = locale if own else self.rng.choice(locales)
        first = word(origin, "first_name")
        last = word(origin, "last_name")
        while last == first:
            last = word(origin, "last_name")
        used.update((first.lower(), last.lower()))
        return first, last, origin


# ---------------------------------------------------------------------------- lines of a probe

def span(value: str, kind: str, origin: str) -> dict[str, str]:
    """A planted value: what it is and the locale it was drawn from."""
    return {"value": value, "kind": kind, "origin": origin}


def user_id(first: str, last: str, old: str) -> str:
    """A tau-bench style user id ("anna_berg_1234") rebuilt from a name, keeping `old`'s digits."""
    return f"{ascii_fold(first).lower()}_{ascii_fold(last).lower()}_{old.rsplit('_', 1)[1]}"


def clause(rng: random.Random, frames: list[str], value: str, kind: str, origin: str
           ) -> tuple[str, list[dict[str, str]]]:
    """One of `frames` around `value`, and its one planted span."""
    return rng.choice(frames).format(v=value), [span(value, kind, origin)]


def name_clause(rng: random.Random, job: str, name: tuple[str, str, str], frames: list[str],
                possessive_frames: list[str]) -> tuple[str, list[dict[str, str]]]:
    """A full name in a frame (`job` "name") or a possessive one ("possessive")."""
    first, last, origin = name
    frame = rng.choice(frames if job == "name" else possessive_frames)
    kind = "name" if job == "name" else "name_possessive"
    return frame.format(n=f"{first} {last}"), [span(first, kind, origin), span(last, kind, origin)]


def iban_clause(rng: random.Random, frames: list[str], value: str, origin: str
                ) -> tuple[str, list[dict[str, str]]]:
    """An IBAN in a frame, written compact or in groups of four (even odds)."""
    if rng.random() < 0.5:
        value = std_iban.format(value)
    return clause(rng, frames, value, "iban", origin)


def pair_clause(template: str, a: tuple[str, str], b: tuple[str, str]) -> tuple[str, list[dict[str, str]]]:
    """Two IBANs, each (value, origin), side by side in `template` ({a} and {b})."""
    return template.format(a=a[0], b=b[0]), [span(a[0], "iban", a[1]), span(b[0], "iban", b[1])]


def planted_once(spans: list[dict[str, str]], text: str) -> bool:
    """Every planted value occurs exactly once as a word of the text."""
    return all(len(word_re(s["value"]).findall(text)) == 1 for s in spans)


def clear_of(harmless: list[dict[str, str]], spans: list[dict[str, str]], text: str) -> list[dict[str, str]]:
    """The look-alikes still in the text that overlap no planted value."""
    values = [s["value"].lower() for s in spans]
    return [h for h in harmless
            if not any(v in h["value"].lower() or h["value"].lower() in v for v in values)
            and h["value"] in text]


def held_out_line(line_id: str, locale: str, carrier: dict[str, Any], text: str,
                  spans: list[dict[str, str]], harmless: list[dict[str, str]]) -> dict[str, Any]:
    """A probe line of a probe held out whole."""
    return {"id": line_id, "locale": locale, "source": carrier["source"], "ref": carrier["ref"], "text": text,
            "spans": spans, "harmless": harmless, "half": "held-out"}


class Found(list[dict[str, str]]):
    """The look-alikes found in a text, each value once, in the order found."""

    def add(self, value: str, kind: str, resembles: str) -> None:
        if value and all(h["value"] != value for h in self):
            self.append({"value": value, "kind": kind, "resembles": resembles})

    def words(self, text: str, words: Iterable[str], kind: str) -> None:
        """Each of `words` (phrasal verbs, product names) that stands in the text as a whole word."""
        for word in words:
            if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text):
                self.add(word, kind, "name")

    def openers(self, text: str, pattern: str, openers_ok: set[str]) -> None:
        """Capitalised sentence openers (group 1 of `pattern`) that are English words of the text."""
        for m in re.finditer(pattern, text):
            if m.group(1).lower() in openers_ok:
                self.add(m.group(1), "opener", "name")

    def places(self, text: str, pattern: str, towns: set[str]) -> None:
        """Town names (group 1 of `pattern`) standing alone in the text."""
        for m in re.finditer(pattern, text):
            if m.group(1) in towns:
                self.add(m.group(1), "place", "name")


BUILT = dt.date(2026, 12, 6)
"""The probes' fixed build date: Faker's date_of_birth counts back from the clock, so a probe
rebuilt at another time of day would differ."""


def birth_date(faker: Any, lo: int, hi: int) -> dt.date:
    """A date of birth for ages lo..hi on BUILT, drawn where Faker's would be (its stream
    advances as before), seeded by the stream's position."""
    faker.date_of_birth(minimum_age=lo, maximum_age=hi)
    key = zlib.crc32(repr(faker.random.getstate()).encode())
    return BUILT - dt.timedelta(days=random.Random(key).randint(lo * 365, hi * 365))
