"""Analysis 4 — adjusted models.

* Holding on covariates: logistic GLM (statsmodels ``GLM`` with a Binomial
  family and ``var_weights``; ``Logit.fit`` would silently ignore weights),
  sandwich (HC1) standard errors, odds ratios with 95 % intervals.
* Seniority on holding: inverse-probability-of-treatment weighting with a
  logistic propensity score (ATE, stabilised, trimmed at the 99th percentile),
  covariate balance before/after (Austin 2011), weighted differences with
  sandwich intervals and a TOST equivalence test; plus an ordinal logit
  (``OrderedModel``) of the seniority rank on holding and covariates.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from scipy.special import expit
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.tools.numdiff import approx_fprime

from microcred.analysis.estimability import (
    ESTIMATED,
    STATUS_COLUMN,
    NotEstimable,
    not_estimable,
    safe_exp,
    separating_direction,
    with_status,
)
from microcred.analysis.frame import ALL_GROUPS, StudyFrame, holder
from microcred.analysis.result import AnalysisTable, CellSet, ChartSpec
from microcred.analysis.stats import Z95, smd

COVARIATES = (
    "experience_band",
    "education_level",
    "formal_digital_training",
    "occupation_group",
    "province",
)
MIN_LEVEL = 10  # levels with fewer people are pooled into "other"
EQUIVALENCE_BOUND = 0.25  # seniority ranks (the default of config.seniority)
TRIM_QUANTILE = 0.99
MAX_LP_ROWS = 20_000  # distinct rows the separation check takes on
_PERFECT_P = 1e-8  # a fitted probability this close to 0 or 1 means separation, not data


# ---- design ----------------------------------------------------------------------------


@dataclass
class Design:
    X: pd.DataFrame  # float dummies, no constant
    levels: dict[str, tuple[str, list[str]]]  # variable -> (reference, non-reference levels)
    values: pd.DataFrame  # the pooled categorical values per person


def design(df: pd.DataFrame, covariates: tuple[str, ...] = COVARIATES) -> Design:
    """Treatment-coded dummies; the most common level is the reference; rare levels pooled."""
    cols, levels, values = [], {}, {}
    for var in covariates:
        if var not in df:
            continue
        v = df[var].fillna("unknown").astype(str)
        counts = v.value_counts()
        rare = set(counts[counts < MIN_LEVEL].index)
        if rare and len(rare) < len(counts):
            v = v.where(~v.isin(rare), "other")
        counts = v.value_counts()
        if len(counts) < 2:
            continue
        ordered = sorted(counts.index, key=lambda lv: (-counts[lv], lv))
        ref, rest = ordered[0], sorted(ordered[1:])
        levels[var] = (ref, rest)
        values[var] = v
        for lv in rest:
            cols.append(pd.Series((v == lv).astype(float).to_numpy(), name=f"{var}={lv}"))
    X = pd.concat(cols, axis=1) if cols else pd.DataFrame(index=range(len(df)))
    X.index = df.index
    return Design(X, levels, pd.DataFrame(values, index=df.index))


def _level_attr(var: str) -> str:
    """The linked-table attribute of a covariate (occupation groups are occupation codes)."""
    return "occupation" if var == "occupation_group" else var


def _pooled(dz: Design, df: pd.DataFrame) -> dict[str, dict[str, list[str]]]:
    """attribute -> {"other": the raw levels pooled into it}, for the linked-table model."""
    out: dict[str, dict[str, list[str]]] = {}
    for var, (ref, rest) in dz.levels.items():
        if "other" not in (ref, *rest):
            continue
        raw = set(df[var].fillna("unknown").astype(str).unique())
        out[_level_attr(var)] = {"other": sorted(raw - {ref, *rest})}
    return out


def _level_cells(
    dz: Design, df: pd.DataFrame, table: pd.DataFrame, among: dict[str, str], count: str
) -> dict[str, CellSet]:
    """Linked-table keys of ``n``/``count`` beside a covariate level (``variable``, ``level``)."""
    base = {"occupation": ALL_GROUPS, **among}
    n_rows, h_rows = [], []
    for var in table["variable"]:
        at = {**base, _level_attr(var): "{level}"}
        n_rows.append(at)
        h_rows.append({**at, "holds:{definition}": "yes"})
    opened = tuple(among)
    groups = _pooled(dz, df)
    return {
        "n": CellSet(rows=n_rows, groups=groups, open=opened),
        count: CellSet(rows=h_rows, groups=groups, open=opened),
    }


def _balance_cells(dz: Design, df: pd.DataFrame, bal: pd.DataFrame) -> dict[str, CellSet]:
    """Keys of the treated/control counts at each covariate level (None: a continuous sum)."""
    base = {"occupation": ALL_GROUPS, "seniority_known": "yes"}
    out: dict[str, list] = {"treated_at_level": [], "control_at_level": []}
    for cov in bal["covariate"]:
        var, eq, level = str(cov).partition("=")
        for col, held in (("treated_at_level", "yes"), ("control_at_level", "no")):
            at = {**base, "holds:{definition}": held, _level_attr(var): level}
            out[col].append(at if eq else None)
    groups = _pooled(dz, df)
    return {c: CellSet(rows=r, groups=groups, open=("seniority_known",)) for c, r in out.items()}


def _normalised(w: np.ndarray | None, n: int) -> np.ndarray:
    if w is None:
        return np.ones(n)
    w = np.asarray(w, dtype=float)
    total = w.sum()
    return w * n / total if total > 0 else np.zeros(n)


@dataclass
class LogitFit:
    """What the analyses read from a logistic fit: coefficients, robust SEs, predictions."""

    params: pd.Series
    bse: pd.Series
    nobs: int
    # design columns left out because the rows that carry weight cannot estimate them
    dropped: tuple[str, ...] = ()
    # design columns whose coefficients are infinite (separation), and the people they
    # predict perfectly (left out of the fit of the other coefficients)
    separated: tuple[str, ...] = ()
    perfect: np.ndarray | None = None
    # robust (sandwich) covariance of ``params``, same order; for delta-method effects
    cov: pd.DataFrame | None = None

    @property
    def pvalues(self) -> pd.Series:
        return pd.Series(2 * stats.norm.sf(np.abs(self.params / self.bse)), index=self.params.index)

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        z = stats.norm.ppf(1 - alpha / 2)
        return pd.DataFrame({0: self.params - z * self.bse, 1: self.params + z * self.bse})

    def predict(self, exog: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Probabilities for a design with the constant (as built by ``sm.add_constant``).

        A DataFrame is matched to the coefficients by column name (dropped columns
        are ignored); an array must already be in coefficient order.
        """
        if isinstance(exog, pd.DataFrame):
            exog = exog[list(self.params.index)]
        eta = np.asarray(exog, dtype=float) @ self.params.to_numpy()
        return 1.0 / (1.0 + np.exp(-eta))


def collapse_rows(
    y: np.ndarray, X: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Identical (x, y) rows merged: (y, X, Σw, Σw²) per distinct row, in sorted order.

    Why: the covariates are mostly categorical, so hundreds of thousands of people
    share a few thousand covariate patterns; the weighted likelihood, its score and
    the sandwich meat are all sums over rows, so a fit on the merged rows is the same
    fit at a fraction of the cost.
    """
    rows = np.column_stack([X, y])
    inverse = row_groups(rows)
    k = int(inverse.max()) + 1 if len(inverse) else 0
    first = np.full(k, len(inverse), dtype=np.int64)
    np.minimum.at(first, inverse, np.arange(len(inverse)))
    distinct = rows[first]
    return (
        distinct[:, -1],
        distinct[:, :-1],
        np.bincount(inverse, weights=w, minlength=k),
        np.bincount(inverse, weights=w * w, minlength=k),
    )


def row_groups(rows: np.ndarray) -> np.ndarray:
    """Group number of each row, groups numbered in lexicographic order of the rows.

    Column by column: factorise, fold into a mixed-radix key, re-factorise the key
    whenever it could overflow. (``np.unique(axis=0)`` sorts rows as opaque bytes and
    is two orders of magnitude slower on a few hundred thousand rows.)
    """
    key = np.zeros(rows.shape[0], dtype=np.int64)
    for j in range(rows.shape[1]):
        code, uniques = pd.factorize(rows[:, j], sort=True)  # hashing, not sorting, the rows
        card = max(len(uniques), 1)
        if (int(key.max(initial=0)) + 1) * card >= 2**62:  # renumber before it could overflow
            key = pd.factorize(key, sort=True)[0].astype(np.int64)
        key = key * card + code
    return pd.factorize(key, sort=True)[0].astype(np.int64)


def weighted_logit(y: np.ndarray, X: pd.DataFrame, w: np.ndarray | None = None) -> LogitFit:
    """Binomial GLM with ``var_weights`` (pseudo-likelihood) and robust (sandwich) SEs.

    Fitted by statsmodels on merged identical rows (:func:`collapse_rows`); the
    sandwich is built here from the per-row Σw and Σw², which gives the covariance
    statsmodels reports for ``cov_type="HC1"`` on the person-level GLM (for a GLM that
    is the White sandwich without a small-sample factor). Rows with zero weight carry
    no information and are left out (they break the sandwich estimator).

    Separation: when the fit runs to fitted probabilities of 0 or 1, the Konis linear
    program (:func:`~microcred.analysis.estimability.separating_direction`) finds the
    coefficients that are infinite and the people they predict perfectly; those
    coefficients are reported in ``separated``, the people in ``perfect``, and the
    other coefficients are estimated on the remaining people (the finite part of the
    maximum-likelihood solution). Raises :class:`NotEstimable` when nothing is left.
    """
    y = np.asarray(y, dtype=bool)
    wn = _normalised(w, len(y))
    rows = wn > 0
    if not rows.any():
        raise NotEstimable("no people")
    # once zero-weight rows are out, a level may have no people left: its coefficient is
    # not estimable, so it joins the reference level
    cols = [c for c in X.columns if X.loc[rows, c].nunique() >= 2]
    flat = [c for c in X.columns if c not in cols]
    separated: list[str] = []
    perfect = np.zeros(len(y), dtype=bool)
    for _ in range(X.shape[1] + 2):  # each round removes a column or people, or ends
        if y[rows].all() or not y[rows].any():
            if perfect.any():
                raise NotEstimable("separation")
            raise NotEstimable("no non-holders" if y[rows].all() else "no holders")
        beta, cov, extreme = _fit_rows(y[rows], X.loc[rows, cols], wn[rows])
        if not extreme:
            break
        names = ["const", *cols]
        Xc = np.column_stack([np.ones(int(rows.sum())), X.loc[rows, cols].to_numpy(dtype=float)])
        yc, Xd, _, _ = collapse_rows(y[rows].astype(float), Xc, wn[rows])
        # the program grows with the distinct rows; past the cap (only a continuous covariate
        # gets there, and then separation is all but impossible) the extreme fit stands
        sep = separating_direction(yc.astype(bool), Xd) if len(yc) <= MAX_LP_ROWS else None
        if sep is None:  # extreme but finite: the fit stands
            if not np.isfinite(cov).all():
                raise NotEstimable("model did not fit")
            break
        lost = [n for n, inf in zip(names, sep.infinite, strict=True) if inf and n != "const"]
        idx = np.flatnonzero(rows)[sep.perfect(y[rows], Xc)]
        perfect[idx] = True
        rows[idx] = False
        separated += lost
        cols = [c for c in cols if c not in lost]
        # a level left with one value once those people are out was part of the separation
        newly_flat = [c for c in cols if X.loc[rows, c].nunique() < 2] if rows.any() else cols
        separated += newly_flat
        cols = [c for c in cols if c not in newly_flat]
        if not rows.any():
            raise NotEstimable("separation")
    else:  # pragma: no cover - every round shrinks the problem
        raise NotEstimable("model did not fit")
    names = ["const", *cols]
    return LogitFit(
        params=pd.Series(beta, index=names),
        bse=pd.Series(np.sqrt(np.diag(cov)), index=names),
        nobs=int(rows.sum()),
        dropped=tuple(flat),
        separated=tuple(separated),
        perfect=perfect,
        cov=pd.DataFrame(cov, index=names, columns=names),
    )


def _fit_rows(y: np.ndarray, X: pd.DataFrame, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """(coefficients, sandwich covariance, extreme) with the constant first.

    ``extreme``: the fit ran to fitted probabilities of 0 or 1 (or did not converge),
    the sign of separation, which the caller then checks exactly.
    """
    Xc = np.column_stack([np.ones(len(y)), X.to_numpy(dtype=float)])
    yc, Xm, w1, w2 = collapse_rows(y.astype(float), Xc, w)
    model = sm.GLM(yc, Xm, family=sm.families.Binomial(), var_weights=w1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = model.fit(wls_method="qr")  # QR: same solution as the SVD default, faster
        except (np.linalg.LinAlgError, ValueError, ZeroDivisionError) as exc:
            raise NotEstimable("model did not fit", type(exc).__name__) from exc
    beta = np.asarray(res.params, dtype=float)
    if not np.isfinite(beta).all():
        raise NotEstimable("model did not fit", "non-finite coefficients")
    p = 1.0 / (1.0 + np.exp(-np.clip(Xm @ beta, -700, 700)))
    extreme = bool(np.minimum(p, 1 - p).min() < _PERFECT_P) or not res.converged
    try:
        bread = np.linalg.inv((Xm * (w1 * p * (1 - p))[:, None]).T @ Xm)
    except np.linalg.LinAlgError:
        if extreme:
            return beta, np.full((len(beta), len(beta)), np.nan), True
        raise NotEstimable("model did not fit", "singular information matrix") from None
    meat = (Xm * (w2 * (yc - p) ** 2)[:, None]).T @ Xm
    with np.errstate(all="ignore"):  # an extreme fit is checked for separation next
        return beta, bread @ meat @ bread, extreme


# ---- 4a: odds ratios ----------------------------------------------------------------------


OR_REASONS = ("no people", "no holders", "no non-holders", "no variation", "separation",
              "model did not fit", "interval unbounded")  # fmt: skip


def _or_row(
    definition: str,
    variable: str,
    level: str,
    reference: str | None,
    n: int,
    holders_at_level: int,
    status: str,
    odds_ratio: float = math.nan,
    lower: float = math.nan,
    upper: float = math.nan,
    p_value: float = math.nan,
) -> dict[str, Any]:
    return {
        "definition": definition, "variable": variable, "level": level, "reference": reference,
        "n": n, "holders_at_level": holders_at_level, "odds_ratio": odds_ratio, "lower": lower,
        "upper": upper, "p_value": p_value, STATUS_COLUMN: status,
    }  # fmt: skip


def average_marginal_effect(
    res: LogitFit, X: pd.DataFrame, w: np.ndarray, variable_columns: list[str], term: str
) -> tuple[float, float]:
    """Average marginal effect of ``term`` (a level of a categorical variable) on the
    probability of holding, against the variable's reference level, and its delta-method SE.

    Why: readers need "how many percentage points more likely", not odds ratios. Everyone
    the model was fitted on is set to the reference level (all of the variable's dummies
    0), then to ``term``; the weighted mean difference of the predicted probabilities is the
    AME, its gradient in the coefficients gives the SE from the robust covariance.
    """
    names = list(res.params.index)
    base = X.reindex(columns=names[1:], fill_value=0.0).to_numpy(dtype=float)
    base = np.column_stack([np.ones(len(base)), base])
    idx = {n: i for i, n in enumerate(names)}
    for c in variable_columns:
        if c in idx:
            base[:, idx[c]] = 0.0
    at = base.copy()
    at[:, idx[term]] = 1.0
    beta = res.params.to_numpy()
    p0, p1 = expit(base @ beta), expit(at @ beta)
    wn = w / w.sum()
    ame = float(wn @ (p1 - p0))
    grad = (wn * p1 * (1 - p1)) @ at - (wn * p0 * (1 - p0)) @ base
    cov = res.cov.to_numpy() if res.cov is not None else np.diag(res.bse.to_numpy() ** 2)
    return ame, float(np.sqrt(max(grad @ cov @ grad, 0.0)))


def _fitted_rows(res: LogitFit, w: np.ndarray) -> np.ndarray:
    """The people the model's coefficients were estimated on (weight > 0, not perfectly predicted)."""
    rows = np.asarray(w, dtype=float) > 0
    if res.perfect is not None:
        rows &= ~res.perfect
    return rows


def _with_q_values(df: pd.DataFrame) -> pd.DataFrame:
    """Benjamini–Hochberg q-values over each definition's estimated terms (one family)."""
    from statsmodels.stats.multitest import multipletests

    q = pd.Series(np.nan, index=df.index)
    for _, part in df.groupby("definition", sort=False):
        ok = part["p_value"].notna()
        if ok.any():
            q[part.index[ok]] = multipletests(part.loc[ok, "p_value"], method="fdr_bh")[1]
    return df.assign(q_value=q)


def holding_odds_ratios(sf: StudyFrame) -> AnalysisTable:
    """One row per definition and covariate level; rows the data cannot support say why."""
    study = sf.study
    w = sf.weights(study)
    w_all = np.ones(len(study)) if w is None else np.asarray(w, dtype=float)
    dz = design(study)
    rows, notes = [], []
    for d in sf.definitions:
        y = holder(study, d)
        res, status = None, None
        if dz.X.empty:
            status = not_estimable("no variation" if len(y) else "no people")
        else:
            try:
                res = weighted_logit(y, dz.X, w)
            except NotEstimable as exc:
                status = exc.status
            except np.linalg.LinAlgError:
                status = not_estimable("model did not fit")
        if res is None:
            # no level to show: one row says why the model has no estimates at all
            rows.append(
                _or_row(d, "all covariates", "all levels", None, len(y), int(y.sum()), status)
            )
            continue
        ci = res.conf_int()
        fitted = _fitted_rows(res, w_all)
        Xf, wf = dz.X.loc[fitted], w_all[fitted]
        for var, (ref, rest) in dz.levels.items():
            for lv in rest:
                term = f"{var}={lv}"
                at = (dz.values[var] == lv).to_numpy()
                n, k = int(at.sum()), int((at & y).sum())
                if term in res.separated:
                    rows.append(_or_row(d, var, lv, ref, n, k, not_estimable("separation")))
                elif term not in res.params.index:  # no weighted people at the level
                    rows.append(_or_row(d, var, lv, ref, n, k, not_estimable("no people")))
                else:
                    odds, lo, hi, st = safe_exp(res.params[term], ci.loc[term, 0], ci.loc[term, 1])
                    p_value = float(res.pvalues[term]) if st == ESTIMATED else math.nan
                    row = _or_row(d, var, lv, ref, n, k, st, odds, lo, hi, p_value)
                    if st == ESTIMATED:
                        var_cols = [f"{var}={x}" for x in rest]
                        ame, se = average_marginal_effect(res, Xf, wf, var_cols, term)
                        row.update(
                            ame_pp=100 * ame,
                            ame_lower=100 * (ame - Z95 * se),
                            ame_upper=100 * (ame + Z95 * se),
                        )
                    rows.append(row)
    df = pd.DataFrame(
        rows,
        columns=["definition", "variable", "level", "reference", "n", "holders_at_level",
                 "odds_ratio", "lower", "upper", "p_value", "ame_pp", "ame_lower", "ame_upper",
                 STATUS_COLUMN],
    )  # fmt: skip
    df = _with_q_values(df)
    df = df[[*df.columns.drop([STATUS_COLUMN]), STATUS_COLUMN]]
    deps = ["n", "holders_at_level"]
    table = AnalysisTable(
        name="models_holding_odds_ratios",
        title="Adjusted odds of holding a microcredential",
        section="models",
        method=(
            "Logistic regression (statsmodels GLM, Binomial family, logit link) of holding at "
            "least one microcredential on experience band, education level, formal digital "
            "training, occupation group and province, among people in study. Survey weights "
            "enter as normalised var_weights (pseudo-likelihood); standard errors are "
            "heteroskedasticity-robust (HC1). Each level is compared with the most common level "
            f"of its variable; levels with fewer than {MIN_LEVEL} people are pooled as 'other'. "
            "When a level (or a combination of levels) predicts holding perfectly, found by the "
            "linear program of Konis (2007), its odds ratio is infinite: the row says 'not "
            "estimable: separation' and the other odds ratios are estimated without the people "
            "it predicts perfectly. ame_pp is the average marginal effect in percentage points: "
            "the weighted mean change in the predicted probability of holding when everyone "
            "fitted is moved from the reference level to the row's level, with a delta-method "
            "95 % interval from the robust covariance. q_value adjusts p_value for the number of "
            "levels tested under the definition (Benjamini–Hochberg)."
        ),
        data=df,
        count_columns=deps,
        dependent={
            "odds_ratio": deps,
            "lower": deps,
            "upper": deps,
            "p_value": deps,
            "q_value": deps,
            "ame_pp": deps,
            "ame_lower": deps,
            "ame_upper": deps,
        },
        dims=["definition", "variable", "level"],
        cells=_level_cells(dz, study, df, {}, "holders_at_level") if len(df) else {},
        chart=ChartSpec(
            kind="interval",
            x="level",
            y="ame_pp",
            lower="ame_lower",
            upper="ame_upper",
            column="variable",
            color="definition",
            tooltip=[
                "variable",
                "level",
                "reference",
                "ame_pp",
                "ame_lower",
                "ame_upper",
                "odds_ratio",
                "q_value",
            ],  # fmt: skip
            title="Adjusted differences in holding a microcredential",
            x_title="Level (vs the most common level)",
            y_title="Difference in the share holding (percentage points)",
            y_format=".1f",
            description=(
                "Average marginal effects with 95 % intervals from a weighted logistic model: "
                "how many percentage points more (or less) likely people at each level are to "
                "hold a microcredential than people at the reference level, other "
                "characteristics as observed."
            ),
        ),
        notes=notes,
    )
    return with_status(table, df[STATUS_COLUMN], OR_REASONS)


# ---- 4b: seniority ------------------------------------------------------------------------


def ipw_weights(
    treated: np.ndarray, X: pd.DataFrame, w: np.ndarray | None = None, trim: float = TRIM_QUANTILE
) -> tuple[np.ndarray, np.ndarray]:
    """Stabilised ATE inverse-probability weights (times survey weights), trimmed.

    Returns (weights, propensity). Propensity scores are clipped to [0.01, 0.99]; the
    weights are capped at their ``trim`` quantile.
    """
    t = np.asarray(treated, dtype=bool)
    ws = _normalised(w, len(t))
    fit = weighted_logit(t, X, ws)
    ps = np.asarray(fit.predict(sm.add_constant(X, has_constant="add")), dtype=float)
    if fit.perfect is not None:  # separation: these people's propensity is 0 or 1 in the limit
        ps[fit.perfect] = t[fit.perfect]
    ps = np.clip(ps, 0.01, 0.99)
    p_bar = float(np.average(t, weights=ws))
    sw = np.where(t, p_bar / ps, (1 - p_bar) / (1 - ps))
    sw = np.minimum(sw, np.quantile(sw, trim))
    return sw * ws, ps


def balance(
    treated: np.ndarray, X: pd.DataFrame, before: np.ndarray | None, after: np.ndarray
) -> pd.DataFrame:
    """SMD of every covariate column before and after weighting."""
    t = np.asarray(treated, dtype=bool)
    rows = []
    for col in X.columns:
        x = X[col].to_numpy(dtype=float)
        b1 = None if before is None else before[t]
        b0 = None if before is None else before[~t]
        rows.append(
            {
                "covariate": col,
                "treated_at_level": int(x[t].sum()),
                "control_at_level": int(x[~t].sum()),
                "smd_before": smd(x[t], x[~t], b1, b0),
                "smd_after": smd(x[t], x[~t], after[t], after[~t]),
            }
        )
    return pd.DataFrame(rows)


@dataclass
class Effect:
    estimate: float
    lower: float
    upper: float
    se: float
    p_value: float


def weighted_difference(y: np.ndarray, treated: np.ndarray, w: np.ndarray) -> Effect:
    """Weighted mean difference (treated − control) by WLS with a sandwich (HC1) SE.

    The SE treats the weights as fixed (ignores propensity-estimation error), which
    for ATE weighting is usually conservative (Lunceford & Davidian 2004).
    """
    Xd = sm.add_constant(np.asarray(treated, dtype=float), has_constant="add")
    res = sm.WLS(np.asarray(y, dtype=float), Xd, weights=w).fit(cov_type="HC1")
    est, se = float(res.params[1]), float(res.bse[1])
    return Effect(est, est - Z95 * se, est + Z95 * se, se, float(res.pvalues[1]))


def tost_p(estimate: float, se: float, bound: float) -> float:
    """Two one-sided tests for |effect| < bound (normal approximation): the larger p."""
    if not se or math.isnan(se):
        return math.nan
    p_low = 1 - stats.norm.cdf((estimate + bound) / se)
    p_high = stats.norm.cdf((estimate - bound) / se)
    return float(max(p_low, p_high))


def seniority_verdict(
    estimate: float,
    lower: float,
    upper: float,
    equivalence_p: float,
    bound: float = EQUIVALENCE_BOUND,
) -> str:
    """Plain words, three-way: equivalent within ±bound / difference detected / inconclusive.

    Equivalence comes first (TOST p < 0.05): a negligible difference that a large
    sample makes "significant" is still no difference that matters.
    """
    if any(math.isnan(x) for x in (estimate, lower, upper)):
        return "The seniority comparison could not be estimated from these data."
    span = f"{estimate:+.2f} ranks (95 % CI {lower:+.2f} to {upper:+.2f})"
    excludes_zero = lower > 0 or upper < 0
    if not math.isnan(equivalence_p) and equivalence_p < 0.05:
        extra = (
            " The difference is statistically distinguishable from 0 but smaller than the margin."
            if excludes_zero
            else ""
        )
        return (
            f"'No seniority difference' holds: equivalent within ±{bound:g} rank; the difference "
            f"is {span} (equivalence test p = {equivalence_p:.3f}).{extra}"
        )
    if excludes_zero:
        side = "more" if estimate > 0 else "less"
        return (
            f"Difference detected: holders are {side} senior than comparable non-holders: "
            f"{span}. 'No seniority difference' does not hold in these data."
        )
    return (
        f"Inconclusive: no significant seniority difference ({span}), but the data cannot rule "
        f"out a difference larger than ±{bound:g} rank (equivalence not shown"
        + ("" if math.isnan(equivalence_p) else f", p = {equivalence_p:.3f}")
        + ")."
    )


class GroupedOrderedModel(OrderedModel):
    """statsmodels' proportional-odds logit over merged identical rows, with an analytic score.

    Why: ``OrderedModel`` differentiates its likelihood numerically, which on a few
    hundred thousand people means tens of thousands of likelihood evaluations (minutes).
    Here each distinct (rank, covariates) row counts ``freq`` times, the score is the
    closed form for the logit link, and the Hessian is the numerical Jacobian of that
    score. Estimates and standard errors match ``OrderedModel`` on the person rows.
    """

    def __init__(self, endog: Any, exog: Any, freq: np.ndarray, **kwds: Any):
        self.freq = np.asarray(freq, dtype=float)
        super().__init__(endog, exog, distr="logit", **kwds)

    def loglikeobs(self, params: np.ndarray) -> np.ndarray:
        return self.freq * super().loglikeobs(params)

    def score_obs(self, params: np.ndarray) -> np.ndarray:
        k = self.k_vars
        beta, th = params[:k], params[k:]
        thresh = self.transform_threshold_params(params)
        j = self.endog
        xb = self.exog @ beta
        f_low, f_upp = expit(thresh[j] - xb), expit(thresh[j + 1] - xb)
        d_low, d_upp = f_low * (1 - f_low), f_upp * (1 - f_upp)
        prob = np.maximum(f_upp - f_low, 0) + 1e-20
        n, cuts = len(j), self.k_levels - 1
        d_cut = np.zeros((n, cuts))  # d loglike / d threshold m (thresh[m + 1])
        rows = np.arange(n)
        upper = j < cuts
        d_cut[rows[upper], j[upper]] += d_upp[upper] / prob[upper]
        lower = j > 0
        d_cut[rows[lower], j[lower] - 1] -= d_low[lower] / prob[lower]
        # thresholds are th_0 + Σ exp(th_q): d thresh_m / d th_q = 1 (q = 0) or exp(th_q) (1 ≤ q ≤ m)
        d_th = np.cumsum(d_cut[:, ::-1], axis=1)[:, ::-1] * np.concatenate(([1.0], np.exp(th[1:])))
        d_beta = (-(d_upp - d_low) / prob)[:, None] * self.exog
        return self.freq[:, None] * np.column_stack([d_beta, d_th])

    def score(self, params: np.ndarray) -> np.ndarray:
        """``score_obs`` summed over rows, without building the rows × parameters matrix."""
        k = self.k_vars
        th = params[k:]
        thresh = self.transform_threshold_params(params)
        j = self.endog
        xb = self.exog @ params[:k]
        f_low, f_upp = expit(thresh[j] - xb), expit(thresh[j + 1] - xb)
        prob = np.maximum(f_upp - f_low, 0) + 1e-20
        a_upp = self.freq * f_upp * (1 - f_upp) / prob
        a_low = self.freq * f_low * (1 - f_low) / prob
        cuts = self.k_levels - 1
        upper, lower = j < cuts, j > 0
        d_cut = np.bincount(j[upper], weights=a_upp[upper], minlength=cuts) - np.bincount(
            j[lower] - 1, weights=a_low[lower], minlength=cuts
        )
        d_th = np.cumsum(d_cut[::-1])[::-1] * np.concatenate(([1.0], np.exp(th[1:])))
        return np.concatenate([self.exog.T @ (a_low - a_upp), d_th])

    def hessian(self, params: np.ndarray) -> np.ndarray:
        h = approx_fprime(params, self.score, centered=True)
        return (h + h.T) / 2

    @property
    def start_params(self) -> np.ndarray:
        """As ``OrderedModel``'s (the null model's thresholds), with rows counted ``freq`` times."""
        share = (
            np.bincount(self.endog, weights=self.freq, minlength=self.k_levels) / self.freq.sum()
        )
        cut = self.distr.ppf(np.clip(share.cumsum(), 0, 1))
        return np.concatenate((np.zeros(self.k_vars), self.transform_reverse_threshold_params(cut)))


def ordinal_holder_effect(rank: np.ndarray, treated: np.ndarray, X: pd.DataFrame) -> Effect:
    """Log-odds (proportional odds, logit) of a higher seniority rank for holders."""
    exog = pd.concat(
        [pd.Series(np.asarray(treated, dtype=float), name="holder"), X.reset_index(drop=True)],
        axis=1,
    )
    exog = exog.loc[:, exog.std(ddof=0) > 0]
    ranks = np.asarray(rank, dtype=float)
    groups = row_groups(np.column_stack([exog.to_numpy(dtype=float), ranks]))
    freq = np.bincount(groups).astype(float)
    first = np.full(len(freq), len(groups), dtype=np.int64)
    np.minimum.at(first, groups, np.arange(len(groups)))
    levels = sorted(set(int(r) for r in ranks))
    endog = pd.Series(pd.Categorical(ranks[first].astype(int), categories=levels, ordered=True))
    merged = exog.iloc[first].reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = GroupedOrderedModel(endog, merged, freq).fit(method="bfgs", disp=False, maxiter=500)
    est, se = float(res.params["holder"]), float(res.bse["holder"])
    return Effect(est, est - Z95 * se, est + Z95 * se, se, float(res.pvalues["holder"]))


def ranks_separated(rank: np.ndarray, treated: np.ndarray) -> bool:
    """Every holder ranks at or above every non-holder, or at or below: the ordinal odds
    ratio of holding is then infinite (or zero) whatever the covariates."""
    r1, r0 = rank[treated], rank[~treated]
    return bool(r1.min() >= r0.max() or r1.max() <= r0.min())


def model_tables(sf: StudyFrame) -> list[AnalysisTable]:
    from microcred.analysis.seniority_tables import seniority_tables  # it builds on this module

    return [holding_odds_ratios(sf), *seniority_tables(sf)]
