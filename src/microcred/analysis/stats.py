"""Small statistical building blocks shared by the analyses.

Proportions: Wilson score intervals (Wilson 1927) through statsmodels; with
non-trivial survey weights the weighted proportion gets a Wilson interval at
Kish's effective sample size. Differences of proportions: Newcombe's hybrid
score interval (Newcombe 1998, method 10). Standardised mean differences after
Austin (2011).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

Z95 = float(stats.norm.ppf(0.975))


def trivial_weights(w: np.ndarray | None) -> bool:
    """True when weights are absent or all equal (the estimate is then unweighted)."""
    if w is None or len(w) == 0:
        return True
    w = np.asarray(w, dtype=float)
    return bool(np.allclose(w, w[0]))


def kish_n(w: np.ndarray) -> float:
    """Kish's effective sample size (Σw)² / Σw²."""
    w = np.asarray(w, dtype=float)
    s2 = float(np.sum(w**2))
    return float(np.sum(w) ** 2 / s2) if s2 > 0 else 0.0


def wilson(successes: float, n: float, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval; (nan, nan) when n is 0. Accepts a non-integer n (Kish)."""
    if n <= 0:
        return (math.nan, math.nan)
    lo, hi = proportion_confint(successes, n, alpha=alpha, method="wilson")
    return (float(lo), float(hi))


@dataclass(frozen=True)
class Proportion:
    n: int  # unweighted persons
    successes: int  # unweighted persons with the attribute
    share: float
    lower: float
    upper: float
    n_effective: float
    method: str


def proportion(y: np.ndarray, w: np.ndarray | None = None) -> Proportion:
    """Share of ``y`` (bool) with a 95 % interval; design-based when weights vary.

    Weighted: p = Σw·y / Σw; interval = Wilson at Kish's effective n, which
    reduces to the plain Wilson interval when weights are equal.
    """
    y = np.asarray(y, dtype=bool)
    n, k = int(y.size), int(y.sum())
    if n == 0:
        return Proportion(0, 0, math.nan, math.nan, math.nan, 0.0, "none")
    if trivial_weights(w):
        lo, hi = wilson(k, n)
        return Proportion(n, k, k / n, lo, hi, float(n), "wilson")
    w = np.asarray(w, dtype=float)
    p = float(np.sum(w * y) / np.sum(w))
    n_eff = kish_n(w)
    lo, hi = wilson(p * n_eff, n_eff)
    return Proportion(n, k, p, lo, hi, n_eff, "wilson-kish")


def newcombe_diff(
    p1: float, lo1: float, hi1: float, p2: float, lo2: float, hi2: float
) -> tuple[float, float, float]:
    """Difference p1 − p2 with Newcombe's hybrid score interval from two Wilson intervals."""
    d = p1 - p2
    if any(math.isnan(x) for x in (p1, lo1, hi1, p2, lo2, hi2)):
        return (d, math.nan, math.nan)
    lower = d - math.sqrt((p1 - lo1) ** 2 + (hi2 - p2) ** 2)
    upper = d + math.sqrt((hi1 - p1) ** 2 + (p2 - lo2) ** 2)
    return (d, lower, upper)


def weighted_mean_var(x: np.ndarray, w: np.ndarray | None = None) -> tuple[float, float]:
    """Weighted mean and (population) variance."""
    x = np.asarray(x, dtype=float)
    w = np.ones_like(x) if w is None else np.asarray(w, dtype=float)
    if x.size == 0 or np.sum(w) <= 0:
        return (math.nan, math.nan)
    m = float(np.average(x, weights=w))
    v = float(np.average((x - m) ** 2, weights=w))
    return (m, v)


def smd(
    x1: np.ndarray, x0: np.ndarray, w1: np.ndarray | None = None, w0: np.ndarray | None = None
) -> float:
    """Standardised mean difference (Austin 2011): (m1 − m0) / sqrt((s1² + s0²) / 2).

    Works for binary indicators too (then s² = p(1 − p)). 0 when both variances are 0
    and the means agree; nan when a group is empty.
    """
    m1, v1 = weighted_mean_var(x1, w1)
    m0, v0 = weighted_mean_var(x0, w0)
    if math.isnan(m1) or math.isnan(m0):
        return math.nan
    pooled = math.sqrt((v1 + v0) / 2)
    if pooled == 0:
        return 0.0 if m1 == m0 else math.copysign(math.inf, m1 - m0)
    return (m1 - m0) / pooled


@dataclass(frozen=True)
class MeanCI:
    n: int
    mean: float
    lower: float
    upper: float
    se: float


def mean_ci(x: np.ndarray, w: np.ndarray | None = None) -> MeanCI:
    """Mean with a t interval; weighted (statsmodels DescrStatsW, Kish-scaled) when weights vary."""
    x = np.asarray(x, dtype=float)
    x_ok = ~np.isnan(x)
    x = x[x_ok]
    n = int(x.size)
    if n == 0:
        return MeanCI(0, math.nan, math.nan, math.nan, math.nan)
    if n == 1:
        return MeanCI(1, float(x[0]), math.nan, math.nan, math.nan)
    if w is None or trivial_weights(np.asarray(w)[x_ok]):
        d = DescrStatsW(x)
    else:
        ww = np.asarray(w, dtype=float)[x_ok]
        d = DescrStatsW(x, weights=ww * kish_n(ww) / ww.sum())  # sums to the effective n
    lo, hi = d.tconfint_mean()
    return MeanCI(n, float(d.mean), float(lo), float(hi), float(d.std_mean))


def diff_means_ci(a: MeanCI, b: MeanCI) -> tuple[float, float, float]:
    """Difference a − b with a normal (Welch-type) interval from the two standard errors."""
    d = a.mean - b.mean
    if math.isnan(a.se) or math.isnan(b.se):
        return (d, math.nan, math.nan)
    se = math.sqrt(a.se**2 + b.se**2)
    return (d, d - Z95 * se, d + Z95 * se)


def stratified_difference(
    y: np.ndarray, treated: np.ndarray, strata: np.ndarray, w: np.ndarray | None = None
) -> tuple[float, float, float]:
    """Difference in the share with ``y`` (treated − untreated) within strata, standardised to
    the treated's stratum mix; (difference, lower, upper) with a 95 % normal interval.

    Why: holders and non-holders differ in occupation mix, so a pooled difference in, say,
    the share with a master's degree partly measures occupations. Comparing within each
    stratum and averaging with the treated's weights answers "compared with non-holders in
    the same occupation". ``strata``: integer codes (or labels, coded here). Strata
    without both groups are left out. Each stratum's variance
    is p̃(1−p̃)/n with p̃ = (x+1)/(n+2) (Agresti–Caffo) on Kish's effective n, so a stratum
    whose shares are 0 or 1 still carries uncertainty.
    """
    y = np.asarray(y, dtype=bool)
    t = np.asarray(treated, dtype=bool)
    ww = np.ones(len(y)) if w is None else np.asarray(w, dtype=float)
    codes = np.asarray(strata)
    if not np.issubdtype(codes.dtype, np.integer):  # labels: code them (callers pass codes)
        codes = np.unique(codes, return_inverse=True)[1]
    k = int(codes.max()) + 1 if len(codes) else 0

    def by_stratum(sel: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per stratum: Σw, Σw·y and Σw² of the selected people (one pass each)."""
        c, v = codes[sel], ww[sel]
        return (
            np.bincount(c, weights=v, minlength=k),
            np.bincount(c, weights=v * y[sel], minlength=k),
            np.bincount(c, weights=v**2, minlength=k),
        )

    def share_and_var(
        s: np.ndarray, sy: np.ndarray, s2: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        p = sy / s
        n = s**2 / s2  # Kish's effective size
        pt = (p * n + 1) / (n + 2)
        return p, pt * (1 - pt) / (n + 2)

    sa, sya, s2a = by_stratum(t)
    sb, syb, s2b = by_stratum(~t)
    ok = (sa > 0) & (sb > 0)
    pa, va = share_and_var(sa[ok], sya[ok], s2a[ok])
    pb, vb = share_and_var(sb[ok], syb[ok], s2b[ok])
    wa = sa[ok]
    total = float(wa.sum())
    if total == 0:
        return math.nan, math.nan, math.nan
    num = float(wa @ (pa - pb))
    var = float(wa**2 @ (va + vb))
    d, se = num / total, math.sqrt(var) / total
    return d, d - Z95 * se, d + Z95 * se
