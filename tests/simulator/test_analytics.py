"""The analytics API over hand-made runs: statistics against known values."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from convsim.core.results import ResultWriter
from convsim.decisions.analytics import (
    AnalyticsError,
    compare_versions,
    errors,
    flips,
    load_runs,
    mcnemar_exact,
    pass_hat_k,
    pass_rates,
)


def conv(cid: str, version: str, pair: str, scenario: str, rep: int = 0, text: str | None = None,
         outcome: str = "completed", intent: str = "cancel_order", emotion: str = "calm",
         perturbation: str = "clean") -> dict[str, Any]:
    """Rows of one conversation; `text` defaults to something unique to the conversation."""
    row = {"conversation_id": cid, "agent_version": version, "pair_id": pair,
           "scenario_id": scenario, "persona_id": "p-1", "perturbation": perturbation,
           "repetition": rep, "intent": intent, "outcome": outcome, "persona_emotion": emotion,
           "domain": "retail"}
    turns = [{"conversation_id": cid, "agent_version": version, "turn_index": 0,
              "role": "customer", "text": text if text is not None else f"hello from {cid}"}]
    return {"conversation": row, "turns": turns}


def score(c: dict[str, Any], metric: str, passed: bool | None, status: str = "scored"
          ) -> dict[str, Any]:
    row = c["conversation"]
    return {k: row[k] for k in ("conversation_id", "agent_version", "scenario_id", "intent",
                                "perturbation", "pair_id", "repetition", "domain")} | {
        "evaluator": metric, "metric": metric, "passed": passed, "status": status}


def write_run(root: Path, convs: list[dict[str, Any]], scores: list[dict[str, Any]],
              calls: list[dict[str, Any]] | None = None, run_id: str = "r1") -> Path:
    run = root / "camp" / run_id
    writer = ResultWriter(run, run_id)
    for s in scores:
        s.setdefault("run_id", run_id)
    writer.write_part({"conversations": [c["conversation"] | {"run_id": run_id} for c in convs],
                       "turns": [t | {"run_id": run_id} for c in convs for t in c["turns"]],
                       "tool_calls": calls or [], "scores": scores})
    return run


def binary_run(root: Path, outcomes: list[tuple[bool, bool]], run_id: str = "r1") -> Path:
    """One independent spec per pair: (baseline passed, candidate passed) for metric m."""
    convs, scores = [], []
    for i, (b, c) in enumerate(outcomes):
        for version, passed in (("v1", b), ("v2", c)):
            cv = conv(f"c{i}-{version}", version, f"pair{i}", f"s{i}")
            convs.append(cv)
            scores.append(score(cv, "m", passed))
    return write_run(root, convs, scores, run_id=run_id)


@pytest.mark.parametrize(("passed", "n", "low", "high"), [
    # Newcombe (1998), Statistics in Medicine 17:857, table I, method 3 (Wilson score).
    (81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718)])
def test_wilson_interval_matches_newcombe(tmp_path: Path, passed: int, n: int, low: float,
                                          high: float) -> None:
    outcomes = [(i < passed, True) for i in range(n)]
    rates = pass_rates(load_runs(binary_run(tmp_path, outcomes)))
    row = rates.filter(pl.col("agent_version") == "v1").row(0, named=True)
    assert (row["passed"], row["n_unique"], row["design_effect"]) == (passed, n, 1.0)
    assert row["ci_low"] == pytest.approx(low, abs=6e-5)
    assert row["ci_high"] == pytest.approx(high, abs=6e-5)


@pytest.mark.parametrize(("passed", "n"), [(0, 1), (1, 1), (3, 7), (81, 263), (199, 200), (500, 1000)])
def test_wilson_interval_is_scipys_for_the_plain_interval(passed: int, n: int) -> None:
    from scipy.stats import binomtest

    from convsim.decisions.analytics import wilson_interval
    ci = binomtest(passed, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert wilson_interval(passed, n) == pytest.approx((ci.low, ci.high), abs=1e-9)


def test_exact_mcnemar_known_values() -> None:
    # b=10, c=2: 2 * P(X >= 10 | n=12, 1/2) = 2 * 79 / 4096
    assert mcnemar_exact(10, 2) == pytest.approx(2 * 79 / 4096)
    assert mcnemar_exact(10, 2) == pytest.approx(0.03857421875)
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(3, 3) == 1.0
    assert mcnemar_exact(6, 0) == pytest.approx(2 / 64)


def test_compare_versions_paired(tmp_path: Path) -> None:
    # 10 pairs v1 pass / v2 fail, 2 the other way, 28 concordant (20 both pass, 8 both fail).
    outcomes = [(True, False)] * 10 + [(False, True)] * 2 + [(True, True)] * 20 + [(False, False)] * 8
    runs = load_runs(binary_run(tmp_path, outcomes))
    row = compare_versions(runs, "v1", "v2").row(0, named=True)
    assert row["method"] == "paired" and row["test"] == "exact McNemar"
    assert (row["n_pairs"], row["discordant_worse"], row["discordant_better"]) == (40, 10, 2)
    assert row["baseline_rate"] == pytest.approx(30 / 40)
    assert row["candidate_rate"] == pytest.approx(22 / 40)
    assert row["diff"] == pytest.approx(-8 / 40)
    assert row["p_value"] == pytest.approx(0.03857421875)
    assert row["p_worse"] == pytest.approx(79 / 4096)
    assert row["ci_low"] < row["diff"] < row["ci_high"] < 0
    flipped = flips(runs, "v1", "v2")
    assert flipped.height == 12
    assert flipped["direction"].value_counts().sort("direction").rows() == [("improved", 2),
                                                                           ("regressed", 10)]
    assert flipped.filter(pl.col("pair_id") == "pair0").row(0, named=True)[
        "candidate_conversation_id"] == "c0-v2"


def test_repetitions_that_differ_are_clustered(tmp_path: Path) -> None:
    convs, scores = [], []
    for s in range(4):  # 4 specs x 3 differing repetitions, all regressed
        for rep in range(3):
            for version, passed in (("v1", True), ("v2", False)):
                cv = conv(f"c{s}{rep}{version}", version, f"p{s}{rep}", f"s{s}", rep=rep)
                convs.append(cv)
                scores.append(score(cv, "m", passed))
    runs = load_runs(write_run(tmp_path, convs, scores))
    row = compare_versions(runs, "v1", "v2").row(0, named=True)
    assert row["test"] == "clustered McNemar" and row["n_pairs"] == 12
    # Durkalski: S = 4 * 3, V = 4 * 3^2 -> z = 2, weaker than 12 independent pairs would be.
    assert row["p_worse"] == pytest.approx(1 - 0.9772498680518208)


def test_identical_repetitions_count_once(tmp_path: Path) -> None:
    convs, scores = [], []
    for rep in range(3):  # byte-identical repetitions of one spec
        cv = conv(f"c{rep}", "v1", f"p{rep}", "s1", rep=rep, text="same words")
        convs.append(cv)
        scores.append(score(cv, "m", True))
    other = conv("c9", "v1", "p9", "s2", text="other words")
    convs.append(other)
    scores.append(score(other, "m", False))
    row = pass_rates(load_runs(write_run(tmp_path, convs, scores))).row(0, named=True)
    assert (row["scored"], row["n_unique"], row["passed"]) == (4, 2, 1)
    assert row["pass_rate"] == 0.5


def test_pass_hat_k_hand_example(tmp_path: Path) -> None:
    convs, scores = [], []
    for spec, passes in (("a", [True, True, False]), ("b", [True, True, True])):
        for rep, passed in enumerate(passes):
            cv = conv(f"{spec}{rep}", "v1", f"{spec}{rep}", spec, rep=rep)
            convs.append(cv)
            scores.append(score(cv, "m", passed))
    runs = load_runs(write_run(tmp_path, convs, scores))
    # spec a: n=3, c=2 -> C(2,2)/C(3,2) = 1/3; spec b: 1. Mean 2/3.
    assert pass_hat_k(runs, 2)["pass_hat_k"].item() == pytest.approx(2 / 3)
    assert pass_hat_k(runs, 1)["pass_hat_k"].item() == pytest.approx(5 / 6)
    assert pass_hat_k(runs, 3)["pass_hat_k"].item() == pytest.approx(0.5)
    assert pass_hat_k(runs, 4).height == 0  # no spec has 4 repetitions
    assert math.comb(2, 2) / math.comb(3, 2) == pytest.approx(1 / 3)


def test_breakdown_by_conversation_column_and_errors(tmp_path: Path) -> None:
    a = conv("c1", "v1", "p1", "s1", emotion="calm")
    b = conv("c2", "v1", "p2", "s2", emotion="frustrated")
    c = conv("c3", "v1", "p3", "s3", outcome="agent_error")
    d = conv("c4", "v1", "p4", "s4", outcome="simulator_error")
    scores = [score(a, "m", True), score(b, "m", False), score(c, "m", None, "unscored"),
              score(d, "m", None, "unscored")]
    calls = [{"conversation_id": "c2", "agent_version": "v1", "run_id": "r1", "seq": i,
              "tool": "teleport", "status": "unknown_tool"} for i in range(2)]
    runs = load_runs(write_run(tmp_path, [a, b, c, d], scores, calls))
    by = pass_rates(runs, by=("agent_version", "metric", "persona_emotion"))
    assert by.select("persona_emotion", "passed", "n_unique").rows() == [
        ("calm", 1, 1), ("frustrated", 0, 1)]
    err = errors(runs).row(0, named=True)
    assert (err["conversations"], err["agent_error"], err["simulator_error"], err["unknown_tool"],
            err["unscored"]) == (4, 1, 1, 1, 2)
    with pytest.raises(AnalyticsError, match="unknown column"):
        pass_rates(runs, by=("agent_version", "metric", "shoe_size"))


def test_load_runs_globs_campaign_folders_and_run_ids(tmp_path: Path) -> None:
    binary_run(tmp_path, [(True, True)], run_id="r1")
    binary_run(tmp_path, [(True, False)], run_id="r2")
    for target in (tmp_path / "camp", str(tmp_path / "camp" / "r*"),
                   [tmp_path / "camp" / "r1", tmp_path / "camp" / "r2"]):
        runs = load_runs(target)
        assert sorted(runs.scores.select("run_id").unique().collect()["run_id"]) == ["r1", "r2"]
    with pytest.raises(AnalyticsError, match="no run folder"):
        load_runs(tmp_path / "nowhere")


def test_unpaired_fallback_across_runs(tmp_path: Path) -> None:
    base = load_runs(binary_run(tmp_path, [(True, True)] * 30, run_id="r1"))
    cand_dir = tmp_path / "other"
    outcomes = [(False, False)] * 30  # different pair ids: nothing pairs
    convs, scores = [], []
    for i, (_, passed) in enumerate(outcomes):
        cv = conv(f"x{i}", "v1", f"other{i}", f"t{i}")
        convs.append(cv)
        scores.append(score(cv, "m", passed))
    cand = load_runs(write_run(cand_dir, convs, scores))
    row = compare_versions(cand, "v1", "v1", baseline_runs=base).row(0, named=True)
    assert row["method"] == "unpaired" and row["n_pairs"] is None
    assert (row["baseline_rate"], row["candidate_rate"]) == (1.0, 0.0)
    assert row["p_worse"] < 1e-6
