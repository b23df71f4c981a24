"""How many paired conversations a comparison needs, and what the pairs a run has can detect.

`required_pairs` is `convsim plan-size` (McNemar power, normal approximation);
`required_per_version` the same for two sets without pairs (a canary and its control);
`detectable_drop` inverts it: the smallest drop in pass rate a one-sided paired
test at `alpha` finds with the given power from `pairs` pairs. The gate
(`gate.py`) lists every metric x segment whose detectable drop is above the
policy's `max_drop` as underpowered, with the pairs `plan-size` says it needs.
"""

from __future__ import annotations

import math
from statistics import NormalDist

from pydantic import BaseModel


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


def _check(baseline_rate: float, drop: float, power: float, alpha: float,
           comparisons: int) -> None:
    if not 0 < drop <= baseline_rate <= 1:
        raise ValueError(f"need 0 < drop <= baseline rate <= 1 (got drop {drop}, "
                         f"baseline rate {baseline_rate})")
    if not (0 < power < 1 and 0 < alpha < 1 and comparisons >= 1):
        raise ValueError("power and alpha must be in (0, 1) and comparisons at least 1")


def required_pairs(baseline_rate: float, drop: float, power: float = 0.8, alpha: float = 0.05,
                   discordance: float | None = None, comparisons: int = 1) -> SampleSize:
    """Pairs for a one-sided paired McNemar test (Connor 1987):

        n = (z[1 - alpha/m] * sqrt(psi) + z[power] * sqrt(psi - drop^2))^2 / drop^2

    where psi is the discordance (share of pairs that differ) and m the number of
    comparisons (Bonferroni, the first step of Holm). Without a given psi, the two
    versions are assumed independent: psi = p0 (1 - p1) + p1 (1 - p0), p1 = p0 - drop,
    which is conservative (similar versions disagree less; psi >= drop always).
    """
    _check(baseline_rate, drop, power, alpha, comparisons)
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


def detectable_drop(baseline_rate: float, pairs: int, power: float = 0.8,
                    alpha: float = 0.05) -> float | None:
    """The smallest drop `required_pairs` finds detectable with `pairs` pairs (to 0.1 point),
    or None when even a drop to 0% needs more pairs (or the rate cannot drop)."""
    if pairs <= 0 or baseline_rate <= 0:
        return None
    if required_pairs(baseline_rate, baseline_rate, power, alpha).pairs > pairs:
        return None
    lo, hi = 0.0, baseline_rate  # needed pairs fall as the drop grows
    while hi - lo > 0.0005:
        mid = (lo + hi) / 2
        if required_pairs(baseline_rate, mid, power, alpha).pairs <= pairs:
            hi = mid
        else:
            lo = mid
    return hi


def plan_size_command(baseline_rate: float, drop: float, power: float, alpha: float,
                      unpaired: bool = False) -> str:
    """The `convsim plan-size` call that gives the same number."""
    return (f"convsim plan-size --baseline-rate {baseline_rate:.3g} --drop {drop:g} "
            f"--power {power:g} --alpha {alpha:g}" + (" --unpaired" if unpaired else ""))


def required_per_version(baseline_rate: float, drop: float, power: float = 0.8,
                         alpha: float = 0.05, comparisons: int = 1) -> int:
    """Conversations per version for a one-sided test of two independent proportions
    (canary vs control, no pairs; Fleiss, normal approximation):

        n = (z[1 - alpha/m] sqrt(2 pbar qbar) + z[power] sqrt(p0 q0 + p1 q1))^2 / drop^2

    with m the number of comparisons (Bonferroni, as `required_pairs`).
    """
    _check(baseline_rate, drop, power, alpha, comparisons)
    p1 = baseline_rate - drop
    pbar = (baseline_rate + p1) / 2
    z = NormalDist().inv_cdf
    n = (z(1 - alpha / comparisons) * math.sqrt(2 * pbar * (1 - pbar))
         + z(power) * math.sqrt(baseline_rate * (1 - baseline_rate) + p1 * (1 - p1))) ** 2
    return math.ceil(n / (drop * drop))


def detectable_drop_unpaired(baseline_rate: float, per_version: int, power: float = 0.8,
                             alpha: float = 0.05) -> float | None:
    """The smallest drop `required_per_version` finds with `per_version` conversations on
    each side (to 0.1 point), or None when even a drop to 0% needs more."""
    if per_version <= 0 or baseline_rate <= 0:
        return None
    if required_per_version(baseline_rate, baseline_rate, power, alpha) > per_version:
        return None
    lo, hi = 0.0, baseline_rate
    while hi - lo > 0.0005:
        mid = (lo + hi) / 2
        if required_per_version(baseline_rate, mid, power, alpha) <= per_version:
            hi = mid
        else:
            lo = mid
    return hi
