"""A campaign's population, streamed: scenarios and personas made or read as the plan
pulls them, never all held in memory, and the specs planned from them.

`build_population` asks the registry for the pack's lazy scenario stream and persona pool
and opens the scenario files (JSON Lines read line by line; YAML lists, bounded in size,
item by item). Each part knows its length up front — a generator from its config, a file
from one checking pass that validates every scenario and keeps none — so the plan's size,
the progress bar and the manifest's counts are known before the first conversation, and a
bad scenario is reported before anything runs. `iter_specs` then plans one scenario at a
time. Used by `campaign` (run_campaign) and `load` (load ramps).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence, Sized
from pathlib import Path
from typing import Protocol

import numpy as np
from pydantic import ValidationError

from convsim.core.config import CampaignConfig, ConfigError
from convsim.core.packs.discovery import find_domain
from convsim.core.records import ConversationSpec, Persona, Scenario, stable_hash
from convsim.core.registry import generators
from convsim.core.yaml_files import format_validation_error, read_yaml


class Scenarios(Sized, Iterable[Scenario], Protocol):
    """Scenarios with a known count, made or read again on every iteration."""


class ScenarioFile:
    """The scenarios of one file, read as they are iterated: JSON Lines (`.jsonl`, one
    scenario a line, any size) line by line; a YAML list (at most 64 MiB) item by item.
    `check()` (or `len()`) reads the file once, validating every scenario and keeping none."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._count: int | None = None
        self.unplayable = 0
        """Scenarios without `slots.customer_turns` (a replay cannot play them)."""
        self.first_unplayable: str | None = None

    @property
    def jsonl(self) -> bool:
        return self.path.suffix.lower() in (".jsonl", ".ndjson")

    def check(self) -> int:
        """Validate the whole file (errors name the file and the line or item); the count."""
        if self._count is None:
            count = 0
            for scenario in self._read():
                count += 1
                if not scenario.slots.get("customer_turns"):
                    self.unplayable += 1
                    self.first_unplayable = self.first_unplayable or scenario.id
            self._count = count
        return self._count

    def __len__(self) -> int:
        return self.check()

    def __iter__(self) -> Iterator[Scenario]:
        return self._read()

    def _read(self) -> Iterator[Scenario]:
        return self._read_jsonl() if self.jsonl else self._read_yaml()

    def _read_jsonl(self) -> Iterator[Scenario]:
        try:
            f = self.path.open("rb")
        except OSError as exc:
            raise ConfigError(f"{self.path}: cannot read: {exc.strerror or exc}") from None
        with f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    yield Scenario.model_validate_json(line)
                except ValidationError as exc:
                    raise ConfigError(format_validation_error(f"{self.path}, line {n}", exc,
                                                              Scenario)) from None

    def _read_yaml(self) -> Iterator[Scenario]:
        data = read_yaml(self.path)
        if not isinstance(data, list):
            raise ConfigError(f"{self.path}: expected a list of scenarios")
        for i in range(len(data)):  # each item validated as it is pulled, then dropped
            item, data[i] = data[i], None
            try:
                yield Scenario.model_validate(item)
            except ValidationError as exc:  # names the item and its line in the file
                raise ConfigError(format_validation_error(str(self.path), exc, Scenario,
                                                          (i,))) from None


class ScenarioChain:
    """Several scenario sources one after the other (generated first, then the files)."""

    def __init__(self, parts: Sequence[Scenarios]) -> None:
        self.parts = list(parts)

    def __len__(self) -> int:
        return sum(len(p) for p in self.parts)

    def __iter__(self) -> Iterator[Scenario]:
        return itertools.chain.from_iterable(self.parts)


def load_scenarios(path: str | Path) -> list[Scenario]:
    """Scenarios of a file (as written by `convsim scenarios ...`), as a list."""
    return list(ScenarioFile(path))


def build_population(config: CampaignConfig) -> tuple[ScenarioChain, Sequence[Persona]]:
    """The campaign's scenarios and personas, from its domain pack, catalogs, files and seed:
    lazy (made or read as they are iterated, personas as they are picked) with their counts
    known. Scenario files are checked here, in one streaming pass."""
    domain = find_domain(config.scenarios.domain)
    parts: list[Scenarios] = []
    if config.scenarios.n:
        parts.append(generators.get("scenario_stream")(domain, config.scenarios, config.seed))
    files = [ScenarioFile(f) for f in config.scenarios.files]
    for f in files:
        f.check()
    parts += files
    scenarios = ScenarioChain(parts)
    if not len(scenarios):
        raise ConfigError("the campaign has no scenarios: set scenarios.n above 0 or list "
                          "scenarios.files")
    if config.user_simulator == "replay":
        unplayable = sum(f.unplayable for f in files)
        if unplayable:
            first = next(f.first_unplayable for f in files if f.first_unplayable)
            raise ConfigError(f"user_simulator replay needs scenarios with customer_turns "
                              f"(convsim scenarios from-transcript); {unplayable} have none, "
                              f"e.g. {first} (set scenarios.n: 0 and list files)")
    return scenarios, generators.get("persona_pool")(config.personas, config.seed)


def iter_specs(config: CampaignConfig, scenarios: Iterable[Scenario],
               personas: Sequence[Persona]) -> Iterator[ConversationSpec]:
    """The campaign's specs, one at a time, in plan order (deterministic); scenarios are
    pulled one at a time. The versions of one pair share a seed, so the customer behaves the
    same towards each agent version until their answers differ."""
    for s_idx, scenario in enumerate(scenarios):
        rng = np.random.default_rng([config.seed, 0x91A, s_idx])
        k = min(config.personas_per_scenario, len(personas))
        for p_idx in sorted(int(i) for i in rng.choice(len(personas), size=k, replace=False)):
            persona = personas[p_idx]
            for profile in config.perturbations:
                for rep in range(config.repetitions):
                    # Content, not the campaign's name: renaming a campaign keeps its pairs.
                    pair_id = stable_hash({
                        "seed": config.seed, "scenario": scenario.id,
                        "persona": persona.id, "perturbation": profile.model_dump(),
                        "repetition": rep, "max_turns": config.max_turns,
                        "user_simulator": config.user_simulator})
                    seed = int(pair_id[:12], 16)
                    for agent in config.agents:
                        yield ConversationSpec(
                            id=f"c-{stable_hash({'pair': pair_id, 'agent': agent.version})}",
                            campaign=config.name, scenario=scenario, persona=persona,
                            perturbation=profile, agent_version=agent.version, repetition=rep,
                            seed=seed, pair_id=pair_id, domain=config.scenarios.domain,
                            user_simulator=config.user_simulator,
                            max_turns=config.max_turns)


def plan_specs(config: CampaignConfig, scenarios: Iterable[Scenario],
               personas: Sequence[Persona]) -> list[ConversationSpec]:
    """Every spec of the campaign, as a list (see `iter_specs` to plan lazily)."""
    return list(iter_specs(config, scenarios, personas))


def planned_count(config: CampaignConfig, scenarios: Sized, personas: Sized) -> int:
    """How many specs `iter_specs` yields, without planning them."""
    k = min(config.personas_per_scenario, len(personas))
    return (len(scenarios) * k * len(config.perturbations) * config.repetitions
            * len(config.agents))
