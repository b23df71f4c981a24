"""Persona generator: traits sampled from distributions, identities from faker.

Seeded: the same config and seed give the same personas. Each persona gets its
own numpy Generator and faker instance derived from (seed, index), so adding
personas does not change the earlier ones.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, overload

import numpy as np
from faker import Faker

from convsim.core.config import BetaDist, PersonaGenConfig
from convsim.core.records import Identity, Persona, PersonaTraits, stable_hash
from convsim.core.registry import generator
from convsim.core.seeded_faker import seeded_faker

__all__ = ["BetaDist", "PersonaGenConfig", "PersonaPool", "campaign_persona_pool",
           "generate_campaign_personas", "generate_personas"]


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


def _real_traits(traits: PersonaTraits, style: Mapping[str, float], cap: float
                 ) -> PersonaTraits:
    """The traits of one real customer (a row of the catalog's styles.parquet): length,
    typos, information given up front and mood keep their joint distribution."""
    emotion = ("frustrated" if style.get("frustration_rate", 0) > 0 else
               "anxious" if style.get("anxious_rate", 0) > 0 else
               "cheerful" if style.get("cheerful_rate", 0) > 0 else "calm")
    return traits.model_copy(update={
        "verbosity": round(min(1.0, style.get("words_per_turn", 0.0) / cap), 4),
        "typo_rate": round(min(style.get("typo_rate", 0.0), 0.5), 4),
        "upfront_info_rate": float(style.get("upfront_info", 0.0)),
        "emotion": emotion})


class PersonaPool(Sequence[Persona]):
    """`config.n` personas, each made when first asked for (persona i draws from
    `[seed, 0x9E7, i]` alone, so any one can be made without the others); the most recently
    used are kept, never the whole pool. Iterating makes them in order."""

    KEEP = 4096
    """Personas kept made (a campaign picks them at random for each scenario)."""

    def __init__(self, config: PersonaGenConfig, seed: int,
                 utterance_bank: Mapping[str, Sequence[str]] | None = None,
                 styles: Sequence[Mapping[str, Any]] | None = None,
                 fitted_from: str | None = None) -> None:
        self._config = config
        self._seed = seed
        self._styles = styles
        self._fitted_from = fitted_from
        self._wpt = np.sort(np.array([float(r.get("words_per_turn", 0.0)) for r in styles or []]))
        self._cap = float(max(np.percentile(self._wpt, 95), 1.0)) if len(self._wpt) else 1.0
        self._bank = {k: list(v) for k, v in sorted((utterance_bank or {}).items()) if v}
        self._emotions = list(config.emotions)
        weights = np.array([config.emotions[e] for e in self._emotions], dtype=float)
        self._weights = weights / weights.sum()
        self._made: OrderedDict[int, Persona] = OrderedDict()

    def __len__(self) -> int:
        return self._config.n

    @overload
    def __getitem__(self, index: int) -> Persona: ...

    @overload
    def __getitem__(self, index: slice) -> list[Persona]: ...

    def __getitem__(self, index: int | slice) -> Persona | list[Persona]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        i = index + len(self) if index < 0 else index
        if not 0 <= i < len(self):
            raise IndexError(f"persona {index} of {len(self)}")
        persona = self._made.get(i)
        if persona is None:
            persona = self._made[i] = self._make(i)
            if len(self._made) > self.KEEP:
                self._made.popitem(last=False)
        else:
            self._made.move_to_end(i)
        return persona

    def __iter__(self) -> Iterator[Persona]:
        for i in range(len(self)):
            yield self._made.get(i) or self._make(i)

    def _make(self, i: int) -> Persona:
        config, seed, styles, wpt = self._config, self._seed, self._styles, self._wpt
        rng = np.random.default_rng([seed, 0x9E7, i])
        locale = config.locales[int(rng.integers(len(config.locales)))]
        fake = seeded_faker(locale, int(rng.integers(2**31)))
        lo, hi = config.patience
        traits = PersonaTraits(
            verbosity=config.verbosity.sample(rng),
            patience=int(rng.integers(lo, hi + 1)),
            cooperativeness=config.cooperativeness.sample(rng),
            emotion=self._emotions[int(rng.choice(len(self._emotions), p=self._weights))],
            typo_rate=config.typo_rate.sample(rng),
            upfront_info_rate=config.upfront_info_rate.sample(rng),
        )
        fitted: dict[str, Any] = {}
        if styles:
            pick = np.random.default_rng([seed, 0x57E, i])
            style = styles[int(pick.integers(len(styles)))]
            traits = _real_traits(traits, style, self._cap)
            words = float(style.get("words_per_turn", 0.0))
            fitted = {"fitted_from": self._fitted_from, "style_of": style.get("conversation_id"),
                      "length_quantile": round(float(np.searchsorted(wpt, words, "left")
                                                     + np.searchsorted(wpt, words, "right"))
                                               / (2 * len(wpt)), 4)}
        identity = _identity(fake, rng, locale)
        description = config.descriptions[int(rng.integers(len(config.descriptions)))]
        utterances = {}
        for key, options in self._bank.items():
            k = min(config.utterances_per_act, len(options))
            picks = rng.choice(len(options), size=k, replace=False)
            utterances[key] = [options[int(j)] for j in sorted(picks)]
        examples = [u for key in sorted(utterances) if key.startswith("open_")
                    for u in utterances[key][:1]][:3]
        content = {"identity": identity.model_dump(), "traits": traits.model_dump(),
                   "description": description, "utterances": utterances}
        return Persona(id=f"p-{stable_hash(content, 12)}", identity=identity,
                       traits=traits, description=description,
                       style_examples=examples, utterances=utterances,
                       provenance={"generator": "personas.generator", "seed": seed,
                                   "index": i, "catalog": config.catalog, **fitted})


def generate_personas(config: PersonaGenConfig, seed: int,
                      utterance_bank: Mapping[str, Sequence[str]] | None = None,
                      styles: Sequence[Mapping[str, Any]] | None = None,
                      fitted_from: str | None = None) -> list[Persona]:
    """Sample `config.n` personas, deterministically for `seed`.

    With an utterance bank (dialogue act -> real utterance templates), each persona
    speaks with its own sample of it. With `styles` (one row of style figures per real
    customer, from a catalog's styles.parquet), each persona is one real customer drawn
    at random: its traits are that customer's, and its provenance says which customer
    (`style_of`), where it sits among them by length (`length_quantile`) and the catalog
    (`fitted_from`), so the agenda customer speaks with the real utterances of that length.
    """
    return list(PersonaPool(config, seed, utterance_bank, styles, fitted_from))


@generator("persona_pool")
def campaign_persona_pool(config: PersonaGenConfig, seed: int) -> PersonaPool:
    """A campaign's personas, each made when the plan first picks it: with `config.catalog`,
    traits and utterances mined from real customers replace the configured distributions
    (n and locales stay)."""
    if not config.catalog:
        return PersonaPool(config, seed)
    from convsim.core.catalog import load_catalog

    catalog = load_catalog(config.catalog)
    traits = {k: v for k, v in catalog.persona_traits.items() if k in PersonaGenConfig.model_fields}
    mined = PersonaGenConfig.model_validate({
        **traits, "n": config.n, "locales": config.locales, "catalog": config.catalog,
        "utterances_per_act": config.utterances_per_act})
    styles_file = catalog.path / "styles.parquet"
    styles = None
    if styles_file.is_file():  # catalogs mined before styles.parquet: independent traits
        import polars as pl

        styles = pl.read_parquet(styles_file).sort("conversation_id").to_dicts()
    return PersonaPool(mined, seed, utterance_bank=catalog.bank, styles=styles,
                       fitted_from=str(catalog.path.resolve()) if styles else None)


@generator("personas")
def generate_campaign_personas(config: PersonaGenConfig, seed: int) -> list[Persona]:
    """A campaign's personas, as a list (see `campaign_persona_pool`)."""
    return list(campaign_persona_pool(config, seed))
