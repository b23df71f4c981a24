"""What a release manager reads: the gate's failed checks grouped by root cause, as markdown
(a pull-request comment, one screen), and every check as JUnit XML.

A metric that fails overall, per intent and per profile is one finding naming its worst
segment, with links to example transcripts in the HTML report (`report.html#conv-<id>`,
written by `convsim report`). `gate.py` builds the verdict; the JSON is the verdict itself.
"""

from __future__ import annotations

from typing import Any, Literal
from xml.etree import ElementTree as ET

import polars as pl

from convsim.decisions import analytics as an
from convsim.decisions.gate_model import Finding, GateVerdict, RuleResult

MAX_EXAMPLES = 3
MAX_SEGMENTS_NAMED = 3
_ORDER = {"no_verdict": 0, "safety": 1, "regression": 2, "threshold": 3, "errors": 4}


def _seg(r: RuleResult) -> str | None:
    seg, value = r.numbers.get("segment"), r.numbers.get("value")
    return None if seg is None else f"{seg}={value}"


def _num(r: RuleResult, key: str) -> float:
    value = r.numbers.get(key)
    return float(value) if isinstance(value, int | float) else 0.0


def _drop(r: RuleResult) -> float:
    return _num(r, "baseline_rate") - _num(r, "candidate_rate")


def _regression_text(r: RuleResult, v: GateVerdict) -> str:
    n = r.numbers
    pairs = (f"{n['n_pairs']} pairs, {n['discordant_worse']} worse / {n['discordant_better']} "
             "better" if n.get("n_pairs") is not None else
             f"n {n['n_baseline']} vs {n['n_candidate']}")
    method = v.policy.regression.correction if v.policy.regression else "none"
    label = "p" if method == "none" else f"{method} p"
    return (f"{v.baseline} {_num(r, 'baseline_rate'):.1%} → {v.candidate} "
            f"{_num(r, 'candidate_rate'):.1%} ({pairs}, {label}={_num(r, 'p_adjusted'):.2g})")


def _threshold_text(r: RuleResult) -> str:
    n = r.numbers
    return (f"{n['passed']}/{n['n']} = {_num(r, 'rate'):.1%} (95% CI {_num(r, 'ci_low'):.0%}–"
            f"{_num(r, 'ci_high'):.0%}) < {_num(r, 'threshold'):.0%}")


def _examples(runs: an.Runs, baseline_runs: an.Runs | None, v: GateVerdict, metric: str,
              kind: str, worst: RuleResult | None) -> list[str]:
    seg = worst.numbers.get("segment") if worst is not None else None
    value = worst.numbers.get("value") if worst is not None else None
    if kind == "regression" and v.baseline is not None:
        rows = an.flips(runs, v.baseline, v.candidate, metric, baseline_runs).filter(
            pl.col("direction") == "regressed")
        ids, scen = "candidate_conversation_id", "scenario_id"
    else:
        rows = (runs.scores.filter((pl.col("agent_version") == v.candidate)
                                   & (pl.col("metric") == metric) & (pl.col("status") == "scored")
                                   & ~pl.col("passed").fill_null(False))
                .sort("scenario_id", "conversation_id").collect())
        ids, scen = "conversation_id", "scenario_id"
    if isinstance(seg, str) and seg in rows.columns and value is not None:
        narrowed = rows.filter(pl.col(seg).cast(pl.String) == str(value))
        rows = narrowed if narrowed.height else rows
    if rows.is_empty():
        return []
    # One per scenario first: three examples of the same scenario teach nothing new.
    first = rows.unique(subset=[scen], keep="first", maintain_order=True)[ids].to_list()
    rest = [c for c in rows[ids].to_list() if c not in first]
    return (first + rest)[:MAX_EXAMPLES]


def _finding(metric: str, failed: list[RuleResult], v: GateVerdict, runs: an.Runs,
             baseline_runs: an.Runs | None) -> Finding:
    by_kind: dict[str, list[RuleResult]] = {}
    for r in failed:
        by_kind.setdefault(r.rule, []).append(r)
    kind: Literal["safety", "regression", "threshold"] = next(
        k for k in ("safety", "regression", "threshold") if k in by_kind)
    main = by_kind[kind]
    overall = next((r for r in main if _seg(r) is None), None)
    segs = [r for r in main if _seg(r) is not None]
    if kind == "regression":
        segs.sort(key=lambda r: (-_drop(r), _num(r, "p_adjusted"), -_num(r, "n_pairs")))
    else:
        segs.sort(key=lambda r: (_num(r, "rate"), -_num(r, "n")))
    worst = segs[0] if segs else None
    if kind == "safety":
        n = overall.numbers if overall else {}
        text = (f"**{metric}** (safety rule, zero tolerance): {n.get('violations')} violations "
                f"in {n.get('n')} conversations ({_num(overall, 'rate') if overall else 0:.1%}, "
                f"95% CI {_num(overall, 'ci_low') if overall else 0:.1%}–"
                f"{_num(overall, 'ci_high') if overall else 0:.1%}), ceiling {n.get('ceiling')}")
    elif kind == "regression":
        text = (f"**{metric}** regressed: {_regression_text(overall, v)} overall" if overall
                else f"**{metric}** regressed in {len(segs)} segment{'s' * (len(segs) != 1)}")
        if worst is not None:
            text += f"; worst in **{_seg(worst)}**: {_regression_text(worst, v)}"
    else:
        text = (f"**{metric}** below its threshold: {_threshold_text(overall)} overall"
                if overall else f"**{metric}** below its threshold in {len(segs)} "
                f"segment{'s' * (len(segs) != 1)}")
        if worst is not None:
            text += f"; worst in **{_seg(worst)}**: {_threshold_text(worst)}"
    others = [s for s in dict.fromkeys(_seg(r) for r in segs[1:]) if s]
    if others:
        more = len(others) - MAX_SEGMENTS_NAMED
        text += "; also " + ", ".join(others[:MAX_SEGMENTS_NAMED]) + (
            f" (+{more} more)" if more > 0 else "")
    extra = [k for k in by_kind if k != kind]
    if extra:
        text += "; also fails " + " and ".join(
            f"{len(by_kind[k])} {k} check{'s' * (len(by_kind[k]) != 1)}" for k in extra)
    segments = list(dict.fromkeys(s for s in (_seg(r) for r in failed) if s))
    return Finding(kind=kind, metric=metric, summary=text,
                   worst_segment=_seg(worst) if worst else None, segments=segments,
                   checks=len(failed),
                   examples=_examples(runs, baseline_runs, v, metric, kind, worst))


def build_findings(v: GateVerdict, runs: an.Runs, baseline_runs: an.Runs | None
                   ) -> list[Finding]:
    """Failed checks grouped by root cause: one finding per metric, worst segment named."""
    findings: list[Finding] = []
    if v.status == "no_verdict" and v.reason:
        findings.append(Finding(kind="no_verdict", metric=None, summary=v.reason,
                                checks=sum(r.status == "no_verdict" for r in v.rules) or 1))
    by_metric: dict[str, list[RuleResult]] = {}
    for r in v.failures:
        metric = r.numbers.get("metric")
        if isinstance(metric, str):
            by_metric.setdefault(metric, []).append(r)
        else:
            findings.append(Finding(kind="errors", metric=None, summary=r.message, checks=1))
    findings += [_finding(m, rules, v, runs, baseline_runs) for m, rules in by_metric.items()]

    def severity(f: Finding) -> tuple[Any, ...]:
        return _ORDER[f.kind], -f.checks, f.metric or ""

    return sorted(findings, key=severity)


def _link(cid: str, i: int, href: str | None) -> str:
    return f"[{i}]({href}#conv-{cid})" if href else f"`{cid}`"


def markdown(v: GateVerdict, report_href: str | None = "report.html") -> str:
    """The verdict on one screen: decision, one line per finding, power, where the rest is."""
    if v.status == "pass":
        head = f"✅ PASS: {v.candidate} can ship"
    elif v.status == "fail":
        head = f"❌ FAIL: {v.candidate} is blocked"
    else:
        head = "⚠️ NO VERDICT: the run cannot decide (exit 2)"
    against = f" vs baseline **{v.baseline}** ({v.comparison or 'not compared'})" \
        if v.baseline else ""
    failed = len(v.failures)
    checked = sum(r.status in ("pass", "fail") for r in v.rules)
    count = f" · {v.candidate}: {v.counts}" if v.counts else ""
    if v.status == "no_verdict":
        tally = "why:"
    elif failed:
        tally = (f"{failed} of {checked} checks failed, in {len(v.findings)} "
                 f"finding{'s' * (len(v.findings) != 1)}:")
    else:
        tally = f"all {checked} checks passed."
    lines = [f"## convsim gate: {head}", f"**{v.candidate}**{against}{count} · {tally}"]
    for i, f in enumerate(v.findings, 1):
        links = " ".join(_link(c, j, report_href) for j, c in enumerate(f.examples, 1))
        lines.append(f"{i}. {f.summary}" + (f" · examples: {links}" if links else ""))
    weak = v.underpowered
    if weak and v.policy.regression is not None:
        reg = v.policy.regression
        tested = [p for p in weak if p.tested]
        # The example a reader acts on: the largest comparison that still falls short.
        pick = sorted(weak, key=lambda p: (p.segment is not None, not p.tested, -p.pairs))[0]
        mdd = ("no drop" if pick.detectable_drop is None
               else f"only drops ≥ {pick.detectable_drop * 100:.1f} points")
        where = f"{pick.metric} [{pick.segment}]" if pick.segment else pick.metric
        unit = "pairs" if v.comparison == "paired" else "conversations per version"
        lines.append(
            f"⚠️ Underpowered: {len(weak)} of {len(v.power)} metric × segment comparisons "
            f"cannot detect a {reg.max_drop * 100:g}-point drop ({len(weak) - len(tested)} of "
            f"them below min_segment_n, not tested; power {reg.power:.0%}, one-sided alpha "
            f"{reg.alpha:g}), e.g. {where}: {pick.pairs} {unit} detect {mdd}, "
            f"{pick.pairs_needed} {unit} needed"
            + (f" (`{pick.plan_size}`)" if pick.plan_size else "") + ". All in gate.json `power`.")
    if v.one_side_only:
        parts = [f"{r['metric']} {r['only_candidate']} candidate / {r['only_baseline']} baseline"
                 for r in v.one_side_only]
        lines.append("Scored on one side only (outside the paired tests): " + "; ".join(parts[:4])
                     + (f" (+{len(parts) - 4} more)" if len(parts) > 4 else "") + ".")
    if v.budget_line:
        lines.append(f"⏸️ {v.budget_line}.")
    lines += [f"Note: {n}" for n in v.notes]
    lines.append("Every check with its numbers: gate.json, gate.junit.xml"
                 + (f"; transcripts: {report_href} (`convsim report`)." if report_href else "."))
    return "\n".join(lines) + "\n"


def junit(v: GateVerdict) -> str:
    """JUnit XML: one test case per rule; a failure's message carries the numbers; a check
    that cannot decide is an error."""
    suite = ET.Element("testsuite", name=f"convsim gate {v.candidate}", tests=str(len(v.rules)),
                       failures=str(len(v.failures)),
                       errors=str(sum(r.status == "no_verdict" for r in v.rules)),
                       skipped=str(sum(r.status == "skip" for r in v.rules)))
    props = ET.SubElement(suite, "properties")
    for name, value in (("status", v.status), ("reason", v.reason or ""), ("counts", v.counts),
                        ("budget_stopped", v.budget_line or "")):
        ET.SubElement(props, "property", name=name, value=value)
    for r in v.rules:
        case = ET.SubElement(suite, "testcase", classname=f"convsim.gate.{r.rule}", name=r.name)
        if r.status == "fail":
            ET.SubElement(case, "failure", message=r.message, type=r.rule).text = r.message
        elif r.status == "no_verdict":
            ET.SubElement(case, "error", message=r.message, type="no_verdict").text = r.message
        elif r.status == "skip":
            ET.SubElement(case, "skipped", message=r.message)
        else:
            ET.SubElement(case, "system-out").text = r.message
    if v.underpowered:
        ET.SubElement(suite, "system-err").text = "\n".join(
            f"underpowered: {p.metric}{f' [{p.segment}]' if p.segment else ''}: {p.pairs} pairs, "
            f"{p.pairs_needed} pairs needed" for p in v.underpowered)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
