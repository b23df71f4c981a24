"""How far the LLM judge can be trusted: its verdicts against reference labels, per metric.

The references are either the rule verdicts of the same run where a rule scores the same
thing (`RULE_REFERENCES`: the judge's task_success against `goal`, its groundedness
against `truthfulness`), or a CSV a team labels by hand (conversation_id, metric,
label pass/fail). For each judge metric: the pairs where both gave a verdict, the share
that agree, Cohen's kappa (agreement beyond chance) and the confusion counts; the judge's
inconclusive verdicts are counted apart, never as a pass or a fail.

The scores come in as a table (the `scores` of `analytics.load_runs`; the CLI,
`convsim judge calibrate`, loads them); nothing here reads run folders.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import polars as pl
from pydantic import BaseModel

RULE_REFERENCES: dict[str, tuple[str, str]] = {
    "task_success": ("goal", "goal"),
    "groundedness": ("truthfulness", "truthfulness"),
}
"""Judge metric -> (evaluator, metric) of the rule that scores the same thing."""
_LABELS = {"pass": True, "fail": False}


class CalibrationError(ValueError):
    """Unusable input (no judge score, no overlapping label, a bad CSV); ready to print."""


class MetricAgreement(BaseModel):
    """The judge against the references on one metric."""

    metric: str
    """Judge metric (without the `judge:` prefix)."""
    reference: str
    """Where the labels come from: `rule <evaluator>` (its metric of the same name) or
    `csv <file name>`."""
    n: int
    """Conversations where the judge and the reference both gave a verdict."""
    agreement: float | None
    """Share of those where they agree (None when n is 0)."""
    kappa: float | None
    """Cohen's kappa; None when n is 0 or both always gave the same single verdict."""
    pass_pass: int = 0
    """Judge pass, reference pass."""
    pass_fail: int = 0
    """Judge pass, reference fail."""
    fail_pass: int = 0
    """Judge fail, reference pass."""
    fail_fail: int = 0
    """Judge fail, reference fail."""
    inconclusive: int = 0
    """Labelled conversations the judge could not decide (not counted in n)."""


class Calibration(BaseModel):
    """Agreement per metric, and the judge metrics that had no reference."""

    metrics: list[MetricAgreement]
    without_reference: list[str]


def cohen_kappa(pass_pass: int, pass_fail: int, fail_pass: int, fail_fail: int) -> float | None:
    """Cohen's kappa of two raters' pass/fail verdicts from the confusion counts; None when it
    is undefined (no pair, or both raters always gave the same single verdict)."""
    n = pass_pass + pass_fail + fail_pass + fail_fail
    if n == 0:
        return None
    observed = (pass_pass + fail_fail) / n
    judge_pass, ref_pass = (pass_pass + pass_fail) / n, (pass_pass + fail_pass) / n
    chance = judge_pass * ref_pass + (1 - judge_pass) * (1 - ref_pass)
    return None if chance >= 1 else (observed - chance) / (1 - chance)


def read_labels(path: str | Path) -> pl.DataFrame:
    """A labels CSV (header conversation_id, metric, label; label pass or fail; metric with or
    without the `judge:` prefix) as conversation_id, metric, label (bool)."""
    p = Path(path)
    try:
        with p.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = {"conversation_id", "metric", "label"} - set(reader.fieldnames or [])
            if missing:
                raise CalibrationError(f"{p}: missing column(s) {', '.join(sorted(missing))} "
                                       "(expected conversation_id, metric, label)")
            rows = []
            for line, row in enumerate(reader, start=2):
                label = (row["label"] or "").strip().lower()
                if label not in _LABELS:
                    raise CalibrationError(f"{p}: line {line}: label must be pass or fail, "
                                           f"got {row['label']!r}")
                metric = (row["metric"] or "").strip().removeprefix("judge:")
                rows.append({"conversation_id": (row["conversation_id"] or "").strip(),
                             "metric": metric, "label": _LABELS[label]})
    except OSError as exc:
        raise CalibrationError(f"{p}: cannot read the labels: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise CalibrationError(f"{p}: not UTF-8 text ({exc.reason})") from None
    return pl.DataFrame(rows, schema={"conversation_id": pl.String, "metric": pl.String,
                                      "label": pl.Boolean})


def _judged(scores: pl.LazyFrame, metrics: Sequence[str] | None) -> pl.DataFrame:
    judged = (scores.filter(pl.col("evaluator") == "judge")
              .select("run_id", "conversation_id",
                      pl.col("metric").str.strip_prefix("judge:"), "status", "passed")
              .collect())
    if judged.is_empty():
        raise CalibrationError("no judge scores in the run(s): add `judge` to the campaign's "
                               "evaluators")
    if metrics:
        unknown = sorted(set(metrics) - set(judged["metric"]))
        if unknown:
            raise CalibrationError(f"no judge scores for metric(s) {', '.join(unknown)}; judged: "
                                   f"{', '.join(sorted(set(judged['metric'])))}")
        judged = judged.filter(pl.col("metric").is_in(list(metrics)))
    return judged


def _rule_labels(scores: pl.LazyFrame, metrics: list[str]) -> pl.DataFrame:
    frames = [scores.filter((pl.col("evaluator") == ev) & (pl.col("metric") == rule)
                            & (pl.col("status") == "scored") & pl.col("passed").is_not_null())
              .select("run_id", "conversation_id", metric=pl.lit(m), label=pl.col("passed"),
                      reference=pl.lit(f"rule {ev}" if ev == rule else f"rule {ev}:{rule}"))
              for m in metrics for ev, rule in [RULE_REFERENCES[m]]]
    if not frames:
        return pl.DataFrame(schema={"run_id": pl.String, "conversation_id": pl.String,
                                    "metric": pl.String, "label": pl.Boolean,
                                    "reference": pl.String})
    return pl.concat(frames).collect()


def calibrate_judge(scores: pl.LazyFrame, labels: str | Path | None = None,
                    metrics: Sequence[str] | None = None) -> Calibration:
    """Compare the judge's verdicts in `scores` with reference labels.

    Args:
        scores: a scores table (one or many runs).
        labels: a labels CSV; without it, the rule verdicts of the same runs.
        metrics: judge metrics to compare (default: every judged one).

    Raises:
        CalibrationError: no judge score, an unknown metric, a bad CSV, no conversation
            that has both a judge score and a reference label, or none the judge decided.
    """
    judged = _judged(scores, metrics)
    names = sorted(set(judged["metric"]))
    if labels is not None:
        table = read_labels(labels).with_columns(reference=pl.lit(f"csv {Path(labels).name}"))
        paired = judged.join(table, on=["conversation_id", "metric"], how="inner")
        without = [m for m in names if m not in set(table["metric"])]
    else:
        usable = [m for m in names if m in RULE_REFERENCES]
        paired = judged.join(_rule_labels(scores, usable), on=["run_id", "conversation_id", "metric"],
                             how="inner")
        without = [m for m in names if m not in RULE_REFERENCES]
    if paired.is_empty():
        where = f"the labels in {labels}" if labels is not None else (
            "the rule verdicts (" + ", ".join(f"{m} vs {ev}" for m, (ev, _) in RULE_REFERENCES.items())
            + ")")
        raise CalibrationError(f"no conversation has both a judge verdict and a label from {where}")
    rows = []
    for metric in names:
        part = paired.filter(pl.col("metric") == metric)
        if part.is_empty():
            if metric not in without:
                without.append(metric)
            continue
        decided = part.filter((pl.col("status") == "scored") & pl.col("passed").is_not_null())
        cells = {(j, r): decided.filter((pl.col("passed") == j) & (pl.col("label") == r)).height
                 for j in (True, False) for r in (True, False)}
        n = decided.height
        rows.append(MetricAgreement(
            metric=metric, reference=part["reference"][0], n=n,
            agreement=(cells[True, True] + cells[False, False]) / n if n else None,
            kappa=cohen_kappa(cells[True, True], cells[True, False], cells[False, True],
                              cells[False, False]),
            pass_pass=cells[True, True], pass_fail=cells[True, False],
            fail_pass=cells[False, True], fail_fail=cells[False, False],
            inconclusive=part.filter(pl.col("status") == "unscored").height))
    if not any(r.n for r in rows):
        undecided = sum(r.inconclusive for r in rows)
        reasons = (judged.filter(pl.col("status") == "unscored").height, judged.height)
        raise CalibrationError(
            f"nothing to compare: the judge decided none of the {undecided} labelled "
            f"conversations ({reasons[0]} of its {reasons[1]} verdicts in the run(s) are "
            "unscored: its answers were unusable, see the scores' rationale)")
    return Calibration(metrics=rows, without_reference=sorted(without))
