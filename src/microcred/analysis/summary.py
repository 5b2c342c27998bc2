"""Plain-words findings from released tables only.

Every sentence is built from a released table, so a suppressed cell (NaN/None)
becomes "suppressed", a row the data cannot support says "not estimable (reason)",
and a missing table simply yields no sentence.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from microcred.analysis.estimability import STATUS_COLUMN
from microcred.analysis.result import AnalysisTable


def _missing(v: object) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def pct(v: object, digits: int = 1) -> str | None:
    return None if _missing(v) else f"{float(v) * 100:.{digits}f} %"


def _interval(lo: object, hi: object) -> str:
    if _missing(lo) or _missing(hi):
        return ""
    return f" (95 % CI {float(lo) * 100:.1f}–{float(hi) * 100:.1f} %)"


def _gap(row: object, suppressed: str = "suppressed") -> str:
    """Why a figure is missing: the row's not-estimable reason, else suppression."""
    status = getattr(row, STATUS_COLUMN, None)
    if isinstance(status, str) and status.startswith("not estimable"):
        return status.replace("not estimable: ", "not estimable (") + ")"
    return suppressed


def _group_phrase(group: str) -> str:
    g = group.strip()
    return "people in all occupations of interest" if g.lower().startswith("all ") else g.lower()


def _uptake(t: AnalysisTable) -> list[str]:
    out = []
    for r in t.data.itertuples(index=False):
        share = pct(r.share)
        who = _group_phrase(str(r.occupation_group))
        if share is None:
            out.append(
                f"Under the {r.definition} definition, the share of {who} listing a "
                f"microcredential is {_gap(r, 'suppressed (too few people to publish)')}."
            )
        else:
            out.append(
                f"Under the {r.definition} definition, {share} of {who}"
                f"{_interval(r.lower, r.upper)} list at least one microcredential."
            )
    return out


def _sensitivity(t: AnalysisTable) -> list[str]:
    d = t.data.dropna(subset=["share"])
    if d.empty:
        return []
    out = []
    for group, g in d.groupby("occupation_group", sort=True):
        lo, hi = g["share"].min(), g["share"].max()
        out.append(
            f"Across definitions, coding thresholds and weighting, uptake among "
            f"{_group_phrase(str(group))} ranges from {pct(lo)} to {pct(hi)}."
        )
    return out


def _seniority(t: AnalysisTable) -> list[str]:
    """The verdict is recomputed from the released numbers, so suppression carries over."""
    from microcred.analysis.models import seniority_verdict

    out = []
    for r in t.data.itertuples(index=False):
        if not str(r.estimand).startswith("IPW difference in mean seniority"):
            continue
        if any(_missing(v) for v in (r.estimate, r.lower, r.upper)):
            out.append(f"Seniority ({r.definition} definition): the estimate is {_gap(r)}.")
            continue
        p_eq = getattr(r, "equivalence_p", float("nan"))
        p_eq = float("nan") if _missing(p_eq) else float(p_eq)
        margin = getattr(r, "equivalence_margin", float("nan"))
        kw = {} if _missing(margin) else {"bound": float(margin)}
        verdict = seniority_verdict(float(r.estimate), float(r.lower), float(r.upper), p_eq, **kw)
        out.append(f"Seniority ({r.definition} definition): {verdict}")
    return out


def _pathways(t: AnalysisTable) -> list[str]:
    out = []
    d = t.data
    for r in d[d["formal_digital_training"].isin(["yes", "no"])].itertuples(index=False):
        who = "with" if r.formal_digital_training == "yes" else "without"
        share = pct(r.share_before_entry)
        if share is None:
            out.append(
                f"Among holders {who} formal digital training ({r.definition} definition), the "
                "share whose first microcredential came before entering the occupation is "
                f"{_gap(r)}."
            )
        else:
            out.append(
                f"Among holders {who} formal digital training ({r.definition} definition), {share}"
                f"{_interval(r.lower, r.upper)} earned their first "
                "microcredential before entering the occupation."
            )
    return out


_VARIABLE_WORDS = {
    "experience_band": "years of experience",
    "seniority": "seniority",
    "education_level": "education level",
    "field_cip2021_2digit": "field of study (CIP series)",
    "formal_digital_training": "formal digital training",
    "province": "province",
    "profile_language": "profile language",
    "current_employer": "current employer",
}


def _holders(t: AnalysisTable) -> list[str]:
    """The category with the largest |SMD|, among published, non-empty, known categories."""
    d = t.data.dropna(subset=["smd", "share_holders", "share_non_holders"])
    d = d[
        (d["holders_in_category"] > 0)
        & (d["non_holders_in_category"] > 0)
        & ~d["category"].isin(["unknown", "other", "other employers"])
    ]
    if d.empty:
        return []
    out = []
    for definition, g in d.groupby("definition", sort=True):
        r = g.loc[g["smd"].abs().idxmax()]
        more = "more" if r["smd"] > 0 else "less"
        words = _VARIABLE_WORDS.get(str(r["variable"]), str(r["variable"]).replace("_", " "))
        out.append(
            f"The largest difference between holders and non-holders ({definition} definition) is "
            f"in {words} '{r['category']}': {pct(r['share_holders'])} of holders vs "
            f"{pct(r['share_non_holders'])} of non-holders ({more} common among holders; "
            f"SMD {r['smd']:.2f})."
        )
    return out


_WRITERS: dict[str, Callable[[AnalysisTable], list[str]]] = {
    "uptake_by_group": _uptake,
    "sensitivity": _sensitivity,
    "holders_vs_non_holders": _holders,
    "models_seniority_effect": _seniority,
    "pathways": _pathways,
}


def findings(released_tables: list[AnalysisTable]) -> list[str]:
    """Plain-words sentences with the numbers, in a fixed order of tables."""
    by_name = {t.name: t for t in released_tables}
    out: list[str] = []
    for name, write in _WRITERS.items():
        t = by_name.get(name)
        if t is None or t.data is None or t.data.empty:
            continue
        try:
            out.extend(write(t))
        except (KeyError, AttributeError, TypeError, ValueError):
            out.append(f"The {t.title.lower()} table could not be summarised (unexpected shape).")
    return [s for s in out if s]
