"""The HTML report of one or more runs: a single self-contained file.

`write_report` reads run folders through `analytics` (the same pass rates,
intervals and paired comparison as `convsim gate`; lazily, so only the few
transcripts it shows are read in full) and writes one HTML page with inline CSS
and inline SVG charts from `report_svg`: no script, no network, opens offline.
`convsim report` is the CLI over it.

Size: over 400 lines because the page is one self-contained file (banner, per-metric
tables, flips grouped by metric, every shown transcript) rendered by one module; its charts
are in report_svg.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import polars as pl

from convsim.decisions import analytics
from convsim.decisions import report_svg as svg
from convsim.decisions.analytics import INFRA_OUTCOMES, AnalyticsError, Runs
from convsim.decisions.gate import GateInputError, GatePolicy, GateVerdict, gate_run
from convsim.decisions.summary import COUNTING

MAX_TRANSCRIPTS = 10
MAX_LINKED = 1000
"""Transcripts the flips and the gate's examples link to, at most (folded)."""
V = "agent_version"


class ReportError(ValueError):
    """Run folders the report cannot use; the message is ready to print."""


@dataclass(frozen=True)
class _Data:
    runs: Runs
    manifests: list[dict[str, Any]]
    versions: list[str]
    baseline: str
    candidates: list[str]

    def badge(self, version: str) -> str:
        return svg.version_badge(version, self.versions.index(version)
                                 if version in self.versions else len(self.versions))


def _load(run_dirs: list[Path], baseline: str | None, candidate: str | None) -> _Data:
    try:
        runs = analytics.load_runs(run_dirs)
    except AnalyticsError as exc:
        raise ReportError(str(exc)) from exc
    manifests = []
    for d in runs.run_dirs:
        path = d / "manifest.json"
        manifests.append(json.loads(path.read_text()) if path.exists() else {})
    present = runs.versions()
    if not present:
        raise ReportError(f"{runs.run_dirs[0]}: the run holds no conversations")
    listed = [v for m in manifests for v in m.get("agent_versions", []) if v in present]
    versions = list(dict.fromkeys(listed + present))  # the campaign's order first
    base = baseline or versions[0]
    for v in (base, candidate):
        if v is not None and v not in versions:
            raise ReportError(f"unknown agent version {v!r}; the run has {', '.join(versions)}")
    cands = [candidate] if candidate else [v for v in versions if v != base]
    return _Data(runs, manifests, versions, base, cands)


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.1%}"


def _rates(data: _Data, by: tuple[str, ...] = ()) -> pl.DataFrame:
    rates = analytics.pass_rates(data.runs, (V, "metric", *by))
    return rates.filter((pl.col("scored") + pl.col("unscored").fill_null(0)) > 0)


# --------------------------------------------------------------------------- sections


def _header(data: _Data) -> str:
    m = data.manifests[0]
    counts = data.runs.conversations.select(
        conversations=pl.len(), scenarios=pl.col("scenario_id").n_unique(),
        personas=pl.col("persona_id").n_unique(), turns=pl.col("n_turns").sum(),
        tool_calls=pl.col("n_tool_calls").sum()).collect().row(0, named=True)
    facts = [("run", ", ".join(str(x.get("run_id", d.name)) for x, d in
                               zip(data.manifests, data.runs.run_dirs, strict=True))),
             ("domain", m.get("domain", "–")), ("seed", m.get("seed", "–")),
             ("started", str(m.get("started_at", "–"))[:19].replace("T", " ")),
             ("ended", str(m.get("ended_at", "–"))[:19].replace("T", " ")),
             ("status", m.get("status", "–")), ("executor", m.get("executor", "–")),
             ("git", str(m.get("git_sha") or "–")[:10]),
             ("convsim", (m.get("versions") or {}).get("convsim", "–")),
             ("baseline", data.baseline)]
    dl = "".join(f"<div><dt>{escape(k)}</dt><dd>{escape(str(v))}</dd></div>" for k, v in facts)
    big = "".join(f'<div class="big"><b>{v or 0:,}</b><span>{escape(k.replace("_", " "))}</span>'
                  "</div>" for k, v in {**counts, "agent_versions": len(data.versions)}.items())
    desc = (m.get("config") or {}).get("description") or ""
    return (f'<header><h1>convsim report · {escape(str(m.get("campaign", "run")))}</h1>'
            f'<p class="muted">{escape(desc)}</p><dl class="facts">{dl}</dl>'
            f'<div class="bigs">{big}</div></header>')


def _headline(data: _Data, rates: pl.DataFrame) -> str:
    outcomes = data.runs.conversations.group_by(V, "outcome").len().collect()
    parts: dict[str, dict[str, int]] = {}
    for r in outcomes.iter_rows(named=True):
        parts.setdefault(r[V], {})[str(r["outcome"])] = r["len"]
    scored = rates.filter(pl.col("n_unique") > 0)
    intervals = [svg.Interval(r["metric"], r[V], r["pass_rate"], r["ci_low"], r["ci_high"],
                              r["passed"], r["n_unique"]) for r in scored.iter_rows(named=True)]
    reps = data.runs.conversations.group_by("pair_id").len().select(
        pl.col("len").max()).collect().item() or 1
    k = max(int(reps) // max(1, len(data.versions)), 1)
    hat: dict[tuple[str, str], float] = {}
    if k > 1:
        ph = analytics.pass_hat_k(data.runs, k)
        hat = {(r[V], r["metric"]): r["pass_hat_k"] for r in ph.iter_rows(named=True)}
    rows = [[data.badge(r[V]), escape(r["metric"]), f'{r["passed"]}/{r["n_unique"]}',
             _pct(r["pass_rate"]),
             f'{r["ci_low"]:.0%}–{r["ci_high"]:.0%}' if r["n_unique"] else "–",
             str(r["scored"]), str(r["not_applicable"] or 0), str(r["unscored"] or 0)]
            for r in rates.iter_rows(named=True)]
    return ("<h3>How conversations ended</h3>" + svg.stacked_bars(data.versions, parts)
            + "<h3>Pass rate per metric (dot) with its 95% interval (whiskers)</h3>"
            + svg.interval_chart(intervals, data.versions)
            + svg.table(["version", "metric", "passed/n", "rate", "95% CI", "conversations",
                         "n/a", "unscored"], rows, "num")
            + (f'<p class="muted">pass^{k} (all {k} repetitions of a spec pass): ' + ", ".join(
                f"{escape(v)} {escape(mt)} {p:.0%}" for (v, mt), p in sorted(hat.items()))
               + "</p>" if hat else "")
            + f'<p class="muted counting">{escape(COUNTING)}: ' + escape("; ".join(
                f"{v}: {analytics.count_phrase(*n)}" for v, n in sorted(
                    analytics.conversation_counts(data.runs).items())))
            + ". The same numbers as summary.json and <code>convsim gate</code> "
            "(<code>convsim.decisions.analytics.pass_rates</code>).</p>")


def _verdicts(data: _Data, policy: GatePolicy) -> dict[str, GateVerdict]:
    """The gate's verdict per candidate: the report shows the gate's own tests and numbers."""
    out = {}
    for cand in data.candidates:
        try:
            out[cand] = gate_run(data.runs, policy, candidate=cand, baseline=data.baseline)
        except GateInputError as exc:
            raise ReportError(str(exc)) from exc
    return out


def _flips(data: _Data) -> dict[str, pl.DataFrame]:
    """Per candidate: every pair whose verdict changed between the baseline and it."""
    return {c: analytics.flips(data.runs, data.baseline, c) for c in data.candidates}


def _anchor(metric: str, cand: str) -> str:
    return "flips-" + "".join(ch if ch.isalnum() else "-" for ch in f"{cand}-{metric}")


def _banner(data: _Data, cand: str, v: GateVerdict) -> str:
    vs = f"{data.badge(cand)} vs {data.badge(data.baseline)}"
    if v.status == "no_verdict":
        return f'<div class="alert">{vs}: no verdict: {escape(v.reason or "")}</div>'
    findings = [f for f in v.findings if f.metric]
    if not findings:
        return (f'<div class="okay">{vs}: the gate passes ({escape(v.counts)}; no significant '
                "regression, no safety violation)</div>")
    parts = []
    for f in findings:
        where = f" worst in <b>{escape(f.worst_segment)}</b>" if f.worst_segment else ""
        link = f' · <a href="#{_anchor(f.metric or "", cand)}">flips</a>' \
            if f.kind == "regression" else ""
        kind = {"regression": "significant regression", "threshold": "below threshold",
                "safety": "safety violations"}.get(f.kind, f.kind)
        parts.append(f"<b>{escape(f.metric or '')}</b> ({kind}{',' if where else ''}"
                     f"{where}){link}")
    return f'<div class="alert">{vs}: blocked by the gate: ' + "; ".join(parts) + "</div>"


def _comparison(data: _Data, verdicts: dict[str, GateVerdict], flips: dict[str, pl.DataFrame]
                ) -> tuple[str, str]:
    out, banner = [], []
    for cand in data.candidates:
        v = verdicts[cand]
        banner.append(_banner(data, cand, v))
        overall = [r for r in v.rules if r.rule == "regression" and r.numbers.get("segment") is None
                   and r.numbers.get("metric") is not None]
        if not overall:
            out.append(f"<p>No metric compared for both {data.badge(data.baseline)} and "
                       f"{data.badge(cand)}.</p>")
            continue
        rows, marks = [], []
        for r in overall:
            n = r.numbers
            pairs = n["n_pairs"] if n.get("n_pairs") is not None else \
                f'{n["n_baseline"]}/{n["n_candidate"]}'
            one = f'{n.get("only_candidate") or 0} / {n.get("only_baseline") or 0}'
            rows.append([escape(str(n["metric"])), str(pairs), _pct(_f(n["baseline_rate"])),
                         _pct(_f(n["candidate_rate"])),
                         f'<b class="nw">{_f(n["diff"]) * 100:+.1f} pts</b><br><small class="muted '
                         f'nw">{_f(n["ci_low"]) * 100:+.1f} to {_f(n["ci_high"]) * 100:+.1f}</small>',
                         str(n["discordant_worse"] if n["discordant_worse"] is not None else "–"),
                         str(n["discordant_better"] if n["discordant_better"] is not None else "–"),
                         one, f'{_f(n["p_worse"]):.2g}<br><small class="muted nw">'
                         f'{escape(str(n["test"]))}</small>', f'{_f(n["p_adjusted"]):.2g}',
                         svg.badge("regression", "fail") if r.status == "fail" else ""])
            marks.append("regress" if r.status == "fail" else "")
        out.append(f"<h3>{data.badge(cand)} against {data.badge(data.baseline)}</h3>" + svg.table(
            ["metric", "pairs", "baseline", "candidate", "difference (95% CI)", "pass→fail",
             "fail→pass", "one side only", "p (one-sided)", "p (adj.)", ""],
            rows, "num", marks))
        out.append(_flip_lists(data, cand, flips.get(cand)))
    reg = next(iter(verdicts.values())).policy.regression if verdicts else None
    rule = (f"a regression is a drop of more than {reg.max_drop:.1%} with {reg.correction}-adjusted "
            f"one-sided p &le; {reg.alpha} across every metric &times; segment the gate tests"
            if reg else "the policy compares no metric")
    note = ('<p class="muted">The same tests and numbers as <code>convsim gate</code> with the '
            "same policy. Pairs are conversations of the same spec (scenario, persona, "
            "perturbation, seed: <code>pair_id</code>) scored for the metric in both versions; "
            "identical pairs count once; pairs scored on one side only (candidate / baseline) "
            "are counted apart and never tested. p is the one-sided McNemar test that the "
            f"candidate is worse (exact, or clustered when repetitions differ); {rule}.</p>")
    return "".join(out) + note, "".join(banner)


def _f(x: object) -> float:
    return float(x) if isinstance(x, int | float) else 0.0


def _flip_lists(data: _Data, cand: str, fl: pl.DataFrame | None) -> str:
    """Every flip, grouped by metric with counts, each linked to its transcript."""
    if fl is None or fl.is_empty():
        return f"<p>No pair changed verdict between {data.badge(data.baseline)} and " \
               f"{data.badge(cand)}.</p>"
    html = [f"<h4>Every flip: pairs whose verdict changed ({fl.height}), by metric</h4>"
            '<p class="muted">Every pair, repetitions included (the test above counts identical '
            "pairs once); each links to the candidate's transcript.</p>"]
    counts = (fl.group_by("metric").agg(regressed=(pl.col("direction") == "regressed").sum(),
                                        improved=(pl.col("direction") == "improved").sum())
              .sort("regressed", "metric", descending=[True, False]))
    for c in counts.iter_rows(named=True):
        items = fl.filter(pl.col("metric") == c["metric"]).sort(
            "direction", "intent", "scenario_id", descending=[True, False, False])
        links = "".join(
            f'<li class="{"regressed" if r["direction"] == "regressed" else "improved"}">'
            f'{escape(r["direction"])}: <a href="#conv-{escape(r["candidate_conversation_id"])}">'
            f'{escape(str(r["scenario_id"]))}</a> <span class="muted">{escape(str(r["intent"]))} · '
            f'{escape(str(r["perturbation"]))}</span></li>' for r in items.iter_rows(named=True))
        html.append(f'<details id="{_anchor(c["metric"], cand)}"{" open" if c["regressed"] else ""}>'
                    f'<summary><b>{escape(c["metric"])}</b>: {c["regressed"]} pass→fail, '
                    f'{c["improved"]} fail→pass</summary><ul class="flips">{links}</ul></details>')
    return "".join(html)


def _histogram(frame: pl.LazyFrame, column: str, versions: list[str], label: str,
               integer: bool) -> str:
    col = pl.col(column)
    stats = frame.select(n=col.count(), lo=col.min(), hi=col.quantile(0.99), top=col.max()
                         ).collect().row(0, named=True)
    if not stats["n"]:
        return '<p class="muted">no data</p>'
    lo, hi = (float(stats["lo"]) if integer else 0.0), float(stats["hi"])
    width = svg.nice_step(max(hi - lo, 1.0), 24)
    width = max(1.0, round(width)) if integer else width
    start = math.floor(lo / width) * width
    edges = [start + i * width for i in range(int((hi - start) // width) + 2)]
    labels = [svg.fmt_edge(e, width, integer) for e in edges[:-1]]
    if float(stats["top"]) >= edges[-1]:
        labels.append(f"≥{edges[-1]:g}")
    binned = (frame.filter(col.is_not_null()).group_by(
        V, b=((col - start) / width).floor().clip(0, len(labels) - 1).cast(pl.Int64)).len()
        .collect())
    got = {(r[V], r["b"]): r["len"] for r in binned.iter_rows(named=True)}
    counts = {v: [int(got.get((v, i), 0)) for i in range(len(labels))] for v in versions}
    return svg.histogram(labels, counts, versions, label)


def _breakdowns(data: _Data, metrics: list[str]) -> str:
    html = []
    for by, title in (("intent", "Pass rate by intent"),
                      ("perturbation", "Pass rate by perturbation profile")):
        rates = _rates(data, (by,)).filter(pl.col("n_unique") > 0)
        cells = {(str(r[by]), r["metric"], r[V]): svg.Cell(int(r["passed"]), int(r["n_unique"]))
                 for r in rates.iter_rows(named=True)}
        rows = sorted({k[0] for k in cells})
        html.append(f"<h3>{title}</h3>" + (svg.heatmap(rows, metrics, data.versions, cells, title)
                                           if rows else '<p class="muted">nothing scored</p>'))
    esc = (data.runs.conversations.filter(~pl.col("outcome").is_in(INFRA_OUTCOMES))
           .with_columns(expected=(pl.col("intent") == "out_of_scope")
                         | pl.col("scenario_tags").list.contains("escalation").fill_null(False))
           .group_by(V, "expected", pl.col("escalated").fill_null(False)).len().collect())
    mats = "".join(svg.confusion({(r["expected"], r["escalated"]): r["len"]
                                  for r in esc.iter_rows(named=True) if r[V] == v}, v,
                                 svg.version_colour(i)) for i, v in enumerate(data.versions))
    html.append('<h3>Escalation: expected vs done</h3><div class="row">' + mats + "</div>"
                '<p class="muted">Expected: the scenario is out of scope (intent '
                "<code>out_of_scope</code>) or tagged <code>escalation</code>; the scenario's own "
                "expectation is not in the Parquet tables. Done: the conversation's "
                "<code>escalated</code> column (a transfer or handoff). Agent and simulator errors "
                "left out.</p>")
    conv = data.runs.conversations.select(V, "n_turns")
    lat = data.runs.turns.filter(pl.col("role") == "agent").select(V, "latency_ms")
    html.append("<h3>Turns per conversation</h3>"
                + _histogram(conv, "n_turns", data.versions, "turns per conversation", True)
                + "<h3>Agent latency per turn</h3>"
                + _histogram(lat, "latency_ms", data.versions, "agent reply latency (ms)", False))
    return "".join(html)


def _crosstab(frame: pl.DataFrame, row: str, col: str) -> str:
    cols = sorted({str(c) for c in frame[col].to_list()})
    counts = {(str(r[row]), str(r[col])): r["specs"] for r in frame.iter_rows(named=True)}
    rows = sorted({str(r) for r in frame[row].to_list()})
    peak = max(counts.values(), default=1)

    def cell(n: int) -> str:
        a = n / peak
        return (f'<span class="cnt{" dark" if a > 0.55 else ""}" style="--a:{a:.2f}">{n}</span>'
                if n else '<span class="cnt zero">0</span>')

    body = [[f"<b>{escape(r)}</b>"] + [cell(counts.get((r, c), 0)) for c in cols]
            + [str(sum(counts.get((r, c), 0) for c in cols))] for r in rows]
    return svg.table([escape(row)] + [escape(c) for c in cols] + ["total"], body, "num cross")


def _coverage(data: _Data) -> str:
    conv = data.runs.conversations
    html = ['<p class="muted">Counts are specs (distinct <code>pair_id</code>), each run once per '
            "agent version.</p>"]
    for col in ("perturbation", "persona_emotion"):
        frame = conv.group_by("intent", col).agg(specs=pl.col("pair_id").n_unique()).collect()
        html.append(f"<h3>Intent × {escape(col.replace('_', ' '))}</h3>"
                    + _crosstab(frame, "intent", col))
    seen = set(conv.select("intent").unique().collect()["intent"].to_list())
    catalog = _catalog_intents(data.manifests[0])
    if catalog:
        missing = [i for i in catalog if i not in seen]
        html.append("<h3>Catalog intents never exercised</h3><p>" + (", ".join(
            f"<code>{escape(i)}</code>" for i in missing) or "none") + '</p><p class="muted">'
            "Intents of the mined catalog with no conversation under their own name; intents the "
            "domain cannot serve run as <code>out_of_scope</code> scenarios.</p>")
    return "".join(html)


def _fidelity(data: _Data) -> str:
    """Each catalog-based run's customers against the catalog's real ones (summary.json)."""
    from convsim.decisions.campaign_fidelity import fidelity_lines
    from convsim.decisions.summary import saved_fidelity

    html = []
    for run_dir in data.runs.run_dirs:
        fid = saved_fidelity(run_dir)
        if not fid:
            continue
        head, *flagged = fidelity_lines(fid)
        html.append(f"<p>{escape(head)}</p>")
        if flagged:
            html.append("<ul>" + "".join(f"<li>{escape(f.strip()[2:])}</li>" for f in flagged)
                        + "</ul>")
        rows = [r for r in fid.get("features") or [] if r.get("in_index")
                or r["feature"] == "turns_per_conversation_ks"]
        if rows:
            def num(x: object) -> str:
                return "" if not isinstance(x, int | float) else f"{x:.3f}"

            html.append(svg.table(
                ["feature", "real", "simulated", "sim vs real", "real vs real", "band (p95)",
                 "x band"],
                [[escape(r["feature"]) + ("" if r["in_index"] else " (agent-driven, not in the "
                                                                   "index)")]
                 + [num(r.get(k)) for k in ("real", "simulated", "sim_vs_real", "real_vs_real",
                                            "band")]
                 + [num(r.get("ratio"))] for r in rows], "num",
                ["regress" if r.get("out_of_band") else "" for r in rows]))
    if html:
        html.append('<p class="muted">Customer turns of the first agent version against the real '
                    "transcripts the catalog was mined from; band: the same distance between "
                    "real customers (95th percentile of a bootstrap); rows beyond 1.5x the band "
                    "are highlighted. See docs/fidelity.md.</p>")
    return "".join(html)


def _catalog_intents(manifest: dict[str, Any]) -> list[str]:
    path = ((manifest.get("config") or {}).get("scenarios") or {}).get("catalog")
    try:
        import yaml

        doc = yaml.safe_load((Path(path) / "catalog.yaml").read_text()) if path else None
    except (OSError, ValueError, ImportError):
        return []
    return [str(i) for i in (doc or {}).get("intent_mix") or (doc or {}).get("intents") or []]


def _errors(data: _Data) -> str:
    summary = analytics.errors(data.runs)
    cols = ["conversations", "agent_error", "simulator_error", "inconclusive", "unknown_tool",
            "unscored"]
    html = ['<p class="muted">Infrastructure, simulator and judge failures are not agent failures: '
            "they are kept out of the pass rates. <i>unknown_tool</i> counts conversations where "
            "the agent called a tool the domain pack lacks; <i>unscored</i> counts scores an "
            "evaluator could not decide.</p>",
            svg.table(["version", *[c.replace("_", " ") for c in cols]],
                      [[data.badge(r[V])] + [f"{r[c]:,}" for c in cols]
                       for r in summary.iter_rows(named=True)], "num")]
    errs = (data.runs.conversations.filter(pl.col("outcome").is_in(INFRA_OUTCOMES))
            .group_by(V, "outcome", pl.col("error").fill_null("").str.slice(0, 200))
            .len().sort("len", descending=True).head(15).collect())
    if errs.height:
        html.append("<h3>Most frequent errors</h3>" + svg.table(
            ["version", "outcome", "error", "conversations"],
            [[data.badge(r[V]), escape(r["outcome"]), escape(r["error"]), str(r["len"])]
             for r in errs.iter_rows(named=True)], "num"))
    statuses = ("ok", "error", "timeout", "malformed", "unknown_tool")
    calls = (data.runs.tool_calls.group_by("tool").agg(
        calls=pl.len(), **{s: (pl.col("status") == s).sum() for s in statuses},
        injected=pl.col("injected_fault").is_not_null().sum())
        .sort("unknown_tool", "calls", descending=True).collect())
    if calls.height:
        html.append("<h3>Tool calls by tool and status</h3>" + svg.table(
            ["tool", "calls", *[s.replace("_", " ") for s in statuses], "injected faults"],
            [[escape(r["tool"])] + [f"{r[k]:,}" for k in ("calls", *statuses, "injected")]
             for r in calls.iter_rows(named=True)], "num",
            ["regress" if r["unknown_tool"] else "" for r in calls.iter_rows(named=True)]))
    return "".join(html)


def _cost(data: _Data) -> str:
    names = data.runs.conversations.collect_schema().names()
    aggs = [pl.col(c).sum() for c in ("llm_cost_usd", "llm_tokens") if c in names]
    judge = data.runs.scores.group_by(V).agg(judge=pl.col("cost_usd").sum()).collect()
    judged = {r[V]: r["judge"] or 0.0 for r in judge.iter_rows(named=True)}
    spent = (data.runs.conversations.group_by(V).agg(aggs).collect() if aggs else
             pl.DataFrame({V: data.versions}))
    totals = [sum(r.get(c) or 0 for r in spent.iter_rows(named=True))
              for c in ("llm_cost_usd", "llm_tokens")]
    if not any(totals) and not any(judged.values()):
        return "<p>No LLM calls in this run (offline user simulator and rule evaluators): no cost.</p>"
    rows = [[data.badge(r[V]), f'{r.get("llm_cost_usd") or 0:.4f}', f'{int(r.get("llm_tokens") or 0):,}',
             f'{judged.get(r[V], 0.0):.4f}'] for r in spent.sort(V).iter_rows(named=True)]
    return svg.table(["version", "LLM cost (USD)", "LLM tokens", "of which judge (USD)"], rows, "num")


def _worst(data: _Data, flipped: set[str]) -> tuple[str, set[str]]:
    failed = (data.runs.scores.filter((pl.col("status") == "scored") & ~pl.col("passed"))
              .group_by("run_id", "conversation_id", V).agg(
                  n_failed=pl.len(), metrics=pl.col("metric").sort(),
                  key=pl.concat_str(pl.col("scenario_id").first(), pl.col("perturbation").first()))
              .with_columns(base=pl.col(V) == data.baseline,
                            flip=~pl.col("conversation_id").is_in(list(flipped)))
              .sort("base", "flip", "n_failed", "conversation_id",
                    descending=[False, False, True, False]).head(2000).collect())
    picked: list[str] = []
    kinds: set[tuple[Any, ...]] = set()
    same: set[tuple[Any, ...]] = set()
    for strict in (True, False):  # one per kind of failure first, then the rest; no twins
        for r in failed.iter_rows(named=True):
            kind, twin = (r[V], tuple(r["metrics"])), (r["key"], tuple(r["metrics"]))
            if r["conversation_id"] in picked or twin in same or (strict and kind in kinds):
                continue
            kinds.add(kind)
            same.add(twin)
            picked.append(r["conversation_id"])
    picked = picked[:MAX_TRANSCRIPTS]
    if not picked:
        return "<p>No conversation failed a metric.</p>", set()
    return ('<p class="muted">Conversations that failed the most metrics, candidates and flipped '
            "specs first, one per kind of failure before the rest; evidence turns are marked, "
            "customer turns show their perturbations (hover for the text before noise).</p>"
            + _render(data, picked)), set(picked)


def _render(data: _Data, picked: list[str], first_rank: int = 1, folded: bool = False) -> str:
    """The transcripts of `picked` conversations, in that order (anchors conv-<id>)."""
    def rows(table: pl.LazyFrame) -> pl.DataFrame:
        return table.filter(pl.col("conversation_id").is_in(picked)).collect()

    conv, turns, calls = rows(data.runs.conversations), rows(data.runs.turns), rows(
        data.runs.tool_calls)
    scores = rows(data.runs.scores)
    pairs = data.runs.scores.filter(pl.col("pair_id").is_in(scores["pair_id"].unique().to_list())
                                    & (pl.col("status") == "scored")).collect()
    html = []
    for i, cid in enumerate(picked):
        one = conv.filter(pl.col("conversation_id") == cid)
        if one.is_empty():
            continue
        html.append(_transcript(
            data, first_rank + i, one.row(0, named=True),
            turns.filter(pl.col("conversation_id") == cid).sort("turn_index"),
            calls.filter(pl.col("conversation_id") == cid).sort("seq"),
            scores.filter(pl.col("conversation_id") == cid), pairs, folded))
    return "".join(html)


def _linked(data: _Data, flips: dict[str, pl.DataFrame], verdicts: dict[str, GateVerdict],
            shown: set[str]) -> str:
    """Every flipped conversation and every gate example not shown above, folded."""
    ids = [c for f in flips.values() for c in f["candidate_conversation_id"].to_list()]
    ids += [c for v in verdicts.values() for f in v.findings for c in f.examples]
    todo = [c for c in dict.fromkeys(ids) if c not in shown]
    if not todo:
        return "<p>Every flipped conversation is shown above.</p>"
    cut = todo[MAX_LINKED:]
    return (f'<p class="muted">{len(todo)} conversations the flips and the gate link to, folded '
            "(open one to read it)" + (f"; the last {len(cut)} are left out (more than "
                                       f"{MAX_LINKED})" if cut else "") + ".</p>"
            + _render(data, todo[:MAX_LINKED], MAX_TRANSCRIPTS + 1, folded=True))


def _transcript(data: _Data, rank: int, c: dict[str, Any], turns: pl.DataFrame,
                calls: pl.DataFrame, scores: pl.DataFrame, pairs: pl.DataFrame,
                folded: bool = False) -> str:
    fails = scores.filter((pl.col("status") == "scored") & ~pl.col("passed"))
    evidence: dict[int, list[str]] = {}
    for s in fails.iter_rows(named=True):
        for t in s["evidence"] or []:
            evidence.setdefault(t, []).append(s["metric"])
    reasons = "".join(
        f'<li><b>{escape(s["metric"])}</b>: {escape(s["rationale"] or "")}'
        + (f' <span class="muted">(evidence: turn {", ".join(map(str, s["evidence"]))})</span>'
           if s["evidence"] else "") + "</li>" for s in fails.iter_rows(named=True))
    others = pairs.filter((pl.col("pair_id") == c["pair_id"]) & (pl.col(V) != c[V]))
    for v in [v for v in data.versions if v in set(others[V].to_list())]:
        mine = others.filter(pl.col(V) == v)
        bad = sorted(mine.filter(~pl.col("passed").fill_null(False))["metric"].to_list())
        reasons += (f'<li class="same">same spec on {data.badge(v)}: '
                    + (f'fails {escape(", ".join(bad))}' if bad else "passes every metric") + "</li>")
    by_turn: dict[int, list[dict[str, Any]]] = {}
    for call in calls.iter_rows(named=True):
        by_turn.setdefault(call["turn_index"], []).append(call)
    items = []
    for t in turns.iter_rows(named=True):
        items += [_tool_call(call) for call in by_turn.pop(t["turn_index"], [])]
        ev = evidence.get(t["turn_index"])
        marks = "".join(svg.badge(p, "pert") for p in t["perturbations"] or [])
        clean = (f' title="before noise: {escape(t["clean_text"], quote=True)}"'
                 if t["clean_text"] and t["clean_text"] != t["text"] else "")
        items.append(f'<li class="turn {escape(t["role"])}{" evidence" if ev else ""}">'
                     f'<div class="who">{escape(t["role"])} <span>#{t["turn_index"]}</span></div>'
                     f'<div class="text"{clean}>{escape(t["text"] or "")} {marks}'
                     + (f'<div class="evmark">evidence: {escape(", ".join(ev))}</div>' if ev else "")
                     + "</div></li>")
    items += [_tool_call(call) for rest in by_turn.values() for call in rest]
    meta = (f'{escape(str(c["intent"]))} · {escape(str(c["perturbation"]))} · persona '
            f'{escape(str(c["persona_id"]))} ({escape(str(c["persona_emotion"]))}) · '
            f'repetition {c["repetition"]} · {c["n_turns"]} turns · '
            f'<code>{escape(c["conversation_id"])}</code>')
    title = (f'{rank}. {data.badge(c[V])} {escape(str(c["scenario_id"]))} '
             f'{svg.badge(str(c["outcome"]), "outcome")}')
    body = (f'<p class="muted">{meta}</p><ul class="fails">{reasons}</ul>'
            f'<ol class="turns">{"".join(items)}</ol>')
    if folded:
        return (f'<article class="conv folded" id="conv-{escape(c["conversation_id"])}"><details>'
                f"<summary>{title}</summary>{body}</details></article>")
    return (f'<article class="conv" id="conv-{escape(c["conversation_id"])}"><h3>{title}</h3>'
            f"{body}</article>")


def _tool_call(call: dict[str, Any]) -> str:
    status = str(call["status"])
    fault = svg.badge(f"injected {call['injected_fault']}", "fault") if call["injected_fault"] else ""
    args = call["arguments_json"] or "{}"
    return (f'<li class="tool"><span class="arrow">tool</span> <code>{escape(call["tool"])}'
            f'({escape(args[:240])})</code> {svg.badge(status, "ok" if status == "ok" else "fail")}'
            f'{fault}<details><summary>result</summary><pre>{escape((call["result"] or "")[:2000])}'
            "</pre></details></li>")


def write_report(run_dirs: str | Path | Sequence[str | Path], out_path: str | Path,
                 baseline: str | None = None, candidate: str | None = None,
                 policy: GatePolicy | None = None) -> Path:
    """Write the HTML report of one or more run folders; returns the file written.

    Args:
        run_dirs: a run folder (`runs/<campaign>/<run_id>`), a campaign folder or a glob, or a
            list of them; conversations of the same agent version are pooled across runs.
        out_path: the HTML file to write.
        baseline: the agent version the others are compared with (default: the first).
        candidate: compare only this version (default: every other version).
        policy: the gate policy whose tests the comparison shows (default: the gate's).

    Raises:
        ReportError: no run folder, no conversation, or an unknown version.
    """
    dirs = [Path(run_dirs)] if isinstance(run_dirs, str | Path) else [Path(d) for d in run_dirs]
    data = _load(dirs, baseline, candidate)
    rates = _rates(data)
    metrics = sorted(set(rates.filter(pl.col("n_unique") > 0)["metric"].to_list()))
    flips = _flips(data)
    verdicts = _verdicts(data, policy or GatePolicy())
    regressed = {c for f in flips.values()
                 for c in f.filter(pl.col("direction") == "regressed")["candidate_conversation_id"]}
    worst, shown = _worst(data, regressed)
    comparison, banner = _comparison(data, verdicts, flips)
    sections = [("headline", "Headline per agent version", _headline(data, rates)),
                ("comparison", "Baseline vs candidate", comparison),
                ("breakdowns", "Breakdowns", _breakdowns(data, metrics)),
                ("coverage", "Coverage", _coverage(data)),
                *([("fidelity", "Fidelity of the simulated customers", fidelity)]
                  if (fidelity := _fidelity(data)) else []),
                ("errors", "Errors, apart from failures", _errors(data)),
                ("cost", "Cost and tokens", _cost(data)),
                ("failures", "Worst failing conversations", worst),
                ("linked", "Flipped conversations", _linked(data, flips, verdicts, shown))]
    toc = "".join(f'<li><a href="#{k}">{escape(t)}</a></li>' for k, t, _ in sections)
    body = "".join(f'<section id="{k}"><h2>{escape(t)}</h2>{h}</section>' for k, t, h in sections)
    title = escape(f"convsim report · {data.manifests[0].get('campaign', '')}")
    page = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{title}</title><style>{svg.CSS}</style></head><body><main>"
            f"{_header(data)}{banner}<nav><b>Contents</b><ol>{toc}</ol></nav>{body}"
            "</main></body></html>\n")
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
