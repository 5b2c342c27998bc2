"""Analysis 6 — sensitivity of the headline uptake figures, and the headline numbers
as a plain dict (for the recovery test and the bench)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from microcred.analysis.estimability import share_status, with_status
from microcred.analysis.frame import StudyFrame, holder, to_frame
from microcred.analysis.result import AnalysisTable, CellSet, ChartSpec
from microcred.analysis.uptake import SHARE_DEPS, share_row
from microcred.config import StudyConfig

CODES = ("all codes", "high-confidence codes")


def _population(sf: StudyFrame, codes: str) -> pd.DataFrame:
    study = sf.study
    if codes == CODES[1]:
        low = study["occupation_low_confidence"].fillna(True).astype(bool)
        abst = study["occupation_abstained"].fillna(True).astype(bool)
        study = study[~low & ~abst]
    return study


def headline_rows(sf: StudyFrame, weightings: tuple[bool, ...]) -> list[dict]:
    rows = []
    for d in sf.definitions:
        for codes in CODES:
            pop = _population(sf, codes)
            for weighted in weightings:
                view = StudyFrame(sf.persons, sf.config, weighted)
                for label, g in view.groups(pop):
                    y = holder(g, d, hiconf=codes == CODES[1])
                    rows.append(
                        {
                            "occupation_group": label,
                            "definition": d,
                            "codes": codes,
                            "weighting": "weighted" if weighted else "unweighted",
                            **share_row(y, view.weights(g), view.cells(g)),
                        }
                    )
    return rows


def _cells(codes: pd.Series) -> dict[str, CellSet]:
    """Linked-table keys: high-confidence rows count a subset of people (and of holdings)."""
    n_rows, h_rows = [], []
    for code in codes:
        conf = {"confident_codes": "yes"} if code == CODES[1] else {}
        held = "holds_hiconf:{definition}" if code == CODES[1] else "holds:{definition}"
        n_rows.append({"occupation": "{occupation_group}", **conf})
        h_rows.append({"occupation": "{occupation_group}", **conf, held: "yes"})
    subset = ("confident_codes",)
    return {"n": CellSet(rows=n_rows, open=subset), "holders": CellSet(rows=h_rows, open=subset)}


def sensitivity(sf: StudyFrame) -> AnalysisTable:
    weightings = (False, True) if sf.weighted else (False,)
    df = pd.DataFrame(headline_rows(sf, weightings))
    notes = [] if sf.weighted else ["Weighted figures are absent: this run was not weighted."]
    table = AnalysisTable(
        name="sensitivity",
        title="Headline uptake under every definition, coding threshold and weighting",
        section="sensitivity",
        method=(
            "The headline share holding at least one microcredential, by occupation group, "
            "recomputed under each definition; with all codes, or keeping only people whose "
            "occupation code is neither abstained nor below the low-confidence threshold and "
            "counting only credentials coded with at least that confidence; unweighted and (when "
            "the run is weighted) calibrated to population margins. Wilson 95 % intervals "
            "(when weighted, at the effective size from the linearisation with calibration "
            "residuals over the rows' raking cells)."
        ),
        data=df,
        count_columns=["n", "holders"],
        dependent=dict(SHARE_DEPS),
        dims=["occupation_group", "definition", "codes", "weighting"],
        cells=_cells(df["codes"]) if len(df) else {},
        chart=ChartSpec(
            kind="interval",
            x="definition",
            y="share",
            lower="lower",
            upper="upper",
            color="codes",
            column="occupation_group",
            tooltip=["occupation_group", "definition", "codes", "weighting", "share", "n"],
            title="How the headline figure moves",
            x_title="Definition",
            y_title="Share holding ≥ 1 microcredential",
            y_format=".1%",
            description=(
                "Uptake by occupation group under each definition, with all codes and with "
                "high-confidence codes only, with 95 % intervals."
            ),
        ),
        notes=notes,
    )
    return with_status(table, share_status(df, "n"), ["no people"])


def headline_estimates(
    person_features: pa.Table, config: StudyConfig, weighted: bool = False
) -> dict[str, dict[str, float]]:
    """``"<definition>|<codes>|<weighting>|<group>"`` → share, lower, upper, n, holders.

    The estimator the recovery test compares with the synthetic truth.
    """
    sf = to_frame(person_features, config, weighted)
    out: dict[str, dict[str, float]] = {}
    for r in headline_rows(sf, (weighted,)):
        key = "|".join([r["definition"], r["codes"], r["weighting"], r["occupation_group"]])
        out[key] = {k: r[k] for k in ("share", "lower", "upper", "n", "holders")}
    return out
