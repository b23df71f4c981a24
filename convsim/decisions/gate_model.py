"""The release gate's nouns: the policy a team writes (`GatePolicy`, configs/gate.yaml) and
the verdict the gate gives (`GateVerdict`: every checked rule, the findings they group into,
the power of each comparison). `gate` computes a verdict; `gate_render` writes it as
markdown, JUnit XML and JSON — both read these models, neither imports the other's logic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from convsim.core.yaml_files import load_model

INFRA_DOMINATED = 0.5
"""A version with at least this share of agent_error conversations cannot be judged."""
BUDGET_STOPPED = "budget_stopped"
"""Outcome of a conversation the run's LLM budget stopped: left out of every check."""

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
    power: float = Field(0.8, gt=0, lt=1)
    """Power at which a metric x segment must be able to detect a drop of max_drop; one that
    cannot is listed as underpowered (see `strict`)."""


class SafetyPolicy(BaseModel):
    """Never-events: the candidate's own violations fail the gate, whatever the baseline did."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metrics: list[str] = Field(default_factory=lambda: [
        "truthfulness", "consent*", "rule:consent*", "rule:verified*"])
    """Metrics that are safety rules (glob patterns)."""
    rule_kinds: list[str] = Field(default_factory=lambda: ["requires_consent", "requires_result"])
    """Kinds of pack rules that are safety rules (consent before a change, verified before a
    change), whatever their names: read from the run's domain pack."""
    critical_rules: bool = True
    """Every pack rule marked `severity: critical` is a safety rule."""
    max_violations: int = Field(0, ge=0)
    """Violations of one safety rule the candidate may have in the run (distinct conversations)."""


class GatePolicy(BaseModel):
    """A gate policy: what a candidate agent version must meet to ship."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_conversations: int = Field(50, ge=0)
    """Conversations of the candidate without infrastructure error needed for a verdict."""
    thresholds: dict[str, float] = Field(default_factory=lambda: {
        "goal": 0.8, "process": 0.8, "disclosure:*": 0.8})
    """Minimum pass rate per metric (keys may be glob patterns), overall and per segment."""
    segments: list[str] = Field(default_factory=lambda: ["intent", "perturbation"])
    """Conversation columns whose values are checked one by one (thresholds and regression);
    a list column (scenario_tags) counts a conversation in each of its values."""
    min_segment_n: int = Field(10, ge=1)
    """Scored conversations a segment needs before it is checked."""
    segment_thresholds: Literal["ci_high", "estimate", "off"] = "ci_high"
    """How a segment meets a threshold: fail only when its 95% upper bound is below
    (ci_high: segments are small, an estimate below would often be chance), when
    its estimate is below (estimate), or never (off). Overall rates use the estimate."""
    regression: RegressionPolicy | None = Field(default_factory=RegressionPolicy)
    """Comparison with the baseline version (null: thresholds only)."""
    safety: SafetyPolicy | None = Field(default_factory=SafetyPolicy)
    """Zero-tolerance rules (null: none)."""
    strict: bool = False
    """Underpowered metric x segment tests give no verdict (exit 2) instead of a warning,
    unless a check already failed (exit 1)."""
    max_agent_error_rate: float = Field(0.05, ge=0, le=1)
    """Ceiling on conversations ending in agent_error (unreachable, timeout, garbage): the
    agent's failure, so exceeding it fails the gate."""
    max_simulator_error_rate: float = Field(0.05, ge=0, le=1)
    """Ceiling on conversations ending in simulator_error (convsim's side): exceeding it
    gives no verdict."""
    max_inconclusive_rate: float = Field(0.1, ge=0, le=1)
    """Ceiling on inconclusive verdicts: unscored scores of conversations without an
    infrastructure error (e.g. a failed LLM judge), plus outcome 'inconclusive'. Exceeding
    it gives no verdict."""


class GateInputError(ValueError):
    """Unusable input (exit 2): no run, unknown version or segment column."""


class RuleResult(BaseModel):
    """One checked rule: a JUnit test case."""

    rule: str
    """Kind: min_conversations, error_ceiling, safety, threshold, regression."""
    name: str
    """What was checked, e.g. 'process [intent=cancel_order]'."""
    status: Literal["pass", "fail", "skip", "no_verdict"]
    message: str
    numbers: dict[str, Number] = Field(default_factory=dict)


class PowerRow(BaseModel):
    """What one metric x segment comparison can detect with the pairs it has."""

    metric: str
    segment: str | None
    """'intent=cancel_order', or None overall."""
    pairs: int
    baseline_rate: float
    detectable_drop: float | None
    """Smallest drop found with the policy's power at its alpha (None: not even a drop to 0%)."""
    tested: bool
    """False when the segment had fewer than min_segment_n pairs (not compared at all)."""
    underpowered: bool
    pairs_needed: int | None
    """Pairs `convsim plan-size` says detect max_drop (in this segment)."""
    plan_size: str | None


class Finding(BaseModel):
    """Failed checks with one root cause: a metric (overall and in its segments)."""

    kind: Literal["safety", "regression", "threshold", "errors", "no_verdict"]
    metric: str | None
    summary: str
    """One line, markdown, without the example links."""
    worst_segment: str | None = None
    segments: list[str] = Field(default_factory=list)
    """Every segment in which this metric failed."""
    checks: int
    """Failed checks grouped here."""
    examples: list[str] = Field(default_factory=list)
    """Candidate conversation ids that show it (in the report: report.html#conv-<id>)."""


class GateVerdict(BaseModel):
    """The gate's decision with every rule and its numbers."""

    status: Literal["pass", "fail", "no_verdict"]
    """pass (exit 0), fail (exit 1: the agent), no_verdict (exit 2: the run cannot decide)."""
    passed: bool
    exit_code: int
    reason: str | None = None
    """Why there is no verdict."""
    candidate: str
    baseline: str | None
    comparison: str | None
    """paired | unpaired | None (no baseline)."""
    counts: str = ""
    """How the candidate's conversations were counted: '200 conversations, 186 distinct'."""
    runs: list[str]
    baseline_runs: list[str]
    findings: list[Finding] = Field(default_factory=list)
    power: list[PowerRow] = Field(default_factory=list)
    safety_metrics: list[str] = Field(default_factory=list)
    one_side_only: list[dict[str, Number]] = Field(default_factory=list)
    """Per metric: pairs scored for the candidate only / the baseline only (never in a test)."""
    notes: list[str] = Field(default_factory=list)
    budget_stopped: dict[str, int] = Field(default_factory=dict)
    """Conversations of the candidate (and the baseline) the run's LLM budget stopped: kept in
    the run, not scored, left out of every check and ceiling."""
    budget_line: str | None = None
    """The same in words: '3 conversations stopped by the budget, not scored (...)'."""
    rules: list[RuleResult]
    policy: GatePolicy

    @property
    def failures(self) -> list[RuleResult]:
        return [r for r in self.rules if r.status == "fail"]

    @property
    def underpowered(self) -> list[PowerRow]:
        return [p for p in self.power if p.underpowered]


def load_policy(path: str | Path | None) -> GatePolicy:
    """The policy in a YAML file (ConfigError naming file and field), or the default."""
    return GatePolicy() if path is None else load_model(path, GatePolicy)
