"""Seeded Faker instances, one per locale and process.

Core layer (imports nothing of convsim). Building a `Faker` costs about half a
millisecond (it loads every provider): planning thousands of scenarios or
personas, or making up a value in each conversation, must not build one each
time. `seeded_faker` hands out the locale's instance reseeded: the values drawn
are the same as from a fresh instance given that seed, provided they are drawn
before anything else reseeds it (no `await` in between).
"""

from __future__ import annotations

import functools

from faker import Faker


@functools.lru_cache(maxsize=64)
def _faker(locale: str) -> Faker:
    return Faker(locale)


def seeded_faker(locale: str, seed: int) -> Faker:
    """The process's Faker for `locale`, reseeded with `seed`."""
    fake = _faker(locale)
    fake.seed_instance(seed)
    return fake
