"""Campaign configuration: YAML -> validated, frozen pydantic models.

Every problem in a config file is reported at once, each on one line naming the
file, the field path and what was expected; unknown keys are errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from personas.generator import PersonaGenConfig
from scenarios.retail import ScenarioGenConfig
from simulator.records import PerturbationProfile


class ConfigError(Exception):
    """A user error in a config file; the message is ready to print."""


M = TypeVar("M", bound=BaseModel)


def _describe(err: dict[str, Any]) -> str:
    loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
    kind = err["type"]
    if kind == "extra_forbidden":
        return f"{loc}: unknown key"
    if kind == "missing":
        return f"{loc}: required key is missing"
    got = err.get("input")
    got_text = f" (got {got!r})" if not isinstance(got, dict | list) else ""
    return f"{loc}: {err['msg'].lower()}{got_text}"


def format_validation_error(source: str, exc: ValidationError) -> str:
    """One line per problem, each prefixed with the source file."""
    return "\n".join(f"{source}: {_describe(e)}" for e in exc.errors())  # type: ignore[arg-type]


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file; missing files and syntax errors become ConfigError."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"{p}: file not found")
    try:
        return yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{p}: invalid YAML{where}: {problem}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not UTF-8 text ({exc.reason})") from None


def load_model(path: str | Path, model: type[M]) -> M:
    """Read a YAML file and validate it as `model`."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(str(path), exc)) from None


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AgentConfig(Frozen):
    """One agent version under test."""

    version: str
    """Label of the version in results (e.g. v1)."""
    connector: Literal["http", "python"] = "http"
    """How to talk to it: a black-box HTTP service, or an in-process Python agent."""
    url: str | None = None
    """Base URL of an already running HTTP agent."""
    reference: str | None = None
    """Path to a reference agent YAML: the campaign serves that agent itself."""
    target: str | None = None
    """For the python connector: 'module:attribute' of the agent factory."""
    options: dict[str, Any] = Field(default_factory=dict)
    """Connector options (e.g. chat_path, request/response field names)."""

    @model_validator(mode="after")
    def _one_target(self) -> AgentConfig:
        if self.connector == "http" and (self.url is None) == (self.reference is None):
            raise ValueError("an http agent needs exactly one of 'url' or 'reference'")
        if self.connector == "python" and not (self.target or self.reference):
            raise ValueError("a python agent needs 'target' (module:attribute) or 'reference'")
        return self


class ExecutionConfig(Frozen):
    """How conversations are fanned out."""

    executor: Literal["local", "ray"] = "ray"
    """local: asyncio in this process; ray: async actors on a Ray cluster."""
    ray_address: str | None = None
    """Address of an existing Ray cluster; empty starts a local one."""
    workers: int | None = Field(None, ge=1)
    """Ray actors (default: the cluster's CPU count)."""
    concurrency: int = Field(32, ge=1)
    """Conversations in flight per worker."""
    batch_size: int = Field(25, ge=1)
    """Conversations per batch (the unit of work and of checkpointing)."""
    turn_timeout_s: float = Field(10.0, gt=0)
    """Timeout of one agent call."""
    retries: int = Field(2, ge=0)
    """Retries of an agent call after a connection error or 5xx (with backoff)."""


class CampaignConfig(Frozen):
    """A simulation campaign: who talks to which agent versions, how often, scored how."""

    name: str
    """Campaign name (the folder under the output directory)."""
    description: str = ""
    seed: int = 0
    """Root seed: every conversation's randomness derives from it."""
    repetitions: int = Field(1, ge=1)
    """Times each (scenario, persona, perturbation, version) is run, for pass^k."""
    scenarios: ScenarioGenConfig = Field(default_factory=ScenarioGenConfig)
    personas: PersonaGenConfig = Field(default_factory=PersonaGenConfig)
    personas_per_scenario: int = Field(1, ge=1)
    perturbations: list[PerturbationProfile] = Field(
        default_factory=lambda: [PerturbationProfile()])
    """Perturbation profiles; every scenario runs under each."""
    agents: list[AgentConfig]
    """Agent versions under test (the first one is the baseline)."""
    evaluators: list[str] = Field(default_factory=lambda: ["process", "disclosures", "goal"])
    user_simulator: Literal["agenda", "replay"] = "agenda"
    """agenda: scripted customers with goals; replay: the customer turns of regression
    scenarios (convsim scenarios from-transcript), in order."""
    max_turns: int = Field(30, ge=2)
    execution: ExecutionConfig = Field(default_factory=ExecutionConfig)
    output_dir: str = "runs"
    """Where runs are written (relative to the working directory)."""

    @model_validator(mode="after")
    def _unique(self) -> CampaignConfig:
        versions = [a.version for a in self.agents]
        if len(set(versions)) != len(versions):
            raise ValueError(f"agent versions must be unique, got {versions}")
        names = [p.name for p in self.perturbations]
        if len(set(names)) != len(names):
            raise ValueError(f"perturbation profile names must be unique, got {names}")
        if not self.agents:
            raise ValueError("at least one agent is needed")
        return self


def load_campaign(path: str | Path) -> CampaignConfig:
    """Load a campaign YAML; relative agent paths resolve against the file's folder."""
    config = load_model(path, CampaignConfig)
    base = Path(path).resolve().parent
    agents = []
    for agent in config.agents:
        if agent.reference and not Path(agent.reference).is_absolute():
            ref = base / agent.reference
            if not ref.is_file():
                raise ConfigError(f"{path}: agents.{agent.version}.reference: "
                                  f"file not found: {ref}")
            agent = agent.model_copy(update={"reference": str(ref)})
        agents.append(agent)
    update: dict[str, Any] = {"agents": agents}
    files = []
    for f in config.scenarios.files:
        full = Path(f) if Path(f).is_absolute() else base / f
        if not full.is_file():
            raise ConfigError(f"{path}: scenarios.files: file not found: {full}")
        files.append(str(full))
    for section in ("scenarios", "personas"):
        sub = getattr(config, section)
        if sub.catalog:
            folder = Path(sub.catalog) if Path(sub.catalog).is_absolute() else base / sub.catalog
            if not (folder / "catalog.yaml").is_file():
                raise ConfigError(f"{path}: {section}.catalog: no catalog at {folder} "
                                  "(build one with convsim mine)")
            update[section] = sub.model_copy(update={"catalog": str(folder)})
    if files:
        scen = update.get("scenarios", config.scenarios)
        update["scenarios"] = scen.model_copy(update={"files": files})
    unknown = [e for e in config.evaluators if e not in known_evaluators()]
    if unknown:
        raise ConfigError(f"{path}: evaluators: unknown evaluator(s) {unknown}; "
                          f"known: {sorted(known_evaluators())}")
    return config.model_copy(update=update)


def known_evaluators() -> list[str]:
    from simulator.registry import evaluators

    return evaluators.names()
