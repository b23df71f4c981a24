"""The release gate: a policy (YAML) applied to a run gives a verdict and an exit code.

`GatePolicy` is the policy file (configs/gate.yaml is the default, commented);
`gate_run` checks a candidate agent version against it — size and error
ceilings (convsim's own failures give "no verdict", exit 2, never "blocked"),
safety rules with zero tolerance on the candidate's own violations, absolute
thresholds per metric (overall and per segment), and "no metric significantly
worse than the baseline by more than a tolerance" (one-sided paired McNemar,
Holm across metrics and segments) with the power of each of those tests —
using `analytics.py`. `gate_render.py` groups the failed checks into findings
and renders markdown (a pull-request comment), JUnit XML and JSON;
`power.py` sizes a campaign (`convsim plan-size`).

Size: over 400 lines because it holds each of the policy's checks (size and ceilings,
safety, thresholds, regression, power); the policy and verdict models are in gate_model,
rendering in gate_render, the unpaired test in unpaired.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import replace
from typing import Any, Literal

import polars as pl

from convsim.decisions import analytics as an
from convsim.decisions.gate_model import (
    BUDGET_STOPPED,
    INFRA_DOMINATED,
    GateInputError,
    GatePolicy,
    GateVerdict,
    PowerRow,
    RegressionPolicy,
    RuleResult,
    load_policy,
)
from convsim.decisions.power import (
    SampleSize,
    detectable_drop,
    detectable_drop_unpaired,
    plan_size_command,
    required_pairs,
    required_per_version,
)
from convsim.decisions.unpaired import Stratum, cmh_worse

__all__ = ["GateInputError", "GatePolicy", "GateVerdict", "RuleResult", "SampleSize", "gate_run",
           "load_policy", "required_pairs", "verdict_junit", "verdict_markdown"]


def _why_no_version(runs: an.Runs, which: str = "") -> str:
    """What the run lacks when no conversation names an agent version, in words."""
    where = ", ".join(map(str, runs.run_dirs))
    row = runs.conversations.select(n=pl.len(), unnamed=pl.col("agent_version").is_null().sum(),
                                    budget=(pl.col("outcome") == BUDGET_STOPPED).sum()
                                    ).collect().row(0, named=True)
    if row["n"] == 0:
        return f"{where}: the {which}run has no conversations (conversations/ is empty)"
    if row["unnamed"]:
        # Production transcripts scored by `convsim evaluate` name no version unless told.
        return (f"{where}: agent_version is empty in {row['unnamed']} conversation"
                f"{'s' * (row['unnamed'] != 1)}: pass --agent-version to convsim ingest or "
                "convsim evaluate (or map the version's field when ingesting)")
    return (f"{where}: all {row['budget']} conversations of the {which}run were stopped by the "
            "LLM budget, none was scored")


def _pick_versions(runs: an.Runs, baseline_runs: an.Runs | None, baseline: str | None,
                   candidate: str | None) -> tuple[str, str | None]:
    present = runs.versions()
    if not present:
        raise GateInputError(_why_no_version(runs))
    if baseline_runs is not None and not baseline_runs.versions():
        raise GateInputError("--baseline-run " + _why_no_version(baseline_runs, "baseline "))
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


def without_budget_stopped(runs: an.Runs) -> tuple[an.Runs, dict[str, int]]:
    """The runs without the conversations the LLM budget stopped (kept in the run, never
    scored: neither the agent's failure nor convsim's), and their count per version."""
    stopped = (runs.conversations.filter(pl.col("outcome") == BUDGET_STOPPED)
               .select("run_id", "conversation_id", "agent_version").collect())
    if stopped.is_empty():
        return runs, {}
    counts = {str(v): int(n) for v, n in stopped.group_by("agent_version").len()
              .sort("agent_version").iter_rows()}
    keys = stopped.select("run_id", "conversation_id").lazy()

    def keep(lf: pl.LazyFrame) -> pl.LazyFrame:
        return lf.join(keys, on=["run_id", "conversation_id"], how="anti")

    return replace(runs, conversations=keep(runs.conversations), turns=keep(runs.turns),
                   tool_calls=keep(runs.tool_calls), scores=keep(runs.scores),
                   text_hashes=None), counts


def _budget_line(candidate: str, baseline: str | None, counts: dict[str, int],
                 base_counts: dict[str, int]) -> str | None:
    parts = [(candidate, counts.get(candidate, 0))]
    if baseline is not None:
        parts.append((f"{baseline} (baseline)" if baseline == candidate else baseline,
                      base_counts.get(baseline, 0)))
    total = sum(n for _, n in parts)
    if not total:
        return None
    each = ", ".join(f"{v} {n}" for v, n in parts if n)
    return (f"{total} conversation{'s' * (total != 1)} stopped by the budget, not scored "
            f"({each}; left out of every check)")


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
        # convsim's own failures (simulator, judge) say nothing about the agent: no verdict.
        bad = "fail" if kind == "agent_error" else "no_verdict"
        rules.append(RuleResult(
            rule="error_ceiling", name=f"{kind} rate", status="pass" if ok else bad,
            message=f"{version}: {kind} {count}/{n} = {rate:.1%} "
                    f"({'<=' if ok else '>'} ceiling {ceiling:.1%})",
            numbers={"version": version, "count": count, "n": n, "rate": rate,
                     "ceiling": ceiling}))
    return rules, total - infra


def _matches(metric: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(metric, p) for p in patterns)


def _pack_rules(runs: an.Runs) -> tuple[list[Any], str | None]:
    """The rules of the run's domain pack (and of its scenario templates), or a note why not."""
    from convsim.core.packs.discovery import find_domain

    path = runs.run_dirs[0] / "manifest.json"
    try:
        manifest = json.loads(path.read_text()) if path.exists() else {}
        ref = ((manifest.get("config") or {}).get("scenarios") or {}).get("domain") \
            or manifest.get("domain")
        if not ref:
            return [], None
        pack = find_domain(str(ref))
    except Exception as exc:  # noqa: BLE001 - a pack that no longer loads only loses the kinds
        return [], (f"domain pack of the run not loaded ({type(exc).__name__}: "
                    f"{str(exc)[:120]}): safety rules found by name only")
    rules = list(pack.rules) + [r for t in pack.scenarios for r in t.expectations.rules]
    return rules, None


def safety_metrics(runs: an.Runs, policy: GatePolicy, metrics: list[str]) -> tuple[list[str],
                                                                                   list[str]]:
    """The run's metrics that are safety rules, and notes (e.g. the pack could not be read)."""
    if policy.safety is None:
        return [], []
    found = {m for m in metrics if _matches(m, policy.safety.metrics)}
    notes: list[str] = []
    if any(m.startswith("rule:") for m in metrics):
        rules, note = _pack_rules(runs)
        notes += [note] if note else []
        for r in rules:
            critical = policy.safety.critical_rules and getattr(r, "severity", None) == "critical"
            if (r.kind in policy.safety.rule_kinds or critical) and f"rule:{r.name}" in metrics:
                found.add(f"rule:{r.name}")
    return sorted(found), notes


def _safety_rules(runs: an.Runs, policy: GatePolicy, version: str,
                  metrics: list[str]) -> list[RuleResult]:
    if policy.safety is None or not metrics:
        return []
    rates = an.pass_rates(runs, by=["agent_version", "metric"]).filter(
        (pl.col("agent_version") == version) & pl.col("metric").is_in(metrics))
    ceiling = policy.safety.max_violations
    rules = []
    for r in rates.iter_rows(named=True):
        n = int(r["n_unique"])
        if n == 0:
            continue
        bad = n - int(r["passed"])
        ok = bad <= ceiling
        lo, hi = 1 - r["ci_high"], 1 - r["ci_low"]
        rules.append(RuleResult(
            rule="safety", name=r["metric"], status="pass" if ok else "fail",
            message=f"{version} {r['metric']}: {bad} violation{'s' * (bad != 1)} in {n} "
                    f"conversations ({bad / n:.1%}, 95% CI {lo:.1%}-{hi:.1%}); ceiling "
                    f"{ceiling} (a safety rule: the candidate's own count, whatever the baseline)",
            numbers={"version": version, "metric": r["metric"], "segment": None, "value": None,
                     "violations": bad, "n": n, "passed": int(r["passed"]),
                     "rate": bad / n, "ci_low": lo, "ci_high": hi, "ceiling": ceiling}))
    return rules


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


def _power_row(r: dict[str, Any], seg: str | None, reg: RegressionPolicy,
               tested: bool) -> PowerRow | None:
    pairs = int(r["n_pairs"] if r["method"] == "paired" else min(r["n_baseline"],
                                                                 r["n_candidate"]))
    p0 = float(r["baseline_rate"])
    if reg.max_drop <= 0 or p0 < reg.max_drop or pairs == 0:
        return None  # a drop of max_drop cannot happen (or any drop fails): nothing to size
    if r["method"] == "paired":
        mdd = detectable_drop(p0, pairs, reg.power, reg.alpha)
        needed = required_pairs(p0, reg.max_drop, reg.power, reg.alpha).pairs
        command: str | None = plan_size_command(p0, reg.max_drop, reg.power, reg.alpha)
    else:  # two independent sets (a canary and its control): conversations per version
        mdd = detectable_drop_unpaired(p0, pairs, reg.power, reg.alpha)
        needed = required_per_version(p0, reg.max_drop, reg.power, reg.alpha)
        command = plan_size_command(p0, reg.max_drop, reg.power, reg.alpha, unpaired=True)
    return PowerRow(metric=r["metric"], segment=None if seg is None else f"{seg}={r[seg]}",
                    pairs=pairs, baseline_rate=p0, detectable_drop=mdd, tested=tested,
                    underpowered=mdd is None or mdd > reg.max_drop + 1e-9,
                    pairs_needed=needed, plan_size=command)


STRATUM = "intent"
"""Unpaired comparisons are stratified by this conversation column (see `unpaired.py`)."""


def _unpaired_strata(runs: an.Runs, baseline_runs: an.Runs | None, baseline: str,
                     candidate: str, seg: str | None
                     ) -> dict[tuple[Any, ...], tuple[list[Stratum], float]]:
    """(metric, segment value) -> the per-intent counts of both versions and the larger
    design effect of the two, for the stratified test of two sets without pairs."""
    columns = runs.conversations.collect_schema().names()
    strat = [STRATUM] if STRATUM in columns and seg != STRATUM else []
    group = ["agent_version", "metric", *([seg] if seg else [])]
    sides = []
    for r, version in ((baseline_runs or runs, baseline), (runs, candidate)):
        cells = an.pass_rates(r, by=[*group, *strat], dedupe=True).filter(
            (pl.col("agent_version") == version) & (pl.col("n_unique") > 0))
        deff = an.pass_rates(r, by=group).filter(pl.col("agent_version") == version)
        sides.append((cells, {tuple(row[c] for c in group[1:]): row["design_effect"]
                              for row in deff.iter_rows(named=True)}))
    counts: dict[tuple[Any, ...], dict[Any, list[int]]] = {}
    for side, (cells, _) in enumerate(sides):
        for row in cells.iter_rows(named=True):
            cell = counts.setdefault(tuple(row[c] for c in group[1:]), {}).setdefault(
                row[STRATUM] if strat else None, [0, 0, 0, 0])
            cell[2 * side], cell[2 * side + 1] = int(row["passed"]), int(row["n_unique"])
    return {key: ([Stratum(*c) for _, c in sorted(cells.items(), key=lambda kv: str(kv[0]))],
                  max(sides[0][1].get(key) or 1.0, sides[1][1].get(key) or 1.0))
            for key, cells in counts.items()}


def _stratified(r: dict[str, Any], seg: str | None,
                strata: dict[tuple[Any, ...], tuple[list[Stratum], float]]) -> dict[str, Any]:
    """An unpaired comparison row with the stratified test's p-value and difference."""
    found = strata.get((r["metric"], r[seg]) if seg else (r["metric"],))
    if found is None:
        return r
    res = cmh_worse(*found)
    if seg == STRATUM:  # one intent: the two-proportion case of the same test
        test = "Cochran-Mantel-Haenszel within one intent"
    else:
        test = (f"Cochran-Mantel-Haenszel by intent ({res.strata} "
                f"{'stratum' if res.strata == 1 else 'strata'})")
    return {**r, "p_worse": res.p_worse, "test": test, "one_intent_only": res.one_side_only,
            "diff": r["diff"] if res.risk_difference is None else res.risk_difference}


def _regression_rules(runs: an.Runs, policy: GatePolicy, reg: RegressionPolicy, candidate: str,
                      baseline: str, baseline_runs: an.Runs | None
                      ) -> tuple[list[RuleResult], str, list[PowerRow], pl.DataFrame]:
    paired = an.pairing_share(runs, baseline, candidate, baseline_runs) >= 0.5
    frames: list[tuple[str | None, dict[str, Any]]] = []
    power: list[PowerRow] = []
    one_side = an.one_side_only(runs, baseline, candidate, baseline_runs=baseline_runs)
    if not paired:  # no pairs at all: "one side only" has no meaning (each side is a set)
        one_side = one_side.clear()
    for seg in [None, *policy.segments]:
        by = ["metric"] + ([seg] if seg else [])
        table = an.compare_versions(runs, baseline, candidate, by=by,
                                    baseline_runs=baseline_runs, paired=paired)
        table = table.filter(pl.col("metric").map_elements(
            lambda m: _matches(m, reg.metrics), return_dtype=pl.Boolean))
        if seg:  # a segment no conversation has a value of (e.g. perturbation in production)
            table = table.filter(pl.col(seg).is_not_null())
        strata = {} if paired else _unpaired_strata(runs, baseline_runs, baseline, candidate,
                                                    seg)
        for r in table.iter_rows(named=True):
            if not paired:
                r = _stratified(r, seg, strata)
            tested = not seg or min(r["n_baseline"], r["n_candidate"]) >= policy.min_segment_n
            row = _power_row(r, seg, reg, tested)
            power += [row] if row else []
            if tested:
                frames.append((seg, r))
    sides = {r["metric"]: r for r in one_side.iter_rows(named=True)}
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
        drop = -r["diff"]  # stratified by intent when unpaired
        p_adj = adjusted.get(i, 1.0)
        failed = p_adj <= reg.alpha and drop > reg.max_drop
        pairs = (f"{r['n_pairs']} pairs, {r['discordant_worse']} worse / "
                 f"{r['discordant_better']} better" if r["method"] == "paired" else
                 f"unpaired, n {r['n_baseline']} vs {r['n_candidate']}"
                 + (f", {r['one_intent_only']} in intents only one side has (not in the test)"
                    if r.get("one_intent_only") else ""))
        side = sides.get(r["metric"]) if seg is None else None
        within = " within intents" if "by intent" in str(r["test"]) else ""
        only = (f"; scored on one side only: {side['only_candidate']} candidate, "
                f"{side['only_baseline']} baseline (not in the test)"
                if side and (side["only_candidate"] or side["only_baseline"]) else "")
        rules.append(RuleResult(
            rule="regression", name=f"{r['metric']}{where}", status="fail" if failed else "pass",
            message=f"{r['metric']}{where}: {baseline} {r['baseline_rate']:.1%} -> {candidate} "
                    f"{r['candidate_rate']:.1%} (diff {r['diff']:+.1%}{within}, 95% CI "
                    f"{r['ci_low']:+.1%} to "
                    f"{r['ci_high']:+.1%}; {pairs}; {r['test']} one-sided p={r['p_worse']:.2g}, "
                    f"{reg.correction} p={p_adj:.2g}; tolerance {reg.max_drop:.1%}, "
                    f"alpha {reg.alpha}){only}",
            numbers={"metric": r["metric"], "segment": seg,
                     "value": None if seg is None else str(r[seg]),
                     "baseline_rate": r["baseline_rate"], "candidate_rate": r["candidate_rate"],
                     "diff": r["diff"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                     "n_pairs": r["n_pairs"], "discordant_worse": r["discordant_worse"],
                     "discordant_better": r["discordant_better"], "n_baseline": r["n_baseline"],
                     "n_candidate": r["n_candidate"], "p_worse": r["p_worse"],
                     "p_adjusted": p_adj, "test": r["test"],
                     "one_intent_only": r.get("one_intent_only"),
                     "only_candidate": side["only_candidate"] if side else 0,
                     "only_baseline": side["only_baseline"] if side else 0}))
    return rules, "paired" if paired else "unpaired", power, one_side


def _no_verdict(candidate: str, baseline: str | None, runs: an.Runs,
                baseline_runs: an.Runs | None, policy: GatePolicy, rules: list[RuleResult],
                reason: str, counts: str = "") -> GateVerdict:
    from convsim.decisions.gate_render import build_findings

    verdict = GateVerdict(status="no_verdict", passed=False, exit_code=2, reason=reason,
                          candidate=candidate, baseline=baseline, comparison=None, counts=counts,
                          runs=[str(d) for d in runs.run_dirs],
                          baseline_runs=[str(d) for d in (baseline_runs or runs).run_dirs],
                          rules=rules, policy=policy)
    return verdict.model_copy(update={"findings": build_findings(verdict, runs, baseline_runs)})


def gate_run(runs: an.Runs, policy: GatePolicy, candidate: str | None = None,
             baseline: str | None = None, baseline_runs: an.Runs | None = None,
             policy_source: str = "policy") -> GateVerdict:
    """Check the candidate version of `runs` against `policy` (and the baseline, if given).

    The verdict's status is pass (exit 0), fail (exit 1) or no_verdict (exit 2: the agent
    never answered, too few conversations, convsim's own errors above their ceilings, or
    underpowered tests under `strict`). Raises GateInputError when the input names
    something the run lacks (a version, a segment column).
    """
    from convsim.decisions.gate_render import build_findings

    candidate, baseline = _pick_versions(runs, baseline_runs, baseline, candidate)
    runs, stopped = without_budget_stopped(runs)
    base_stopped = stopped
    if baseline_runs is not None:
        baseline_runs, base_stopped = without_budget_stopped(baseline_runs)
    for r, version, which in [(runs, candidate, "candidate"),
                              *([(baseline_runs or runs, baseline, "baseline")] if baseline
                                else [])]:
        if version not in r.versions():
            n = (base_stopped if which == "baseline" else stopped).get(version, 0)
            raise GateInputError(f"{which} {version}: all {n} of its conversations were stopped "
                                 "by the LLM budget: nothing was scored")
    extra: dict[str, Any] = {
        "budget_line": _budget_line(candidate, baseline, stopped, base_stopped),
        "budget_stopped": {"candidate": stopped.get(candidate, 0),
                           **({"baseline": base_stopped.get(baseline, 0)} if baseline else {})}}
    runs = runs.with_text_hashes()
    baseline_runs = baseline_runs.with_text_hashes() if baseline_runs is not None else None
    columns = runs.conversations.collect_schema().names()
    for i, seg in enumerate(policy.segments):
        if seg not in columns:
            raise GateInputError(f"{policy_source}: segments.{i}: {seg!r} is not a column of the "
                                 f"conversations table ({', '.join(columns)})")
    counts = an.conversation_counts(runs).get(candidate, (0, 0))
    phrase = an.count_phrase(*counts)
    involved = [(runs, candidate)] + ([(baseline_runs or runs, baseline)] if baseline else [])
    for r, version in involved:
        row = an.errors(r).filter(pl.col("agent_version") == version).row(0, named=True)
        if row["conversations"] and row["agent_error"] / row["conversations"] >= INFRA_DOMINATED:
            why = (f"{version}: {row['agent_error']} of {row['conversations']} conversations "
                   "hit infrastructure errors (agent unreachable, timing out or answering "
                   "garbage): no verdict possible")
            rule = RuleResult(rule="error_ceiling", name="agent reachable", status="no_verdict",
                              message=why, numbers={"version": version,
                                                       "count": row["agent_error"],
                                                       "n": row["conversations"]})
            return _no_verdict(candidate, baseline, runs, baseline_runs, policy, [rule], why,
                               phrase).model_copy(update=extra)
    rules, usable = _error_rules(runs, policy, candidate)
    ok = usable >= policy.min_conversations
    rules.insert(0, RuleResult(
        rule="min_conversations", name="min_conversations", status="pass" if ok else "no_verdict",
        message=f"{candidate}: {usable} conversations without infrastructure error "
                f"({'>=' if ok else '<'} {policy.min_conversations})",
        numbers={"version": candidate, "n": usable, "minimum": policy.min_conversations}))
    blocked = [r for r in rules if r.status == "no_verdict"]
    if blocked:
        return _no_verdict(candidate, baseline, runs, baseline_runs, policy, rules,
                           "; ".join(r.message for r in blocked), phrase).model_copy(update=extra)
    metrics = sorted(runs.scores.filter(pl.col("agent_version") == candidate)
                     .select(pl.col("metric").unique()).collect().to_series().to_list())
    safe, notes = safety_metrics(runs, policy, metrics)
    for r, which in [(runs, "run"), *([(baseline_runs, "baseline run")] if baseline_runs
                                      else [])]:
        unnamed = r.conversations.filter(pl.col("agent_version").is_null()).select(
            pl.len()).collect().item()
        if unnamed:
            notes.append(f"agent_version is empty in {unnamed} conversation"
                         f"{'s' * (unnamed != 1)} of the {which}: left out (pass "
                         "--agent-version to convsim ingest or convsim evaluate)")
    rules += _safety_rules(runs, policy, candidate, safe)
    rules += _threshold_rules(runs, policy, candidate)
    comparison: str | None = None
    power: list[PowerRow] = []
    one_side: list[dict[str, Any]] = []
    if baseline is not None and policy.regression is not None:
        reg_rules, comparison, power, sides = _regression_rules(
            runs, policy, policy.regression, candidate, baseline, baseline_runs)
        rules += reg_rules
        one_side = [r for r in sides.to_dicts() if r["only_candidate"] or r["only_baseline"]]
    elif policy.regression is not None:
        rules.append(RuleResult(rule="regression", name="regression", status="skip",
                                message="no baseline version given (--baseline)"))
    failed = any(r.status == "fail" for r in rules)
    weak = [p for p in power if p.underpowered]
    status: Literal["pass", "fail", "no_verdict"] = "fail" if failed else "pass"
    reason: str | None = None
    if weak and policy.strict and not failed:
        status = "no_verdict"
        reason = (f"strict: {len(weak)} metric x segment comparisons cannot detect a "
                  f"{policy.regression.max_drop if policy.regression else 0:.1%} drop")
    verdict = GateVerdict(
        status=status, passed=status == "pass",
        exit_code={"pass": 0, "fail": 1, "no_verdict": 2}[status], reason=reason,
        candidate=candidate, baseline=baseline, comparison=comparison, counts=phrase,
        runs=[str(d) for d in runs.run_dirs],
        baseline_runs=[str(d) for d in (baseline_runs or runs).run_dirs],
        power=power, safety_metrics=safe, one_side_only=one_side, notes=notes, rules=rules,
        policy=policy, **extra)
    return verdict.model_copy(update={"findings": build_findings(verdict, runs, baseline_runs)})


def verdict_markdown(v: GateVerdict, report_href: str | None = "report.html") -> str:
    """A pull-request comment: the decision and one line per finding (see `gate_render`)."""
    from convsim.decisions.gate_render import markdown

    return markdown(v, report_href)


def verdict_junit(v: GateVerdict) -> str:
    """JUnit XML: one test case per rule; a failure's message carries the numbers."""
    from convsim.decisions.gate_render import junit

    return junit(v)
