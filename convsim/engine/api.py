"""The Python API over run results, for notebooks and a team's own tests.

`load_run`, `summarize`, `compare` and `gate` are thin wrappers over the decisions
layer (`convsim.decisions.analytics`, `.summary`, `.gate`): they take run folders (or
what `load_run` returned) where those take loaded tables, and are exported from
`convsim`. `convsim.pytest_plugin` builds its assertion on `gate`.

    import convsim
    runs = convsim.load_run("runs/demo/*")
    convsim.summarize(runs)                                   # pass rate per version, metric
    convsim.compare(runs, baseline="v1", candidate="v2")      # paired difference, McNemar
    verdict = convsim.gate(runs, candidate="v2", baseline="v1")
    verdict.passed, verdict.exit_code, verdict.failures
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import polars as pl

from convsim.decisions import analytics
from convsim.decisions.gate import GatePolicy, GateVerdict, gate_run, load_policy
from convsim.decisions.summary import summarize_run

RunsLike = str | Path | Iterable[str | Path] | analytics.Runs
"""A run folder, a campaign folder, an output root, a glob, a list of these, or loaded runs."""

__all__ = ["RunsLike", "compare", "gate", "load_run", "summarize"]


def load_run(*paths: str | Path | Iterable[str | Path]) -> analytics.Runs:
    """Scan one or many runs lazily (polars): `.conversations`, `.turns`, `.tool_calls`,
    `.scores` are LazyFrames with `run_id` and `agent_version` on every table.

    Args:
        paths: run folders (`runs/demo/<run_id>`), campaign folders (`runs/demo`), output
            roots (`runs`), or globs of any of these.

    Raises:
        convsim.decisions.analytics.AnalyticsError: no run folder found there.
    """
    flat: list[str | Path] = []
    for p in paths:
        flat.extend([p] if isinstance(p, str | Path) else p)
    return analytics.load_runs(flat)


def _runs(runs: RunsLike) -> analytics.Runs:
    return runs if isinstance(runs, analytics.Runs) else load_run(runs)


def summarize(runs: RunsLike, by: Sequence[str] = ("agent_version", "metric")) -> pl.DataFrame:
    """Pass rate per group with a 95% interval.

    One run folder gives the table `convsim run` prints (`summary.summarize_run`: Wilson
    interval); loaded or several runs give `analytics.pass_rates` (Wilson widened for the
    repetitions of a spec, identical conversations counted once). `by` may name any column
    of the scores or conversations tables.
    """
    if isinstance(runs, str | Path) and (Path(runs) / "scores").is_dir():
        return summarize_run(runs, by=tuple(by))
    return analytics.pass_rates(_runs(runs), by=by)


def compare(runs: RunsLike, baseline: str, candidate: str, by: Sequence[str] = ("metric",),
            baseline_run: RunsLike | None = None) -> pl.DataFrame:
    """Candidate vs baseline agent version per group: rates, difference with a 95% interval
    and McNemar p-values, paired by conversation pair when the runs share their pairs
    (`analytics.compare_versions`). `baseline_run` takes the baseline from other runs."""
    base = _runs(baseline_run) if baseline_run is not None else None
    return analytics.compare_versions(_runs(runs), baseline, candidate, by=by, baseline_runs=base)


def gate(runs: RunsLike, candidate: str | None = None, baseline: str | None = None,
         policy: str | Path | GatePolicy | None = None,
         baseline_run: RunsLike | None = None) -> GateVerdict:
    """The release gate's verdict on a candidate agent version (what `convsim gate` prints).

    Args:
        runs: the run(s) holding the candidate (and the baseline, unless `baseline_run`).
        candidate: the version to gate (default: the run's only version besides `baseline`).
        baseline: the version it must not be significantly worse than (None: thresholds only).
        policy: a gate policy YAML file or a `GatePolicy` (default: the built-in policy).
        baseline_run: take the baseline from these runs instead.

    Returns:
        The verdict: `.passed`, `.exit_code` (0 pass, 1 fail), `.failures`, every rule's
        numbers; `convsim.decisions.gate.verdict_markdown(verdict)` is the PR comment.

    Raises:
        GateInputError: the runs cannot give a verdict (unknown version, agent down).
        ConfigError: the policy file is invalid (names the file and the field).
    """
    rules = policy if isinstance(policy, GatePolicy) else load_policy(policy)
    base = _runs(baseline_run) if baseline_run is not None else None
    return gate_run(_runs(runs), rules, candidate=candidate, baseline=baseline,
                    baseline_runs=base, policy_source=str(policy or "default policy")
                    if not isinstance(policy, GatePolicy) else "policy")
