"""The LLM judge, offline: rubric verdicts by majority vote, inconclusive on bad answers or
disagreement, the cache, the cost, and `judge calibrate`.

Every judge call goes through litellm for real, to the scripted OpenAI-compatible server
on 127.0.0.1 (tests/llm_server.py); its address and a fake key go into the environment
when this module is imported, as in tests/simulator/test_llm.py.
"""

from __future__ import annotations

import asyncio
import csv
import importlib.util
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sklearn.metrics import cohen_kappa_score
from typer.testing import CliRunner

from convsim.cli import judge as judge_cmd
from convsim.core.campaign_file import load_campaign
from convsim.core.config import ConfigError, JudgeConfig, LLMConfig
from convsim.core.records import Conversation, Score
from convsim.core.registry import evaluators
from convsim.engine.campaign import run_campaign
from convsim.evaluators.calibrate import cohen_kappa
from convsim.evaluators.judge import RUBRIC_VERSION, RUBRICS, build_prompt, render_transcript

TESTS = Path(__file__).resolve().parents[1]


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


llm_server = _load("llm_server", TESTS / "llm_server.py")
b = _load("eval_builders", TESTS / "evaluators" / "builders.py")

KEY = "sk-test-JUDGE456"
SERVER, server = llm_server.shared_server(KEY)
text, error = llm_server.text, llm_server.error
runner = CliRunner()

METRIC = re.compile(r"^# Metric: (\w+)$", re.MULTILINE)
AGENT_TURN = re.compile(r"^\[(\d+)\] agent: (.+)$", re.MULTILINE)



def answer(verdict: str = "pass", *, line: int = 1, turns: list[int] | None = None,
           quote: str = "Your order #W1 has been cancelled", reason: str = "scripted") -> Any:
    return text(json.dumps({"verdict": verdict, "rubric_line": line,
                            "evidence_turns": [1] if turns is None else turns,
                            "quote": quote, "reason": reason}))


def judge_rule(decide: Callable[[str, str], str]) -> Callable[[dict[str, Any]], Any]:
    """A judge that reads the prompt: `decide(metric, transcript)` says pass, fail or garbage;
    a verdict cites the first agent turn and quotes its start."""

    def rule(body: dict[str, Any]) -> Any:
        prompt = body["messages"][-1]["content"]
        metric = METRIC.search(prompt).group(1)  # type: ignore[union-attr]
        transcript = prompt.split("# Transcript\n", 1)[1].split("\n# Answer", 1)[0]
        what = decide(metric, transcript)
        if what == "garbage":
            return text("Overall the agent did a fine job, I would say.")
        index, said = AGENT_TURN.findall(transcript)[0]
        return answer(what, line=2 if what == "fail" else 1, turns=[int(index)], quote=said[:40],
                      reason=f"scripted {metric}")

    return rule


def run_judge(conv: Conversation, scen: Any = None, **judge: Any) -> dict[str, Score]:
    llm = LLMConfig(cache_dir=judge.pop("cache_dir", None), retries=0)
    ev = evaluators.create("judge", judge=JudgeConfig(model=judge.pop("model", "openai/test-judge"),
                                                      **judge), llm=llm)
    scores = asyncio.run(ev.aevaluate(conv, scen or b.scenario("retail", "cancel_order")))
    return {s.metric: s for s in scores}


def cancelled() -> Conversation:
    return b.conversation(
        ("customer", "Please cancel my order #W1, I ordered it by mistake."),
        ("agent", "Your order #W1 has been cancelled. Anything else?",
         b.call("cancel_pending_order", order_id="#W1", result={"status": "cancelled"})),
        ("customer", "No, thanks."))


# --------------------------------------------------------------------------- one conversation


def test_prompt_numbers_the_rubric_and_shows_turns_tool_calls_and_policy() -> None:
    conv = b.conversation(
        ("customer", "cancel #W1 " + "please " * 300),
        ("agent", "Checking.", b.call("get_order_details", "error", {"error": "not found"},
                                      order_id="#W1")))
    shown = render_transcript(conv)
    assert shown.splitlines()[0].startswith("[0] customer: cancel #W1 please")
    assert "… [+" in shown.splitlines()[0]                                   # cut, and says so
    assert ('    tool call #0 get_order_details({"order_id": "#W1"}) -> error: '
            '{"error": "not found"}') in shown
    scen = b.scenario("telecom", "refuel_data")
    prompt = build_prompt("groundedness", conv, scen)[1]["content"]
    assert f"# Rubric ({RUBRIC_VERSION})\n1. Every fact" in prompt and "\n4. The agent" in prompt
    assert "# Business policy\n" in prompt and "refuel_data goal" in prompt
    assert "# Business policy" not in build_prompt("tone", conv, scen)[1]["content"]
    long = b.conversation(*[("agent" if i % 2 else "customer", f"message {i} " + "x" * 700)
                            for i in range(80)])
    shown = render_transcript(long)
    assert shown.startswith("[0] customer") and shown.endswith("x" * 10)
    assert re.search(r"\[\.\.\. \d+ turns left out \.\.\.\]", shown) and "[79] agent" in shown
    assert len(shown) < 26_000


def test_unanimous_verdicts_are_scored_with_evidence_rubric_line_and_cost(server) -> None:
    server.rule = lambda body: answer("pass", line=2, reason="the agent said it was done")
    scores = run_judge(cancelled())
    assert set(scores) == {f"judge:{m}" for m in RUBRICS} and server.count == 12
    tone = scores["judge:tone"]
    assert tone.status == "scored" and tone.passed is True and tone.value == 1.0
    assert tone.evidence == [1] and tone.evaluator == "judge"
    assert tone.judge_model == f"openai/test-judge|{RUBRIC_VERSION}|t=0.7|n=3"
    assert tone.rationale.startswith(f'pass by rubric line 2 ({RUBRICS["tone"].lines[1][:20]}')
    assert '"Your order #W1 has been cancelled"' in tone.rationale
    assert "the agent said it was done; agreement 1.00 (3 pass, 0 fail of 3)" in tone.rationale
    assert tone.cost_usd is None                                  # the test model has no price
    temperatures = {r["temperature"] for r in server.requests}
    assert temperatures == {0.7} and {r["model"] for r in server.requests} == {"test-judge"}


def test_a_priced_model_records_the_cost_and_the_cache_answers_again(server, tmp_path: Path) -> None:
    server.rule = lambda body: answer("fail", line=3)
    conv = cancelled()
    scores = run_judge(conv, model="openai/gpt-4o-mini", metrics=["task_success"],
                       cache_dir=str(tmp_path / "cache"))
    score = scores["judge:task_success"]
    assert score.passed is False and score.status == "scored" and score.value == 0.0
    assert score.cost_usd is not None and score.cost_usd > 0
    assert conv.llm.calls == 3 and conv.llm.known_cost_usd == pytest.approx(score.cost_usd)
    again = run_judge(cancelled(), model="openai/gpt-4o-mini", metrics=["task_success"],
                      cache_dir=str(tmp_path / "cache"))["judge:task_success"]
    assert server.count == 3                          # three samples, three cache entries
    assert again.rationale == score.rationale and again.cost_usd == 0.0


@pytest.mark.parametrize(("reply", "problem"), [
    (text("The agent was great."), "no JSON object in the answer"),
    (text('{"verdict": "pass", "rubric_line": 1'), "no JSON object in the answer"),
    (text('```json\n{"verdict": "pass", "rubric_line": 1,}\n```'), "invalid JSON"),
    (answer("maybe"), "invalid answer: verdict: input should be 'pass' or 'fail'"),
    (text('{"verdict": "pass", "rubric_line": 1, "quote": "x", "reason": "y"}'),
     "invalid answer: evidence_turns: field required"),
    (answer(line=9), "rubric line 9 does not exist (1-3)"),
    (answer(turns=[42]), "evidence turn(s) [42] do not exist"),
    (answer(turns=[]), "no evidence turn"),
    (answer(quote="I refunded you $500"), "the quote is not in the conversation"),
    (error(401, message="bad key"), "judge call failed: openai/test-judge: AuthenticationError"),
])
def test_unusable_answers_are_inconclusive_never_pass_or_fail(server, reply: Any, problem: str) -> None:
    server.rule = lambda body: reply
    score = run_judge(cancelled(), metrics=["tone"])["judge:tone"]
    assert score.status == "unscored" and score.passed is None and score.value is None
    assert score.rationale.startswith("inconclusive: the judge's answers are unusable "
                                      "(0 pass, 0 fail, 3 unusable of 3): ")
    assert problem in score.rationale, score.rationale
    assert score.judge_model and score.evidence == []


def test_one_unusable_answer_is_outvoted(server) -> None:
    server.push(answer("pass"), text("no idea"), answer("pass"))
    score = run_judge(cancelled(), metrics=["tone"])["judge:tone"]
    assert score.status == "scored" and score.passed is True and score.value == round(2 / 3, 4)
    assert "agreement 0.67 (2 pass, 0 fail, 1 unusable of 3)" in score.rationale


@pytest.mark.parametrize(("min_agreement", "samples", "status", "passed", "says"), [
    (0.8, 3, "unscored", None, "inconclusive: the judges disagree (2 pass, 1 fail of 3; "
                               "agreement 0.67 < 0.8)"),
    (0.6, 3, "scored", True, "pass by rubric line 1"),
    (0.5, 2, "unscored", None, "inconclusive: the judges split evenly (1 pass, 1 fail of 2)"),
])
def test_split_votes_are_decided_by_the_agreement_threshold(
        server, min_agreement: float, samples: int, status: str, passed: bool | None,
        says: str) -> None:
    server.push(answer("pass"), answer("fail"), answer("pass"))
    score = run_judge(cancelled(), metrics=["clarity"], samples=samples,
                      min_agreement=min_agreement)["judge:clarity"]
    assert (score.status, score.passed) == (status, passed)
    assert score.rationale.startswith(says), score.rationale
    assert server.count == samples


def test_samples_are_separate_cache_entries_and_unknown_metrics_are_config_errors(
        server, tmp_path: Path) -> None:
    server.push(answer("pass"), answer("fail"), answer("pass"))
    first = run_judge(cancelled(), metrics=["tone"], min_agreement=0.8,
                      cache_dir=str(tmp_path / "c"))["judge:tone"]
    again = run_judge(cancelled(), metrics=["tone"], min_agreement=0.8,
                      cache_dir=str(tmp_path / "c"))["judge:tone"]
    assert server.count == 3 and first.rationale == again.rationale  # the split vote, cached
    assert "2 pass, 1 fail of 3" in again.rationale
    with pytest.raises(ConfigError, match="unknown metric.*'politeness'.*task_success"):
        evaluators.create("judge", judge=JudgeConfig(metrics=["tone", "politeness"]))


def test_without_an_event_loop_evaluate_runs_the_judge(server) -> None:
    """`convsim evaluate` scores historical transcripts with the synchronous `evaluate`."""
    server.rule = lambda body: answer("pass")
    ev = evaluators.create("judge", judge=JudgeConfig(model="openai/test-judge", metrics=["tone"]),
                           llm=LLMConfig(cache_dir=None))
    [score] = ev.evaluate(cancelled(), b.scenario("retail", "cancel_order"))
    assert score.metric == "judge:tone" and score.passed is True and server.count == 3


def test_the_documented_rubrics_are_the_ones_in_use() -> None:
    doc = (TESTS.parent / "docs" / "judge.md").read_text(encoding="utf-8")
    assert f"## Rubrics (version `{RUBRIC_VERSION}`)" in doc
    for metric, rubric in RUBRICS.items():
        assert f"### `{metric}`: {rubric.question}" in doc
        for i, line in enumerate(rubric.lines, 1):
            assert f"\n{i}. {line}\n" in doc, (metric, i)


def test_broken_and_silent_conversations_are_not_judged(server) -> None:
    broken = cancelled()
    broken.error = "agent unreachable"
    [score] = run_judge(broken, metrics=["tone"]).values()
    assert score.status == "unscored" and score.rationale == "not scored: agent unreachable"
    [score] = run_judge(b.conversation(("customer", "hello?")), metrics=["tone"]).values()
    assert score.status == "not_applicable"
    assert server.count == 0


# --------------------------------------------------------------------------- a campaign

CAMPAIGN = """\
name: judged
seed: 3
scenarios: {{domain: retail, n: 5}}
personas: {{n: 5}}
perturbations: [clean, backend_outage]
agents:
  - {{version: v1, connector: python, reference: "retail:v1"}}
  - {{version: v2, connector: python, reference: "retail:v2"}}
evaluators: [goal, truthfulness, judge]
judge: {{model: openai/test-judge, samples: 3}}
llm: {{cache_dir: {cache}}}
execution: {{executor: local}}
output_dir: {out}
"""


def campaign_judge(metric: str, transcript: str) -> str:
    """Fails task success and groundedness after a failed tool call, finds clarity
    unjudgeable when a tool timed out, and likes the tone."""
    if metric == "clarity":
        return "garbage" if "-> timeout" in transcript else "pass"
    if metric in ("task_success", "groundedness"):
        return "fail" if re.search(r"-> (error|timeout)", transcript) else "pass"
    return "pass"


@pytest.fixture(scope="module")
def judged_run(tmp_path_factory: pytest.TempPathFactory):
    """The campaign run twice with the same cache: (first run dir, second run dir, judge
    requests of the first run, of the second)."""
    tmp = tmp_path_factory.mktemp("judged")
    path = tmp / "campaign.yaml"
    path.write_text(CAMPAIGN.format(cache=tmp / "cache", out=tmp / "runs"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OPENAI_BASE_URL", SERVER.base_url)
        mp.setenv("OPENAI_API_KEY", KEY)
        SERVER.reset(judge_rule(campaign_judge))
        config = load_campaign(path)
        first = run_campaign(config, out_dir=tmp / "first")
        calls = SERVER.count
        second = run_campaign(config, out_dir=tmp / "second")
        again = SERVER.count - calls
        SERVER.reset()
    return first.run_dir, second.run_dir, calls, again


def _scores(run_dir: Path) -> pl.DataFrame:
    return pl.read_parquet(run_dir / "scores" / "*.parquet")


def test_campaign_writes_judge_scores_and_a_rerun_makes_no_judge_request(judged_run) -> None:
    first, second, calls, again = judged_run
    scores = _scores(first)
    judge = scores.filter(pl.col("evaluator") == "judge")
    conversations = pl.read_parquet(first / "conversations" / "*.parquet")
    n = conversations.height
    assert n == 20 and calls == n * 4 * 3 and again == 0
    assert sorted(set(judge["metric"])) == sorted(f"judge:{m}" for m in RUBRICS)
    assert set(judge["judge_model"]) == {f"openai/test-judge|{RUBRIC_VERSION}|t=0.7|n=3"}
    scored = judge.filter(pl.col("status") == "scored")
    assert all(len(e) == 1 for e in scored["evidence"]) and scored["cost_usd"].null_count() == scored.height
    task = judge.filter(pl.col("metric") == "judge:task_success")
    assert set(task["passed"]) == {True, False}
    assert all(r.startswith(("pass by rubric line 1", "fail by rubric line 2")) for r in task["rationale"])
    clarity = judge.filter(pl.col("metric") == "judge:clarity")
    inconclusive = clarity.filter(pl.col("status") == "unscored")
    assert 0 < inconclusive.height < n and inconclusive["passed"].null_count() == inconclusive.height
    assert all(r.startswith("inconclusive: ") for r in inconclusive["rationale"])
    # The judge's calls count in the conversations' LLM usage (and so against the budget).
    assert set(conversations["llm_calls"]) == {12}
    rerun = pl.read_parquet(second / "conversations" / "*.parquet")
    assert set(rerun["llm_calls"]) == {0} and set(rerun["llm_cache_hits"]) == {12}
    same = _scores(second).filter(pl.col("evaluator") == "judge")
    key = ["conversation_id", "metric"]
    assert (same.sort(key).select(*key, "status", "passed", "rationale", "evidence").equals(
        judge.sort(key).select(*key, "status", "passed", "rationale", "evidence")))


def _expected(judge: pl.DataFrame, ref: pl.DataFrame) -> tuple[int, float, int]:
    """n, kappa (scikit-learn) and inconclusive of the judge against `ref` (id, label)."""
    pairs = judge.join(ref, on="conversation_id")
    decided = pairs.filter(pl.col("status") == "scored")
    kappa = cohen_kappa_score(decided["passed"].to_list(), decided["label"].to_list())
    return decided.height, float(kappa), pairs.filter(pl.col("status") == "unscored").height


def _row(output: str, metric: str) -> list[str]:
    return next(row.split() for row in output.splitlines() if row.strip().startswith(metric + " "))


def test_calibrate_against_the_rule_verdicts_prints_kappa(judged_run) -> None:
    first = judged_run[0]
    result = runner.invoke(judge_cmd.app, ["calibrate", str(first)])
    assert result.exit_code == 0, result.output
    assert "kappa" in result.output
    scores = _scores(first)
    for metric, rule in (("task_success", "goal"), ("groundedness", "truthfulness")):
        judge = scores.filter(pl.col("metric") == f"judge:{metric}")
        ref = scores.filter((pl.col("metric") == rule) & (pl.col("status") == "scored")).select(
            "conversation_id", label=pl.col("passed"))
        n, kappa, inconclusive = _expected(judge, ref)
        row = _row(result.output, metric)
        assert row[:3] == [metric, "rule", rule] and int(row[3]) == n > 0
        assert (row[5] == "n/a" if kappa != kappa else float(row[5]) == pytest.approx(kappa, abs=0.005))
        assert int(row[-1]) == inconclusive
    assert "tone: no reference label (give --labels)" in result.output
    data = json.loads(runner.invoke(judge_cmd.app, ["calibrate", str(first), "--json",
                                                    "-m", "task_success"]).output)
    [task] = data["metrics"]
    assert task["metric"] == "task_success" and task["kappa"] is not None
    assert task["pass_pass"] + task["pass_fail"] + task["fail_pass"] + task["fail_fail"] == task["n"]


def test_calibrate_against_a_labels_csv(judged_run, tmp_path: Path) -> None:
    first = judged_run[0]
    scores = _scores(first)
    ids = sorted(set(scores["conversation_id"]))
    labels = tmp_path / "labels.csv"
    rows = [(cid, "clarity", "pass" if i % 3 else "fail") for i, cid in enumerate(ids)]
    rows += [(cid, "judge:task_success", "fail" if i % 2 else "pass") for i, cid in enumerate(ids)]
    rows += [("c-unknown", "tone", "pass")]
    with labels.open("w", newline="") as f:
        csv.writer(f).writerows([("conversation_id", "metric", "label"), *rows])
    result = runner.invoke(judge_cmd.app, ["calibrate", str(first), "--labels", str(labels)])
    assert result.exit_code == 0, result.output
    for metric in ("clarity", "task_success"):
        ref = pl.DataFrame([(c, lab == "pass") for c, m, lab in rows
                            if m.removeprefix("judge:") == metric],
                           schema=["conversation_id", "label"], orient="row")
        n, kappa, inconclusive = _expected(
            scores.filter(pl.col("metric") == f"judge:{metric}"), ref)
        row = _row(result.output, metric)
        assert row[1:3] == ["csv", "labels.csv"] and int(row[3]) == n
        assert float(row[5]) == pytest.approx(kappa, abs=0.005)
        assert int(row[-1]) == inconclusive
        assert (inconclusive > 0) == (metric == "clarity")       # reported apart, not in n
        assert n + inconclusive == len(ids)
    assert "tone: no reference label" in result.output


def test_calibrate_unusable_input_exits_2_with_one_line(judged_run, tmp_path: Path) -> None:
    first = judged_run[0]
    no_overlap = tmp_path / "other.csv"
    no_overlap.write_text("conversation_id,metric,label\nc-nope,tone,pass\n")
    bad = tmp_path / "bad.csv"
    bad.write_text("conversation_id,metric,label\nc-1,tone,good\n")
    rules_only = tmp_path / "rules-only"
    shutil.copytree(first, rules_only)
    for part in (rules_only / "scores").glob("*.parquet"):
        pl.read_parquet(part).filter(pl.col("evaluator") != "judge").write_parquet(part)
    for args, message in [
        ([str(first), "--labels", str(no_overlap)], "no conversation has both a judge verdict"),
        ([str(first), "--labels", str(bad)], "line 2: label must be pass or fail, got 'good'"),
        ([str(first), "--labels", str(tmp_path / "missing.csv")], "cannot read the labels"),
        ([str(first), "-m", "politeness"], "no judge scores for metric(s) politeness"),
        ([str(rules_only)], "no judge scores in the run(s)"),
        ([str(tmp_path / "nowhere")], "no run folder found"),
    ]:
        result = runner.invoke(judge_cmd.app, ["calibrate", *args])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output and len(result.output.strip().splitlines()) == 1, result.output
        assert "Traceback" not in result.output


@pytest.mark.parametrize("cells", [(5, 1, 2, 4), (3, 0, 0, 3), (0, 4, 4, 0), (2, 3, 1, 0)])
def test_kappa_matches_scikit_learn(cells: tuple[int, int, int, int]) -> None:
    pp, pf, fp, ff = cells
    judge = [1] * (pp + pf) + [0] * (fp + ff)
    ref = [1] * pp + [0] * pf + [1] * fp + [0] * ff
    assert cohen_kappa(*cells) == pytest.approx(cohen_kappa_score(judge, ref))
    assert cohen_kappa(4, 0, 0, 0) is None and cohen_kappa(0, 0, 0, 0) is None
