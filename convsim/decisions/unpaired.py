"""Two sets of conversations that share no pairs (a canary and its control, both production
traffic): the candidate's pass rate against the baseline's, stratified by intent.

Production slices differ in their intent mix (a canary gets a day's traffic, the control
another), and pass rates differ by intent far more than between versions; a pooled
two-proportion test would read a mix shift as a regression. The Cochran-Mantel-Haenszel
test compares the versions within each intent and sums the evidence:

    S = sum_k (a_k - E[a_k]),  E[a_k] = n1_k m1_k / N_k,
    V = sum_k n1_k n2_k m1_k m0_k / (N_k^2 (N_k - 1)),
    z = (S - 1/2) / sqrt(V * deff)

with a_k the baseline's passes in intent k, n1_k/n2_k the baseline's/candidate's scored
conversations there, m1_k/m0_k the passes/failures of both; one-sided (the candidate is
worse when the baseline passes more than expected), with a continuity correction, and
the variance widened by the design effect of repeated specs (1 for production, where each
conversation is its own cluster). The size of the change is the Mantel-Haenszel common
risk difference. `gate.py` runs it for every unpaired metric x segment comparison, with
the policy's tolerance, Holm correction and power check.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from statistics import NormalDist

_NORMAL = NormalDist()


@dataclass(frozen=True)
class Stratum:
    """Scored conversations of one intent: passes and counts of both versions."""

    baseline_passed: int
    baseline_n: int
    candidate_passed: int
    candidate_n: int


@dataclass(frozen=True)
class CmhResult:
    p_worse: float
    """One-sided p-value: the candidate passes less often than the baseline."""
    risk_difference: float | None
    """Mantel-Haenszel common difference, candidate - baseline (None: no stratum has both)."""
    strata: int
    """Intents where both versions have scored conversations (the ones in the test)."""
    one_side_only: int
    """Scored conversations in intents only one version has (outside the test)."""


def cmh_worse(strata: Iterable[Stratum], deff: float = 1.0) -> CmhResult:
    """The stratified one-sided test that the candidate is worse (see the module text)."""
    s = v = num = den = 0.0
    used = alone = 0
    for st in strata:
        n1, n2 = st.baseline_n, st.candidate_n
        if n1 == 0 or n2 == 0:
            alone += n1 + n2
            continue
        used += 1
        total = n1 + n2
        m1 = st.baseline_passed + st.candidate_passed
        m0 = total - m1
        s += st.baseline_passed - n1 * m1 / total
        if total > 1:
            v += n1 * n2 * m1 * m0 / (total * total * (total - 1))
        num += (st.candidate_passed * n1 - st.baseline_passed * n2) / total
        den += n1 * n2 / total
    rd = num / den if den else None
    if v <= 0:
        return CmhResult(1.0, rd, used, alone)
    # Continuity correction towards 0 (never past it).
    corrected = s - 0.5 if s > 0.5 else s + 0.5 if s < -0.5 else 0.0
    z = corrected / math.sqrt(v * max(1.0, deff))
    return CmhResult(1 - _NORMAL.cdf(z), rd, used, alone)
