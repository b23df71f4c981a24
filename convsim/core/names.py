"""The bundled word lists: first names, last names and English words.

Shared by personal-data scrubbing (`convsim.scenarios.pii_names`: which words are
names) and persona style mining (`convsim.personas.mining`: a name is not a typo).
The lists live in `core/data/names/` (see its README for how they are built).
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "names"


def read_words(path: Path) -> frozenset[str]:
    """One word per line (gzip or plain); blank lines and `#` comments skipped."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip() and not line.startswith("#"))


@cache
def first_names() -> frozenset[str]:
    return read_words(DATA / "first_names.txt")


@cache
def last_names() -> frozenset[str]:
    return read_words(DATA / "last_names.txt")


@cache
def english_words() -> frozenset[str]:
    return read_words(DATA / "english_words.txt.gz")
