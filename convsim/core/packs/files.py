"""A domain pack folder's files as they are read from disk: the schema of `domain.yaml`
(`DomainFile` and its sections: tables, declarative tools, the proxy) and `read_data_file`,
the one reader of the data files a pack names (JSON, JSONL, YAML, TOML, CSV).

`declarative` turns these into a `Domain`; `proxy` reads the proxy section; the JSON schemas
and docs/packs.md are generated from these models (`convsim.core.schemas`).
"""

from __future__ import annotations

import csv
import json
import tomllib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from convsim.core.packs.model import PackError, PersonaBinding, ScenarioTemplate
from convsim.core.rule_specs import Rule

DOMAIN_FILE = "domain.yaml"
JSON_TYPES = {"string", "number", "integer", "boolean", "array", "object"}


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TableFile(_Frozen):
    """A state table: its key field and its rows (inline, or a json/jsonl/yaml/toml/csv file)."""

    key: str
    """Field that identifies a row."""
    rows: list[dict[str, Any]] | dict[str, dict[str, Any]] | str = Field(default_factory=list)
    """Rows inline (a list, or a mapping key -> row), or a file name in the pack folder."""
    path: str | None = None
    """Where the rows sit inside the file (dotted), when the file holds more than this table."""


class ToolFile(_Frozen):
    """A declarative tool: a schema and a behaviour over the state tables."""

    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=dict)
    """Argument name -> JSON type (shorthand) or JSON Schema; or a whole object schema."""
    required: list[str] | None = None
    """Required arguments (default: all shorthand parameters)."""
    returns: dict[str, Any] | None = None
    """JSON Schema of the result."""
    escalation: bool = False
    """Calling it hands the customer to a human."""
    do: Literal["lookup", "list", "insert", "update", "delete", "respond", "handoff", "replay"]
    table: str | None = None
    where: dict[str, Any] = Field(default_factory=dict)
    """Row conditions: field -> value, template, or {in: [...]} / {not: value}."""
    require: dict[str, Any] = Field(default_factory=dict)
    """Conditions the found row must meet, else the call fails with `error`."""
    set: dict[str, Any] = Field(default_factory=dict)
    """update: field -> new value (templates over the arguments)."""
    values: dict[str, Any] = Field(default_factory=dict)
    """insert: the new row's fields."""
    result: Any = None
    """What the agent gets back (template); default: the row(s)."""
    error: str | None = None
    """Message when no row matches or a requirement fails."""


class ProxyFile(_Frozen):
    """Tools forwarded to the team's own (staging) backend."""

    base_url: str
    """Backend URL; ${VAR} is read from the environment."""
    openapi: str | None = None
    """OpenAPI document (file in the pack folder) the tool schemas are imported from."""
    tools: list[str] | None = None
    """Operation ids to expose (default: all)."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Extra headers (${VAR} from the environment)."""
    timeout_s: float = Field(10.0, gt=0)


class DomainFile(_Frozen):
    """The schema of `domain.yaml`."""

    name: str = Field(min_length=1)
    description: str = ""
    policy: str = ""
    tables: dict[str, TableFile] = Field(default_factory=dict)
    customer: PersonaBinding | None = None
    slots: dict[str, dict[str, Any]] = Field(default_factory=dict)
    tools: dict[str, ToolFile] = Field(default_factory=dict)
    python: list[str] = Field(default_factory=list)
    proxy: ProxyFile | None = None
    replay: str | None = None
    scenarios: list[ScenarioTemplate] | str = Field(default_factory=list)
    utterances: dict[str, list[str]] | str = Field(default_factory=dict)
    agents: dict[str, str] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    """Rules every scenario of the pack follows (see `convsim.core.rule_specs`)."""


def read_data_file(path: Path) -> Any:
    """JSON, JSONL, YAML, TOML or CSV, by extension; problems become PackError."""
    if not path.is_file():
        raise PackError(f"{path}: file not found")
    try:
        text = path.read_text(encoding="utf-8")
        suffix = path.suffix.lower()
        if suffix == ".json":
            return json.loads(text)
        if suffix == ".jsonl":
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        if suffix == ".toml":
            return tomllib.loads(text)
        if suffix == ".csv":
            return list(csv.DictReader(text.splitlines()))
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PackError(f"{path}: invalid YAML{where}: {problem}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise PackError(f"{path}: cannot parse: {str(exc).splitlines()[0]}") from None
