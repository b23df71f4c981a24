"""Load ramp: play a campaign's conversations at rising concurrency and find where the agent breaks.

`convsim load CAMPAIGN --ramp 8,32,128,512` runs one step per concurrency level against one
agent version: the same conversations the campaign plans (repeated when a step needs more),
no scoring (evaluators cost convsim CPU and say nothing about load). Each step is an
ordinary run folder (Parquet, manifest) under `<out>/<campaign>-load/<ramp id>/c<N>/`; the
ramp writes `load.json`, `load.md` and `load.html` (the curve) beside them.

Per step: the agent's reply latency p50/p95/p99 (request sent to reply read), the share of
conversations that ended in an agent error and in a timeout, agent turns per second (first
turn sent to last reply read), and convsim's own event-loop lag. The knee is the first
step whose p95 latency reached `knee_factor` x the first step's, or whose error rate rose by
`knee_error_rise` or more, or where the agent's circuit breaker opened. A step where
convsim's event loop lagged (median >= 10 ms, or p90 >= a quarter of the agent's p95: the
replies waited on convsim) measures convsim, not the agent: it is marked and never named as
the agent's knee, nor used as the baseline.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from convsim.core.config import CampaignConfig, ConfigError
from convsim.core.records import stable_hash

CONVSIM_BOUND_LAG_MS = 10.0
"""Median event-loop lag from which a step measures convsim rather than the agent (the same
level as the CPU-bound note of `convsim run`, `engine.campaign.LAG_NOTE_MS`)."""


@dataclass
class LoadStep:
    """What one concurrency level measured."""

    concurrency: int
    conversations: int
    agent_turns: int
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    latency_p99_ms: float | None
    error_rate: float
    """Conversations that ended in an agent error (timeouts included)."""
    timeout_rate: float
    """Conversations whose agent error was a timeout."""
    turns_per_s: float | None
    loop_lag_p50_ms: float | None
    loop_lag_p90_ms: float | None
    loop_lag_p99_ms: float | None
    run_dir: str
    breaker: str | None = None
    """Why the agent's circuit breaker opened during the step, if it did."""
    convsim_bound: bool = False
    """convsim's own event loop lagged: this step measures convsim, not the agent."""


@dataclass
class LoadResult:
    """The ramp: its steps, the knee and why."""

    campaign: str
    agent_version: str
    ramp: list[int]
    steps: list[LoadStep] = field(default_factory=list)
    knee: int | None = None
    """Concurrency of the first step where the agent's latency or errors jumped."""
    knee_reason: str = ""
    out_dir: str = ""
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def parse_ramp(text: str) -> list[int]:
    """'8,32,128' -> [8, 32, 128]: positive, strictly rising."""
    try:
        ramp = [int(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        raise ConfigError(f"--ramp: {text!r} is not a list of integers (e.g. 8,32,128)") from None
    if not ramp or any(c < 1 for c in ramp) or any(b <= a for a, b in zip(ramp, ramp[1:], strict=False)):
        raise ConfigError(f"--ramp: {text!r} must be positive concurrency levels, rising "
                          "(e.g. 8,32,128,512)")
    return ramp


def step_config(config: CampaignConfig, version: str, concurrency: int,
                conversations: int, planned_once: int) -> CampaignConfig:
    """The campaign as one ramp step: one agent version, no scoring, one local worker at
    `concurrency`, repeated until it plans at least `conversations`."""
    agents = [a for a in config.agents if a.version == version]
    reps = max(config.repetitions,
               math.ceil(conversations * config.repetitions / max(1, planned_once)))
    execution = config.execution.model_copy(update={
        "executor": "local", "workers": None, "ray_address": None,
        "concurrency": concurrency, "batch_size": max(1, min(concurrency, 50))})
    return config.model_copy(update={
        "agents": agents, "evaluators": [], "repetitions": min(reps, 1000),
        "execution": execution, "name": f"{config.name}-load"})


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def measure_step(run_dir: Path, concurrency: int, loop_lag: dict[str, float],
                 breaker: str | None) -> LoadStep:
    """Read one step's run folder: agent latency, errors, throughput."""
    import polars as pl

    conv = pl.read_parquet(run_dir / "conversations" / "*.parquet",
                           columns=["outcome", "error"]) if any(
        (run_dir / "conversations").glob("*.parquet")) else pl.DataFrame(
        {"outcome": [], "error": []}, schema={"outcome": pl.String, "error": pl.String})
    turns_files = list((run_dir / "turns").glob("*.parquet"))
    agent = (pl.read_parquet(turns_files, columns=["role", "latency_ms", "started_at",
                                                   "ended_at"])
             .filter(pl.col("role") == "agent") if turns_files else pl.DataFrame())
    latencies = agent["latency_ms"].drop_nulls().to_list() if agent.height else []
    rate = None
    if agent.height:
        first, last = agent["started_at"].min(), agent["ended_at"].max()
        if isinstance(first, datetime) and isinstance(last, datetime):
            seconds = (last - first).total_seconds()
            rate = agent.height / seconds if seconds > 0 else None
    n = conv.height
    errors = conv.filter(pl.col("outcome") == "agent_error")
    timeouts = errors.filter(pl.col("error").fill_null("").str.to_lowercase()
                             .str.contains("timeout|timed out"))
    lag50, lag90 = loop_lag.get("p50_ms"), loop_lag.get("p90_ms")
    p95 = _percentile(latencies, 0.95)
    return LoadStep(
        concurrency=concurrency, conversations=n, agent_turns=agent.height,
        latency_p50_ms=_percentile(latencies, 0.50), latency_p95_ms=p95,
        latency_p99_ms=_percentile(latencies, 0.99),
        error_rate=errors.height / n if n else 0.0, timeout_rate=timeouts.height / n if n else 0.0,
        turns_per_s=rate, loop_lag_p50_ms=lag50, loop_lag_p90_ms=lag90,
        loop_lag_p99_ms=loop_lag.get("p99_ms"), run_dir=str(run_dir), breaker=breaker,
        convsim_bound=convsim_bound(lag50, lag90, p95))


def convsim_bound(lag_p50: float | None, lag_p90: float | None,
                  latency_p95: float | None) -> bool:
    """convsim's event loop, not the agent, explains the step's latency: its median lag
    reached CONVSIM_BOUND_LAG_MS, or its p90 lag is a quarter of the agent's p95 latency
    or more (replies waited that long to be read)."""
    if lag_p50 is not None and lag_p50 >= CONVSIM_BOUND_LAG_MS:
        return True
    return bool(lag_p90 is not None and latency_p95 and lag_p90 >= 0.25 * latency_p95)


def find_knee(steps: Sequence[LoadStep], factor: float = 2.0,
              error_rise: float = 0.05) -> tuple[int | None, str]:
    """The first step (not convsim-bound) where the agent's p95 latency reached `factor` x the
    first step's, its error rate rose by `error_rise`, or its circuit breaker opened."""
    measured = [s for s in steps if not s.convsim_bound]
    if not measured:
        return None, ""
    base = measured[0]
    for step in steps:
        if step.convsim_bound:
            continue
        if step.breaker:
            return step.concurrency, f"the agent's circuit breaker opened: {step.breaker}"
        if step is base:
            continue
        if (base.latency_p95_ms and step.latency_p95_ms is not None
                and step.latency_p95_ms >= factor * base.latency_p95_ms):
            ratio = step.latency_p95_ms / base.latency_p95_ms
            return step.concurrency, (
                f"p95 latency {step.latency_p95_ms:.0f} ms is {ratio:.1f}x the "
                f"{base.latency_p95_ms:.0f} ms at concurrency {base.concurrency}")
        if step.error_rate - base.error_rate >= error_rise:
            return step.concurrency, (
                f"agent errors {step.error_rate:.0%} of conversations (were {base.error_rate:.0%} "
                f"at concurrency {base.concurrency})")
    return None, ""


def run_load(config: CampaignConfig, ramp: Sequence[int], *, version: str | None = None,
             conversations: int | None = None, out_dir: str | Path | None = None,
             knee_factor: float = 2.0, knee_error_rise: float = 0.05,
             on_step: Callable[[LoadStep], None] | None = None) -> LoadResult:
    """Play the campaign at each concurrency of `ramp` against one agent version.

    `conversations` per step defaults to max(3 x concurrency, 30): enough for the agent to
    see that many requests in flight for most of the step. The ramp stops after a step
    whose circuit breaker opened (the agent is down; higher levels would only hammer it).
    """
    from convsim.engine.campaign import build_population, planned_count, run_campaign

    versions = [a.version for a in config.agents]
    version = version or versions[-1]
    if version not in versions:
        raise ConfigError(f"--agent: {version!r} is not an agent of campaign {config.name} "
                          f"(its agents: {', '.join(versions)})")
    one = config.model_copy(update={"agents": [a for a in config.agents if a.version == version]})
    scenarios, personas = build_population(one)
    planned_once = planned_count(one, scenarios, personas)
    if planned_once == 0:
        raise ConfigError(f"campaign {config.name} plans no conversations to play")
    ramp_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{stable_hash([list(ramp), version], 6)}"
    root = Path(out_dir or config.output_dir) / f"{config.name}-load" / ramp_id
    result = LoadResult(campaign=config.name, agent_version=version, ramp=list(ramp),
                        out_dir=str(root))
    for concurrency in ramp:
        n = conversations or max(3 * concurrency, 30)
        cfg = step_config(config, version, concurrency, n, planned_once)
        info = run_campaign(cfg, out_dir=root / f"c{concurrency}", limit=n)
        step = measure_step(info.run_dir, concurrency, dict(info.loop_lag),
                            info.stopped_by_breaker)
        result.steps.append(step)
        if on_step is not None:
            on_step(step)
        if step.breaker:
            break
    result.knee, result.knee_reason = find_knee(result.steps, knee_factor, knee_error_rise)
    bound = [s.concurrency for s in result.steps if s.convsim_bound]
    if bound:
        result.notes.append(
            f"convsim's event loop lagged at concurrency {', '.join(map(str, bound))} "
            f"(median >= {CONVSIM_BOUND_LAG_MS:.0f} ms, or p90 >= a quarter of the agent's p95): "
            "those steps measure convsim, not the "
            "agent; use more Ray workers or fewer conversations in flight per worker")
    if result.knee is None:
        result.notes.append(f"no knee up to concurrency {ramp[-1]}: latency stayed under "
                            f"{knee_factor:g}x the first step's and errors did not rise")
    write_load(result, root)
    return result


# ----------------------------------------------------------------------------- output


def _fmt(x: float | None, unit: str = "") -> str:
    return "–" if x is None else f"{x:,.0f}{unit}"


def render_markdown(result: LoadResult) -> str:
    head = ("| concurrency | conversations | agent turns/s | p50 ms | p95 ms | p99 ms | errors "
            "| timeouts | convsim loop lag p50/p99 ms |")
    lines = [f"# Load ramp: {result.campaign}, agent {result.agent_version}", "",
             (f"**Knee at concurrency {result.knee}**: {result.knee_reason}." if result.knee
              else "**No knee found** in this ramp."), "", head,
             "|" + "---|" * 9]
    for s in result.steps:
        mark = " (convsim-bound)" if s.convsim_bound else ""
        mark += " (breaker opened)" if s.breaker else ""
        knee = " ◀ knee" if s.concurrency == result.knee else ""
        lines.append(
            f"| {s.concurrency}{knee} | {s.conversations} | {_fmt(s.turns_per_s)} | "
            f"{_fmt(s.latency_p50_ms)} | {_fmt(s.latency_p95_ms)} | {_fmt(s.latency_p99_ms)} | "
            f"{s.error_rate:.1%} | {s.timeout_rate:.1%} | "
            f"{_fmt(s.loop_lag_p50_ms)}/{_fmt(s.loop_lag_p99_ms)}{mark} |")
    lines += ["", *[f"- {n}" for n in result.notes]]
    return "\n".join(lines) + "\n"


def render_svg(result: LoadResult, width: int = 720, height: int = 320) -> str:
    """Latency p50/p95/p99 (left axis, ms) and turns/s (right axis) against concurrency (log)."""
    pad_l, pad_r, pad_t, pad_b = 60, 60, 20, 40
    steps = [s for s in result.steps if s.latency_p50_ms is not None]
    if not steps:
        return "<p>No agent turns were measured.</p>"
    xs = [math.log2(s.concurrency) for s in steps]
    x0, x1 = min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1
    lat_max = max((s.latency_p99_ms or s.latency_p95_ms or 0) for s in steps) or 1.0
    rate_max = max((s.turns_per_s or 0) for s in steps) or 1.0

    def px(x: float) -> float:
        return pad_l + (x - x0) / (x1 - x0) * (width - pad_l - pad_r)

    def py(v: float, top: float) -> float:
        return height - pad_b - v / top * (height - pad_t - pad_b)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="agent latency and throughput against concurrency">',
             f'<line x1="{pad_l}" y1="{height - pad_b}" x2="{width - pad_r}" y2="{height - pad_b}" '
             'stroke="#555"/>']
    series = [("p50", "latency_p50_ms", "#1f77b4"), ("p95", "latency_p95_ms", "#ff7f0e"),
              ("p99", "latency_p99_ms", "#d62728")]
    for name, attr, colour in series:
        pts = [(px(x), py(getattr(s, attr) or 0, lat_max)) for x, s in zip(xs, steps, strict=True)]
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="'
                     + " ".join(f"{a:.1f},{b:.1f}" for a, b in pts) + f'"><title>{name} latency'
                     '</title></polyline>')
    rpts = [(px(x), py(s.turns_per_s or 0, rate_max)) for x, s in zip(xs, steps, strict=True)]
    parts.append('<polyline fill="none" stroke="#2ca02c" stroke-dasharray="5,3" stroke-width="2" '
                 'points="' + " ".join(f"{a:.1f},{b:.1f}" for a, b in rpts)
                 + '"><title>agent turns/s</title></polyline>')
    for x, s in zip(xs, steps, strict=True):
        parts.append(f'<text x="{px(x):.1f}" y="{height - pad_b + 16}" font-size="11" '
                     f'text-anchor="middle">{s.concurrency}</text>')
        if s.concurrency == result.knee:
            parts.append(f'<line x1="{px(x):.1f}" y1="{pad_t}" x2="{px(x):.1f}" '
                         f'y2="{height - pad_b}" stroke="#000" stroke-dasharray="2,2"/>'
                         f'<text x="{px(x) + 4:.1f}" y="{pad_t + 12}" font-size="11">knee</text>')
    parts += [f'<text x="4" y="{pad_t + 10}" font-size="11">{lat_max:,.0f} ms</text>',
              f'<text x="{width - pad_r + 4}" y="{pad_t + 10}" font-size="11" fill="#2ca02c">'
              f'{rate_max:,.0f}/s</text>',
              f'<text x="{width / 2:.0f}" y="{height - 6}" font-size="11" text-anchor="middle">'
              'conversations in flight (log scale) · solid: latency p50/p95/p99 · dashed: agent '
              'turns/s</text>', "</svg>"]
    return "".join(parts)


def render_html(result: LoadResult) -> str:
    import html

    md = render_markdown(result)
    rows = "".join(f"<pre>{html.escape(md)}</pre>")
    return ("<!doctype html><html><head><meta charset='utf-8'><title>convsim load ramp: "
            f"{html.escape(result.campaign)}</title></head><body style='font-family:sans-serif'>"
            f"<h1>Load ramp: {html.escape(result.campaign)}, agent "
            f"{html.escape(result.agent_version)}</h1>{render_svg(result)}{rows}</body></html>")


def write_load(result: LoadResult, root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "load.json").write_text(json.dumps(result.to_json(), indent=2) + "\n",
                                    encoding="utf-8")
    (root / "load.md").write_text(render_markdown(result), encoding="utf-8")
    (root / "load.html").write_text(render_html(result), encoding="utf-8")
