"""Mining a catalog, generating from it, regression scenarios, fidelity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml
from typer.testing import CliRunner

from convsim.cli.main import app
from convsim.core.catalog import load_catalog
from convsim.personas.generator import PersonaGenConfig
from convsim.scenarios.ingest import ingest_transcripts
from convsim.scenarios.mining import MiningConfig, cluster_openings, mine_catalog

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "convsim" / "scenarios" / "data" / "transcripts"
DEMO_CATALOG = REPO / "configs" / "catalogs" / "retail"


@pytest.fixture(scope="module")
def retail(tmp_path_factory) -> dict[str, Path]:
    """The demo catalog's inputs, mined into a temporary folder the way build_retail.sh does."""
    root = tmp_path_factory.mktemp("retail")
    ingest_transcripts([SAMPLES / "tau_bench" / "retail_few_shot.jsonl"], "openai",
                       root / "transcripts", salt="convsim-demo")
    ingest_transcripts([SAMPLES / "tau2" / "retail_tasks.json"], "tau2", root / "tau2")
    cfg = yaml.safe_load((REPO / "configs" / "mining" / "retail.yaml").read_text())
    cfg["persona_tasks"] = [str(SAMPLES / "tau_bench" / "retail_tasks_train.jsonl")]
    cfg["task_scenarios"] = [str(root / "tau2" / "scenarios.jsonl")]
    mine_catalog([root / "transcripts"], root / "catalog", MiningConfig(**cfg))
    return {"transcripts": root / "transcripts", "catalog": root / "catalog"}


def test_catalog_contents(retail) -> None:
    data = yaml.safe_load((retail["catalog"] / "catalog.yaml").read_text())
    assert data["conversations"] == 69
    assert abs(sum(data["intent_mix"].values()) - 1) < 0.01
    cancel = data["intents"]["cancel_order"]
    assert cancel["method"] == "rule" and cancel["examples"]
    statements = [o["statement"] for o in data["intents"]["return_items"]["process"]["order"]]
    assert any(s.startswith("authenticate precedes return_delivered_order_items in 100%")
               for s in statements)
    assert any(k.startswith("cluster") for k in data["intents"])  # unlabelled remainder
    PersonaGenConfig.model_validate(data["persona_traits"])
    descriptions = data["persona_traits"]["descriptions"]
    assert len(descriptions) == 60  # the 60 most common of the task personas
    assert "logical, independent, relaxing, polite" in descriptions
    assert data["style"]["words_per_turn"]["mean"] > 5


def test_utterance_bank_is_templated(retail) -> None:
    bank = pl.read_parquet(retail["catalog"] / "utterances.parquet")
    emails = bank.filter(pl.col("key") == "identify_email")
    assert emails.height > 10
    assert emails["template"].str.contains("{email}", literal=True).all()
    assert not bank["template"].str.contains(r"@example\.com").any()
    orders = bank.filter(pl.col("key") == "order_id")["template"]
    assert orders.str.contains("{order_id}", literal=True).all()
    assert not bank.filter(pl.col("fillable"))["template"].str.contains(r"#W\d{7}").any()


def test_committed_demo_catalog_matches_a_fresh_mining(retail) -> None:
    fresh = yaml.safe_load((retail["catalog"] / "catalog.yaml").read_text())
    committed = yaml.safe_load((DEMO_CATALOG / "catalog.yaml").read_text())
    assert fresh["intent_mix"] == committed["intent_mix"]
    assert fresh["persona_traits"] == committed["persona_traits"]
    assert load_catalog(DEMO_CATALOG).bank == load_catalog(retail["catalog"]).bank


def test_clustering_finds_the_topics() -> None:
    rng = np.random.default_rng(0)
    a = ["parcel", "arrived", "tracking", "delivered", "late", "courier", "package", "shipping",
         "missing", "box"]
    b = ["refund", "charged", "twice", "payment", "card", "money", "bank", "statement", "double", "billing"]
    docs = [" ".join(rng.choice(a, size=5)) for _ in range(20)] + \
        [" ".join(rng.choice(b, size=5)) for _ in range(20)]
    names, info = cluster_openings(docs, max_k=5, seed=1)
    assert info["k"] == 2
    assert len(set(names[:20])) == 1 and len(set(names[20:])) == 1 and names[0] != names[-1]


def test_taskmaster_second_domain(tmp_path: Path) -> None:
    ingest_transcripts([SAMPLES / "taskmaster" / "tm4_coffee_sample.jsonl"], "taskmaster",
                       tmp_path / "tm", salt="s")
    catalog = mine_catalog([tmp_path / "tm"], tmp_path / "cat", MiningConfig())
    coffee = catalog["intents"]["coffee_order"]
    assert coffee["conversations"] == 60 and coffee["method"] == "label"
    steps = [s["tool"] for s in coffee["process"]["steps"]]
    assert "add_order_item" in steps
    assert "finish_order" in steps
    assert any(o["first"] == "add_order_item" and o["then"] == "finish_order"
               for o in coffee["process"]["order"])
    # 46 dialogs reach finish_order, 12 make API calls without it, 2 make none and show no
    # thanks or confirmation: nothing says they were resolved
    assert coffee["outcomes"] == {"resolved": 46, "abandoned": 12, "unresolved": 2}


def test_generate_from_catalog_cli(tmp_path: Path) -> None:
    out = tmp_path / "p.yaml"
    result = runner.invoke(app, ["personas", "generate", "--catalog", str(DEMO_CATALOG),
                                 "--n", "5", "--seed", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output
    personas = yaml.safe_load(out.read_text())
    assert len(personas) == 5 and all(p["utterances"].get("identify_email") for p in personas)
    again = tmp_path / "p2.yaml"
    runner.invoke(app, ["personas", "generate", "--catalog", str(DEMO_CATALOG), "--n", "5",
                        "--seed", "3", "--out", str(again)])
    assert again.read_text() == out.read_text()

    strat = tmp_path / "s.yaml"
    result = runner.invoke(app, ["scenarios", "generate", "--catalog", str(DEMO_CATALOG), "--n",
                                 "100", "--strategy", "stratified", "--out", str(strat)])
    assert result.exit_code == 0, result.output
    scenarios = yaml.safe_load(strat.read_text())
    counts: dict[str, int] = {}
    for s in scenarios:
        counts[s["intent"]] = counts.get(s["intent"], 0) + 1
    assert len(counts) == 5 and min(counts.values()) >= 10  # every intent, rare ones included
    assert any("wrong_info" in s["tags"] for s in scenarios)

    prop = tmp_path / "prop.yaml"
    runner.invoke(app, ["scenarios", "generate", "--catalog", str(DEMO_CATALOG), "--n", "100",
                        "--out", str(prop)])
    out_of_scope = sum(s["intent"] == "out_of_scope" for s in yaml.safe_load(prop.read_text()))
    assert out_of_scope > 40  # the real mix: most intents are beyond the reference agent


def test_scenario_from_transcript(tmp_path: Path) -> None:
    ingest_transcripts([SAMPLES / "abcd" / "abcd_sample.jsonl"], "abcd", tmp_path / "abcd",
                       salt="s")
    out = tmp_path / "reg.yaml"
    result = runner.invoke(app, ["scenarios", "from-transcript", "3592", "-t",
                                 str(tmp_path / "abcd"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    [scenario] = yaml.safe_load(out.read_text())
    assert scenario["intent"] == "return_size" and "regression" in scenario["tags"]
    assert scenario["expectations"]["escalation_expected"] is True
    assert scenario["expectations"]["process"][0]["name"] == "pull-up-account"
    assert scenario["slots"]["customer_turns"][0].startswith("Hi! I need to return an item")
    missing = runner.invoke(app, ["scenarios", "from-transcript", "nope", "-t",
                                  str(tmp_path / "abcd")])
    assert missing.exit_code != 0 and "no conversation 'nope'" in missing.output


def test_fidelity_against_a_small_run(retail, tmp_path: Path, small_campaign) -> None:
    from convsim.core.campaign_file import load_campaign
    from convsim.engine.campaign import run_campaign

    info = run_campaign(load_campaign(small_campaign(n=10)))
    result = runner.invoke(app, ["fidelity", "--real", str(retail["transcripts"]), "--simulated",
                                 str(info.run_dir), "--catalog", str(retail["catalog"])])
    assert result.exit_code == 0, result.output
    for figure in ("words_per_turn_ks", "intent_mix_js", "vocabulary_jaccard", "distinct2_gap"):
        assert figure in result.output
    from convsim.decisions.fidelity import fidelity_report

    report = fidelity_report(retail["transcripts"], info.run_dir, retail["catalog"])
    rows = {r["figure"]: r for r in report.iter_rows(named=True)}
    assert 0 <= rows["words_per_turn_ks"]["sim_vs_real"] <= 1
    assert 0 <= rows["words_per_turn_ks"]["real_vs_real_baseline"] <= 1
    assert rows["conversations"]["simulated"] == 20  # one agent version only


def test_regression_scenario_replays_in_a_campaign(retail, tmp_path: Path) -> None:
    from convsim.core.campaign_file import load_campaign
    from convsim.engine.campaign import run_campaign

    conv = pl.read_parquet(retail["transcripts"] / "conversations" / "*.parquet")
    assignments = pl.read_parquet(retail["catalog"] / "assignments.parquet")
    cid = assignments.filter(pl.col("intent") == "cancel_order")["conversation_id"][0]
    assert cid in conv["conversation_id"].to_list()
    reg = tmp_path / "reg.yaml"
    result = runner.invoke(app, ["scenarios", "from-transcript", cid, "-t",
                                 str(retail["transcripts"]), "--catalog", str(retail["catalog"]),
                                 "--out", str(reg)])
    assert result.exit_code == 0, result.output
    [scenario] = yaml.safe_load(reg.read_text())
    assert scenario["provenance"]["expectations_from"] == "catalog"
    campaign = tmp_path / "replay.yaml"
    campaign.write_text(f"""\
name: replay
scenarios: {{n: 0, files: [{reg}]}}
user_simulator: replay
agents:
  - {{version: v1, connector: python, reference: "retail:v1"}}
evaluators: [process]
execution: {{executor: local}}
output_dir: {tmp_path / 'runs'}
""")
    info = run_campaign(load_campaign(campaign))
    assert info.written == 1 and info.errors == 0
    turns = pl.read_parquet(info.run_dir / "turns" / "*.parquet").sort("turn_index")
    said = turns.filter(pl.col("role") == "customer")["text"].to_list()
    assert said == scenario["slots"]["customer_turns"][:len(said)]
    assert pl.read_parquet(info.run_dir / "scores" / "*.parquet")["status"].to_list() == ["scored"]
    # where the reference agent departs from the historical one, and what was asked there
    labels = dict(pl.read_parquet(info.run_dir / "conversations" / "*.parquet")["labels"][0])
    turn = int(labels["divergence_turn"])
    assert labels["divergence_customer_asked"] == scenario["slots"]["customer_turns"][turn][:300]
    assert labels["divergence_agent_then"] == scenario["slots"]["agent_turns"][turn][:300]
    assert float(labels["divergence_similarity"]) < 0.35
    from convsim.decisions.summary import divergence_summary

    [row] = divergence_summary(info.run_dir).to_dicts()
    assert row["intent"] == "cancel_order" and row["replayed"] == row["diverged"] == 1

    bad = tmp_path / "bad.yaml"
    bad.write_text(campaign.read_text().replace("n: 0", "n: 2"))
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code != 0 and "needs scenarios with customer_turns" in result.output

