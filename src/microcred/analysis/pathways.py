"""Analysis 5 — pathways: did the first microcredential come before entry into the
occupation of interest? (the "alternative pathway" question)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from microcred.analysis.estimability import share_status, with_status
from microcred.analysis.frame import ALL_GROUPS, StudyFrame, holder
from microcred.analysis.result import AnalysisTable, CellSet, ChartSpec
from microcred.analysis.stats import proportion

DAYS_PER_MONTH = 365.25 / 12
TRAINING = ("yes", "no", "unknown")
# linked-table key of the dated holders a row counts ("all" training drops the attribute)
_DATED = {
    "occupation": ALL_GROUPS,
    "holds:{definition}": "yes",
    "dated_pathway:{definition}": "yes",
    "formal_digital_training": "{formal_digital_training}",
}


def months_between(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    """Months from ``earlier`` to ``later`` (positive when ``earlier`` came first)."""
    a = pd.to_datetime(later)
    b = pd.to_datetime(earlier)
    return ((a - b).dt.days / DAYS_PER_MONTH).to_numpy(dtype=float)


def pathways(sf: StudyFrame) -> AnalysisTable:
    study = sf.study
    rows = []
    for d in sf.definitions:
        first = f"first_micro_date_{d}"
        h = holder(study, d)
        dated = study[
            h & study["occupation_entry_date"].notna().to_numpy() & study[first].notna().to_numpy()
        ]
        for training in (*TRAINING, "all"):
            g = dated if training == "all" else dated[dated["formal_digital_training"] == training]
            months = months_between(g["occupation_entry_date"], g[first])
            before = months > 0  # credential dated strictly before the month of entry
            # a domain of the study: its variance takes everyone's raking cells
            in_g = study.index.isin(g.index)
            y = np.zeros(len(study), dtype=bool)
            y[np.flatnonzero(in_g)] = before  # g keeps study's row order
            p = proportion(y, sf.weights(study), sf.cells(study), domain=in_g)
            q1, med, q3 = np.percentile(months, [25, 50, 75]) if len(months) else (np.nan,) * 3
            rows.append(
                {
                    "definition": d,
                    "formal_digital_training": training,
                    "n": p.n,
                    "before_entry": p.successes,
                    "share_before_entry": p.share,
                    "lower": p.lower,
                    "upper": p.upper,
                    "median_months_credential_to_entry": med,
                    "q1_months": q1,
                    "q3_months": q3,
                }
            )
    df = pd.DataFrame(rows)
    deps = ["n", "before_entry"]
    table = AnalysisTable(
        name="pathways",
        title="First microcredential before entering the occupation",
        section="pathways",
        method=(
            "Among holders in study with a dated first microcredential and a known date of first "
            "entry into an occupation of interest (start of the earliest position coded to it): "
            "the share whose first microcredential is dated before entry, with Wilson 95 % "
            "intervals (when weighted, at the effective size from the linearisation with "
            "calibration residuals, the group as a domain of the study), by formal digital "
            "training; and months from credential to entry (median "
            "and interquartile range; negative when the credential came after entry). Dates at "
            "year precision are read as 1 January, so the order within a year is uncertain."
        ),
        data=df,
        count_columns=deps,
        dependent={
            "share_before_entry": deps,
            "lower": deps,
            "upper": deps,
            "median_months_credential_to_entry": ["n"],
            "q1_months": ["n"],
            "q3_months": ["n"],
        },
        dims=["definition", "formal_digital_training"],
        cells={
            "n": CellSet(_DATED, open=("dated_pathway:{definition}",)),
            "before_entry": CellSet(
                {**_DATED, "before_entry:{definition}": "yes"}, open=("dated_pathway:{definition}",)
            ),
        },
        chart=ChartSpec(
            kind="interval",
            x="formal_digital_training",
            y="share_before_entry",
            lower="lower",
            upper="upper",
            color="definition",
            tooltip=[
                "formal_digital_training",
                "n",
                "share_before_entry",
                "median_months_credential_to_entry",
            ],  # fmt: skip
            title="Microcredential before entry into the occupation",
            x_title="Formal digital training",
            y_title="Share whose first microcredential came before entry",
            y_format=".0%",
            description=(
                "Among holders, the share who earned their first microcredential before entering "
                "the occupation, by whether they have formal digital training."
            ),
            sort=[*TRAINING, "all"],
        ),
    )
    return with_status(table, share_status(df, "n", "no holders"), ["no holders"])
