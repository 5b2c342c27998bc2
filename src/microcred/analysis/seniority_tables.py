"""The released tables of the seniority question: effects with verdict inputs, balance, overlap.

Why coarse: every published count is a linked-table cell; the effect and overlap
tables count holders and non-holders in study only (the same cells as the uptake
table), so they force no new suppression. Person-level diagnostics stay unpublished.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from microcred.analysis.estimability import (
    ESTIMATED,
    STATUS_COLUMN,
    NotEstimable,
    not_estimable,
    safe_exp,
    with_status,
)
from microcred.analysis.frame import ALL_GROUPS, StudyFrame, holder
from microcred.analysis.models import _level_attr, _pooled, balance, ranks_separated
from microcred.analysis.result import AnalysisTable, CellSet, ChartSpec
from microcred.analysis.seniority import (
    CLIP,
    SENIORITY_COVARIATES,
    TRIM_QUANTILE,
    SeniorityResult,
    effective_n,
    estimate_seniority,
    imputation_cells,
    impute_ranks,
    rubin,
    seniority_design,
    seniority_frame,
    weighted_ordinal_effect,
)
from microcred.analysis.stats import Z95

RANK_DIFF = "IPW difference in mean seniority rank"
SENIOR_DIFF = "IPW difference in share senior or above"
ORDINAL_OR = "Ordinal logit odds ratio (higher rank)"
BOUND_LOW = "Bound: rank difference, unknown seniority least favourable to holders"
BOUND_HIGH = "Bound: rank difference, unknown seniority most favourable to holders"
ORDINAL_IMPUTATIONS = 5  # the ordinal fit is the slow one: pooled over the first five
SENIORITY_REASONS = ("no people", "no holders", "no non-holders", "too few people",
                     "no variation", "separation", "model did not fit",
                     "interval unbounded")  # fmt: skip
EFFECT_COLUMNS = ["definition", "estimand", "holders", "non_holders", "estimate", "lower",
                  "upper", "se", "p_value", "equivalence_p", "equivalence_margin",
                  STATUS_COLUMN]  # fmt: skip


def _row(base: dict[str, Any], estimand: str, status: str, est: float = math.nan,
         lo: float = math.nan, hi: float = math.nan, se: float = math.nan,
         p: float = math.nan, eq_p: float = math.nan, margin: float = math.nan) -> dict[str, Any]:  # fmt: skip
    return {**base, "estimand": estimand, "estimate": est, "lower": lo, "upper": hi, "se": se,
            "p_value": p, "equivalence_p": eq_p, "equivalence_margin": margin,
            STATUS_COLUMN: status}  # fmt: skip


def _status(n1: int, n0: int, X: pd.DataFrame) -> str | None:
    if n1 + n0 == 0:
        return not_estimable("no people")
    if n1 == 0:
        return not_estimable("no holders")
    if n0 == 0:
        return not_estimable("no non-holders")
    if n1 < 2 or n0 < 2:
        return not_estimable("too few people")
    if X.empty:
        return not_estimable("no variation")
    return None


def _ordinal(
    rank, t, cov, X, w, res_seed: int
) -> tuple[str, tuple[float, float, float, float, float]]:
    """Survey-weighted proportional odds on the first completed data sets, Rubin-pooled."""
    known = ~np.isnan(rank)
    if ranks_separated(rank[known], t[known]):
        return not_estimable("separation"), (math.nan,) * 5
    rng = np.random.default_rng(res_seed)
    completed = impute_ranks(rank, imputation_cells(t, cov), rng, ORDINAL_IMPUTATIONS)
    try:
        fits = [weighted_ordinal_effect(r, t, X, w) for r in completed]
    except (np.linalg.LinAlgError, ValueError):
        return not_estimable("model did not fit"), (math.nan,) * 5
    pooled = rubin([e for e, _ in fits], [v for _, v in fits])
    odds, lo, hi, st = safe_exp(pooled.estimate, pooled.lower, pooled.upper)
    if st != ESTIMATED:
        return st, (math.nan,) * 5
    return ESTIMATED, (odds, lo, hi, pooled.se, pooled.p_value)


def seniority_tables(sf: StudyFrame) -> list[AnalysisTable]:
    cfg = sf.config.seniority
    margin, margin_s = cfg.equivalence_margin, cfg.equivalence_margin_senior_share
    study = sf.study
    w_all = sf.weights(study)
    cov = seniority_frame(study, sf.config.reference_date)
    dz = seniority_design(cov)
    rank = study["seniority_rank"].to_numpy(dtype=float, na_value=np.nan)
    eff_rows: list[dict[str, Any]] = []
    bal_rows: list[pd.DataFrame] = []
    ovl_rows: list[dict[str, Any]] = []
    for i, d in enumerate(sf.definitions):
        t = holder(study, d)
        n1, n0 = int(t.sum()), int((~t).sum())
        base = {"definition": d, "holders": n1, "non_holders": n0}
        estimands = [RANK_DIFF, SENIOR_DIFF, BOUND_LOW, BOUND_HIGH]
        estimands += [ORDINAL_OR] if d == sf.primary else []
        status = _status(n1, n0, dz.X)
        res: SeniorityResult | None = None
        if status is None:
            try:
                res = estimate_seniority(
                    rank, t, cov, dz.X, w_all, imputations=cfg.imputations, margin=margin,
                    margin_senior=margin_s, seed=sf.config.seed + 7919 * i,
                )  # fmt: skip
            except NotEstimable as exc:
                status = exc.status
            except (np.linalg.LinAlgError, ValueError):
                status = not_estimable("model did not fit")
        if res is None:
            eff_rows += [
                _row(base, e, status or not_estimable("model did not fit")) for e in estimands
            ]
            continue
        r, s = res.rank, res.senior
        eff_rows.append(_row(base, RANK_DIFF, ESTIMATED, r.estimate, r.lower, r.upper, r.se,
                             r.p_value, res.rank_equivalence_p, margin))  # fmt: skip
        eff_rows.append(_row(base, SENIOR_DIFF, ESTIMATED, s.estimate, s.lower, s.upper, s.se,
                             s.p_value, res.senior_equivalence_p, margin_s))  # fmt: skip
        for name, (est, var) in ((BOUND_LOW, res.bound_low), (BOUND_HIGH, res.bound_high)):
            se = math.sqrt(var) if var > 0 else math.nan
            eff_rows.append(_row(base, name, ESTIMATED, est, est - Z95 * se, est + Z95 * se, se))
        if d == sf.primary:
            st, vals = _ordinal(rank, t, cov, dz.X, w_all, sf.config.seed + 104729)
            eff_rows.append(_row(base, ORDINAL_OR, st, *vals))
        prop = res.propensity
        bal_rows.append(balance(t, dz.X, w_all, prop.weights).assign(definition=d))
        for group, who in (("holders", t), ("non-holders", ~t)):
            q = np.quantile(prop.score[who], [0.05, 0.25, 0.5, 0.75, 0.95])
            ovl_rows.append({
                "definition": d, "group": group, "n": int(who.sum()),
                "propensity_p05": q[0], "propensity_p25": q[1], "propensity_median": q[2],
                "propensity_p75": q[3], "propensity_p95": q[4],
                "effective_n": effective_n(prop.weights[who]),
                "share_clipped": prop.share_clipped, "share_weights_capped": prop.share_capped,
            })  # fmt: skip
    eff = pd.DataFrame(eff_rows, columns=EFFECT_COLUMNS)
    return [
        _effect_table(eff, sf, cov),
        _balance_table(bal_rows, dz, cov),
        _overlap_table(pd.DataFrame(ovl_rows)),
    ]


def _method(sf: StudyFrame, cov: pd.DataFrame) -> str:
    cfg = sf.config.seniority
    unknown = float(np.mean(sf.study["seniority_rank"].isna())) if len(sf.study) else math.nan
    return (
        "Seniority is the ordinal rank of the current title (intern 0 … executive 7). Estimands: "
        "the difference in mean rank and in the share at senior level or above (rank ≥ 3) between "
        "holders and non-holders with the same covariates (average treatment effect scale), and "
        "the odds ratio of a higher rank (distribution). Everyone in study counts: unknown "
        f"seniority ({unknown:.0%} of people in study) is multiply imputed ({cfg.imputations} "
        "imputations, approximate Bayesian bootstrap within cells of holding × occupation group "
        "× tenure band × switcher status; Rubin's rules), and bounded by setting every unknown "
        "rank to the least and the most favourable known rank for holders. Propensity of "
        "holding: weighted logistic GLM on years of experience and tenure in the occupation "
        "(linear and squared), experience band, tenure band, switcher status (a year or more "
        "outside the occupations of interest), career-start cohort, education level, formal "
        "digital training, occupation group and province; stabilised ATE weights with "
        f"propensities clipped to [{CLIP[0]}, {CLIP[1]}] and weights capped at their "
        f"{TRIM_QUANTILE:.0%} quantile, times survey weights when present. Differences: "
        "weighted regression of the outcome on holding and the same covariates with those "
        "weights (doubly robust), HC1 sandwich variances. Verdict (three-way, equivalence "
        f"first): 'equivalent within ±{cfg.equivalence_margin:g} rank' when the two one-sided "
        "tests (TOST, Rubin's degrees of freedom) give p < 0.05; otherwise 'difference "
        "detected' when the 95 % CI excludes 0; otherwise 'inconclusive'. Margin: "
        f"±{cfg.equivalence_margin:g} rank (±{cfg.equivalence_margin_senior_share:.0%} for the "
        f"senior share), set in the study configuration because {cfg.margin_justification} "
        "Ordinal model: proportional-odds logit of the rank on holding and the covariates, "
        "survey-weighted pseudo-likelihood with sandwich variances, pooled over "
        f"{ORDINAL_IMPUTATIONS} imputations (first definition only)."
    )


def _effect_table(eff: pd.DataFrame, sf: StudyFrame, cov: pd.DataFrame) -> AnalysisTable:
    deps = ["holders", "non_holders"]
    cell = {"occupation": ALL_GROUPS}
    table = AnalysisTable(
        name="models_seniority_effect",
        title="Seniority of holders vs comparable non-holders",
        section="models",
        method=_method(sf, cov),
        data=eff,
        count_columns=deps,
        dependent={
            c: deps for c in ("estimate", "lower", "upper", "se", "p_value", "equivalence_p")
        },  # fmt: skip
        dims=["definition", "estimand"],
        cells={
            "holders": CellSet({**cell, "holds:{definition}": "yes"}),
            "non_holders": CellSet({**cell, "holds:{definition}": "no"}),
        },
        chart=ChartSpec(
            kind="interval",
            x="estimand",
            y="estimate",
            lower="lower",
            upper="upper",
            color="definition",
            tooltip=["definition", "estimand", "estimate", "lower", "upper", "equivalence_p"],
            title="Seniority: holders vs comparable non-holders",
            x_title="Estimate",
            y_title="Effect of holding (difference, or odds ratio)",
            y_format=".2f",
            description=(
                "Differences in seniority rank and in the share senior or above, bounds for "
                "unknown seniority, and the ordinal-model odds ratio, with 95 % intervals."
            ),
        ),  # fmt: skip
    )
    return with_status(table, eff[STATUS_COLUMN], SENIORITY_REASONS)


def _balance_table(rows: list[pd.DataFrame], dz: Any, cov: pd.DataFrame) -> AnalysisTable:
    cols = ["definition", "covariate", "treated_at_level", "control_at_level", "smd_before",
            "smd_after"]  # fmt: skip
    bal = (pd.concat(rows) if rows else pd.DataFrame(columns=cols))[cols].reset_index(drop=True)
    deps = ["treated_at_level", "control_at_level"]
    derived = tuple(v for v in ("tenure_band", "switcher", "cohort") if v in dz.levels)
    cells: dict[str, CellSet] = {}
    if len(bal):
        groups = _pooled(dz, cov)
        out: dict[str, list] = {"treated_at_level": [], "control_at_level": []}
        for c in bal["covariate"]:
            var, eq, level = str(c).partition("=")
            for col, held in (("treated_at_level", "yes"), ("control_at_level", "no")):
                at = {"occupation": ALL_GROUPS, "holds:{definition}": held, _level_attr(var): level}
                out[col].append(at if eq else None)
        # the reference level of a derived covariate is published nowhere: open attributes
        cells = {c: CellSet(rows=r, groups=groups, open=derived) for c, r in out.items()}
    return AnalysisTable(
        name="models_seniority_balance",
        title="Covariate balance before and after propensity weighting",
        section="models",
        method="Standardised mean differences (Austin 2011) of each covariate level between "
        "holders and non-holders in study, before and after the seniority propensity weights; "
        f"|SMD| < 0.1 is read as balanced. Covariates: {', '.join(SENIORITY_COVARIATES)}, "
        "years of experience and tenure (linear and squared).",
        data=bal,
        count_columns=deps,
        dependent={"smd_before": deps, "smd_after": deps},
        dims=["definition", "covariate"],
        cells=cells,
        chart=ChartSpec(
            kind="bar",
            x="covariate",
            y="smd_after",
            color="definition",
            tooltip=["covariate", "smd_before", "smd_after"],
            title="Covariate balance after weighting",
            x_title="Covariate level",
            y_title="Standardised mean difference after weighting",
            y_format=".2f",
            description="Standardised differences of each covariate after propensity weighting.",
        ),  # fmt: skip
    )


def _overlap_table(ovl: pd.DataFrame) -> AnalysisTable:
    cols = ["definition", "group", "n", "propensity_p05", "propensity_p25", "propensity_median",
            "propensity_p75", "propensity_p95", "effective_n", "share_clipped",
            "share_weights_capped"]  # fmt: skip
    ovl = ovl.reindex(columns=cols)
    derived = [c for c in cols[3:]]
    holds = ["yes" if g == "holders" else "no" for g in ovl["group"]]
    rows = [{"occupation": ALL_GROUPS, "holds:{definition}": h} for h in holds]
    return AnalysisTable(
        name="models_seniority_overlap",
        title="Overlap of holders and non-holders (seniority propensity model)",
        section="models",
        method="Quantiles of the propensity of holding among holders and among non-holders "
        "(overlap: the two distributions should share their range), Kish's effective sample "
        "size of each group under the seniority weights, the share of people whose propensity "
        f"was clipped to [{CLIP[0]}, {CLIP[1]}] and the share whose weight was capped at the "
        f"{TRIM_QUANTILE:.0%} quantile.",
        data=ovl,
        count_columns=["n"],
        dependent={c: ["n"] for c in derived},
        dims=["definition", "group"],
        cells={"n": CellSet(rows=rows)} if len(ovl) else {},
        chart=ChartSpec(
            kind="interval",
            x="group",
            y="propensity_median",
            lower="propensity_p05",
            upper="propensity_p95",
            color="definition",
            tooltip=[
                "definition",
                "group",
                "propensity_p05",
                "propensity_median",
                "propensity_p95",
                "effective_n",
            ],
            title="Overlap: propensity of holding",
            x_title="Group",
            y_title="Propensity of holding (median, 5th–95th percentile)",
            y_format=".2f",
            description="Median and 5th–95th percentiles of the propensity of holding among "
            "holders and non-holders; overlapping ranges mean comparable people exist.",
        ),  # fmt: skip
    )
