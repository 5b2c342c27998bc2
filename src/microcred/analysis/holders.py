"""Analysis 2 — how holders differ from non-holders (people in study)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from microcred.analysis.estimability import COMPARISON_REASONS, comparison_status, with_status
from microcred.analysis.frame import ALL_GROUPS, StudyFrame, holder
from microcred.analysis.result import AnalysisTable, CellSet, ChartSpec, Controlled
from microcred.analysis.stats import (
    Z95,
    diff_means_ci,
    mean_ci,
    newcombe_diff,
    proportion,
    smd,
    stratified_difference,
    stratified_difference_linearised,
)
from microcred.features.ladder import RANK_LABELS
from microcred.release.vocabulary import OTHER, employer_terms

TOP_EMPLOYERS = 10

NUMERIC = {
    "years_experience": "Years of experience",
    "n_skills": "Number of skills listed",
    "digital_skill_share": "Share of skills that are digital",
    "n_hot_skills": "Hot-technology skills",
}


WITHIN_METHOD = (
    "difference_within_occupation compares holders with non-holders of the same NOC 2021 unit "
    "group and averages over unit groups with the holders' weights (holders' occupation mix); "
    "unit groups without both are left out; its 95 % normal interval is from the Taylor "
    "linearisation of that estimator (with calibration residuals when raked). "
)
TEST_METHOD = (
    "p_value tests a within-occupation difference of 0 (two-sided, normal); q_value is its "
    "Benjamini–Hochberg adjustment over the rows of the definition whose person counts "
    "disclosure control publishes (every count 0 or at least the minimum cell size); rows "
    "below it get neither."
)


def _occupation_codes(study: pd.DataFrame) -> np.ndarray:
    """NOC unit groups as integer codes (the strata of the within-occupation comparisons)."""
    noc = study["noc2021"].fillna("unknown").astype(str).to_numpy(dtype=object)
    return np.unique(noc, return_inverse=True)[1]


def normal_p_value(d: float, lower: float, upper: float) -> float:
    """Two-sided p-value of d = 0 from a symmetric 95 % normal interval."""
    se = (upper - lower) / (2 * Z95)
    if not (math.isfinite(d) and math.isfinite(se)) or se <= 0:
        return math.nan
    return float(2 * stats.norm.sf(abs(d) / se))


def with_q_values(df: pd.DataFrame, counts: list[str], config) -> pd.DataFrame:
    """Benjamini–Hochberg q-values of ``p_value`` per definition, over publishable rows only.

    Why only those: a q-value depends on every p-value of its family, so a family holding
    rows that disclosure control hides would let published q-values say something about
    the hidden rows. Primary suppression hides counts of 1 .. min_cell − 1, which the
    analysis knows; the rows it hides get no p- or q-value. (Complementary suppression
    hides some rows with counts above the minimum; those stay in the family.)
    """
    df = df.copy()
    if df.empty:
        return df.assign(q_value=pd.Series(dtype=float))
    dc = config.disclosure
    c = df[counts].to_numpy(dtype=float)
    if dc.method == "suppression":
        publishable = ((c == 0) | (c >= dc.min_cell)).all(axis=1)
    else:
        publishable = np.ones(len(df), dtype=bool)
    df.loc[~publishable, "p_value"] = math.nan
    q = np.full(len(df), math.nan)
    for _, idx in df.groupby("definition", sort=False).indices.items():
        p = df["p_value"].to_numpy(dtype=float)[idx]
        ok = ~np.isnan(p)
        if ok.any():
            sub = np.full(len(idx), math.nan)
            sub[ok] = multipletests(p[ok], method="fdr_bh")[1]
            q[idx] = sub
    df.insert(df.columns.get_loc("p_value") + 1, "q_value", q)
    return df


def _categorical_columns(df: pd.DataFrame) -> dict[str, pd.Series]:
    """Variable name → category per person (missing → "unknown")."""
    # vectorised (no per-person Python): the study frame can hold a million people
    seniority = df["seniority_rank"].astype("Int64").map(RANK_LABELS).fillna("unknown")
    field = df["field_cip2021"]
    known_field = field.notna() & (field.str.len() > 0)
    cip2 = field.str.slice(0, 2).where(known_field, "unknown")
    # only catalogue employers are named; the rest is "Other (not in catalogue)", never as typed
    current = employer_terms(df["current_employer"])
    employers = current[current != OTHER].value_counts()
    employers = employers[employers.index.notna()].sort_index(kind="stable")
    top = list(employers.sort_values(ascending=False, kind="stable").head(TOP_EMPLOYERS).index)
    top.append(OTHER)
    employer = pd.Series(
        np.where(
            current.isna(), "unknown", np.where(current.isin(top), current, "other employers")
        ),
        index=df.index,
    )
    cols = {
        "experience_band": df["experience_band"],
        "seniority": seniority,
        "education_level": df["education_level"],
        "field_cip2021_2digit": cip2,
        "formal_digital_training": df["formal_digital_training"],
        "province": df["province"],
        "profile_language": df["profile_language"],
        "current_employer": employer,
    }
    return {k: v.fillna("unknown").astype(str) for k, v in cols.items()}


def finite_or_nan(x: float) -> float:
    """An SMD between two groups without variance is ±inf: not a figure to publish."""
    return x if math.isfinite(x) else math.nan


def _holding(yes_no: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"occupation": ALL_GROUPS, "holds:{definition}": yes_no, **(extra or {})}


def holder_cells(category: dict[str, str]) -> dict[str, CellSet]:
    """Linked-table keys of the holder / non-holder counts (in a category, and in total)."""
    return {
        "holders_in_category": CellSet(_holding("yes", category)),
        "holders": CellSet(_holding("yes")),
        "non_holders_in_category": CellSet(_holding("no", category)),
        "non_holders": CellSet(_holding("no")),
    }


def share_difference_deps(both: list[str]) -> dict[str, list[str]]:
    """Which counts each share/difference column of a comparison depends on (suppression)."""
    return {
        "share_holders": ["holders_in_category", "holders"],
        "share_non_holders": ["non_holders_in_category", "non_holders"],
        "difference": both,
        "diff_lower": both,
        "diff_upper": both,
    }


def difference_chart(tooltip: list[str], title: str, y_title: str, description: str) -> ChartSpec:
    """Holders-minus-non-holders interval chart by category, one panel per variable."""
    return ChartSpec(
        kind="interval",
        x="category",
        y="difference",
        lower="diff_lower",
        upper="diff_upper",
        column="variable",
        color="definition",
        tooltip=tooltip,
        title=title,
        x_title="Category",
        y_title=y_title,
        y_format=".1%",
        description=description,
    )


def categorical_comparison(sf: StudyFrame) -> AnalysisTable:
    """Per variable and category: share among holders vs non-holders, difference, SMD."""
    study = sf.study
    w = sf.weights(study)
    cells = sf.cells(study)
    rows = []
    cats = {
        var: values.to_numpy(dtype=object) for var, values in _categorical_columns(study).items()
    }
    levels = {var: sorted(set(v)) for var, v in cats.items()}
    strata = _occupation_codes(study)  # once: every comparison below is stratified by them
    for d in sf.definitions:
        h = holder(study, d)
        for var, v in cats.items():
            for cat in levels[var]:
                ind = v == cat
                wh = None if w is None else w[h]
                wn = None if w is None else w[~h]
                # holders and non-holders are domains of the study (calibrated variance)
                ph = proportion(ind, w, cells, domain=h)
                pn = proportion(ind, w, cells, domain=~h)
                diff, lo, hi = newcombe_diff(
                    ph.share, ph.lower, ph.upper, pn.share, pn.lower, pn.upper
                )
                if cells is None:
                    within = stratified_difference(ind, h, strata, w)
                else:
                    within = stratified_difference_linearised(ind, h, strata, w, cells)
                rows.append(
                    {
                        "definition": d,
                        "variable": var,
                        "category": cat,
                        "holders_in_category": ph.successes,
                        "holders": ph.n,
                        "non_holders_in_category": pn.successes,
                        "non_holders": pn.n,
                        "share_holders": ph.share,
                        "share_non_holders": pn.share,
                        "difference": diff,
                        "diff_lower": lo,
                        "diff_upper": hi,
                        "difference_within_occupation": within[0],
                        "within_lower": within[1],
                        "within_upper": within[2],
                        "p_value": normal_p_value(*within),
                        "smd": finite_or_nan(
                            smd(ind[h].astype(float), ind[~h].astype(float), wh, wn)
                        ),
                    }
                )
    both = ["holders_in_category", "holders", "non_holders_in_category", "non_holders"]
    df = with_q_values(pd.DataFrame(rows), both, sf.config)
    table = AnalysisTable(
        name="holders_vs_non_holders",
        title="Holders and non-holders compared",
        section="holders",
        method=(
            "For each characteristic, the share of holders and of non-holders in each category, "
            "the difference in shares with Newcombe's hybrid score 95 % interval (Newcombe 1998), "
            "and the standardised mean difference of the category indicator (Austin 2011; "
            "|SMD| > 0.1 is commonly read as a meaningful imbalance). Employers: the ten largest "
            "current employers in study that the provider catalogue names; other catalogue "
            f"employers are pooled, and employers it does not name are '{OTHER}'. Counts are unweighted persons. "
            "difference_within_occupation compares holders with non-holders of the same NOC 2021 "
            "unit group and averages over unit groups with the holders' weights (holders' "
            "occupation mix), so occupation mix does not enter the difference; unit groups "
            "without both holders and non-holders are left out; 95 % normal interval, with "
            "Agresti–Caffo-adjusted variances per unit group when unweighted and the Taylor "
            "linearisation with calibration residuals when raked. Weighted shares use the same "
            "linearisation (holders and non-holders as domains of the study). " + TEST_METHOD
        ),
        data=df,
        count_columns=both,
        dependent={
            **share_difference_deps(both),
            "difference_within_occupation": both,
            "within_lower": both,
            "within_upper": both,
            "p_value": both,
            "q_value": both,
            "smd": both,
        },
        dims=["definition", "variable", "category"],
        controlled=[Controlled("category", "catalogue", when=("variable", "current_employer"))],
        cells=holder_cells({"{variable}": "{category}"}),
        chart=difference_chart(
            ["variable", "category", "share_holders", "share_non_holders", "smd"],
            "Holders minus non-holders: difference in shares",
            "Difference in share (holders − non-holders)",
            "For each characteristic and category, how much more (or less) common it is "
            "among holders than non-holders, with 95 % intervals.",
        ),
    )
    return with_status(
        table, comparison_status(df, "holders", "non_holders"), COMPARISON_REASONS[:3]
    )


def numeric_comparison(sf: StudyFrame) -> AnalysisTable:
    """Means (with CIs) of experience and skills-profile measures, difference and SMD."""
    study = sf.study
    w = sf.weights(study)
    cells = sf.cells(study)
    strata = _occupation_codes(study)
    rows = []
    for d in sf.definitions:
        h = holder(study, d)
        for var, label in NUMERIC.items():
            x = study[var].to_numpy(dtype=float)
            wh = None if w is None else w[h]
            wn = None if w is None else w[~h]
            # holders and non-holders are domains of the study (calibrated variance)
            mh, mn = mean_ci(x, w, cells, domain=h), mean_ci(x, w, cells, domain=~h)
            diff, lo, hi = diff_means_ci(mh, mn)
            within = stratified_difference_linearised(x, h, strata, w, cells)
            okh, okn = ~np.isnan(x[h]), ~np.isnan(x[~h])
            s = smd(
                x[h][okh],
                x[~h][okn],
                None if wh is None else wh[okh],
                None if wn is None else wn[okn],
            )
            rows.append(
                {
                    "definition": d,
                    "variable": var,
                    "label": label,
                    "holders": mh.n,
                    "non_holders": mn.n,
                    "mean_holders": mh.mean,
                    "lower_holders": mh.lower,
                    "upper_holders": mh.upper,
                    "mean_non_holders": mn.mean,
                    "lower_non_holders": mn.lower,
                    "upper_non_holders": mn.upper,
                    "difference": diff,
                    "diff_lower": lo,
                    "diff_upper": hi,
                    "difference_within_occupation": within[0],
                    "within_lower": within[1],
                    "within_upper": within[2],
                    "p_value": normal_p_value(*within),
                    "smd": finite_or_nan(s),
                }
            )
    df = with_q_values(pd.DataFrame(rows), ["holders", "non_holders"], sf.config)
    hdep, ndep, both = ["holders"], ["non_holders"], ["holders", "non_holders"]
    table = AnalysisTable(
        name="holders_profile_means",
        title="Experience and skills profile: holders and non-holders",
        section="holders",
        method=(
            "Means among holders and non-holders with t-based 95 % intervals (weighted means: "
            "Taylor linearisation with calibration residuals over the raking cells), the "
            "difference with a normal interval from the two standard errors, and the "
            "standardised mean difference (Austin 2011). People with an unknown value are left "
            "out of that row's counts. " + WITHIN_METHOD
        ),
        data=df,
        count_columns=both,
        dependent={
            "mean_holders": hdep,
            "lower_holders": hdep,
            "upper_holders": hdep,
            "mean_non_holders": ndep,
            "lower_non_holders": ndep,
            "upper_non_holders": ndep,
            "difference": both,
            "diff_lower": both,
            "diff_upper": both,
            "difference_within_occupation": both,
            "within_lower": both,
            "within_upper": both,
            "p_value": both,
            "q_value": both,
            "smd": both,
        },
        dims=["definition", "variable"],
        cells={
            "holders": CellSet(
                _holding("yes", {"known:{variable}": "yes"}), open=("known:{variable}",)
            ),
            "non_holders": CellSet(
                _holding("no", {"known:{variable}": "yes"}), open=("known:{variable}",)
            ),
        },
        chart=ChartSpec(
            kind="bar",
            x="label",
            y="smd",
            color="definition",
            tooltip=["label", "mean_holders", "mean_non_holders", "difference", "smd"],
            title="Standardised differences, holders vs non-holders",
            x_title="Measure",
            y_title="Standardised mean difference",
            y_format=".2f",
            description=(
                "Standardised mean differences between holders and non-holders in experience "
                "and skills measures; bars beyond ±0.1 mark a meaningful difference."
            ),
        ),
    )
    return with_status(
        table, comparison_status(df, "holders", "non_holders", min_each=2), COMPARISON_REASONS
    )


def holders_tables(sf: StudyFrame) -> list[AnalysisTable]:
    return [categorical_comparison(sf), numeric_comparison(sf)]
