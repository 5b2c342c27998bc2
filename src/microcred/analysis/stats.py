"""Small statistical building blocks shared by the analyses.

Proportions: Wilson score intervals (Wilson 1927) through statsmodels. With raked
weights the variance is the Taylor linearisation with calibration residuals
(Deville & Särndal 1992): the linearised variable is regressed on the raking cells
and the with-replacement variance of the weighted residuals is used, so the variance
calibration removes is removed here too; the interval is Wilson's at the effective
size p(1−p)/var. Without the raking cells (or weights that are not calibrated),
Kish's effective sample size stands in. Differences of proportions: Newcombe's
hybrid score interval (Newcombe 1998, method 10). Standardised mean differences
after Austin (2011).
"""

from __future__ import annotations

import math
import weakref
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


_JOINT: dict[int, tuple[weakref.ref, np.ndarray, np.ndarray]] = {}


def _joint_cells(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(joint cell of each person, margin cells of each joint cell) for a cell matrix.

    Cached per array object: an analysis passes the same study-wide matrix for every row
    of a table, and finding the joint cells is the one sort in the variance.
    """
    hit = _JOINT.get(id(cells))
    if hit is not None and hit[0]() is cells:
        return hit[1], hit[2]
    c = np.asarray(cells).reshape(len(cells), -1).astype(np.int64) + 1  # -1 (outside) → 0
    radix = c.max(axis=0) + 1 if len(c) else np.ones(c.shape[1], dtype=np.int64)
    if float(np.prod(radix.astype(float))) < 2.0**62:
        key = np.ravel_multi_index(tuple(c.T), tuple(int(r) for r in radix))
        uniq, inv = np.unique(key, return_inverse=True)
        joint = np.column_stack(np.unravel_index(uniq, tuple(int(r) for r in radix)))
    else:
        joint, inv = np.unique(c, axis=0, return_inverse=True)
    out = (inv.reshape(-1), np.asarray(joint, dtype=np.int64).reshape(-1, c.shape[1]) - 1)
    try:
        ref = weakref.ref(cells)
    except TypeError:  # not weak-referenceable: no cache
        return out
    key_id = id(cells)
    _JOINT[key_id] = (ref, *out)
    weakref.finalize(cells, _JOINT.pop, key_id, None)
    return out


def calibration_residuals(
    u: np.ndarray, w: np.ndarray, cells: np.ndarray, tol: float = 1e-10, max_iter: int = 500
) -> np.ndarray:
    """Residuals of ``u`` after the w-weighted least-squares fit on the raking cells.

    ``cells``: one column of integer cell codes per margin (-1: not in the margin).
    The fit is additive over the margins (a cell effect per margin). Since every person
    of a joint cell (their cells in all margins together) gets the same fitted value,
    it is found on the joint cells' weighted means — thousands of cells instead of
    millions of people — by alternating projections (backfitting): each sweep
    subtracts the weighted cell means of the current residuals, margin by margin,
    until they move less than ``tol`` relative to the largest mean.
    Why: raking makes the weighted cell totals exact, so the part of an estimate's
    variance that the cells explain is gone; the residuals carry what remains.
    """
    u = np.asarray(u, dtype=float)
    w = np.asarray(w, dtype=float)
    inv, joint = _joint_cells(cells)
    n_joint = len(joint)
    wj = np.bincount(inv, weights=w, minlength=n_joint)
    mean_u = np.divide(
        np.bincount(inv, weights=w * u, minlength=n_joint), wj, out=np.zeros(n_joint), where=wj > 0
    )
    e = mean_u.copy()
    scale = float(np.abs(mean_u).max()) if n_joint else 0.0
    for _ in range(max_iter if scale > 0 else 0):
        moved = 0.0
        for j in range(joint.shape[1]):
            c = joint[:, j]
            ok = c >= 0
            k = int(c[ok].max()) + 1 if ok.any() else 0
            sw = np.bincount(c[ok], weights=wj[ok], minlength=k)
            swe = np.bincount(c[ok], weights=wj[ok] * e[ok], minlength=k)
            shift = np.divide(swe, sw, out=np.zeros(k), where=sw > 0)[c[ok]]
            e[ok] -= shift
            moved = max(moved, float(np.abs(shift).max()) if len(shift) else 0.0)
        if joint.shape[1] <= 1 or moved <= tol * scale:
            break
    return u - (mean_u - e)[inv]


def linearised_variance(u: np.ndarray, w: np.ndarray, cells: np.ndarray | None = None) -> float:
    """Variance of Σ wᵢuᵢ under a single-stage with-replacement design, each person a PSU:
    n/(n−1) Σ (wᵢeᵢ − mean)² over the people with a positive weight, with e = u or, given
    the raking ``cells``, its calibration residuals (people with weight 0 — outside the
    weighting frame — carry no weight in the fit and are left out of the sum)."""
    u = np.asarray(u, dtype=float)
    w = np.asarray(w, dtype=float)
    keep = w > 0
    n = int(keep.sum())
    if n < 2:
        return math.nan
    e = u if cells is None else calibration_residuals(u, np.where(keep, w, 0.0), cells)
    z = (w * e)[keep]
    return float(n / (n - 1) * np.sum((z - z.mean()) ** 2))


@dataclass(frozen=True)
class Proportion:
    n: int  # unweighted persons
    successes: int  # unweighted persons with the attribute
    share: float
    lower: float
    upper: float
    n_effective: float
    method: str


def proportion(
    y: np.ndarray,
    w: np.ndarray | None = None,
    cells: np.ndarray | None = None,
    domain: np.ndarray | None = None,
) -> Proportion:
    """Share of ``y`` (bool) with a 95 % interval; design-based when weights vary.

    Weighted: p = Σw·y / Σw over the ``domain`` (default: everyone passed). Given the
    raking ``cells`` of everyone passed (a column per margin), the variance is the
    linearisation with calibration residuals over all of them — the domain's people and
    the others, as a domain estimate needs — and the interval is Wilson's at the
    effective size p(1−p)/var ("wilson-calibrated"); without cells, Wilson's at Kish's
    effective size ("wilson-kish"). Equal weights give the plain Wilson interval.
    ``n`` and ``successes`` count the domain's people, weighted or not.
    """
    y = np.asarray(y, dtype=bool)
    dom = np.ones(len(y), dtype=bool) if domain is None else np.asarray(domain, dtype=bool)
    n, k = int(dom.sum()), int((y & dom).sum())
    if n == 0:
        return Proportion(0, 0, math.nan, math.nan, math.nan, 0.0, "none")
    if trivial_weights(None if w is None else np.asarray(w)[dom]):
        lo, hi = wilson(k, n)
        return Proportion(n, k, k / n, lo, hi, float(n), "wilson")
    w = np.asarray(w, dtype=float)
    wd = np.where(dom, w, 0.0)
    total = float(wd.sum())
    if total <= 0:
        return Proportion(n, k, math.nan, math.nan, math.nan, 0.0, "none")
    p = float(np.sum(wd * y) / total)
    n_eff, method = kish_n(w[dom]), "wilson-kish"
    if cells is not None and 0 < p < 1:
        var = linearised_variance(dom * (y - p) / total, w, cells)
        if var > 0:
            n_eff, method = p * (1 - p) / var, "wilson-calibrated"
    lo, hi = wilson(p * n_eff, n_eff)
    return Proportion(n, k, p, lo, hi, n_eff, method)


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


def mean_ci(
    x: np.ndarray,
    w: np.ndarray | None = None,
    cells: np.ndarray | None = None,
    domain: np.ndarray | None = None,
) -> MeanCI:
    """Mean with a t interval over the ``domain`` (default: everyone) among known ``x``.

    Weighted with the raking ``cells`` of everyone passed: linearisation with calibration
    residuals (as ``proportion``), t on n − 1 degrees of freedom; weighted without them:
    statsmodels' ``DescrStatsW`` with the weights rescaled to Kish's effective n.
    """
    x = np.asarray(x, dtype=float)
    dom = np.ones(len(x), dtype=bool) if domain is None else np.asarray(domain, dtype=bool)
    known = dom & ~np.isnan(x)
    xs = x[known]
    n = int(xs.size)
    if n == 0:
        return MeanCI(0, math.nan, math.nan, math.nan, math.nan)
    if n == 1:
        return MeanCI(1, float(xs[0]), math.nan, math.nan, math.nan)
    if w is None or trivial_weights(np.asarray(w)[known]):
        d = DescrStatsW(xs)
    elif cells is not None:
        w = np.asarray(w, dtype=float)
        wk = np.where(known, w, 0.0)
        if wk.sum() <= 0:
            return MeanCI(n, math.nan, math.nan, math.nan, math.nan)
        m = float(np.sum(wk * np.nan_to_num(x)) / wk.sum())
        u = known * (np.nan_to_num(x) - m) / wk.sum()
        se = math.sqrt(linearised_variance(u, w, cells))
        q = float(stats.t.ppf(0.975, n - 1))
        return MeanCI(n, m, m - q * se, m + q * se, se)
    else:
        ww = np.asarray(w, dtype=float)[known]
        d = DescrStatsW(xs, weights=ww * kish_n(ww) / ww.sum())  # sums to the effective n
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


def _strata_codes(strata: np.ndarray) -> np.ndarray:
    codes = np.asarray(strata)
    if not np.issubdtype(codes.dtype, np.integer):  # labels: code them (callers pass codes)
        codes = np.unique(codes, return_inverse=True)[1]
    return codes


def stratified_difference_linearised(
    y: np.ndarray,
    treated: np.ndarray,
    strata: np.ndarray,
    w: np.ndarray | None = None,
    cells: np.ndarray | None = None,
) -> tuple[float, float, float]:
    """Within-stratum difference in the mean of ``y`` (treated − untreated), averaged with the
    treated's weights; (difference, lower, upper) with a 95 % normal interval.

    The estimator is d = Σ_s a_s (ȳ_ts − ȳ_us) / Σ_s a_s over strata holding both groups
    (a_s: the treated's weight in s). Its Taylor linearisation is, for a treated person i
    in s, (y_i − ȳ_us − d)/A, and for an untreated one −(a_s/b_s)(y_i − ȳ_us)/A (b_s: the
    untreated's weight in s); the variance is that of the weighted linearised values,
    after calibration residuals when the raking ``cells`` are given. ``y`` may be a
    share's 0/1 indicator or a measure; people with an unknown (NaN) ``y`` are left out.
    """
    y = np.asarray(y, dtype=float)
    t = np.asarray(treated, dtype=bool)
    ww = np.ones(len(y)) if w is None else np.asarray(w, dtype=float)
    codes = _strata_codes(strata)
    known = ~np.isnan(y) & (ww > 0)
    yk = np.where(known, y, 0.0)
    k = int(codes.max()) + 1 if len(codes) else 0
    wt, wu = ww * (known & t), ww * (known & ~t)
    a = np.bincount(codes, weights=wt, minlength=k)
    b = np.bincount(codes, weights=wu, minlength=k)
    ta = np.bincount(codes, weights=wt * yk, minlength=k)
    nb = np.bincount(codes, weights=wu * yk, minlength=k)
    ok = (a > 0) & (b > 0)
    total = float(a[ok].sum())
    if total == 0 or int(known.sum()) < 2:
        return math.nan, math.nan, math.nan
    mean_t = np.divide(ta, a, out=np.zeros(k), where=ok)
    mean_u = np.divide(nb, b, out=np.zeros(k), where=ok)
    d = float(a[ok] @ (mean_t[ok] - mean_u[ok])) / total
    in_ok = known & ok[codes]
    ratio = np.divide(a, b, out=np.zeros(k), where=ok)
    u = np.where(
        in_ok & t,
        (yk - mean_u[codes] - d) / total,
        np.where(in_ok & ~t, -ratio[codes] * (yk - mean_u[codes]) / total, 0.0),
    )
    se = math.sqrt(linearised_variance(u, ww, cells))
    return d, d - Z95 * se, d + Z95 * se
