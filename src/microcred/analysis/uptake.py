"""Analysis 1 — uptake: who lists at least one microcredential, by occupation and type."""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
import pyarrow as pa

from microcred.analysis.estimability import share_status, with_status
from microcred.analysis.frame import ALL_GROUPS, StudyFrame, holder
from microcred.analysis.misclassification import (
    NOT_CORRECTED,
    Correction,
    ValidationCounts,
    bias_analysis_share,
    credential_counts,
    published_confusion,
    validated_share,
)
from microcred.analysis.result import AnalysisTable, CellSet, ChartSpec, Controlled
from microcred.analysis.stats import proportion
from microcred.release.vocabulary import OTHER, to_vocabulary

SHARE_DEPS = {"share": ["n", "holders"], "lower": ["n", "holders"], "upper": ["n", "holders"]}
CORRECTED_DEPS = {
    c: ["n", "holders"] for c in ("corrected_share", "corrected_lower", "corrected_upper")
}


def share_cells(occupation: str, holding: str) -> dict[str, CellSet]:
    """Linked-table keys of ``n`` (people in the occupation cell) and ``holders``."""
    return {
        "n": CellSet({"occupation": occupation}),
        "holders": CellSet({"occupation": occupation, holding: "yes"}),
    }


INTERVAL_METHOD = (
    "95 % intervals are Wilson score intervals (Wilson 1927) for unweighted shares; when the "
    "run is raked, the share is weighted and its variance is the Taylor linearisation with "
    "calibration residuals over the raking cells, the Wilson interval being computed at the "
    "effective size p(1−p)/variance. `n` and `holders` are unweighted person counts."
)


def share_row(y: np.ndarray, w: np.ndarray | None, cells: np.ndarray | None = None) -> dict:
    p = proportion(y, w, cells)
    return {
        "n": p.n,
        "holders": p.successes,
        "share": p.share,
        "lower": p.lower,
        "upper": p.upper,
        "interval": p.method,
    }


CORRECTION_METHOD = (
    "`corrected_share` (with `corrected_lower`/`corrected_upper`) corrects the share for "
    "misclassified holder status, beside the uncorrected `share`; `correction_method` says "
    "how. `validation_sample`: Rogan–Gladen with the sensitivity and specificity of holder "
    "status estimated from a hand-reviewed stratified sample of this study's people "
    "(`microcred validate`), the 95 % interval a Monte Carlo over the sampling error of the "
    "share and the validation sample's uncertainty. `probabilistic_bias_analysis`: no "
    "validation sample was given, so the credential coder's published confusion counts "
    "(credential level, measured on its frozen test split) are assumed to hold here; each "
    "person's coded credentials are turned into a probability of truly holding one, with "
    "the coder's rates and the group's mix drawn from their posteriors. It is an assumption, "
    "not a measurement, on this source. `none`: no rates exist for the definition."
)


def correct_uptake(
    sf: StudyFrame,
    g: pd.DataFrame,
    definition: str,
    label: str,
    validation: dict[str, ValidationCounts] | None,
    confusion: dict | None,
) -> Correction:
    """The corrected share of one cell: validation sample first, else the bias analysis."""
    seed = (sf.config.seed * 1_000_003 + zlib.crc32(f"{definition}|{label}".encode())) % 2**32
    y, w = holder(g, definition), sf.weights(g)
    if validation is not None and definition in validation:
        return validated_share(y, w, validation[definition], seed)
    if confusion is None:
        return NOT_CORRECTED
    try:
        counts = credential_counts(confusion, definition)
    except KeyError:
        return NOT_CORRECTED
    n_micro = g[f"n_micro_{definition}"].fillna(0).to_numpy(dtype=np.int64)
    n_creds = g["n_credentials"].fillna(0).to_numpy(dtype=np.int64)
    return bias_analysis_share(n_micro, n_creds, w, counts, seed)


def group_uptake_chart(sort: list[str], description: str) -> ChartSpec:
    """The uptake-by-group interval chart (shared by the sampled and the DP release)."""
    return ChartSpec(
        kind="interval",
        x="occupation_group",
        y="share",
        lower="lower",
        upper="upper",
        color="definition",
        tooltip=["definition", "occupation_group", "n", "holders", "share"],
        title="Microcredential uptake by occupation group",
        x_title="Occupation group",
        y_title="Share holding ≥ 1 microcredential",
        y_format=".1%",
        description=description,
        sort=sort,
    )


def noc_uptake_chart(tooltip: list[str], description: str) -> ChartSpec:
    """The uptake-by-NOC interval chart (shared by the sampled and the DP release)."""
    return ChartSpec(
        kind="interval",
        x="noc2021",
        y="share",
        lower="lower",
        upper="upper",
        color="definition",
        tooltip=tooltip,
        title="Microcredential uptake by NOC 2021 unit group",
        x_title="NOC 2021 unit group",
        y_title="Share holding ≥ 1 microcredential",
        y_format=".1%",
        description=description,
    )


def uptake_by_group(
    sf: StudyFrame,
    validation: dict[str, ValidationCounts] | None = None,
    confusion: dict | None = None,
) -> AnalysisTable:
    """Uptake by group, uncorrected and corrected for coder error (``validation``: per
    definition, person-level counts from ``microcred validate score``; ``confusion``: the
    credential coder's published counts, used when no validation sample covers a definition)."""
    rows = []
    for d in sf.definitions:
        for label, g in sf.groups(sf.study):
            c = correct_uptake(sf, g, d, label, validation, confusion)
            rows.append(
                {
                    "definition": d,
                    "occupation_group": label,
                    **share_row(holder(g, d), sf.weights(g), sf.cells(g)),
                    "corrected_share": c.share,
                    "corrected_lower": c.lower,
                    "corrected_upper": c.upper,
                    "correction_method": c.method,
                }
            )
    df = pd.DataFrame(rows)
    table = AnalysisTable(
        name="uptake_by_group",
        title="Share listing at least one microcredential, by occupation group",
        section="uptake",
        method=(
            "People whose current occupation (most recent current position, coded to NOC 2021) "
            "falls in an occupation group of interest; a holder lists at least one credential of a "
            "type the definition counts. People who list no credential count as non-holders. "
            + INTERVAL_METHOD
            + " "
            + CORRECTION_METHOD
        ),
        data=df,
        count_columns=["n", "holders"],
        dependent={**SHARE_DEPS, **CORRECTED_DEPS},
        dims=["definition", "occupation_group"],
        cells=share_cells("{occupation_group}", "holds:{definition}"),
        chart=group_uptake_chart(
            [g.name for g in sf.config.occupations] + [ALL_GROUPS],
            "Share of people in each occupation group who list at least one "
            "microcredential, with 95 % intervals, under each definition.",
        ),
    )
    return with_status(table, share_status(df, "n"), ["no people"])


def uptake_by_noc(sf: StudyFrame) -> AnalysisTable:
    rows = []
    study = sf.study
    for d in sf.definitions:
        for g in sf.config.occupations:
            for code in g.noc2021:
                sub = study[study["noc2021"] == code]
                titles = sub["noc2021_title"].dropna()
                rows.append(
                    {
                        "definition": d,
                        "occupation_group": g.name,
                        "noc2021": code,
                        "noc2021_title": titles.iloc[0] if len(titles) else None,
                        **share_row(holder(sub, d), sf.weights(sub), sf.cells(sub)),
                    }
                )
    df = pd.DataFrame(rows)
    table = AnalysisTable(
        name="uptake_by_noc",
        title="Share listing at least one microcredential, by NOC 2021 unit group",
        section="uptake",
        method="As the group table, by 5-digit NOC 2021 unit group. " + INTERVAL_METHOD,
        data=df,
        count_columns=["n", "holders"],
        dependent=dict(SHARE_DEPS),
        dims=["definition", "noc2021"],
        cells=share_cells("{noc2021}", "holds:{definition}"),
        chart=noc_uptake_chart(
            ["noc2021", "noc2021_title", "n", "holders", "share"],
            "Uptake for each 5-digit occupation of interest, with 95 % intervals.",
        ),
    )
    return with_status(table, share_status(df, "n"), ["no people"])


def _study_credentials(sf: StudyFrame, enriched: pa.Table) -> pd.DataFrame:
    """Credentials of people in study, with their occupation group."""
    ce = enriched.to_pandas()
    study = sf.study[["person_id", "occupation_group"]]
    return ce.merge(study, on="person_id", how="inner")


def uptake_by_type(sf: StudyFrame, enriched: pa.Table) -> AnalysisTable:
    """Share of people in study listing at least one credential of each type."""
    ce = _study_credentials(sf, enriched)
    types = sorted(t for t in ce["credential_type"].dropna().unique())
    listing = {t: ce.loc[ce["credential_type"] == t, "person_id"].unique() for t in types}
    rows = []
    for label, g in sf.groups(sf.study):
        people = pd.Index(g["person_id"].to_numpy(dtype=object))
        for t in types:
            y = np.zeros(len(g), dtype=bool)
            at = people.get_indexer(listing[t])
            y[at[at >= 0]] = True
            rows.append(
                {
                    "occupation_group": label,
                    "credential_type": t,
                    **share_row(y, sf.weights(g), sf.cells(g)),
                }
            )
    df = pd.DataFrame(
        rows,
        columns=[
            "occupation_group",
            "credential_type",
            "n",
            "holders",
            "share",
            "lower",
            "upper",
            "interval",
        ],
    )
    table = AnalysisTable(
        name="uptake_by_type",
        title="Share listing at least one credential of each type",
        section="uptake",
        method=(
            "For each credential type of the taxonomy, the share of people in study who list at "
            "least one credential of that type (a person can count under several types). "
            + INTERVAL_METHOD
        ),
        data=df,
        count_columns=["n", "holders"],
        dependent=dict(SHARE_DEPS),
        dims=["occupation_group", "credential_type"],
        cells=share_cells("{occupation_group}", "holds_type:{credential_type}"),
        chart=ChartSpec(
            kind="bar",
            x="credential_type",
            y="share",
            color="occupation_group",
            tooltip=["occupation_group", "credential_type", "holders", "share"],
            title="Credential types listed",
            x_title="Credential type",
            y_title="Share of people",
            y_format=".1%",
            description="Share of people in each occupation group listing each credential type.",
        ),
    )
    return with_status(table, share_status(df, "n"), ["no people"])


def top_issuers(sf: StudyFrame, enriched: pa.Table, column: str, top: int = 15) -> AnalysisTable:
    """Distinct holders per provider (or platform) among microcredentials of people in study."""
    ce = _study_credentials(sf, enriched)
    # the coder passes an unknown issuer through as typed: fold it into "Other" before counting
    ce[column] = to_vocabulary(ce[column], "catalogue")
    rows = []
    for d in sf.definitions:
        micro_col = f"is_micro_{d}"
        if micro_col not in ce:
            continue
        m = ce[ce[micro_col].fillna(False).astype(bool) & ce[column].notna()]
        n_holders = int(holder(sf.study, d).sum())
        counts = m.groupby(column)["person_id"].nunique().rename("holders").reset_index()
        counts = counts.sort_values(["holders", column], ascending=[False, True]).head(top)
        for r in counts.itertuples(index=False):
            rows.append(
                {
                    "definition": d,
                    column: getattr(r, column),
                    "holders": int(r.holders),
                    "all_holders": n_holders,
                    "share_of_holders": r.holders / n_holders if n_holders else np.nan,
                }
            )
    df = pd.DataFrame(
        rows, columns=["definition", column, "holders", "all_holders", "share_of_holders"]
    )
    noun = "providers" if column == "provider" else "platforms"
    table = AnalysisTable(
        name=f"top_{noun}",
        title=f"Top {noun} of microcredentials",
        section="uptake",
        method=(
            f"Among people in study, the number of distinct holders with at least one "
            f"microcredential from each {column} (as coded from the credential catalogue), the top "
            f"{top} per definition, and their share of all holders. Issuers the catalogue does not "
            f"know are counted together as '{OTHER}' (their text is never published)."
        ),
        data=df,
        count_columns=["holders", "all_holders"],
        dependent={"share_of_holders": ["holders", "all_holders"]},
        dims=["definition", column],
        controlled=[Controlled(column, "catalogue")],
        cells={
            "holders": CellSet(
                {
                    "occupation": ALL_GROUPS,
                    f"holds_from:{{definition}}:{column}:{{{column}}}": "yes",
                }
            ),
            "all_holders": CellSet({"occupation": ALL_GROUPS, "holds:{definition}": "yes"}),
        },
        chart=ChartSpec(
            kind="bar",
            x=column,
            y="holders",
            color="definition",
            tooltip=["definition", column, "holders", "share_of_holders"],
            title=f"Top {noun} (distinct holders)",
            x_title=column.capitalize(),
            y_title="Distinct holders",
            y_format=",d",
            description=f"Number of people holding a microcredential from each of the top {noun}.",
        ),
    )
    return with_status(table, share_status(df, "all_holders", "no holders"), ["no holders"])


def credentials_per_holder(sf: StudyFrame, cap: int = 5) -> AnalysisTable:
    """Distribution of the number of microcredentials among holders (1, 2, …, cap+)."""
    rows = []
    labels = [str(i) for i in range(1, cap)] + [f"{cap}+"]
    for d in sf.definitions:
        n = sf.study[f"n_micro_{d}"].fillna(0).astype(int)
        n = n[n > 0]
        total = int(len(n))
        binned = n.clip(upper=cap)
        for i, lab in enumerate(labels, start=1):
            k = int((binned == i).sum())
            rows.append(
                {
                    "definition": d,
                    "n_microcredentials": lab,
                    "holders": k,
                    "all_holders": total,
                    "share_of_holders": k / total if total else np.nan,
                }
            )
    df = pd.DataFrame(rows)
    table = AnalysisTable(
        name="credentials_per_holder",
        title="Number of microcredentials per holder",
        section="uptake",
        method="Among holders in study, how many microcredentials each lists (unweighted).",
        data=df,
        count_columns=["holders", "all_holders"],
        dependent={"share_of_holders": ["holders", "all_holders"]},
        dims=["definition", "n_microcredentials"],
        cells={
            "holders": CellSet(
                {
                    "occupation": ALL_GROUPS,
                    "holds:{definition}": "yes",
                    "n_micro:{definition}": "{n_microcredentials}",
                }
            ),
            "all_holders": CellSet({"occupation": ALL_GROUPS, "holds:{definition}": "yes"}),
        },
        chart=ChartSpec(
            kind="bar",
            x="n_microcredentials",
            y="share_of_holders",
            color="definition",
            tooltip=["definition", "n_microcredentials", "holders", "share_of_holders"],
            title="Microcredentials per holder",
            x_title="Number of microcredentials listed",
            y_title="Share of holders",
            y_format=".0%",
            description="How many microcredentials holders list, as a share of all holders.",
            sort=labels,
        ),
    )
    return with_status(table, share_status(df, "all_holders", "no holders"), ["no holders"])


def uptake_tables(
    sf: StudyFrame, enriched: pa.Table, validation: dict[str, ValidationCounts] | None = None
) -> list[AnalysisTable]:
    return [
        uptake_by_group(sf, validation, published_confusion()),
        uptake_by_noc(sf),
        uptake_by_type(sf, enriched),
        top_issuers(sf, enriched, "provider"),
        top_issuers(sf, enriched, "platform"),
        credentials_per_holder(sf),
    ]
