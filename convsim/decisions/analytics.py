"""Analytics over one or many runs' Parquet results (polars, lazy).

`load_runs` scans run folders; `pass_rates` gives pass rates with Wilson
intervals per any grouping (version, metric, intent, persona trait, ...);
`pass_hat_k` the chance that all k repetitions of a spec pass;
`compare_versions` the paired comparison of two agent versions (difference with
a confidence interval, McNemar test) and `flips` the pairs that changed;
`errors` the infrastructure and judge failures, kept apart from agent failures.
The gate (`gate.py`) and the report build on these; the tests themselves
(exact and clustered McNemar) are at the bottom of this module.

Conventions:
- A *spec* is (scenario_id, persona_id, perturbation): its repetitions are
  the cluster for intervals and tests (they share a customer and a scenario).
- Identical conversations (same version, spec and turn texts, same verdict)
  count once: offline, repetitions can be byte-identical.
- Only `status == "scored"` scores enter rates; unscored and not_applicable
  rows are counted apart.

Size: over 400 lines because it holds the queries and the statistical tests share the
pairing and counting conventions above; splitting them would split those conventions.
"""

from __future__ import annotations

import glob
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from statistics import NormalDist

import polars as pl

from convsim.core.results import SCHEMAS, TABLES

Z95 = 1.959963984540054


def wilson_interval(passed: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (0, 0 when n is 0).

    Written out rather than taken from `scipy.stats.binomtest(...).proportion_ci("wilson")`
    (which gives the same bounds for the plain interval; a test checks it) because the
    clustered rates widen it by a design effect (`z * sqrt(deff)`, i.e. Wilson at an
    effective n of n / deff), which scipy's integer-only binomtest cannot express."""
    if n == 0:
        return 0.0, 0.0
    p = passed / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


__all__ = ["AnalyticsError", "Runs", "compare_versions", "errors", "flips", "load_runs",
           "mcnemar_exact", "pass_hat_k", "pass_rates"]

INFRA_OUTCOMES = ("agent_error", "simulator_error")
_NORMAL = NormalDist()


class AnalyticsError(ValueError):
    """Unusable input (no run, unknown column or version); the message is ready to print."""


@dataclass(frozen=True)
class Runs:
    """Lazy tables of one or many runs; every table carries run_id and agent_version."""

    run_dirs: tuple[Path, ...]
    conversations: pl.LazyFrame
    turns: pl.LazyFrame
    tool_calls: pl.LazyFrame
    scores: pl.LazyFrame
    text_hashes: pl.LazyFrame | None = None
    """run_id, conversation_id, text_hash once computed (`with_text_hashes`)."""

    def with_text_hashes(self) -> Runs:
        """The same runs with each conversation's turn-text hash computed once, in memory
        (worth it before several calls: the turns table is the largest)."""
        if self.text_hashes is not None:
            return self
        hashes = _text_hashes(self.turns).collect(engine="streaming").lazy()
        return replace(self, text_hashes=hashes)

    def versions(self) -> list[str]:
        """Agent versions present in the conversations table, sorted."""
        col = self.conversations.select(pl.col("agent_version").unique()).collect()
        return sorted(v for v in col.to_series().to_list() if v is not None)


def _is_run(path: Path) -> bool:
    return (path / "conversations").is_dir()


def _expand(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    items = [paths] if isinstance(paths, str | Path) else list(paths)
    found: list[Path] = []
    for item in items:
        matches = sorted(glob.glob(str(item))) if glob.has_magic(str(item)) else [str(item)]
        for m in matches:
            p = Path(m)
            if _is_run(p):
                found.append(p)
            elif p.is_dir():  # a campaign folder or an output root: every run under it
                found.extend(sorted({r.parent for r in [*p.glob("*/conversations"),
                                                        *p.glob("*/*/conversations")]}))
    if not found:
        raise AnalyticsError(f"{', '.join(map(str, items))}: no run folder found (a run folder "
                             "holds conversations/, turns/, tool_calls/ and scores/)")
    return list(dict.fromkeys(found))


def _empty(table: str) -> pl.LazyFrame:
    frame = pl.from_arrow(SCHEMAS[table].empty_table())
    assert isinstance(frame, pl.DataFrame)
    return frame.lazy()


def _scan(run_dir: Path, table: str, names: Sequence[str] | None = None) -> pl.LazyFrame:
    """One table of a run (only the files `names` of its folder when given)."""
    run_id = run_dir.name
    files = sorted((run_dir / table).glob("*.parquet")) if names is None else \
        [run_dir / table / n for n in names]
    lf = pl.scan_parquet(files) if files else _empty(table)
    names = lf.collect_schema().names()
    if "run_id" in names:
        return lf.with_columns(pl.col("run_id").fill_null(run_id))
    return lf.with_columns(run_id=pl.lit(run_id))


def load_runs(paths: str | Path | Iterable[str | Path]) -> Runs:
    """Scan one or many run folders (or a campaign folder, or a glob) lazily.

    Args:
        paths: run folders (`runs/demo/<run_id>`), campaign folders (`runs/demo`), output
            roots (`runs`), or globs of any of these.
    """
    dirs = _expand(paths)
    frames = {t: pl.concat([_scan(d, t) for d in dirs], how="diagonal_relaxed") for t in TABLES}
    return Runs(run_dirs=tuple(dirs), **frames)


def _spec_expr() -> pl.Expr:
    cols = [pl.col(c).cast(pl.String).fill_null("") for c in ("scenario_id", "persona_id",
                                                               "perturbation")]
    spec = pl.concat_str(cols, separator="|")
    # Historical conversations have no scenario: each is its own cluster.
    return pl.when(pl.col("scenario_id").is_null()).then(pl.col("conversation_id")).otherwise(spec)


def _text_hashes(turns: pl.LazyFrame) -> pl.LazyFrame:
    row_hash = pl.concat_str([pl.col("turn_index").cast(pl.String), pl.col("role").fill_null(""),
                              pl.col("text").fill_null("")], separator="\x1f").hash(0)
    # turn_index in each row's hash keeps the order; the sum wraps around in u64.
    return turns.group_by("run_id", "conversation_id").agg(text_hash=row_hash.sum())


def conversation_keys(runs: Runs, extra: Sequence[str] = ()) -> pl.LazyFrame:
    """run_id, conversation_id, spec, text_hash (+ extra conversation columns), lazily."""
    hashes = runs.text_hashes if runs.text_hashes is not None else _text_hashes(runs.turns)
    cols = ["run_id", "conversation_id", *[c for c in extra if c not in ("run_id",
                                                                      "conversation_id")]]
    conv = runs.conversations.select(*dict.fromkeys(cols), spec=_spec_expr())
    return (conv.join(hashes, on=["run_id", "conversation_id"], how="left")
            .with_columns(pl.col("text_hash").fill_null(0)))


def _scored(runs: Runs, by: Sequence[str]) -> pl.LazyFrame:
    """Scored rows with spec, text_hash and the `by` columns (joined from conversations)."""
    score_cols = runs.scores.collect_schema().names()
    conv_cols = runs.conversations.collect_schema().names()
    extra = [c for c in by if c not in score_cols]
    unknown = [c for c in extra if c not in conv_cols]
    if unknown:
        raise AnalyticsError(f"unknown column(s) {', '.join(unknown)}: group by a column of the "
                             f"scores or conversations tables ({', '.join(conv_cols)})")
    keys = conversation_keys(runs, extra)
    out = (runs.scores.filter(pl.col("status") == "scored")
           .join(keys, on=["run_id", "conversation_id"], how="left")
           .with_columns(pl.col("passed").fill_null(False), pl.col("spec").fill_null(
               pl.col("conversation_id")), pl.col("text_hash").fill_null(0)))
    return explode_lists(out, list_columns(runs, by))


def list_columns(runs: Runs, by: Sequence[str]) -> list[str]:
    """The `by` columns of the conversations table that hold lists (e.g. scenario_tags)."""
    schema = runs.conversations.collect_schema()
    return [c for c in by if c in schema and isinstance(schema[c], pl.List)]


def explode_lists(lf: pl.LazyFrame, columns: Sequence[str]) -> pl.LazyFrame:
    """One row per list element: a conversation counts in each of its tags (none: null)."""
    for c in columns:
        lf = lf.explode(c)
    return lf


def _dedupe(scored: pl.LazyFrame, by: Sequence[str]) -> pl.LazyFrame:
    key = list(dict.fromkeys(["agent_version", "metric", *by, "spec", "text_hash", "passed"]))
    return scored.unique(subset=key, keep="first")


def _cluster_sums(lf: pl.LazyFrame, by: Sequence[str], value: str) -> pl.LazyFrame:
    """Per group: n, sum, clusters and the sums needed for a cluster-robust variance."""
    per = lf.group_by(*by, "spec").agg(n_k=pl.len(), x_k=pl.col(value).sum(),
                                       a_k=pl.col(value).abs().sum())
    return per.group_by(*by).agg(
        n=pl.col("n_k").sum(), x=pl.col("x_k").sum(), clusters=pl.len(),
        sxx=(pl.col("x_k").cast(pl.Float64) ** 2).sum(),
        sxn=(pl.col("x_k").cast(pl.Float64) * pl.col("n_k")).sum(),
        snn=(pl.col("n_k").cast(pl.Float64) ** 2).sum(),
        max_abs=pl.col("a_k").max())


def cluster_variance(n: int, x: float, clusters: int, sxx: float, sxn: float,
                     snn: float) -> float | None:
    """Cluster-robust variance of the mean x/n (None with fewer than 2 clusters)."""
    if n == 0 or clusters < 2:
        return None
    m = x / n
    ss = max(0.0, sxx - 2 * m * sxn + m * m * snn)
    return clusters / (clusters - 1) * ss / (n * n)


def design_effect(n: int, x: float, clusters: int, sxx: float, sxn: float, snn: float) -> float:
    """Cluster-robust over binomial variance of a pass rate, at least 1."""
    var = cluster_variance(n, x, clusters, sxx, sxn, snn)
    p = x / n if n else 0.0
    iid = p * (1 - p) / (n - 1) if n > 1 else 0.0  # same small-sample factor: singletons give 1
    return max(1.0, var / iid) if var is not None and iid > 0 else 1.0


def pass_rates(runs: Runs, by: Sequence[str] = ("agent_version", "metric"),
               dedupe: bool = True) -> pl.DataFrame:
    """Pass rate per group with a 95% Wilson interval widened by the design effect.

    Columns: the `by` columns, scored (rows), n_unique, passed, pass_rate, ci_low,
    ci_high, clusters, design_effect, not_applicable, unscored. `by` may name any
    column of the scores or conversations tables (intent, persona_emotion, ...).
    """
    by = list(by)
    side = status_counts(runs, by)
    return rates_from_sums(rate_sums(runs, by, dedupe), by,
                           None if side is None else side.collect(engine="streaming"))


def rate_sums(runs: Runs, by: Sequence[str], dedupe: bool = True) -> pl.DataFrame:
    """Per group: scored rows, and n, x, clusters, sxx, sxn, snn, max_abs over the distinct
    ones. Additive over runs that share no spec: `summary` adds them up bucket by bucket."""
    by = list(by)
    scored = _scored(runs, by).with_columns(pl.col("passed").cast(pl.Int64))
    raw = scored.group_by(*by).agg(scored=pl.len())
    uniq = _dedupe(scored, by) if dedupe else scored
    sums = _cluster_sums(uniq, by, "passed")
    return sums.join(raw, on=by, how="left").collect(engine="streaming")


def add_rate_sums(parts: Sequence[pl.DataFrame], by: Sequence[str]) -> pl.DataFrame:
    """The `rate_sums` of runs that share no spec, added up."""
    frame = pl.concat(parts)
    return frame.group_by(*by, maintain_order=True).agg(
        pl.col("n", "x", "clusters", "sxx", "sxn", "snn", "scored").sum(), pl.col("max_abs").max()
    ).cast({c: frame.schema[c] for c in ("n", "x", "clusters", "scored")})


def status_counts(runs: Runs, by: Sequence[str]) -> pl.LazyFrame | None:
    """not_applicable and unscored scores per group (None: `by` names a conversation column)."""
    score_cols = runs.scores.collect_schema().names()
    side_by = [c for c in by if c in score_cols]
    if side_by != list(by):
        return None
    return runs.scores.group_by(*side_by).agg(
        not_applicable=(pl.col("status") == "not_applicable").sum(),
        unscored=(pl.col("status") == "unscored").sum())


def rates_from_sums(table: pl.DataFrame, by: Sequence[str],
                    side: pl.DataFrame | None = None) -> pl.DataFrame:
    """`pass_rates` from `rate_sums` (and `status_counts`, collected)."""
    by = list(by)
    rows = []
    for r in table.iter_rows(named=True):
        n, x = int(r["n"]), int(r["x"])
        p = x / n if n else None
        deff = design_effect(n, x, r["clusters"], r["sxx"], r["sxn"], r["snn"])
        lo, hi = wilson_interval(x, n, z=Z95 * math.sqrt(deff))  # = Wilson at n / deff
        rows.append({**{c: r[c] for c in by}, "scored": r["scored"], "n_unique": n,
                     "passed": x, "pass_rate": p, "ci_low": lo, "ci_high": hi,
                     "clusters": r["clusters"], "design_effect": deff})
    out = pl.DataFrame(rows, schema={**{c: table.schema[c] for c in by}, "scored": pl.UInt32,
                                     "n_unique": pl.Int64, "passed": pl.Int64,
                                     "pass_rate": pl.Float64, "ci_low": pl.Float64,
                                     "ci_high": pl.Float64, "clusters": pl.Int64,
                                     "design_effect": pl.Float64})
    if side is not None:
        out = out.join(side, on=by, how="full", coalesce=True).with_columns(
            pl.col("scored", "n_unique", "passed").fill_null(0))
    return out.sort(by)


def pass_hat_k(runs: Runs, k: int, by: Sequence[str] = ("agent_version", "metric")
               ) -> pl.DataFrame:
    """pass^k: per spec with n >= k scored repetitions and c passes, C(c,k)/C(n,k), averaged.

    All repetitions count here (identical ones too): pass^k is about consistency.
    Columns: the `by` columns, k, specs, pass_hat_k, pass_at_1 (mean c/n over the same specs).
    """
    if k < 1:
        raise AnalyticsError(f"k must be at least 1, got {k}")
    by = list(by)
    per_spec = (_scored(runs, by).group_by(*by, "spec")
                .agg(n=pl.len(), c=pl.col("passed").cast(pl.Int64).sum())
                .filter(pl.col("n") >= k))
    est = pl.lit(1.0)
    for i in range(k):  # C(c,k)/C(n,k) = prod_{i<k} (c-i)/(n-i)
        est = est * ((pl.col("c") - i) / (pl.col("n") - i)).clip(lower_bound=0.0)
    return (per_spec.with_columns(est=est, p1=pl.col("c") / pl.col("n"))
            .group_by(*by).agg(specs=pl.len(), pass_hat_k=pl.col("est").mean(),
                               pass_at_1=pl.col("p1").mean())
            .with_columns(k=pl.lit(k)).select(*by, "k", "specs", "pass_hat_k", "pass_at_1")
            .sort(by).collect())


def _version_scores(runs: Runs, version: str, by: Sequence[str]) -> pl.LazyFrame:
    return _scored(runs, by).filter(pl.col("agent_version") == version)


def _check_versions(runs: Runs, baseline_runs: Runs, baseline: str, candidate: str) -> None:
    for name, r, v in (("baseline", baseline_runs, baseline), ("candidate", runs, candidate)):
        present = r.versions()
        if v not in present:
            raise AnalyticsError(f"{name} version {v!r} is not in the run(s) "
                                 f"{', '.join(map(str, r.run_dirs))} (versions: "
                                 f"{', '.join(present) or 'none'})")


def _pairs(runs: Runs, baseline: str, candidate: str, by: Sequence[str],
           baseline_runs: Runs) -> pl.LazyFrame:
    keep = list(dict.fromkeys(["pair_id", "metric", *by]))
    cols = [*keep, "spec", "text_hash", "passed", "conversation_id", "run_id"]
    base = _version_scores(baseline_runs, baseline, by).select(cols)
    cand = _version_scores(runs, candidate, by).select(cols)
    on = ["pair_id", "metric", *list_columns(runs, by)]  # one pair per tag, not tag x tag
    return base.join(cand, on=on, how="inner", suffix="_cand").select(
        *keep, "spec", b_hash="text_hash", c_hash="text_hash_cand",
        b_pass=pl.col("passed").cast(pl.Int64), c_pass=pl.col("passed_cand").cast(pl.Int64),
        b_conv="conversation_id", c_conv="conversation_id_cand", b_run="run_id",
        c_run="run_id_cand")


def one_side_only(runs: Runs, baseline: str, candidate: str, by: Sequence[str] = ("metric",),
                  baseline_runs: Runs | None = None) -> pl.DataFrame:
    """Pairs scored on one side only, per group: the metric applied (or was decided) for one
    version and not for the other (e.g. the baseline handed the customer over, so nothing
    was checked). Columns: the `by` columns, only_baseline, only_candidate; they are never
    part of the paired test, and every view counts them."""
    by = list(dict.fromkeys(["metric", *by]))
    on = ["pair_id", "metric", *list_columns(runs, by)]
    base = _version_scores(baseline_runs or runs, baseline, by).select(*dict.fromkeys(
        [*on, *by])).unique()
    cand = _version_scores(runs, candidate, by).select(*dict.fromkeys([*on, *by])).unique()
    only_b = base.join(cand, on=on, how="anti").group_by(*by).agg(only_baseline=pl.len())
    only_c = cand.join(base, on=on, how="anti").group_by(*by).agg(only_candidate=pl.len())
    schema: dict[str, pl.DataType | type[pl.DataType]] = {c: pl.String for c in by}
    out = only_b.join(only_c, on=by, how="full", coalesce=True).collect()
    if out.is_empty():
        return pl.DataFrame(schema={**schema, "only_baseline": pl.Int64,
                                    "only_candidate": pl.Int64})
    return out.with_columns(pl.col("only_baseline", "only_candidate").fill_null(0)
                            .cast(pl.Int64)).sort(by)


def pairing_share(runs: Runs, baseline: str, candidate: str,
                  baseline_runs: Runs | None = None) -> float:
    """Share of the candidate's scored pair ids that the baseline also has."""
    base_runs = baseline_runs or runs
    cand = _version_scores(runs, candidate, ()).select("pair_id").unique()
    base = _version_scores(base_runs, baseline, ()).select("pair_id").unique()
    n = cand.select(pl.len()).collect().item()
    both = cand.join(base, on="pair_id", how="inner").select(pl.len()).collect().item()
    return both / n if n else 0.0


def compare_versions(runs: Runs, baseline: str, candidate: str, by: Sequence[str] = ("metric",),
                     baseline_runs: Runs | None = None, paired: bool | None = None,
                     ) -> pl.DataFrame:
    """Candidate vs baseline per group: rates, difference with a 95% CI, McNemar p-values.

    Paired by pair_id (same scenario, customer, perturbation and seed) when the
    baseline has at least half of the candidate's pairs (`paired=None`), else
    unpaired (runs with different seeds share no pair). Columns: the `by` columns
    (metric first), method, n_pairs, discordant_worse (baseline passed, candidate
    failed), discordant_better, n_baseline, n_candidate, baseline_rate,
    candidate_rate, diff (candidate - baseline), ci_low, ci_high, p_value
    (two-sided), p_worse (one-sided: the candidate is worse), test.
    """
    by = list(dict.fromkeys(["metric", *by]))
    base_runs = baseline_runs or runs
    _check_versions(runs, base_runs, baseline, candidate)
    if paired is None:
        paired = pairing_share(runs, baseline, candidate, baseline_runs) >= 0.5
    rows = _paired_rows(runs, baseline, candidate, by, base_runs) if paired else \
        _unpaired_rows(runs, baseline, candidate, by, base_runs)
    schema: dict[str, pl.DataType | type[pl.DataType]] = {c: pl.String for c in by}
    schema.update({"method": pl.String, "n_pairs": pl.Int64, "discordant_worse": pl.Int64,
                   "discordant_better": pl.Int64, "n_baseline": pl.Int64,
                   "n_candidate": pl.Int64, "baseline_rate": pl.Float64,
                   "candidate_rate": pl.Float64, "diff": pl.Float64, "ci_low": pl.Float64,
                   "ci_high": pl.Float64, "p_value": pl.Float64, "p_worse": pl.Float64,
                   "test": pl.String})
    return pl.DataFrame(rows, schema=schema, strict=False).sort(by)


def _paired_rows(runs: Runs, baseline: str, candidate: str, by: list[str],
                 base_runs: Runs) -> list[dict[str, object]]:
    pairs = _pairs(runs, baseline, candidate, by, base_runs)
    uniq = pairs.unique(subset=[*by, "spec", "b_hash", "c_hash", "b_pass", "c_pass"], keep="first")
    uniq = uniq.with_columns(d=pl.col("c_pass") - pl.col("b_pass"),
                             worse=((pl.col("b_pass") == 1) & (pl.col("c_pass") == 0)).cast(pl.Int64),
                             better=((pl.col("b_pass") == 0) & (pl.col("c_pass") == 1)).cast(pl.Int64))
    extra = uniq.group_by(*by).agg(b_x=pl.col("b_pass").sum(), c_x=pl.col("c_pass").sum(),
                                   worse=pl.col("worse").sum(), better=pl.col("better").sum())
    table = _cluster_sums(uniq, by, "d").join(extra, on=by).collect(engine="streaming")
    rows = []
    for r in table.iter_rows(named=True):
        n, worse, better = int(r["n"]), int(r["worse"]), int(r["better"])
        diff = (better - worse) / n
        # Bonett-Price adjusted Wald interval for paired proportions, widened by the
        # design effect of the specs' clusters (repetitions that differ).
        pw, pb = (worse + 1) / (n + 2), (better + 1) / (n + 2)
        adj = pb - pw
        var_bp = max(0.0, pw + pb - adj * adj) / (n + 2)
        var_iid = ((worse + better) / n - diff * diff) / (n - 1) if n > 1 else 0.0
        var = cluster_variance(n, r["x"], r["clusters"], r["sxx"], r["sxn"], r["snn"])
        deff = max(1.0, var / var_iid) if var is not None and var_iid > 0 else 1.0
        half = Z95 * math.sqrt(var_bp * deff)
        if r["max_abs"] <= 1:  # at most one discordant pair per spec: pairs independent
            p_two, p_worse = mcnemar_exact(worse, better), binom_tail(worse, worse + better)
            test = "exact McNemar"
        else:  # Durkalski et al. (2003): McNemar for clustered pairs
            p_two, p_worse = clustered_mcnemar(-r["x"], r["sxx"])
            test = "clustered McNemar"
        rows.append({**{c: r[c] for c in by}, "method": "paired", "n_pairs": n,
                     "discordant_worse": worse, "discordant_better": better,
                     "n_baseline": n, "n_candidate": n, "baseline_rate": r["b_x"] / n,
                     "candidate_rate": r["c_x"] / n, "diff": diff,
                     "ci_low": max(-1.0, adj - half), "ci_high": min(1.0, adj + half),
                     "p_value": p_two, "p_worse": p_worse, "test": test})
    return rows


def _unpaired_rows(runs: Runs, baseline: str, candidate: str, by: list[str],
                   base_runs: Runs) -> list[dict[str, object]]:
    def sums(r: Runs, version: str) -> pl.DataFrame:
        scored = _version_scores(r, version, by).with_columns(pl.col("passed").cast(pl.Int64))
        return _cluster_sums(_dedupe(scored, by), by, "passed").collect(engine="streaming")

    base, cand = sums(base_runs, baseline), sums(runs, candidate)
    joined = base.join(cand, on=by, how="inner", suffix="_c")
    rows = []
    for r in joined.iter_rows(named=True):
        nb, nc, xb, xc = r["n"], r["n_c"], r["x"], r["x_c"]
        pb, pc = xb / nb, xc / nc
        deff = max(design_effect(nb, xb, r["clusters"], r["sxx"], r["sxn"], r["snn"]),
                   design_effect(nc, xc, r["clusters_c"], r["sxx_c"], r["sxn_c"], r["snn_c"]))
        diff = pc - pb
        pooled = (xb + xc) / (nb + nc)
        var0 = pooled * (1 - pooled) * (1 / nb + 1 / nc) * deff  # under H0: equal rates
        if var0 > 0:
            z = diff / math.sqrt(var0)
            p_worse, p_two = _NORMAL.cdf(z), min(1.0, 2 * _NORMAL.cdf(-abs(z)))
        else:
            p_worse = p_two = 1.0
        # Agresti-Caffo interval (one success and one failure added per side), widened by deff.
        ab, ac = (xb + 1) / (nb + 2), (xc + 1) / (nc + 2)
        adj = ac - ab
        half = Z95 * math.sqrt((ab * (1 - ab) / (nb + 2) + ac * (1 - ac) / (nc + 2)) * deff)
        rows.append({**{c: r[c] for c in by}, "method": "unpaired", "n_pairs": None,
                     "discordant_worse": None, "discordant_better": None,
                     "n_baseline": r["n"], "n_candidate": r["n_c"], "baseline_rate": pb,
                     "candidate_rate": pc, "diff": diff, "ci_low": max(-1.0, adj - half),
                     "ci_high": min(1.0, adj + half), "p_value": p_two, "p_worse": p_worse,
                     "test": "two-proportion z (clustered)"})
    return rows


def flips(runs: Runs, baseline: str, candidate: str, metric: str | None = None,
          baseline_runs: Runs | None = None) -> pl.DataFrame:
    """Pairs that passed on one version and failed on the other, with both conversation ids.

    Columns: pair_id, metric, scenario_id, intent, perturbation, direction
    (regressed | improved), baseline_conversation_id, candidate_conversation_id,
    baseline_run_id, candidate_run_id.
    """
    base_runs = baseline_runs or runs
    _check_versions(runs, base_runs, baseline, candidate)
    pairs = _pairs(runs, baseline, candidate, ["scenario_id", "intent", "perturbation"], base_runs)
    if metric is not None:
        pairs = pairs.filter(pl.col("metric") == metric)
    return (pairs.filter(pl.col("b_pass") != pl.col("c_pass"))
            .select("pair_id", "metric", "scenario_id", "intent", "perturbation",
                    direction=pl.when(pl.col("b_pass") == 1).then(pl.lit("regressed"))
                    .otherwise(pl.lit("improved")),
                    baseline_conversation_id="b_conv", candidate_conversation_id="c_conv",
                    baseline_run_id="b_run", candidate_run_id="c_run")
            .sort("metric", "direction", "scenario_id", "pair_id").collect())


def errors(runs: Runs) -> pl.DataFrame:
    """Per version: conversations, agent_error, simulator_error, unknown_tool (conversations
    with a call to a tool the pack lacks), inconclusive (outcome), unscored scores, and rates."""
    conv = runs.conversations.group_by("agent_version").agg(
        conversations=pl.len(),
        agent_error=(pl.col("outcome") == "agent_error").sum(),
        simulator_error=(pl.col("outcome") == "simulator_error").sum(),
        inconclusive=(pl.col("outcome") == "inconclusive").sum())
    unknown = (runs.tool_calls.filter(pl.col("status") == "unknown_tool")
               .select("agent_version", "run_id", "conversation_id").unique()
               .group_by("agent_version").agg(unknown_tool=pl.len()))
    scores = runs.scores.group_by("agent_version").agg(
        unscored=(pl.col("status") == "unscored").sum(), scores=pl.len())
    out = (conv.join(unknown, on="agent_version", how="left")
           .join(scores, on="agent_version", how="left")
           .with_columns(pl.col("unknown_tool", "unscored", "scores").fill_null(0))
           .with_columns(agent_error_rate=pl.col("agent_error") / pl.col("conversations"),
                         simulator_error_rate=pl.col("simulator_error") / pl.col("conversations"))
           .sort("agent_version"))
    return out.collect()


# --- statistics ------------------------------------------------------------------------------

def binom_tail(k: int, n: int) -> float:
    """P(X >= k) for X ~ Binomial(n, 1/2) (scipy's exact binomial test, one-sided)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    from scipy.stats import binomtest  # on first use: the run summary needs no test

    return float(binomtest(k, n, 0.5, alternative="greater").pvalue)


def mcnemar_exact(b: int, c: int) -> float:
    """Exact two-sided McNemar p-value: binomial test of b vs c discordant pairs at 1/2."""
    n = b + c
    if n == 0:
        return 1.0
    from scipy.stats import binomtest

    return float(binomtest(b, n, 0.5, alternative="two-sided").pvalue)


def clustered_mcnemar(total: float, sum_sq: float) -> tuple[float, float]:
    """Durkalski's clustered McNemar from S = sum over specs of (worse - better) and
    V = sum of its squares: z = S / sqrt(V). Returns (two-sided p, one-sided p for worse)."""
    if sum_sq <= 0:
        return 1.0, 1.0
    z = total / math.sqrt(sum_sq)
    return min(1.0, 2 * _NORMAL.cdf(-abs(z))), 1 - _NORMAL.cdf(z)


# --- counting ---------------------------------------------------------------------------------

def count_phrase(conversations: int, distinct: int) -> str:
    """The words every view uses for how conversations were counted."""
    if distinct == conversations:
        return f"{conversations} conversations"
    return f"{conversations} conversations, {distinct} distinct"


def conversation_counts(runs: Runs) -> dict[str, tuple[int, int]]:
    """Per agent version: (conversations, distinct ones). Two conversations are the same when
    they share the spec and every turn's text: offline, repetitions can be byte-identical,
    and pass rates and tests count them once."""
    keys = conversation_keys(runs, ["agent_version"])
    table = keys.group_by("agent_version").agg(
        conversations=pl.len(), distinct=pl.struct("spec", "text_hash").n_unique()).collect()
    return {r["agent_version"]: (int(r["conversations"]), int(r["distinct"]))
            for r in table.iter_rows(named=True)}
