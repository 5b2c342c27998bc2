"""Analysis 7 — second source: Stack Overflow survey answers beside the profiles.

Survey uptake is the share answering that they learned through "Online Courses
or Certification"; profile uptake is the share holding a microcredential under
the first definition. The two measure related but different things (learning
online vs listing a credential); the table puts them side by side, not equal.
Education is harmonised to a coarse common scale from either source's labels.
"""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa

from microcred.analysis.frame import ALL_GROUPS, StudyFrame, holder
from microcred.analysis.result import AnalysisTable, CellSet, ChartSpec
from microcred.analysis.stats import proportion
from microcred.features.bands import band_labels, band_of

EDUCATION_SCALE = (
    "secondary or less",
    "some postsecondary",
    "college, trades or associate",
    "bachelor or graduate certificate",
    "master",
    "doctorate or professional",
    "other or unknown",
)

# first match wins; applied to lower-cased labels from the survey (EdLevel) or from the
# education coder (coding.education.LEVELS: no_postsecondary … doctorate), "_" read as " "
_EDU_RULES: tuple[tuple[str, str], ...] = (
    (r"ph\.?d|doctor|professional degree|\bjd\b|\bmd\b", "doctorate or professional"),
    (r"master|mba|maîtrise|maitrise", "master"),
    (r"bachelor|baccalaur|undergrad|graduate certificate", "bachelor or graduate certificate"),
    (r"some college|without earning|some university|some postsecondary|incomplete", "some postsecondary"),
    (r"associate|college|diploma|dipl[oô]me|cegep|cégep|\bdec\b|\baec\b|certificate|trade|apprentice", "college, trades or associate"),
    (r"secondary|high school|primary|elementary|secondaire", "secondary or less"),
)  # fmt: skip


def harmonise_education(label: str | None) -> str:
    """A survey EdLevel string or an education-coder level → the common coarse scale."""
    if not isinstance(label, str) or not label.strip():
        return EDUCATION_SCALE[-1]
    s = label.strip().lower().replace("_", " ")
    for pattern, level in _EDU_RULES:
        if re.search(pattern, s):
            return level
    return EDUCATION_SCALE[-1]


def canadian(survey: pd.DataFrame, country: str) -> pd.DataFrame:
    """Survey rows for the study country (ISO code or English name); all rows when the
    country column is missing or empty."""
    if "country" not in survey or survey["country"].isna().all():
        return survey
    names = {"CA": "canada"}
    c = survey["country"].fillna("").str.strip().str.lower()
    keep = (c == country.lower()) | (c == names.get(country.upper(), country.lower()))
    return survey[keep]


def _cells(df: pd.DataFrame, study: pd.DataFrame, primary: str) -> dict[str, CellSet]:
    """Linked-table keys: profile rows count people in study (education harmonised from
    their coded level, so each label pools those levels); survey rows count respondents."""
    levels = study["education_level"].fillna("unknown").astype(str).unique()
    pooled: dict[str, list[str]] = {}
    for lv in sorted(levels):
        pooled.setdefault(harmonise_education(None if lv == "unknown" else lv), []).append(lv)
    n_rows, y_rows = [], []
    for dim, source in zip(df["dimension"], df["source"], strict=True):
        if str(source).startswith("survey"):
            cat = {f"survey_{dim}": "{category}"}
            n_rows.append({"universe": "survey", **cat})
            y_rows.append({"universe": "survey", **cat, "learned_online_or_cert": "yes"})
        else:
            attr = "education_level" if dim == "education" else dim
            n_rows.append({"occupation": ALL_GROUPS, attr: "{category}"})
            y_rows.append({"occupation": ALL_GROUPS, attr: "{category}", f"holds:{primary}": "yes"})
    groups = {"education_level": pooled}
    return {
        "n": CellSet(rows=n_rows, groups=groups),
        "yes": CellSet(rows=y_rows, groups=groups),
    }


def second_source(sf: StudyFrame, survey: pa.Table) -> AnalysisTable:
    cuts = sf.config.experience_bands
    sv = canadian(survey.to_pandas(), sf.config.country)
    sv = sv[sv["learned_online_or_cert"].notna()]
    sv_edu = sv["education_raw"].map(harmonise_education)
    sv_band = sv["years_work"].map(lambda y: band_of(None if pd.isna(y) else float(y), cuts))
    sv_y = sv["learned_online_or_cert"].astype(bool).to_numpy()

    study = sf.study
    pr_edu = study["education_level"].map(harmonise_education)
    pr_band = study["experience_band"].fillna("unknown")
    pr_y = holder(study, sf.primary)
    w = sf.weights(study)
    cells = sf.cells(study)

    rows = []
    dims = (
        ("education", list(EDUCATION_SCALE), sv_edu.to_numpy(), pr_edu.to_numpy()),
        (
            "experience_band",
            [*band_labels(cuts), "unknown"],
            sv_band.to_numpy(),
            pr_band.to_numpy(),
        ),
    )
    for dim, cats, sv_cat, pr_cat in dims:
        for cat in cats:
            for source, y, catv, ww in (
                ("survey: learned online or by certification", sv_y, sv_cat, None),
                (f"profiles: holds a microcredential ({sf.primary})", pr_y, pr_cat, w),
            ):
                m = catv == cat
                # profiles: a domain of the study, its variance over everyone's raking cells
                p = proportion(y[m]) if ww is None else proportion(y, ww, cells, domain=m)
                rows.append(
                    {
                        "dimension": dim,
                        "category": cat,
                        "source": source,
                        "n": p.n,
                        "yes": p.successes,
                        "share": p.share,
                        "lower": p.lower,
                        "upper": p.upper,
                    }
                )
    df = pd.DataFrame(rows)
    df = df[df["n"] > 0].reset_index(drop=True) if len(df) else df
    deps = ["n", "yes"]
    return AnalysisTable(
        name="second_source",
        title="Survey answers beside profiles: learning online and holding microcredentials",
        section="second_source",
        method=(
            "Stack Overflow Developer Survey respondents in the study country who answered how "
            "they learn to code: the share naming 'Online Courses or Certification', by education "
            "(EdLevel harmonised to a common coarse scale) and by years of work experience "
            "(WorkExp, same bands as the profiles), with Wilson 95 % intervals (profiles, when "
            "weighted: at the effective size from the linearisation with calibration residuals); "
            "beside it, the "
            "profile-based share of people in study holding a microcredential under the first "
            "definition, by the same bands. Survey respondents are self-selected developers, and "
            "'learned online' is broader than 'lists a credential'."
        ),
        data=df,
        count_columns=deps,
        dependent={"share": deps, "lower": deps, "upper": deps},
        dims=["dimension", "category", "source"],
        cells=_cells(df, study, sf.primary) if len(df) else {},
        chart=ChartSpec(
            kind="interval",
            x="category",
            y="share",
            lower="lower",
            upper="upper",
            color="source",
            column="dimension",
            tooltip=["dimension", "category", "source", "n", "share"],
            title="Survey and profiles side by side",
            x_title="Band",
            y_title="Share",
            y_format=".0%",
            description=(
                "Share of survey respondents who learned online or by certification, and share "
                "of profiles listing a microcredential, by education and by experience."
            ),
        ),
        notes=[] if len(sv) else ["No survey answers for the study country."],
    )


__all__ = ["EDUCATION_SCALE", "canadian", "harmonise_education", "second_source"]
