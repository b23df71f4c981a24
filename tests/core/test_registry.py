"""The plug-in registry: names from entry points without imports, factories with typed
settings, `module:attr` plug-ins, and clear errors for a broken plug-in."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import convsim
from convsim.cli.main import app
from convsim.core.registry import KINDS, REGISTRIES, PluginError, connectors, evaluators

BUNDLED = {
    "connectors": {"http", "python", "openai", "mutant"},
    "customers": {"agenda", "replay", "llm"},
    "evaluators": {"process", "disclosures", "goal", "rules", "escalation", "truthfulness",
                   "judge"},
    "importers": {"generic", "openai", "taskmaster", "abcd"},
    "executors": {"local", "ray"},
    "generators": {"scenarios", "personas", "scenario_stream", "persona_pool"},
    "mutations": {"drop_disclosure", "skip_consent", "hide_failure", "never_handover",
                  "act_before_verification", "double_write", "quote_unreturned_figure"},
}


@pytest.fixture
def registered() -> Iterator[list[tuple[str, str]]]:
    """(kind, name) registered in-process by a test; forgotten after it."""
    names: list[tuple[str, str]] = []
    yield names
    for kind, name in names:
        REGISTRIES[kind].unregister(name)


def test_bundled_plugins_are_entry_points_found_without_importing_them() -> None:
    code = ("import sys; from convsim.core.registry import REGISTRIES; "
            "names = {k: r.names() for k, r in REGISTRIES.items()}; "
            "loaded = [m for m in sys.modules if m.startswith(('convsim.simulator.', "
            "'convsim.evaluators.', 'convsim.engine.', 'convsim.scenarios.', 'convsim.personas.'))]; "
            "import json; print(json.dumps({'names': names, 'loaded': loaded}))")
    out = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                    check=True).stdout)
    assert out["loaded"] == []
    for kind, names in BUNDLED.items():
        assert names <= set(out["names"][kind]), kind
    sources = {(s.kind, s.name): s for r in REGISTRIES.values() for s in r.sources()}
    assert sources[("evaluators", "goal")].value == "convsim.evaluators.goal:make"
    assert sources[("evaluators", "goal")].distribution.startswith("convsim ")


def test_a_factory_gets_only_the_settings_it_names(registered: list[tuple[str, str]]) -> None:
    seen: dict[str, Any] = {}

    @convsim.connector("t-settings")
    def make(version: str, options: dict[str, Any], timeout_s: float = 1.0) -> object:
        seen.update(version=version, options=options, timeout_s=timeout_s)
        return object()

    registered.append(("connectors", "t-settings"))
    connectors.create("t-settings", version="v9", url=None, session=None, timeout_s=3.5,
                      retries=2, options={"a": 1}, target=None, reference=None, model=None,
                      prompt=None, settings={}, llm=None)
    assert seen == {"version": "v9", "options": {"a": 1}, "timeout_s": 3.5}
    assert connectors.accepts("t-settings", "options")
    assert not connectors.accepts("t-settings", "session")


def test_a_factory_that_needs_an_unknown_setting_is_refused_by_name(
        registered: list[tuple[str, str]]) -> None:
    @convsim.evaluator("t-colour")
    def make(colour: str) -> object:
        return object()

    registered.append(("evaluators", "t-colour"))
    with pytest.raises(PluginError, match="requires 'colour', which is not a evaluator setting; "
                                          "settings: judge, llm"):
        evaluators.create("t-colour", llm=None, judge=None)
    listed = CliRunner().invoke(app, ["plugins", "evaluators", "--check"])
    assert listed.exit_code == 2
    line = next(ln for ln in listed.output.splitlines() if ln.strip().startswith("t-colour"))
    assert "(registered in-process)" in line and "BROKEN: evaluator 't-colour'" in line


def test_module_attr_names_a_plugin_without_packaging() -> None:
    factory = evaluators.get("convsim.evaluators.goal:make")
    assert factory is evaluators.get("goal")
    assert evaluators.knows("convsim.evaluators.goal:make")
    assert not evaluators.knows("convsim.evaluators.goal:nothing_here")
    with pytest.raises(PluginError, match=r"convsim.evaluators.goal:nothing_here: cannot import: "
                                          "AttributeError"):
        evaluators.get("convsim.evaluators.goal:nothing_here")


def test_unknown_names_list_the_known_ones() -> None:
    with pytest.raises(PluginError, match="unknown connector 'htp'; known: http, mutant, openai, python"):
        connectors.get("htp")
    with pytest.raises(ValueError, match="unknown executor 'dask'; known: local, ray"):
        from convsim.engine.executors import make_executor

        make_executor("dask", [], [], None)  # type: ignore[arg-type]
    from convsim.scenarios.importers import MappingError, make_importer

    with pytest.raises(MappingError, match="unknown format 'rasa'; known: abcd, generic, openai, "
                                           "taskmaster, tau2"):
        make_importer("rasa")
    with pytest.raises(MappingError, match="--mapping is only for --format generic, not openai"):
        make_importer("openai", mapping="m.yaml")
    assert type(make_importer("taskmaster")).__name__ == "TaskmasterImporter"


def test_every_kind_has_its_entry_point_group_in_pyproject() -> None:
    import tomllib

    groups = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())[
        "project"]["entry-points"]
    assert {f"convsim.{k}" for k in KINDS} <= set(groups)
    for kind, names in BUNDLED.items():
        assert set(groups[f"convsim.{kind}"]) == names


CAMPAIGN = {
    "name": "modattr", "seed": 3, "scenarios": {"n": 2}, "personas": {"n": 2},
    "agents": [{"version": "v1", "connector": "python", "reference": "retail:v1"}],
    "execution": {"executor": "local"},
}


@pytest.mark.parametrize("field, value, message", [
    ("evaluators", ["goal", "convsim.evaluators.goal:nope"],
     "unknown evaluator(s) ['convsim.evaluators.goal:nope']"),
    ("user_simulator", "agendaa", "unknown customer 'agendaa'; known: agenda, llm, replay"),
    ("execution", {"executor": "dask"}, "unknown executor 'dask'; known: local, ray"),
])
def test_a_campaign_naming_a_missing_plugin_is_one_line(tmp_path: Path, field: str, value: Any,
                                                       message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({**CAMPAIGN, field: value}))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert message in " ".join(result.output.split()), result.output


def test_importing_a_bundled_module_keeps_it_listed_from_its_distribution(
        registered: list[tuple[str, str]]) -> None:
    import convsim.simulator.connectors.openai  # noqa: F401 - its decorator registers it too

    sources = {s.name: s for s in connectors.sources() if not s.shadowed_by}
    assert sources["openai"].distribution.startswith("convsim ")

    @convsim.connector("openai")
    def mine(version: str) -> object:
        return object()

    registered.append(("connectors", "openai"))
    rows = [s for s in connectors.sources() if s.name == "openai"]
    assert [(s.distribution, s.shadowed_by) for s in rows] == [
        ("", ""), (sources["openai"].distribution, "(registered in-process)")]
    assert connectors.get("openai") is mine
