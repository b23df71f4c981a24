"""The release gate: a policy (YAML) applied to a run gives a verdict and an exit code.

`GatePolicy` is the policy file (configs/gate.yaml is the default, commented);
`gate_run` checks a candidate agent version against it — minimum size, error
ceilings, absolute thresholds per metric (overall and per segment), and "no
metric significantly worse than the baseline by more than a tolerance" (paired
McNemar, Holm across metrics and segments) — using `analytics.py`. The verdict
renders as markdown (a pull-request comment), JUnit XML (one test case per
rule) and JSON. `required_pairs` sizes a campaign for a given drop and power.
"""

from __future__ import annotations

import fnmatch
import math
from pathlib import Path
from statistics import NormalDist
from typing import Any, Literal
from xml.etree import ElementTree as ET

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from convsim.core.yaml_files import load_model
from convsim.decisions import analytics as an

INFRA_DOMINATED = 0.5
"""A version with at least this share of agent_error conversations makes the run unusable."""

Number = int | float | str | None


class RegressionPolicy(BaseModel):
    """When the candidate counts as worse than the baseline."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_drop: float = Field(0.05, ge=0, le=1)
    """Tolerance: a drop in pass rate (absolute, baseline - candidate) up to this is accepted."""
    alpha: float = Field(0.05, gt=0, lt=1)
    """Significance level of the one-sided test, for the whole family of tests."""
    correction: Literal["holm", "bonferroni", "none"] = "holm"
    """Multiple-comparison control across metrics x segments."""
    metrics: list[str] = Field(default_factory=lambda: ["*"])
    """Metrics compared (glob patterns, e.g. 'disclosure:*')."""


class GatePolicy(BaseModel):
    """A gate policy: what a candidate agent version must meet to ship."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_conversations: int = Field(50, ge=0)
    """Conversations of the candidate without infrastructure error needed for a verdict."""
    thresholds: dict[str, float] = Field(default_factory=lambda: {
        "goal": 0.8, "process": 0.8, "disclosure:*": 0.8})
    """Minimum pass rate per metric (keys may be glob patterns), overall and per segment."""
    segments: list[str] = Field(default_factory=lambda: ["intent", "perturbation"])
    """Conversation columns whose values are checked one by one (thresholds and regression)."""
    min_segment_n: int = Field(10, ge=1)
    """Scored conversations a segment needs before it is checked."""
    segment_thresholds: Literal["ci_high", "estimate", "off"] = "ci_high"
    """How a segment meets a threshold: fail only when its 95% upper bound is below
    (ci_high: segments are small, an estimate below would often be chance), when
    its estimate is below (estimate), or never (off). Overall rates use the estimate."""
    regression: RegressionPolicy | None = Field(default_factory=RegressionPolicy)
    """Comparison with the baseline version (null: thresholds only)."""
    max_agent_error_rate: float = Field(0.05, ge=0, le=1)
    """Ceiling on conversations ending in agent_error (unreachable, timeout, garbage)."""
    max_simulator_error_rate: float = Field(0.05, ge=0, le=1)
    """Ceiling on conversations ending in simulator_error (convsim's side)."""
    max_inconclusive_rate: float = Field(0.1, ge=0, le=1)
    """Ceiling on inconclusive verdicts: unscored scores of conversations without an
    infrastructure error (e.g. a failed LLM judge), plus outcome 'inconclusive'."""


class GateInputError(ValueError):
    """Unusable input (exit 2): no run, unknown version, infrastructure-dominated run."""


class RuleResult(BaseModel):
    """One checked rule: a JUnit test case."""

    rule: str
    """Kind: min_conversations, error_ceiling, threshold, regression."""
    name: str
    """What was checked, e.g. 'process [intent=cancel_order]'."""
    status: Literal["pass", "fail", "skip"]
    message: str
    numbers: dict[str, Number] = Field(default_factory=dict)


class GateVerdict(BaseModel):
    """The gate's decision with every rule and its numbers."""

    passed: bool
    exit_code: int
    candidate: str
    baseline: str | None
    comparison: str | None
    """paired | unpaired | None (no baseline)."""
    runs: list[str]
    baseline_runs: list[str]
    rules: list[RuleResult]
    policy: GatePolicy

    @property
    def failures(self) -> list[RuleResult]:
        return [r for r in self.rules if r.status == "fail"]


def load_policy(path: str | Path | None) -> GatePolicy:
    """The policy in a YAML file (ConfigError naming file and field), or the default."""
    return GatePolicy() if path is None else load_model(path, GatePolicy)


def _pick_versions(runs: an.Runs, baseline_runs: an.Runs | None, baseline: str | None,
                   candidate: str | None) -> tuple[str, str | None]:
    present = runs.versions()
    if not present:
        raise GateInputError(f"{', '.join(map(str, runs.run_dirs))}: the run has no conversations")
    if candidate is None:
        others = [v for v in present if baseline_runs is not None or v != baseline]
        if len(others) != 1:
            raise GateInputError(f"the run has versions {', '.join(present)}: name the one to "
                                 "gate with --candidate")
        candidate = others[0]
    if candidate not in present:
        raise GateInputError(f"--candidate: version {candidate!r} is not in the run "
                             f"(versions: {', '.join(present)})")
    if baseline is None and baseline_runs is not None:
        base_present = baseline_runs.versions()
        if candidate in base_present or len(base_present) == 1:
            baseline = candidate if candidate in base_present else base_present[0]
        else:
            raise GateInputError(f"the baseline run has versions {', '.join(base_present)}: "
                                 "name one with --baseline")
    if baseline is not None:
        base_present = (baseline_runs or runs).versions()
        if baseline not in base_present:
            raise GateInputError(f"--baseline: version {baseline!r} is not in the "
                                 f"{'baseline ' if baseline_runs else ''}run (versions: "
                                 f"{', '.join(base_present) or 'none'})")
    return candidate, baseline


def _error_rules(runs: an.Runs, policy: GatePolicy, version: str) -> tuple[list[RuleResult], int]:
    row = an.errors(runs).filter(pl.col("agent_version") == version).row(0, named=True)
    total = row["conversations"]
    infra = row["agent_error"] + row["simulator_error"]
    healthy = (runs.scores.filter(pl.col("agent_version") == version)
               .join(runs.conversations.filter(~pl.col("outcome").is_in(an.INFRA_OUTCOMES))
                     .select("run_id", "conversation_id"), on=["run_id", "conversation_id"])
               .filter(pl.col("status") != "not_applicable")
               .select(n=pl.len(), unscored=(pl.col("status") == "unscored").sum()).collect()
               .row(0, named=True))
    checks = [("agent_error", row["agent_error"], total, policy.max_agent_error_rate),
              ("simulator_error", row["simulator_error"], total, policy.max_simulator_error_rate),
              ("inconclusive", healthy["unscored"] + row["inconclusive"],
               healthy["n"] + row["inconclusive"], policy.max_inconclusive_rate)]
    rules = []
    for kind, count, n, ceiling in checks:
        rate = count / n if n else 0.0
        ok = rate <= ceiling
        rules.append(RuleResult(
            rule="error_ceiling", name=f"{kind} rate", status="pass" if ok else "fail",
            message=f"{version}: {kind} {count}/{n} = {rate:.1%} "
                    f"({'<=' if ok else '>'} ceiling {ceiling:.1%})",
            numbers={"version": version, "count": count, "n": n, "rate": rate,
                     "ceiling": ceiling}))
    return rules, total - infra


def _matches(metric: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(metric, p) for p in patterns)


def _threshold_rules(runs: an.Runs, policy: GatePolicy, version: str) -> list[RuleResult]:
    rules: list[RuleResult] = []
    segments = policy.segments if policy.segment_thresholds != "off" else []
    for seg in [None, *segments]:
        by = ["agent_version", "metric"] + ([seg] if seg else [])
        rates = an.pass_rates(runs, by=by).filter(
            (pl.col("agent_version") == version) & (pl.col("n_unique") > 0))
        if seg:
            rates = rates.filter(pl.col("n_unique") >= policy.min_segment_n)
        for pattern, minimum in policy.thresholds.items():
            rows = [r for r in rates.iter_rows(named=True)
                    if fnmatch.fnmatchcase(r["metric"], pattern)]
            if not rows and seg is None:
                rules.append(RuleResult(rule="threshold", name=f"{pattern} >= {minimum:.0%}",
                                        status="skip", message=f"no scored {pattern} in the run"))
            for r in rows:
                where = f" [{seg}={r[seg]}]" if seg else ""
                on_ci = seg is not None and policy.segment_thresholds == "ci_high"
                ok = (r["ci_high"] if on_ci else r["pass_rate"]) >= minimum
                judged = "upper bound " if on_ci else "rate "
                rules.append(RuleResult(
                    rule="threshold", name=f"{r['metric']}{where}", status="pass" if ok else "fail",
                    message=f"{version} {r['metric']}{where}: {r['passed']}/{r['n_unique']} = "
                            f"{r['pass_rate']:.1%} (95% CI {r['ci_low']:.1%}-{r['ci_high']:.1%}), "
                            f"{judged}{'>=' if ok else '<'} threshold {minimum:.1%}",
                    numbers={"version": version, "metric": r["metric"], "segment": seg,
                             "value": None if seg is None else str(r[seg]),
                             "passed": r["passed"], "n": r["n_unique"],
                             "rate": r["pass_rate"], "ci_low": r["ci_low"],
                             "ci_high": r["ci_high"], "threshold": minimum}))
    return rules


def adjust_p(pvalues: list[float], method: str) -> list[float]:
    """Holm, Bonferroni or no adjustment of a family of p-values (same order back)."""
    m = len(pvalues)
    if method == "none" or m == 0:
        return list(pvalues)
    if method == "bonferroni":
        return [min(1.0, p * m) for p in pvalues]
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def _regression_rules(runs: an.Runs, policy: GatePolicy, reg: RegressionPolicy, candidate: str,
                      baseline: str, baseline_runs: an.Runs | None) -> tuple[list[RuleResult], str]:
    paired = an.pairing_share(runs, baseline, candidate, baseline_runs) >= 0.5
    frames: list[tuple[str | None, dict[str, Any]]] = []
    for seg in [None, *policy.segments]:
        table = an.compare_versions(runs, baseline, candidate, by=["metric"] + ([seg] if seg else []),
                                    baseline_runs=baseline_runs, paired=paired)
        table = table.filter(pl.col("metric").map_elements(
            lambda m: _matches(m, reg.metrics), return_dtype=pl.Boolean))
        if seg:
            table = table.filter(pl.min_horizontal("n_baseline", "n_candidate") >= policy.min_segment_n)
        frames.extend((seg, r) for r in table.iter_rows(named=True))
    # Tests that cannot reach significance (no discordant pair, or no variance) never reject;
    # leaving them out of the family is Tarone's argument for discrete tests.
    live = [i for i, (_, r) in enumerate(frames)
            if (r["discordant_worse"] or 0) + (r["discordant_better"] or 0) > 0
            or (r["method"] == "unpaired" and r["p_worse"] < 1.0)]
    adjusted = dict(zip(live, adjust_p([frames[i][1]["p_worse"] for i in live], reg.correction),
                        strict=True))
    rules = []
    for i, (seg, r) in enumerate(frames):
        where = f" [{seg}={r[seg]}]" if seg else ""
        drop = r["baseline_rate"] - r["candidate_rate"]
        p_adj = adjusted.get(i, 1.0)
        failed = p_adj <= reg.alpha and drop > reg.max_drop
        pairs = (f"{r['n_pairs']} pairs, {r['discordant_worse']} worse / "
                 f"{r['discordant_better']} better" if r["method"] == "paired" else
                 f"unpaired, n {r['n_baseline']} vs {r['n_candidate']}")
        rules.append(RuleResult(
            rule="regression", name=f"{r['metric']}{where}", status="fail" if failed else "pass",
            message=f"{r['metric']}{where}: {baseline} {r['baseline_rate']:.1%} -> {candidate} "
                    f"{r['candidate_rate']:.1%} (diff {r['diff']:+.1%}, 95% CI {r['ci_low']:+.1%} to "
                    f"{r['ci_high']:+.1%}; {pairs}; {r['test']} one-sided p={r['p_worse']:.2g}, "
                    f"{reg.correction} p={p_adj:.2g}; tolerance {reg.max_drop:.1%}, "
                    f"alpha {reg.alpha})",
            numbers={"metric": r["metric"], "segment": seg,
                     "value": None if seg is None else str(r[seg]),
                     "baseline_rate": r["baseline_rate"], "candidate_rate": r["candidate_rate"],
                     "diff": r["diff"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                     "n_pairs": r["n_pairs"], "discordant_worse": r["discordant_worse"],
                     "discordant_better": r["discordant_better"], "n_baseline": r["n_baseline"],
                     "n_candidate": r["n_candidate"], "p_worse": r["p_worse"],
                     "p_adjusted": p_adj, "test": r["test"]}))
    return rules, "paired" if paired else "unpaired"


def gate_run(runs: an.Runs, policy: GatePolicy, candidate: str | None = None,
             baseline: str | None = None, baseline_runs: an.Runs | None = None,
             policy_source: str = "policy") -> GateVerdict:
    """Check the candidate version of `runs` against `policy` (and the baseline, if given).

    Raises GateInputError when the input cannot give a verdict (exit 2).
    """
    candidate, baseline = _pick_versions(runs, baseline_runs, baseline, candidate)
    runs = runs.with_text_hashes()
    baseline_runs = baseline_runs.with_text_hashes() if baseline_runs is not None else None
    columns = runs.conversations.collect_schema().names()
    for i, seg in enumerate(policy.segments):
        if seg not in columns:
            raise GateInputError(f"{policy_source}: segments.{i}: {seg!r} is not a column of the "
                                 f"conversations table ({', '.join(columns)})")
    involved = [(runs, candidate)] + ([(baseline_runs or runs, baseline)] if baseline else [])
    for r, version in involved:
        row = an.errors(r).filter(pl.col("agent_version") == version).row(0, named=True)
        if row["conversations"] and row["agent_error"] / row["conversations"] >= INFRA_DOMINATED:
            raise GateInputError(
                f"{version}: {row['agent_error']} of {row['conversations']} conversations hit "
                "infrastructure errors (agent unreachable, timing out or answering garbage): no "
                f"verdict possible from {', '.join(map(str, r.run_dirs))}")
    rules, usable = _error_rules(runs, policy, candidate)
    ok = usable >= policy.min_conversations
    rules.insert(0, RuleResult(
        rule="min_conversations", name="min_conversations", status="pass" if ok else "fail",
        message=f"{candidate}: {usable} conversations without infrastructure error "
                f"({'>=' if ok else '<'} {policy.min_conversations})",
        numbers={"version": candidate, "n": usable, "minimum": policy.min_conversations}))
    if usable == 0:
        raise GateInputError(f"{candidate}: no conversation without infrastructure error in "
                             f"{', '.join(map(str, runs.run_dirs))}")
    rules += _threshold_rules(runs, policy, candidate)
    comparison = None
    if baseline is not None and policy.regression is not None:
        reg_rules, comparison = _regression_rules(runs, policy, policy.regression, candidate,
                                                  baseline, baseline_runs)
        rules += reg_rules
    elif policy.regression is not None:
        rules.append(RuleResult(rule="regression", name="regression", status="skip",
                                message="no baseline version given (--baseline)"))
    passed = not any(r.status == "fail" for r in rules)
    return GateVerdict(passed=passed, exit_code=0 if passed else 1, candidate=candidate,
                       baseline=baseline, comparison=comparison,
                       runs=[str(d) for d in runs.run_dirs],
                       baseline_runs=[str(d) for d in (baseline_runs or runs).run_dirs],
                       rules=rules, policy=policy)


def verdict_markdown(v: GateVerdict) -> str:
    """A pull-request comment: the decision, what failed with its numbers, every rule folded."""
    head = "PASS" if v.passed else "FAIL"
    against = f" vs baseline **{v.baseline}** ({v.comparison})" if v.baseline else ""
    lines = [f"## convsim gate: {'✅' if v.passed else '❌'} {head}",
             "", f"Candidate **{v.candidate}**{against}; "
             f"{sum(r.status == 'pass' for r in v.rules)} passed, {len(v.failures)} failed, "
             f"{sum(r.status == 'skip' for r in v.rules)} skipped.", ""]
    if v.failures:
        lines += ["| rule | check | numbers |", "|---|---|---|"]
        lines += [f"| {r.rule} | {r.name} | {r.message.replace('|', '/')} |" for r in v.failures]
        lines.append("")
    lines += ["<details><summary>All rules</summary>", "", "| status | rule | check | numbers |",
              "|---|---|---|---|"]
    lines += [f"| {r.status} | {r.rule} | {r.name} | {r.message.replace('|', '/')} |"
              for r in v.rules]
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def verdict_junit(v: GateVerdict) -> str:
    """JUnit XML: one test case per rule; a failure's message carries the numbers."""
    suite = ET.Element("testsuite", name=f"convsim gate {v.candidate}", tests=str(len(v.rules)),
                       failures=str(len(v.failures)),
                       skipped=str(sum(r.status == "skip" for r in v.rules)))
    for r in v.rules:
        case = ET.SubElement(suite, "testcase", classname=f"convsim.gate.{r.rule}", name=r.name)
        if r.status == "fail":
            ET.SubElement(case, "failure", message=r.message, type=r.rule).text = r.message
        elif r.status == "skip":
            ET.SubElement(case, "skipped", message=r.message)
        else:
            ET.SubElement(case, "system-out").text = r.message
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


class SampleSize(BaseModel):
    """Paired conversations needed to detect a drop (McNemar, normal approximation)."""

    pairs: int
    """Pairs (conversations per version) needed."""
    conversations: int
    """Both versions together."""
    discordance: float
    """Assumed share of pairs whose outcome differs between versions."""
    baseline_rate: float
    candidate_rate: float
    power: float
    alpha: float
    comparisons: int


def required_pairs(baseline_rate: float, drop: float, power: float = 0.8, alpha: float = 0.05,
                   discordance: float | None = None, comparisons: int = 1) -> SampleSize:
    """Pairs for a one-sided paired McNemar test (Connor 1987):

        n = (z[1 - alpha/m] * sqrt(psi) + z[power] * sqrt(psi - drop^2))^2 / drop^2

    where psi is the discordance (share of pairs that differ) and m the number of
    comparisons (Bonferroni, the first step of Holm). Without a given psi, the two
    versions are assumed independent: psi = p0 (1 - p1) + p1 (1 - p0), p1 = p0 - drop,
    which is conservative (similar versions disagree less; psi >= drop always).
    """
    if not 0 < drop <= baseline_rate <= 1:
        raise ValueError(f"need 0 < drop <= baseline rate <= 1 (got drop {drop}, "
                         f"baseline rate {baseline_rate})")
    if not (0 < power < 1 and 0 < alpha < 1 and comparisons >= 1):
        raise ValueError("power and alpha must be in (0, 1) and comparisons at least 1")
    p1 = baseline_rate - drop
    psi = discordance if discordance is not None else baseline_rate * (1 - p1) + p1 * (1 - baseline_rate)
    if not drop <= psi <= 1:
        raise ValueError(f"discordance must be between the drop ({drop}) and 1, got {psi}")
    z = NormalDist().inv_cdf
    n = (z(1 - alpha / comparisons) * math.sqrt(psi) + z(power) * math.sqrt(psi - drop * drop)) ** 2
    pairs = math.ceil(n / (drop * drop))
    return SampleSize(pairs=pairs, conversations=2 * pairs, discordance=psi,
                      baseline_rate=baseline_rate, candidate_rate=p1, power=power, alpha=alpha,
                      comparisons=comparisons)
