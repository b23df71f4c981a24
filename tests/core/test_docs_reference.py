"""docs/packs.md and docs/config.md cannot drift from the models: their field reference
is the generated one, every field has a meaning, and the example pack of packs.md is a
real pack (built from the page, loaded, and checked by `convsim domains`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.core.packs.declarative import load_domain_folder
from convsim.core.packs.files import DomainFile, ProxyFile, TableFile, ToolFile
from convsim.core.packs.model import PersonaBinding, RowPick, ScenarioTemplate, Slot
from convsim.core.records import Disclosure, Expectations, ProcessStep
from convsim.core.rule_specs import Rule
from convsim.core.schemas.reference import DOCS, END, START, _docs, _fields, reachable, reference

DOCS_DIR = Path(__file__).resolve().parents[2] / "docs"
runner = CliRunner()


@pytest.mark.parametrize("name", sorted(DOCS))
def test_field_reference_is_the_generated_one(name: str) -> None:
    """Regenerate with `python -m convsim.core.schemas.reference`."""
    text = (DOCS_DIR / name).read_text(encoding="utf-8")
    section = text.split(START, 1)[1].split(END, 1)[0]
    assert section.strip() == reference(DOCS[name]()).strip()


@pytest.mark.parametrize("name", sorted(DOCS))
def test_every_field_appears_with_a_meaning(name: str) -> None:
    text = (DOCS_DIR / name).read_text(encoding="utf-8")
    for cls in reachable(DOCS[name]()):
        assert f"### {cls.__name__}" in text
        meanings = _docs(cls)
        for field, _annotation, _default in _fields(cls):
            assert f"| `{field}` |" in text, f"{cls.__name__}.{field}"
            assert meanings.get(field), f"{cls.__name__}.{field} has no meaning"


def _example_files(tmp_path: Path) -> Path:
    text = (DOCS_DIR / "packs.md").read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- file: (\S+) -->\n```\w*\n(.*?)```", text, flags=re.S)
    assert {name for name, _ in blocks} >= {"domain.yaml", "scenarios.yaml", "tools.py"}
    pack = tmp_path / "parcel"
    pack.mkdir()
    for name, body in blocks:
        (pack / name).write_text(body, encoding="utf-8")
    return pack


def test_the_example_pack_loads_and_checks(tmp_path: Path) -> None:
    pack = load_domain_folder(_example_files(tmp_path))
    assert {"redirect_parcel", "refund_parcel", "estimate_delivery", "get_label"} <= set(pack.tools)
    assert set(pack.escalation_tools) == {"transfer_to_specialist", "notify_depot",
                                          "open_damage_claim"}
    assert pack.tools["refund_parcel"].fn(
        {"parcels": {"P1": {"status": "lost", "size": "small"}}}, {"tracking_id": "P1"}) == 4.9
    assert [s.intent for s in pack.scenarios] == ["redirect_parcel", "damage_claim"]
    assert pack.scenarios[0].expectations.disclosures[0].before_tool == "redirect_parcel"
    assert {r.severity for r in pack.rules} == {"normal", "critical"}
    result = runner.invoke(app, ["domains", str(tmp_path / "parcel")])
    assert result.exit_code == 0, result.output


def _keys(value: object, into: set[str]) -> set[str]:
    if isinstance(value, dict):
        into.update(str(k) for k in value)
        for v in value.values():
            _keys(v, into)
    elif isinstance(value, list):
        for v in value:
            _keys(v, into)
    return into


def test_the_example_uses_every_field_of_the_pack_files(tmp_path: Path) -> None:
    pack = _example_files(tmp_path)
    domain = yaml.safe_load((pack / "domain.yaml").read_text())
    templates = yaml.safe_load((pack / "scenarios.yaml").read_text())
    used = _keys(domain, set()) | _keys(templates, set())
    for model in (DomainFile, TableFile, ToolFile, ProxyFile, PersonaBinding, Slot,
                  ScenarioTemplate, RowPick, Expectations, ProcessStep, Disclosure, Rule):
        # A slot's name is its key in `slots:`.
        missing = [f for f in model.model_fields
                   if f not in used and not (model is Slot and f == "name")]
        assert not missing, f"{model.__name__}: {missing} not in the example of docs/packs.md"
    assert "@tool(escalation=True)" in (pack / "tools.py").read_text()
