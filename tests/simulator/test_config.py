"""Config errors reach the user as one clear line each, with a non-zero exit."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.core.campaign_file import load_campaign
from convsim.core.config import ConfigError

runner = CliRunner()
DEMO = Path(__file__).resolve().parents[2] / "configs" / "demo.yaml"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "campaign.yaml"
    path.write_text(text)
    return path


def _demo_with(tmp_path: Path, old: str, new: str) -> Path:
    text = DEMO.read_text()
    assert old in text
    text = text.replace(old, new, 1)
    # keep agent paths valid from the temporary folder
    text = text.replace("reference: agents/", f"reference: {DEMO.parent}/agents/")
    text = text.replace("catalog: catalogs/", f"catalog: {DEMO.parent}/catalogs/")
    return _write(tmp_path, text)


def _assert_clean_failure(result, *needles: str) -> None:
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output, result.output


def test_demo_config_validates() -> None:
    result = runner.invoke(app, ["validate", str(DEMO)])
    assert result.exit_code == 0, result.output
    assert "400 conversations" in result.output


def test_misspelled_key_names_file_and_key(tmp_path: Path) -> None:
    path = _demo_with(tmp_path, "repetitions: 2", "repetitons: 2")
    result = runner.invoke(app, ["validate", str(path)])
    _assert_clean_failure(result, str(path), "repetitons: unknown key")


def test_nested_misspelled_key(tmp_path: Path) -> None:
    path = _demo_with(tmp_path, "batch_size: 25", "batchsize: 25")
    result = runner.invoke(app, ["run", str(path)])
    _assert_clean_failure(result, "execution.batchsize: unknown key")


def test_wrong_type_says_what_was_expected(tmp_path: Path) -> None:
    path = _demo_with(tmp_path, "seed: 7", "seed: seven")
    result = runner.invoke(app, ["validate", str(path)])
    _assert_clean_failure(result, "seed:", "integer", "'seven'")


def test_every_problem_is_reported(tmp_path: Path) -> None:
    path = _demo_with(tmp_path, "seed: 7", "seed: seven\nbogus: 1")
    with pytest.raises(ConfigError) as err:
        load_campaign(path)
    lines = str(err.value).splitlines()
    assert len(lines) == 2 and all(line.startswith(str(path)) for line in lines)


def test_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(tmp_path / "nope.yaml")])
    _assert_clean_failure(result, "nope.yaml: file not found")


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: x\nagents: [\n  - version: v1\n")
    result = runner.invoke(app, ["validate", str(path)])
    _assert_clean_failure(result, "invalid YAML at line")


def test_missing_agent_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: x\nagents:\n  - {version: v1, reference: nowhere.yaml}\n")
    result = runner.invoke(app, ["validate", str(path)])
    _assert_clean_failure(result, "agents.v1.reference: file not found")


def test_missing_catalog(tmp_path: Path) -> None:
    path = _demo_with(tmp_path, "catalog: catalogs/retail\n  strategy", "catalog: nowhere\n  strategy")
    result = runner.invoke(app, ["validate", str(path)])
    _assert_clean_failure(result, "scenarios.catalog: no catalog at")


def test_unknown_evaluator(tmp_path: Path) -> None:
    path = _demo_with(tmp_path, "evaluators: [process, disclosures, goal]",
                      "evaluators: [process, tone]")
    result = runner.invoke(app, ["validate", str(path)])
    _assert_clean_failure(result, "unknown evaluator(s) ['tone']")


def test_agent_needs_exactly_one_target(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: x\nagents:\n  - {version: v1, url: 'http://127.0.0.1:1', "
                            "reference: a.yaml}\n")
    result = runner.invoke(app, ["validate", str(path)])
    _assert_clean_failure(result, "exactly one of 'url', 'reference' or 'command'")


def test_bad_agent_yaml_for_serve(tmp_path: Path) -> None:
    bad = tmp_path / "agent.yaml"
    bad.write_text("version: v9\nauthenticate_before: [teleport]\n")
    result = runner.invoke(app, ["agent", "serve", "--config", str(bad)])
    _assert_clean_failure(result, "authenticate_before.0")


def test_typo_gets_a_suggestion_and_the_line(tmp_path: Path) -> None:
    path = _demo_with(tmp_path, "batch_size: 25", "batchsize: 25")
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1)
                if "batchsize" in text)
    result = runner.invoke(app, ["validate", str(path)])
    _assert_clean_failure(result, f"{path}: execution.batchsize: unknown key; did you mean "
                                  f"'batch_size'? (line {line})")


def test_wrong_value_in_a_list_names_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: x\nagents:\n  - version: v1\n    reference: retail:v1\n"
                            "  - version: v2\n    url: 'http://127.0.0.1:1'\n"
                            "    connecter: http\n")
    with pytest.raises(ConfigError) as err:
        load_campaign(path)
    assert str(err.value) == (f"{path}: agents.1.connecter: unknown key; did you mean "
                              "'connector'? (line 7)")


def test_problems_are_listed_in_file_order(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: x\nzeed: 1\nagents:\n  - {version: v1, reference: retail:v1}\n"
                            "execution: {workerz: 2}\nrepetitions: many\n")
    with pytest.raises(ConfigError) as err:
        load_campaign(path)
    lines = str(err.value).splitlines()
    assert [ln.rsplit("(line ", 1)[1] for ln in lines] == ["2)", "5)", "6)"]
    assert "did you mean 'seed'" in lines[0] and "did you mean 'workers'" in lines[1]


def test_scenario_file_errors_name_that_file_the_item_and_line(tmp_path: Path) -> None:
    scenarios = tmp_path / "regressions.yaml"
    scenarios.write_text("- {id: s1, domain: retail, intent: cancel_order, goal: Cancel it.}\n"
                         "- id: s2\n  domain: retail\n  intent: cancel_order\n"
                         "  goall: Cancel it.\n")
    path = _write(tmp_path, f"name: x\nscenarios: {{n: 0, files: [{scenarios.name}]}}\n"
                            "agents:\n  - {version: v1, connector: python, reference: retail:v1}\n")
    result = runner.invoke(app, ["validate", str(path)])
    _assert_clean_failure(result, f"{scenarios}: 1.goall: unknown key; did you mean 'goal'? "
                                  "(line 5)", f"{scenarios}: 1.goal: required key is missing")
