"""Persona generator: traits sampled from distributions, identities from faker.

Seeded: the same config and seed give the same personas. Each persona gets its
own numpy Generator and faker instance derived from (seed, index), so adding
personas does not change the earlier ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from faker import Faker
from pydantic import BaseModel, ConfigDict, Field

from simulator.records import Identity, Persona, PersonaTraits, stable_hash


class BetaDist(BaseModel):
    """Beta(a, b) distribution over [0, 1] (scaled by `scale`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    a: float = Field(gt=0)
    b: float = Field(gt=0)
    scale: float = Field(1.0, gt=0, le=1)

    def sample(self, rng: np.random.Generator) -> float:
        return round(float(rng.beta(self.a, self.b)) * self.scale, 4)


DEFAULT_DESCRIPTIONS = [
    "polite, organized", "impatient, direct", "confused, anxious", "curious, chatty",
    "logical, independent", "rigid, pessimistic", "friendly, relaxed", "busy, terse",
]


class PersonaGenConfig(BaseModel):
    """How personas are sampled (later issues seed these from mined transcripts)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    n: int = Field(20, ge=1)
    """How many personas to generate."""
    locales: list[str] = Field(default_factory=lambda: ["en_US"])
    """Faker locales for identities, drawn uniformly."""
    verbosity: BetaDist = BetaDist(a=2, b=2)
    cooperativeness: BetaDist = BetaDist(a=8, b=1.5)
    typo_rate: BetaDist = BetaDist(a=1, b=30, scale=0.5)
    upfront_info_rate: BetaDist = BetaDist(a=2, b=3)
    patience: tuple[int, int] = (2, 5)
    """Inclusive range of how many repeated questions a customer tolerates."""
    emotions: dict[str, float] = Field(default_factory=lambda: {
        "calm": 0.6, "frustrated": 0.2, "anxious": 0.1, "cheerful": 0.1})
    """Emotion -> weight."""
    descriptions: list[str] = Field(default_factory=lambda: list(DEFAULT_DESCRIPTIONS))
    """Persona descriptions to draw from."""
    catalog: str | None = None
    """Catalog folder (convsim mine): traits and utterances mined from real transcripts
    replace the distributions above (n and locales stay as set here)."""
    utterances_per_act: int = Field(4, ge=1)
    """How many mined utterances of each dialogue act a persona speaks with."""


def _identity(fake: Faker, rng: np.random.Generator, locale: str) -> Identity:
    first, last = fake.first_name(), fake.last_name()
    number = int(rng.integers(1000, 9999))
    email = f"{first}.{last}{number}@example.com".lower().replace(" ", "").replace("'", "")
    try:
        state = fake.state_abbr()
    except AttributeError:
        state = ""
    return Identity(first_name=first, last_name=last, email=email,
                    phone=fake.numerify("###-###-####"), address1=fake.street_address(),
                    city=fake.city(), state=state, zip=fake.numerify("#####"), locale=locale)


def generate_personas(config: PersonaGenConfig, seed: int,
                      utterance_bank: Mapping[str, Sequence[str]] | None = None) -> list[Persona]:
    """Sample `config.n` personas, deterministically for `seed`.

    With an utterance bank (dialogue act -> real utterance templates), each persona
    speaks with its own sample of it.
    """
    bank = {k: list(v) for k, v in sorted((utterance_bank or {}).items()) if v}
    emotions = list(config.emotions)
    weights = np.array([config.emotions[e] for e in emotions], dtype=float)
    weights /= weights.sum()
    personas = []
    for i in range(config.n):
        rng = np.random.default_rng([seed, 0x9E7, i])
        locale = config.locales[int(rng.integers(len(config.locales)))]
        fake = Faker(locale)
        fake.seed_instance(int(rng.integers(2**31)))
        lo, hi = config.patience
        traits = PersonaTraits(
            verbosity=config.verbosity.sample(rng),
            patience=int(rng.integers(lo, hi + 1)),
            cooperativeness=config.cooperativeness.sample(rng),
            emotion=emotions[int(rng.choice(len(emotions), p=weights))],
            typo_rate=config.typo_rate.sample(rng),
            upfront_info_rate=config.upfront_info_rate.sample(rng),
        )
        identity = _identity(fake, rng, locale)
        description = config.descriptions[int(rng.integers(len(config.descriptions)))]
        utterances = {}
        for key, options in bank.items():
            k = min(config.utterances_per_act, len(options))
            picks = rng.choice(len(options), size=k, replace=False)
            utterances[key] = [options[int(j)] for j in sorted(picks)]
        examples = [u for key in sorted(utterances) if key.startswith("open_")
                    for u in utterances[key][:1]][:3]
        content = {"identity": identity.model_dump(), "traits": traits.model_dump(),
                   "description": description, "utterances": utterances}
        personas.append(Persona(id=f"p-{stable_hash(content, 12)}", identity=identity,
                                traits=traits, description=description,
                                style_examples=examples, utterances=utterances,
                                provenance={"generator": "personas.generator", "seed": seed,
                                            "index": i, "catalog": config.catalog}))
    return personas
