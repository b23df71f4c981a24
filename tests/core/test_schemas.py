"""JSON Schemas of convsim's YAML files: generated from the models, shipped, and true to
the files convsim itself ships (every config, every bundled pack, a user-written pack)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.core import schemas

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
KINDS = ["campaign", "pack", "pack-scenarios", "scenarios", "gate"]
CAMPAIGNS = sorted(p for p in (ROOT / "configs").glob("*.yaml") if p.name != "gate.yaml")
PACKS = [ROOT / "convsim/domains/telecom", ROOT / "convsim/domains/coffee",
         ROOT / "tests/data/packs/bank"]


def _schema(kind: str) -> dict:
    result = runner.invoke(app, ["schema", kind])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def _errors(schema: dict, data: object) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(data)]


@pytest.mark.parametrize("config", CAMPAIGNS, ids=lambda p: p.name)
def test_campaign_schema_validates_every_shipped_config(config: Path) -> None:
    assert not _errors(_schema("campaign"), yaml.safe_load(config.read_text()))


def test_campaign_schema_rejects_a_typo_and_a_wrong_type() -> None:
    schema = _schema("campaign")
    data = yaml.safe_load((ROOT / "configs/demo.yaml").read_text())
    data["execution"]["batchsize"] = 3
    data["seed"] = "seven"
    errors = _errors(schema, data)
    assert any(e.startswith("execution:") and "batchsize" in e for e in errors), errors
    assert any(e.startswith("seed:") for e in errors), errors


def test_gate_schema_validates_the_shipped_policy() -> None:
    schema = _schema("gate")
    assert not _errors(schema, yaml.safe_load((ROOT / "configs/gate.yaml").read_text()))
    assert _errors(schema, {"regresion": {"max_drop": 0.1}})


@pytest.mark.parametrize("pack", PACKS, ids=lambda p: p.name)
def test_pack_schemas_validate_packs(pack: Path) -> None:
    domain = yaml.safe_load((pack / "domain.yaml").read_text())
    assert not _errors(_schema("pack"), domain)
    if isinstance(domain.get("scenarios"), str):
        templates = yaml.safe_load((pack / domain["scenarios"]).read_text())
        assert not _errors(_schema("pack-scenarios"), templates)
        templates[0]["goall"] = "typo"
        assert _errors(_schema("pack-scenarios"), templates)


def test_descriptions_come_from_the_field_docstrings() -> None:
    schema = _schema("campaign")
    budget = schema["$defs"]["LLMConfig"]["properties"]["budget_usd"]
    assert "spend" in budget["description"]
    assert schema["properties"]["output_dir"]["description"]


@pytest.mark.parametrize("kind", KINDS)
def test_shipped_schema_files_match_the_models(kind: str) -> None:
    """Regenerate with `convsim schema --out convsim/core/schemas`."""
    assert schemas.shipped(kind).read_text(encoding="utf-8") == runner.invoke(
        app, ["schema", kind]).output


def test_unknown_kind_is_one_line_with_a_suggestion() -> None:
    result = runner.invoke(app, ["schema", "campain"])
    assert result.exit_code == 2
    assert "did you mean 'campaign'" in result.output and "Traceback" not in result.output


def test_out_writes_every_kind(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schema", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == sorted(KINDS)
