"""`convsim adequacy`: a campaign's mutation score, and what to add to catch what it misses.

Real components throughout: the retail reference agent served over HTTP by the campaign
(the demo's agent), the telecom pack's scripted agent in-process (python connector), the
local executor, real Parquet runs and the gate's own policy. A third party's operator is
installed from `tests/data/plugins/convsim_acme_mutations` the way a user would.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.core.registry import mutations

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
ACME = ROOT / "tests" / "data" / "plugins" / "convsim_acme_mutations"
_spec = importlib.util.spec_from_file_location("plugin_site", ROOT / "tests" / "plugin_site.py")
plugin_site = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(plugin_site)  # type: ignore[union-attr]
ALL_EVALUATORS = ["process", "disclosures", "goal", "rules", "escalation", "truthfulness"]
BUNDLED = ["act_before_verification", "double_write", "drop_disclosure", "hide_failure",
           "never_handover", "quote_unreturned_figure", "skip_consent"]


def _retail(tmp: Path, name: str, evaluators: list[str], perturbations: list[Any],
            n: int = 20) -> Path:
    """A small retail campaign against the demo's reference agent v1, served over HTTP."""
    campaign = {
        "name": name, "seed": 7,
        "scenarios": {"domain": "retail", "n": n, "strategy": "stratified"},
        "personas": {"n": 10}, "perturbations": perturbations,
        "agents": [{"version": "v1", "connector": "http", "reference": "retail:v1"}],
        "evaluators": evaluators,
        "execution": {"executor": "local", "concurrency": 16, "batch_size": 20},
        "output_dir": str(tmp / "runs"),
    }
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(campaign))
    return path


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default gate policy, with a verdict from 10 conversations (small test campaigns)."""
    path = tmp_path_factory.mktemp("policy") / "gate.yaml"
    path.write_text("min_conversations: 10\n")
    return path


def _adequacy(campaign: Path, out: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["adequacy", str(campaign), "--out", str(out), *args])
    assert result.exit_code in (0, 1), result.output
    report = json.loads((out / "adequacy.json").read_text())
    assert (out / "adequacy.md").read_text().startswith("# Adequacy of campaign")
    return result.exit_code, report


def _by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in report["operators"]}


def _own_metric(name: str, catches: list[dict[str, Any]]) -> bool:
    patterns = mutations.create(name).metrics
    return any(fnmatch.fnmatchcase(c["metric"], p) for c in catches for p in patterns)


def test_every_bundled_operator_is_caught_on_its_own_metric(tmp_path: Path, policy: Path) -> None:
    campaign = _retail(tmp_path, "all-evaluators", ALL_EVALUATORS, ["clean", "backend_outage"])
    code, report = _adequacy(campaign, tmp_path / "out", "--policy", str(policy))
    ops = _by_name(report)
    assert code == 0 and report["exit_code"] == 0 and report["required_missed"] == []
    assert sorted(ops) == BUNDLED and report["caught"] == 7 and report["score"] == 1.0
    for name, op in ops.items():
        assert op["status"] == "caught", (name, op["reason"])
        assert op["fired"] > 0 and op["played"] + op["reused"] == op["pairs"] == 40
        assert _own_metric(name, op["caught_by"]), (name, op["caught_by"])
    # Cost is reported, and mutants play only where they can fire.
    assert any(op["reused"] > 0 for op in ops.values())
    assert all(op["seconds"] > 0 for op in ops.values())


def test_the_report_says_what_to_add_and_adding_it_catches(tmp_path: Path, policy: Path) -> None:
    # The demo's three evaluators on clean conversations only.
    ops = "double_write,quote_unreturned_figure,hide_failure"
    campaign = _retail(tmp_path, "three", ["process", "disclosures", "goal"], ["clean"])
    code, report = _adequacy(campaign, tmp_path / "before", "--policy", str(policy),
                             "--operators", ops)
    before = _by_name(report)
    assert code == 1 and sorted(report["required_missed"]) == sorted(ops.split(","))
    assert before["double_write"]["status"] == "not_seen"
    assert "add the evaluator rules" in before["double_write"]["advice"]
    assert before["quote_unreturned_figure"]["status"] == "not_seen"
    assert "add the evaluator truthfulness" in before["quote_unreturned_figure"]["advice"]
    assert before["hide_failure"]["status"] == "never_fired"
    assert before["hide_failure"]["fired"] == 0 and before["hide_failure"]["played"] == 0
    assert "backend_outage" in before["hide_failure"]["advice"]
    markdown = (tmp_path / "before" / "adequacy.md").read_text()
    assert "Mutation score: 0/3" in markdown and "add the evaluator truthfulness" in markdown

    # What the report said: the two evaluators and a backend-outage profile.
    campaign = _retail(tmp_path, "three-plus", ["process", "disclosures", "goal", "rules",
                                                "truthfulness"], ["clean", "backend_outage"])
    code, report = _adequacy(campaign, tmp_path / "after", "--policy", str(policy),
                             "--operators", ops)
    after = _by_name(report)
    assert code == 0, {n: r["reason"] for n, r in after.items()}
    for name in ops.split(","):
        assert after[name]["status"] == "caught" and _own_metric(name, after[name]["caught_by"])


def _texts(run_dir: Path) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """pair_id -> the conversation's turn texts and its tool calls (tool, arguments,
    status), in order."""
    conv = pl.read_parquet(run_dir / "conversations" / "*.parquet",
                           columns=["conversation_id", "pair_id"])
    turns = pl.read_parquet(run_dir / "turns" / "*.parquet",
                            columns=["conversation_id", "turn_index", "text"])
    calls = pl.read_parquet(run_dir / "tool_calls" / "*.parquet").join(
        conv, on="conversation_id").sort("pair_id", "seq")
    said = turns.join(conv, on="conversation_id").sort("pair_id", "turn_index")
    made = {k[0]: tuple(f"{t} {a} {s}" for t, a, s in g.select("tool", "arguments_json",
                                                               "status").iter_rows())
            for k, g in calls.group_by(["pair_id"])}
    return {k[0]: (tuple(g["text"].to_list()), made.get(k[0], ()))
            for k, g in said.group_by(["pair_id"])}


def _marked(run_dir: Path, name: str) -> set[str]:
    turns = pl.read_parquet(run_dir / "turns" / "*.parquet",
                            columns=["conversation_id", "perturbations"])
    conv = pl.read_parquet(run_dir / "conversations" / "*.parquet",
                           columns=["conversation_id", "pair_id"])
    ids = turns.explode("perturbations").filter(pl.col("perturbations") == f"mutation:{name}")
    return set(conv.join(ids.select("conversation_id").unique(), on="conversation_id")
               ["pair_id"].to_list())


def test_reused_conversations_are_what_the_mutant_would_have_played(
        tmp_path: Path, policy: Path) -> None:
    campaign = _retail(tmp_path, "reuse", ALL_EVALUATORS, ["clean", "backend_outage"], n=12)
    ops = "drop_disclosure,never_handover,double_write,act_before_verification"
    _, fast = _adequacy(campaign, tmp_path / "fast", "--policy", str(policy), "--operators", ops)
    _, full = _adequacy(campaign, tmp_path / "full", "--policy", str(policy), "--operators", ops,
                        "--all-specs")
    baseline = _texts(Path(full["baseline_run"]))
    for name in ops.split(","):
        quick, every = _by_name(fast)[name], _by_name(full)[name]
        assert every["played"] == every["pairs"] and quick["played"] < quick["pairs"]
        assert (quick["fired"], quick["status"]) == (every["fired"], every["status"])
        played = _texts(Path(every["run_dir"]))
        fired = _marked(Path(every["run_dir"]), name)
        assert fired and len(fired) == every["fired"]
        # Where the operator did not fire, the mutant's conversation is the baseline's.
        for pair, texts in played.items():
            assert (texts == baseline[pair]) == (pair not in fired), (name, pair)
        # The fast run played exactly the conversations where it fired.
        assert _marked(Path(quick["run_dir"]), name) == fired


def test_telecom_campaign_in_process_agent(tmp_path: Path) -> None:
    config = yaml.safe_load((ROOT / "configs" / "adequacy-telecom.yaml").read_text())
    config["scenarios"]["n"] = 30
    config["output_dir"] = str(tmp_path / "runs")
    campaign = tmp_path / "telecom.yaml"
    campaign.write_text(yaml.safe_dump(config))
    code, report = _adequacy(campaign, tmp_path / "out")  # the default gate policy
    ops = _by_name(report)
    assert sorted(ops) == BUNDLED and report["baseline"] == "scripted"
    for name, op in ops.items():
        assert op["status"] == "caught" or op["advice"], name
    caught = [n for n, op in ops.items() if op["status"] == "caught"]
    assert {"skip_consent", "never_handover", "drop_disclosure"} <= set(caught)
    assert code == (0 if len(caught) == len(ops) else 1)


@pytest.fixture(scope="module")
def acme_mutations(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """convsim-acme-mutations installed (regular install, no index) into a folder on sys.path."""
    with plugin_site.installed(ACME, tmp_path_factory.mktemp("acme-mutations"),
                               "acme_mutations") as site:
        yield site


def test_a_third_party_operator_appears_in_the_report(tmp_path: Path, policy: Path,
                                                      acme_mutations: Path) -> None:
    listed = runner.invoke(app, ["plugins", "mutations"])
    assert listed.exit_code == 0 and "acme_hang_up" in listed.output
    campaign = _retail(tmp_path, "acme", ALL_EVALUATORS, ["clean"], n=12)
    code, report = _adequacy(campaign, tmp_path / "out", "--policy", str(policy))
    ops = _by_name(report)
    assert set(BUNDLED) | {"acme_hang_up"} == set(ops)
    acme = ops["acme_hang_up"]
    assert acme["source"] == "acme_mutations.hang_up:make (convsim-acme-mutations 0.3.0)"
    assert acme["status"] == "caught" and acme["fired"] > 0
    assert _own_metric("acme_hang_up", acme["caught_by"])
    assert "acme_hang_up" in (tmp_path / "out" / "adequacy.md").read_text()
    assert code == report["exit_code"]


def test_unusable_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    campaign = _retail(tmp_path, "bad", ALL_EVALUATORS, ["clean"], n=4)
    result = runner.invoke(app, ["adequacy", str(campaign), "--operators", "no_such_op",
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "unknown mutation operator 'no_such_op'" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["adequacy", str(campaign), "--baseline", "v9",
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "--baseline: version 'v9'" in result.output
    result = runner.invoke(app, ["adequacy", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2 and "not found" in result.output
    # Too few conversations for a verdict on the baseline (default policy: 50): exit 2.
    result = runner.invoke(app, ["adequacy", str(campaign), "--out", str(tmp_path / "few"),
                                 "--operators", "never_handover"])
    assert result.exit_code == 2 and "no verdict" in result.output


def test_a_disclosure_written_as_a_meaning_is_dropped_too(tmp_path: Path, policy: Path) -> None:
    # Kite Mobile: a user-written pack whose bot the campaign starts itself (`command:`), and
    # whose plan-switch notice is a meaning with examples, not a regular expression.
    kite = ROOT / "tests" / "data" / "packs" / "kite"
    campaign = {
        "name": "kite-adequacy", "seed": 3,
        "scenarios": {"domain": str(kite), "n": 16,
                      "intents": {"switch_plan": 1, "travel_pass": 1}},
        "personas": {"n": 8}, "perturbations": ["clean"],
        "agents": [{"version": "v1", "connector": "http", "workdir": str(kite),
                    "command": "python agent.py --port {port}"}],
        "evaluators": ["disclosures", "goal"], "max_turns": 20,
        "execution": {"executor": "local", "concurrency": 8, "batch_size": 8},
        "output_dir": str(tmp_path / "runs")}
    path = tmp_path / "kite.yaml"
    path.write_text(yaml.safe_dump(campaign))
    code, report = _adequacy(path, tmp_path / "out", "--policy", str(policy),
                             "--operators", "drop_disclosure")
    (op,) = report["operators"]
    assert code == 0 and op["status"] == "caught"
    assert {"disclosure:plan_switch_notice", "disclosure:travel_pass_price"} <= {
        c["metric"] for c in op["caught_by"]}
