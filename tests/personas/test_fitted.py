"""Personas drawn from real customers (a catalog's styles.parquet) and the agenda customer
fitted to them: joint traits, real reactions to agent failures, determinism per seed."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
import yaml

from convsim.core.campaign_file import load_campaign
from convsim.core.config import PersonaGenConfig
from convsim.engine.campaign import run_campaign
from convsim.personas import generate_campaign_personas
from convsim.scenarios.ingest import ingest_transcripts
from convsim.scenarios.mining import MiningConfig, mine_catalog

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "convsim" / "scenarios" / "data" / "transcripts"


@pytest.fixture(scope="module")
def catalogs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("fitted")
    ingest_transcripts([SAMPLES / "tau_bench" / "retail_few_shot.jsonl"], "openai",
                       root / "transcripts", salt="convsim-demo")
    cfg = yaml.safe_load((REPO / "configs" / "mining" / "retail.yaml").read_text())
    cfg["persona_tasks"], cfg["task_scenarios"] = [], []
    mine_catalog([root / "transcripts"], root / "fitted", MiningConfig(**cfg))
    shutil.copytree(root / "fitted", root / "plain")
    (root / "plain" / "styles.parquet").unlink()  # as catalogs mined before styles existed
    return {"fitted": root / "fitted", "plain": root / "plain"}


def test_catalog_keeps_one_style_row_per_customer_and_last_turns(catalogs) -> None:
    styles = pl.read_parquet(catalogs["fitted"] / "styles.parquet")
    assert styles.height == 69 and styles["conversation_id"].n_unique() == 69
    assert {"words_per_turn", "typo_rate", "politeness_rate", "asks_human"} <= set(styles.columns)
    bank = pl.read_parquet(catalogs["fitted"] / "utterances.parquet")
    per_conv = bank.group_by("conversation_id").agg(pl.col("last").sum())
    assert (per_conv["last"] == 1).all()  # exactly one last customer turn per conversation


def test_personas_are_real_customers_with_their_joint_traits(catalogs) -> None:
    config = PersonaGenConfig(n=12, catalog=str(catalogs["fitted"]))
    personas = generate_campaign_personas(config, seed=4)
    assert [p.id for p in personas] == [p.id for p in generate_campaign_personas(config, seed=4)]
    styles = {r["conversation_id"]: r for r in
              pl.read_parquet(catalogs["fitted"] / "styles.parquet").to_dicts()}
    wpt = sorted(r["words_per_turn"] for r in styles.values())
    cap = max(float(pl.Series(wpt).quantile(0.95, "linear")), 1.0)
    for p in personas:
        real = styles[p.provenance["style_of"]]
        assert p.traits.verbosity == pytest.approx(min(1.0, real["words_per_turn"] / cap), abs=1e-3)
        assert p.traits.typo_rate == pytest.approx(min(real["typo_rate"], 0.5), abs=1e-3)
        assert p.traits.upfront_info_rate == real["upfront_info"]
        assert 0 <= p.provenance["length_quantile"] <= 1
    plain = generate_campaign_personas(PersonaGenConfig(n=12, catalog=str(catalogs["plain"])), 4)
    assert not any("fitted_from" in p.provenance for p in plain)
    # identities do not move: only the traits come from the real customer
    assert [p.identity for p in plain] == [p.identity for p in personas]


FAILING_AGENT = """\
class Agent:
    async def respond(self, state, text, tools):
        state["n"] += 1
        if state["n"] == 1:
            return {"text": "Could you provide your email address?"}
        return {"text": "Unfortunately I cannot do that, the system is not available.",
                "end": state["n"] > 6}


def make():
    return Agent(), lambda: {"n": 0}
"""
CAMPAIGN = """\
name: {name}
seed: 9
scenarios: {{domain: retail, n: 40, catalog: {catalog}}}
personas: {{n: 10, catalog: {catalog}}}
agents: [{{version: v1, connector: python, target: "failing_agent:make"}}]
execution: {{executor: local}}
output_dir: {out}
"""


def _run(tmp_path: Path, catalog: Path, name: str) -> pl.DataFrame:
    path = tmp_path / f"{name}.yaml"
    path.write_text(CAMPAIGN.format(name=name, catalog=catalog, out=tmp_path / "runs"))
    info = run_campaign(load_campaign(path))
    return pl.read_parquet(info.run_dir / "turns" / "*.parquet").sort(
        "conversation_id", "turn_index").select("conversation_id", "turn_index", "role", "text")


def test_fitted_customers_react_to_failures_like_real_ones(catalogs, tmp_path: Path,
                                                           monkeypatch) -> None:
    (tmp_path / "failing_agent.py").write_text(FAILING_AGENT)
    monkeypatch.syspath_prepend(str(tmp_path))
    fitted = _run(tmp_path, catalogs["fitted"], "a")
    assert fitted.equals(_run(tmp_path, catalogs["fitted"], "b"))  # deterministic per seed
    plain = _run(tmp_path, catalogs["plain"], "c")
    assert not fitted.equals(plain)
    bank = pl.read_parquet(catalogs["fitted"] / "utterances.parquet")
    real_reactions = set(bank.filter(pl.col("answers_act") == "failure")["template"])
    said = fitted.filter(pl.col("role") == "customer")["text"].to_list()
    # a real reaction to an agent failure, said as it was (the retail ones carry no slot)
    assert any(t in real_reactions for t in said)
    assert not any(t in real_reactions for t in plain.filter(pl.col("role") == "customer")[
        "text"].to_list())


def test_fitted_out_of_scope_customer_keeps_to_its_own_request(catalogs, tmp_path: Path) -> None:
    """A fitted customer whose real request the agent does not serve says that request again
    when asked what it wants (before: another real customer's request each time), and the
    campaign's fitted customers open with the real openings spread over many of them."""
    path = tmp_path / "oos.yaml"
    path.write_text(CAMPAIGN.format(name="oos", catalog=catalogs["fitted"], out=tmp_path / "runs")
                    .replace('target: "failing_agent:make"', 'reference: "retail:v1"'))
    run = run_campaign(load_campaign(path)).run_dir
    conv = pl.read_parquet(run / "conversations" / "*.parquet")
    turns = pl.read_parquet(run / "turns" / "*.parquet").sort("conversation_id", "turn_index")
    turns = turns.with_columns(pl.col("clean_text").fill_null(pl.col("text")).alias("text"))
    oos = conv.filter(pl.col("intent") == "out_of_scope")["conversation_id"].to_list()
    restated = 0
    for cid in oos:
        said = turns.filter((pl.col("conversation_id") == cid) & (pl.col("role") == "customer"))
        again = said.filter(pl.col("act") == "anything_else")["text"].to_list()
        assert all(t == said["text"][0] for t in again), (cid, said["text"].to_list())
        restated += len(again)
    assert oos and restated  # the case happened
    openings = turns.filter(pl.col("turn_index") == 0)["text"]
    bank = pl.read_parquet(catalogs["fitted"] / "utterances.parquet")
    real_openings = bank.filter(pl.col("answers_act") == "opening")["template"].n_unique()
    # 40 conversations over 69 real openings: most openings are different (27 today)
    assert openings.n_unique() >= min(25, real_openings), openings.value_counts()


def test_fitted_coffee_customers_confirm_and_leave_like_real_ones(tmp_path: Path) -> None:
    """Real Taskmaster coffee customers confirm the order and are done (their "yes" is their
    last turn); a fitted customer says a real yes and ends there, instead of one more
    "Great, thanks. That's all." after the agent places the order."""
    ingest_transcripts([SAMPLES / "taskmaster" / "tm4_coffee_sample.jsonl"], "taskmaster",
                       tmp_path / "real", salt="fitted")
    catalog = tmp_path / "catalog"
    mine_catalog([tmp_path / "real"], catalog, MiningConfig(domain="coffee"))
    bank = pl.read_parquet(catalog / "utterances.parquet").filter(pl.col("key") == "yes")
    last_yes = set(bank.filter(pl.col("last"))["template"])
    assert bank["last"].mean() > 0.9  # what the data says

    def run(name: str) -> pl.DataFrame:
        path = tmp_path / f"{name}.yaml"
        path.write_text(f"""name: {name}
seed: 5
scenarios: {{domain: coffee, n: 20, catalog: {catalog}}}
personas: {{n: 10, catalog: {catalog}}}
agents: [{{version: v1, connector: python, target: "convsim.domains.coffee.agent:make"}}]
execution: {{executor: local}}
output_dir: {tmp_path / "runs"}
""")
        run_dir = run_campaign(load_campaign(path)).run_dir
        return pl.read_parquet(run_dir / "turns" / "*.parquet").sort(
            "conversation_id", "turn_index").select("conversation_id", "turn_index", "role",
                                                    "text", "clean_text", "act")

    turns = run("a")
    assert turns.equals(run("b"))  # deterministic per seed
    customer = turns.filter(pl.col("role") == "customer").with_columns(
        pl.col("clean_text").fill_null(pl.col("text")).alias("said"))
    confirmed = customer.filter(pl.col("act") == "confirm")
    assert confirmed.height >= 10
    assert set(confirmed["said"]) <= set(bank["template"])  # real yeses
    last = customer.group_by("conversation_id").agg(pl.col("turn_index").max().alias("last"))
    ends = confirmed.join(last, on="conversation_id")
    # a real yes that was a real customer's last turn is this customer's last turn too
    assert (ends.filter(pl.col("said").is_in(list(last_yes)))
            .select((pl.col("turn_index") == pl.col("last")).all()).item())
    assert "Great, thanks. That's all." not in set(customer["said"])
