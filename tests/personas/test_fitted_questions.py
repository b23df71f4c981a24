"""Fitted coffee customers who ask about the menu and go, at the rate real customers did
(issue 18 §1/§2): the rate and the questions come from the catalog's real customers, the
coffee agent answers from the pack's menu words, and an unfitted customer never does it."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest

from convsim.core.campaign_file import load_campaign
from convsim.core.records import LEFT_UNASKED
from convsim.domains.coffee.agent import menu_answer
from convsim.engine.campaign import run_campaign
from convsim.scenarios.ingest import ingest_transcripts
from convsim.scenarios.mining import MiningConfig, mine_catalog
from convsim.simulator.customers.agenda import asks_and_leaves

SAMPLE = (Path(__file__).resolve().parents[2] / "convsim" / "scenarios" / "data" / "transcripts"
          / "taskmaster" / "tm4_coffee_sample.jsonl")
N = 60


@pytest.fixture(scope="module")
def mined(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("questions")
    ingest_transcripts([SAMPLE], "taskmaster", root / "real", salt="fitted")
    mine_catalog([root / "real"], root / "fitted", MiningConfig(domain="coffee"))
    shutil.copytree(root / "fitted", root / "plain")
    (root / "plain" / "styles.parquet").unlink()
    return {"real": root / "real", "fitted": root / "fitted", "plain": root / "plain",
            "root": root}


def _run(mined: dict[str, Path], catalog: str, name: str) -> pl.DataFrame:
    path = mined["root"] / f"{name}.yaml"
    path.write_text(f"""name: {name}
seed: 11
scenarios: {{domain: coffee, n: {N}, catalog: {mined[catalog]}}}
personas: {{n: 20, catalog: {mined[catalog]}}}
agents: [{{version: v1, connector: python, target: "convsim.domains.coffee.agent:make"}}]
execution: {{executor: local}}
output_dir: {mined["root"] / "runs"}
""")
    run_dir = run_campaign(load_campaign(path)).run_dir
    return pl.read_parquet(run_dir / "turns" / "*.parquet").sort(
        "conversation_id", "turn_index").select("conversation_id", "turn_index", "role", "text",
                                                "clean_text")


def test_the_mined_rate_is_the_real_share_of_question_only_conversations(mined) -> None:
    turns = pl.read_parquet(mined["real"] / "turns" / "*.parquet").sort(
        "conversation_id", "turn_index")
    customer = turns.filter(pl.col("role") == "customer")
    per = customer.group_by("conversation_id").agg(pl.col("text").first(), pl.len().alias("n"))
    only = per.filter((pl.col("n") == 1) & pl.col("text").str.contains("?", literal=True))
    rate, asked = asks_and_leaves(str(mined["fitted"]))["coffee_order"]
    assert 0 < len(asked) < only.height  # orders put as questions are left out
    assert rate == pytest.approx(len(asked) / per.height, abs=1 / per.height)
    assert set(asked) <= set(only["text"]) | {t.strip() for t in only["text"]}
    ordered = [t for t in only["text"] if t.lower().startswith("can i get")]
    assert ordered and not set(ordered) & set(asked)  # the barista had none: not a question
    assert asks_and_leaves(str(mined["fitted"] / "missing")) == {}


def test_fitted_customers_ask_and_leave_at_the_mined_rate_and_plain_ones_never(mined) -> None:
    rate, asked = asks_and_leaves(str(mined["fitted"]))["coffee_order"]
    turns = _run(mined, "fitted", "qa")
    assert turns.equals(_run(mined, "fitted", "qb"))  # deterministic per seed
    said = turns.with_columns(pl.col("clean_text").fill_null(pl.col("text")).alias("said"))
    customer = said.filter(pl.col("role") == "customer").group_by("conversation_id").agg(
        pl.col("said").first(), pl.len().alias("n"))
    only = customer.filter(pl.col("n") == 1)
    questions = only.filter(pl.col("said").is_in(asked))
    assert abs(questions.height - rate * N) <= 2, (questions.height, rate * N)
    assert questions["said"].n_unique() >= min(len(asked), questions.height) - 1  # spread
    plain = _run(mined, "plain", "qc").filter(pl.col("role") == "customer")
    assert not plain.filter(pl.col("text").is_in(asked) & pl.col("turn_index").eq(0)
                            ).join(plain.group_by("conversation_id").len().filter(
                                pl.col("len") == 1), on="conversation_id").height


def test_the_coffee_agent_answers_menu_questions_from_the_menu() -> None:
    assert "oat" in (menu_answer("What kinds of milk do you have?") or "")
    assert "hazelnut" in (menu_answer("Hi, do you have different types of sweeteners?") or "")
    assert "chai latte" in (menu_answer("Hi, what kind of black teas do you have?") or "")
    assert "latte" in (menu_answer("So what exactly do you have in terms of coffee drinks?")
                       or "")
    assert menu_answer("Can I get a latte?") is None  # an order, not a menu question
    assert menu_answer("What kinds of milk do you have") is None  # no question mark


def test_a_customer_who_asked_and_left_is_not_scored_against_the_agent(mined) -> None:
    """The agent was asked no order: process and goal are not applicable, with the reason,
    for exactly the conversations whose customer asked and left; the others are scored."""
    path = mined["root"] / "qs.yaml"
    path.write_text(f"""name: qs
seed: 11
scenarios: {{domain: coffee, n: {N}, catalog: {mined["fitted"]}}}
personas: {{n: 20, catalog: {mined["fitted"]}}}
agents: [{{version: v1, connector: python, target: "convsim.domains.coffee.agent:make"}}]
evaluators: [process, goal, escalation]
execution: {{executor: local}}
output_dir: {mined["root"] / "runs"}
""")
    run_dir = run_campaign(load_campaign(path)).run_dir
    convs = pl.read_parquet(run_dir / "conversations" / "*.parquet")
    left = {r["conversation_id"] for r in convs.iter_rows(named=True)
            if LEFT_UNASKED in dict(r["labels"])}
    assert left and len(left) < convs.height
    assert convs.filter(pl.col("conversation_id").is_in(left))["outcome"].unique().to_list() == [
        "abandoned"]
    process = pl.read_parquet(run_dir / "scores" / "*.parquet").filter(pl.col("metric") == "process")
    na = process.filter(pl.col("status") == "not_applicable")
    assert set(na["conversation_id"]) == left
    assert all("left without making its request" in r for r in na["rationale"])
    assert process.filter(~pl.col("conversation_id").is_in(left))["status"].unique().to_list() == [
        "scored"]
