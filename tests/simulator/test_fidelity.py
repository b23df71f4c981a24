"""`convsim fidelity`: style and behaviour of simulated customers vs real ones, beside a
real-vs-real bootstrap band, per intent, with one index; on two packs (retail, coffee)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.core.campaign_file import load_campaign
from convsim.decisions.fidelity import (
    INDEX_FEATURES,
    InfoCounter,
    compare_customers,
    measure_fidelity,
    read_customer,
)
from convsim.engine.campaign import run_campaign
from convsim.scenarios.ingest import ingest_transcripts

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "convsim" / "scenarios" / "data" / "transcripts"
RETAIL_CATALOG = REPO / "configs" / "catalogs" / "retail"

FAILS = "Unfortunately I cannot find that order."
ASKS = "Could you provide your order id?"


def _customer(lines: list[tuple[str, str]], intent: str = "x"):
    return read_customer(lines, intent, InfoCounter(["oat milk", "grande"]))


def test_behaviour_is_read_from_customer_turns_and_the_act_they_answer() -> None:
    pushy = _customer([("customer", "Hi, I want to cancel my order #W1234567."),
                       ("agent", FAILS),
                       ("customer", "But I just gave you the order number, please check again."),
                       ("agent", FAILS),
                       ("customer", "Let me talk to a real person.")])
    assert pushy.info[0] == 1 and pushy.words[0] == 8
    assert pushy.after_failure == [(True, False, False), (True, False, True)]
    assert pushy.asks_human and pushy.patience == 3
    leaver = _customer([("customer", "A grande latte with oat milk please"),
                        ("agent", FAILS), ("customer", "Okay, bye.")])
    assert leaver.info == [2, 0] and leaver.after_failure == [(False, False, True)]
    assert leaver.patience == 2 and not leaver.asks_human  # left after a failure
    corrected = _customer([("customer", "My order is 12345"), ("agent", ASKS),
                           ("customer", "Sorry, I meant 12354."),
                           ("agent", "Your order has been cancelled."), ("customer", "Thanks!")])
    assert corrected.corrections == 1 and corrected.turns_to_goal == 2 and not corrected.after_failure


def test_a_side_against_itself_is_at_distance_zero_and_in_band() -> None:
    base = [_customer([("customer", f"I need help with order {i}0{i} please"), ("agent", FAILS),
                       ("customer", "That's not right, check again")]) for i in range(12)]
    same = compare_customers(base, base, seed=1, n_boot=10)
    rows = {r["feature"]: r for r in same.features.iter_rows(named=True) if r["intent"] == "all"}
    assert rows["words_per_turn_ks"]["sim_vs_real"] == 0
    assert rows["pushback_after_failure_gap"]["sim_vs_real"] == 0
    assert not any(r["out_of_band"] for r in rows.values())
    assert same.index == pytest.approx(100 * (1 - rows["vocabulary_distance"]["sim_vs_real"]
                                              / len(INDEX_FEATURES)))
    terse = [_customer([("customer", "order"), ("agent", FAILS), ("customer", "ok")])
             for _ in range(12)]
    far = compare_customers(base, terse, seed=1, n_boot=10)
    assert far.index < same.index
    flagged = "\n".join(far.out_of_band())
    assert "words_per_turn_ks" in flagged and "pushback_after_failure_gap" in flagged
    with pytest.raises(ValueError, match="too few conversations"):
        compare_customers(base[:2], terse)


@pytest.fixture(scope="module")
def retail_real(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("retail") / "transcripts"
    ingest_transcripts([SAMPLES / "tau_bench" / "retail_few_shot.jsonl"], "openai", out,
                       salt="convsim-demo")
    return out


def _campaign(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "campaign.yaml"
    path.write_text(body + f"execution: {{executor: local}}\noutput_dir: {tmp_path / 'runs'}\n")
    return path


def test_cli_reports_behaviour_per_intent_on_a_retail_run(retail_real, tmp_path: Path) -> None:
    run = run_campaign(load_campaign(_campaign(tmp_path, f"""\
name: fid
seed: 3
scenarios: {{domain: retail, n: 24, catalog: {RETAIL_CATALOG}}}
personas: {{n: 8, catalog: {RETAIL_CATALOG}}}
agents: [{{version: v1, connector: python, reference: "retail:v1"}}]
""")))
    args = ["fidelity", "--real", str(retail_real), "--simulated", str(run.run_dir),
            "--catalog", str(RETAIL_CATALOG)]
    shown = runner.invoke(app, [*args, "--by-intent"])
    assert shown.exit_code == 0, shown.output
    for figure in ("opening_info_ks", "pushback_after_failure_gap", "patience_ks",
                   "fidelity index", "Fidelity (out_of_scope)", "Fidelity (update_address)"):
        assert figure in shown.output
    as_json = runner.invoke(app, [*args, "--json"])
    data = json.loads(as_json.stdout)
    assert 0 < data["index"] < data["real_vs_real_index"] <= 100
    assert data["conversations"] == {"real": 69, "simulated": 24}
    intents = {r["intent"] for r in data["features"]}
    assert {"all", "out_of_scope", "update_address"} <= intents
    again = measure_fidelity(retail_real, run.run_dir, RETAIL_CATALOG)
    assert again.index == pytest.approx(data["index"])  # same seed, same bootstrap


def test_fidelity_on_the_coffee_pack_and_user_errors(tmp_path: Path) -> None:
    real = tmp_path / "tm4"
    ingest_transcripts([SAMPLES / "taskmaster" / "tm4_coffee_sample.jsonl"], "taskmaster", real,
                       salt="t")
    run = run_campaign(load_campaign(_campaign(tmp_path, """\
name: coffee
seed: 5
scenarios: {domain: coffee, n: 12}
personas: {n: 4}
agents: [{version: v1, connector: python, target: "convsim.domains.coffee.agent:make"}]
""")))
    fid = measure_fidelity(real, run.run_dir)
    rows = {r["feature"]: r for r in fid.features.iter_rows(named=True) if r["intent"] == "all"}
    assert fid.conversations == {"real": 60, "simulated": 12}
    assert rows["opening_info_ks"]["real"] > 0 and rows["turns_to_goal_ks"]["simulated"] > 0
    assert 0 <= rows["words_per_turn_ks"]["sim_vs_real"] <= 1
    missing = runner.invoke(app, ["fidelity", "--real", str(tmp_path / "nope"),
                                  "--simulated", str(run.run_dir)])
    assert missing.exit_code == 2 and "no turns/ folder" in missing.output
    assert "Traceback" not in missing.output
    version = runner.invoke(app, ["fidelity", "--real", str(real), "--simulated",
                                  str(run.run_dir), "--agent-version", "v9"])
    assert version.exit_code == 2 and "no agent version 'v9'" in version.output
