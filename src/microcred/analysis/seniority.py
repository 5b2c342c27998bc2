"""The seniority question, designed: do holders differ in seniority from comparable non-holders?

Estimands (per definition, among everyone in study):

* the difference in **mean seniority rank** (intern 0 … executive 7) between holders and
  non-holders of the same covariate mix (average treatment effect scale), with a three-way
  verdict against a configured equivalence margin;
* the difference in the **share at senior level or above** (percentage points);
* the **distribution**: a survey-weighted proportional-odds model's odds ratio of a
  higher rank for holders.

Why this design (issue 15): the old estimator dropped unknown seniority (37 %, and its
share differs between holders and non-holders), left tenure and career switching out of
the propensity model (switchers hold more and restart the ladder), and put significance
before equivalence. Here the propensity model has the covariates that drive both holding
and seniority; unknown seniority is multiply imputed (approximate Bayesian bootstrap
within cells, Rubin's rules) and bounded; the difference is a weighted regression on the
propensity weights *and* the covariates (doubly robust: unbiased when either model is
right).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from microcred.analysis.estimability import NotEstimable, not_estimable
from microcred.analysis.models import Design, _normalised, design, weighted_logit
from microcred.features.ladder import SENIOR_RANK

#: categorical covariates of the propensity and outcome models (derived ones built here)
SENIORITY_COVARIATES = (
    "experience_band",
    "tenure_band",
    "switcher",
    "cohort",
    "education_level",
    "formal_digital_training",
    "occupation_group",
    "province",
)
TENURE_CUTS = (0.0, 2.0, 5.0, 10.0)  # years in the occupations of interest
COHORT_CUTS = (2000, 2010, 2015, 2020)  # year the career started
SWITCH_YEARS = 1.0  # a year or more of experience outside the occupations of interest
CLIP = (0.01, 0.99)
TRIM_QUANTILE = 0.99


def _band(values: pd.Series, cuts: tuple[float, ...], labels: list[str]) -> pd.Series:
    v = values.to_numpy(dtype=float)
    idx = np.searchsorted(np.asarray(cuts[1:], dtype=float), v, side="right")
    out = np.asarray(labels, dtype=object)[np.clip(idx, 0, len(labels) - 1)]
    return pd.Series(np.where(np.isnan(v), "unknown", out), index=values.index)


def seniority_frame(study: pd.DataFrame, reference_date: str) -> pd.DataFrame:
    """The covariates of the seniority models, one row a person in study.

    Derived here from the person features: *tenure* = years in the occupations of
    interest; *switcher* = a year or more of experience outside them (career changers
    restart the ladder and hold more credentials); *cohort* = the year the career began
    (reference year − years of experience). Unknown is its own level, never a guess.
    """
    yrs = study["years_experience"].astype(float)
    ten = study["years_in_occupation"].astype(float)
    ref_year = int(str(reference_date)[:4])
    out = pd.DataFrame(index=study.index)
    for var in ("experience_band", "education_level", "formal_digital_training",
                "occupation_group", "province"):  # fmt: skip
        out[var] = study[var].astype(object).where(study[var].notna(), "unknown")
    out["tenure_band"] = _band(ten, TENURE_CUTS, ["0–2", "2–5", "5–10", "10+"])
    gap = (yrs - ten).to_numpy(dtype=float)
    out["switcher"] = np.where(np.isnan(gap), "unknown", np.where(gap >= SWITCH_YEARS, "yes", "no"))
    start = ref_year - yrs
    out["cohort"] = _band(
        start,
        (-math.inf, *COHORT_CUTS),
        ["before 2000", "2000–2009", "2010–2014", "2015–2019", "2020 or later"],
    )
    out["years_experience"] = yrs.fillna(0.0)
    out["tenure"] = ten.fillna(0.0)
    return out


def seniority_design(cov: pd.DataFrame) -> Design:
    """Dummies of the categorical covariates plus experience and tenure (linear, squared)."""
    dz = design(cov, SENIORITY_COVARIATES)
    yrs, ten = cov["years_experience"].to_numpy(float), cov["tenure"].to_numpy(float)
    dz.X = dz.X.assign(
        years_experience=yrs, years_experience_sq=yrs**2 / 10, tenure=ten, tenure_sq=ten**2 / 10
    )
    return dz


# ---- propensity and overlap ---------------------------------------------------------------


@dataclass
class Propensity:
    """ATE weights (stabilised, clipped, capped, times survey weights) and their diagnostics."""

    weights: np.ndarray
    score: np.ndarray  # propensity after clipping
    share_clipped: float  # people whose propensity was clipped to CLIP
    share_capped: float  # people whose weight was capped at the TRIM_QUANTILE quantile


def propensity_weights(t: np.ndarray, X: pd.DataFrame, w: np.ndarray | None) -> Propensity:
    """P(holder | covariates) from the weighted logistic GLM, turned into ATE weights."""
    ws = _normalised(w, len(t))
    fit = weighted_logit(t, X, ws)
    ps = np.asarray(fit.predict(sm.add_constant(X, has_constant="add")), dtype=float)
    if fit.perfect is not None:  # separation: the limit is 0 or 1, then clipped like the rest
        ps[fit.perfect] = t[fit.perfect]
    clipped = (ps < CLIP[0]) | (ps > CLIP[1])
    ps = np.clip(ps, *CLIP)
    p_bar = float(np.average(t, weights=ws)) if ws.sum() > 0 else float(t.mean())
    sw = np.where(t, p_bar / ps, (1 - p_bar) / (1 - ps))
    cap = float(np.quantile(sw, TRIM_QUANTILE))
    capped = sw > cap
    return Propensity(np.minimum(sw, cap) * ws, ps, float(clipped.mean()), float(capped.mean()))


def effective_n(w: np.ndarray) -> float:
    """Kish's effective sample size (Σw)² / Σw²."""
    s2 = float((w * w).sum())
    return float(w.sum() ** 2 / s2) if s2 > 0 else 0.0


# ---- multiple imputation of unknown seniority ---------------------------------------------


def imputation_cells(t: np.ndarray, cov: pd.DataFrame) -> list[np.ndarray]:
    """Cell codes from finest to coarsest; each always splits by holding.

    Why these: seniority is driven by tenure in the occupation (the ladder restarts on a
    switch) and differs by occupation; imputing within holder cells keeps whatever
    holder difference the known ranks show (imputation never shrinks it towards 0).
    """
    levels = [
        ["occupation_group", "tenure_band", "switcher"],
        ["tenure_band", "switcher"],
        ["tenure_band"],
        [],
    ]
    out = []
    for cols in levels:
        key = pd.DataFrame({"holder": t, **{c: cov[c].to_numpy() for c in cols}})
        out.append(key.groupby(list(key.columns), sort=True).ngroup().to_numpy())
    return out


def impute_ranks(
    rank: np.ndarray, cells: list[np.ndarray], rng: np.random.Generator, m: int
) -> list[np.ndarray]:
    """``m`` completed rank vectors by the approximate Bayesian bootstrap (Rubin & Schenker 1986).

    In each cell with unknowns, the known ranks are resampled with replacement (this
    draws the cell's distribution from its posterior), then the unknowns are drawn from
    that resample. A cell with fewer than 5 known ranks borrows from the next coarser
    cell. Proper imputation: Rubin's rules then give valid variances.
    """
    known = ~np.isnan(rank)
    missing = np.flatnonzero(~known)
    out = []
    for _ in range(m):
        filled = rank.copy()
        todo = missing
        for level in cells:
            if not len(todo):
                break
            left = []
            for c in np.unique(level[todo]):
                who = todo[level[todo] == c]
                donors = rank[known & (level == c)]
                if len(donors) < 5 and level is not cells[-1]:
                    left.append(who)
                    continue
                if not len(donors):
                    left.append(who)
                    continue
                boot = rng.choice(donors, size=len(donors), replace=True)
                filled[who] = rng.choice(boot, size=len(who), replace=True)
            todo = np.concatenate(left) if left else np.array([], dtype=np.int64)
        if len(todo):
            raise NotEstimable("too few people")
        out.append(filled)
    return out


# ---- estimators ---------------------------------------------------------------------------


def adjusted_difference(
    y: np.ndarray, t: np.ndarray, X: pd.DataFrame | np.ndarray, w: np.ndarray
) -> tuple[float, float]:
    """(coefficient of holding, its HC1 variance) in a weighted regression of y on holding + X.

    With the propensity weights this is the doubly robust "weighted regression"
    estimator: unbiased when the propensity or the outcome model is right. Collinear
    dummies are handled by the pseudo-inverse (the holding coefficient stays identified
    as long as holding is not a combination of covariates).
    """
    keep = w > 0
    Z = np.column_stack([np.ones(int(keep.sum())), t[keep].astype(float),
                         np.asarray(X, dtype=float)[keep]])  # fmt: skip
    Z = Z[:, np.r_[0, 1, 2 + np.flatnonzero(Z[:, 2:].std(axis=0) > 0)]]
    yk, wk = np.asarray(y, dtype=float)[keep], w[keep]
    bread = np.linalg.pinv((Z * wk[:, None]).T @ Z)
    beta = bread @ ((Z * wk[:, None]).T @ yk)
    u = Z * (wk * (yk - Z @ beta))[:, None]
    n, k = Z.shape
    cov = bread @ (u.T @ u) @ bread * (n / max(n - k, 1))
    return float(beta[1]), float(cov[1, 1])


@dataclass
class Pooled:
    """An estimate pooled over imputations by Rubin's rules."""

    estimate: float
    se: float
    df: float
    lower: float
    upper: float
    p_value: float

    def tost(self, margin: float) -> float:
        """Two one-sided tests of |effect| < margin with Rubin's degrees of freedom: the larger p."""
        if not self.se or math.isnan(self.se):
            return math.nan
        p_low = stats.t.sf((self.estimate + margin) / self.se, self.df)
        p_high = stats.t.cdf((self.estimate - margin) / self.se, self.df)
        return float(max(p_low, p_high))


def rubin(estimates: list[float], variances: list[float]) -> Pooled:
    """Rubin (1987): T = W̄ + (1 + 1/M)·B, df = (M − 1)(1 + W̄ / ((1 + 1/M)B))²."""
    q, u = np.asarray(estimates, float), np.asarray(variances, float)
    m = len(q)
    qbar, wbar = float(q.mean()), float(u.mean())
    b = float(q.var(ddof=1)) if m > 1 else 0.0
    total = wbar + (1 + 1 / m) * b
    df = (m - 1) * (1 + wbar / ((1 + 1 / m) * b)) ** 2 if b > 1e-12 * wbar else math.inf
    se = math.sqrt(total) if total > 0 else math.nan
    if math.isnan(se):
        return Pooled(qbar, se, df, math.nan, math.nan, math.nan)
    crit = float(stats.t.ppf(0.975, df)) if math.isfinite(df) else float(stats.norm.ppf(0.975))
    p = (
        float(2 * stats.t.sf(abs(qbar) / se, df))
        if math.isfinite(df)
        else float(2 * stats.norm.sf(abs(qbar) / se))
    )
    return Pooled(qbar, se, df, qbar - crit * se, qbar + crit * se, p)


@dataclass
class SeniorityResult:
    """Everything the seniority table and the recovery benchmark read, for one definition."""

    rank: Pooled
    senior: Pooled
    rank_equivalence_p: float
    senior_equivalence_p: float
    bound_low: tuple[float, float]  # (estimate, variance) with unknowns at the extremes
    bound_high: tuple[float, float]
    propensity: Propensity
    n_unknown: int


def estimate_seniority(
    rank: np.ndarray,
    t: np.ndarray,
    cov: pd.DataFrame,
    X: pd.DataFrame,
    w: np.ndarray | None,
    *,
    imputations: int,
    margin: float,
    margin_senior: float,
    seed: int,
) -> SeniorityResult:
    """The designed estimator (module docstring) on people in study; ``rank`` NaN = unknown."""
    rank = np.asarray(rank, dtype=float)
    t = np.asarray(t, dtype=bool)
    known = ~np.isnan(rank)
    if not known.any():  # nothing to impute from, nothing to bound with
        raise NotEstimable("no people", "nobody in study has a known seniority")
    if not (known & t).any() or not (known & ~t).any():
        raise NotEstimable("too few people")
    prop = propensity_weights(t, X, w)
    rng = np.random.default_rng(seed)
    completed = impute_ranks(rank, imputation_cells(t, cov), rng, imputations)
    fits_rank = [adjusted_difference(r, t, X, prop.weights) for r in completed]
    fits_senior = [
        adjusted_difference((r >= SENIOR_RANK).astype(float), t, X, prop.weights) for r in completed
    ]
    pooled_rank = rubin([e for e, _ in fits_rank], [v for _, v in fits_rank])
    pooled_senior = rubin([e for e, _ in fits_senior], [v for _, v in fits_senior])
    lo, hi = float(np.nanmin(rank)), float(np.nanmax(rank))
    worst = np.where(known, rank, np.where(t, lo, hi))
    best = np.where(known, rank, np.where(t, hi, lo))
    return SeniorityResult(
        rank=pooled_rank,
        senior=pooled_senior,
        rank_equivalence_p=pooled_rank.tost(margin),
        senior_equivalence_p=pooled_senior.tost(margin_senior),
        bound_low=adjusted_difference(worst, t, X, prop.weights),
        bound_high=adjusted_difference(best, t, X, prop.weights),
        propensity=prop,
        n_unknown=int((~known).sum()),
    )


# ---- verdict ------------------------------------------------------------------------------

DETECTED, EQUIVALENT, INCONCLUSIVE = "difference detected", "equivalent", "inconclusive"


def verdict(lower: float, upper: float, equivalence_p: float) -> str:
    """Three-way: equivalence first (TOST p < 0.05), then a CI that excludes 0, else inconclusive.

    Why equivalence first: with a large sample a negligible difference is "significant";
    the question is whether the difference matters, which the margin says.
    """
    if not math.isnan(equivalence_p) and equivalence_p < 0.05:
        return EQUIVALENT
    if lower > 0 or upper < 0:
        return DETECTED
    return INCONCLUSIVE


def not_estimable_reason(exc: Exception) -> str:
    return exc.status if isinstance(exc, NotEstimable) else not_estimable("model did not fit")


# ---- the survey-weighted ordinal model ----------------------------------------------------


def weighted_ordinal_effect(
    rank: np.ndarray, t: np.ndarray, X: pd.DataFrame, w: np.ndarray | None
) -> tuple[float, float]:
    """(log-odds of a higher rank for holders, its sandwich variance): proportional odds, weighted.

    statsmodels' ``OrderedModel`` takes no weights; the grouped subclass counts each
    distinct (rank, covariates) row with its Σw (pseudo-likelihood), and the sandwich
    uses Σw² per row, as :func:`~microcred.analysis.models.weighted_logit` does.
    """
    from microcred.analysis.models import GroupedOrderedModel, row_groups

    wn = _normalised(w, len(rank))
    keep = wn > 0
    exog = pd.concat(
        [pd.Series(np.asarray(t, dtype=float)[keep], name="holder"),
         X.loc[keep].reset_index(drop=True)], axis=1,
    )  # fmt: skip
    exog = exog.loc[:, exog.std(ddof=0) > 0]
    ranks = np.asarray(rank, dtype=float)[keep]
    groups = row_groups(np.column_stack([exog.to_numpy(dtype=float), ranks]))
    w1 = np.bincount(groups, weights=wn[keep])
    w2 = np.bincount(groups, weights=wn[keep] ** 2)
    first = np.full(len(w1), len(groups), dtype=np.int64)
    np.minimum.at(first, groups, np.arange(len(groups)))
    levels = sorted(set(int(r) for r in ranks))
    endog = pd.Series(pd.Categorical(ranks[first].astype(int), categories=levels, ordered=True))
    model = GroupedOrderedModel(endog, exog.iloc[first].reset_index(drop=True), w1)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(method="bfgs", disp=False, maxiter=500)
    params = np.asarray(res.params, dtype=float)
    s = model.score_obs(params) / w1[:, None]  # per unit weight of each row
    meat = (s * w2[:, None]).T @ s
    bread = np.linalg.pinv(-model.hessian(params))
    cov = bread @ meat @ bread
    j = list(exog.columns).index("holder")
    return float(params[j]), float(cov[j, j])
