"""Credential quality: tiers from the coder's quality attributes, and who holds which tier.

Why: the credential coder records whether a credential is assessed, who issued it
(issuer kind) and the listing shows whether it can be verified; a reader of the 2023
study asks how many microcredentials are of a kind an employer can trust. Tiers are
configuration (``quality.tiers``); a credential whose tier the profile cannot settle
is ``unknown`` and is counted as such, never put in a tier (docs/analysis-methods.md,
"Credential quality").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from microcred.analysis.estimability import share_status, with_status
from microcred.analysis.frame import ALL_GROUPS, StudyFrame, holder
from microcred.analysis.result import AnalysisTable, CellSet, ChartSpec
from microcred.analysis.stats import mean_ci, proportion
from microcred.config import QualityTier, StudyConfig
from microcred.features.ladder import RANK_LABELS, SENIOR_RANK

UNKNOWN = "unknown"
NO_TIER = "none of the tiers"
ALL = "all"
# released quality attributes -> the credential column they are read from
ATTRIBUTES = (
    "assessed",
    "verification",
    "issuer_kind",
    "workload_hours",
    "stackable",
    "expires",
    "quality_tier",
)
SENIOR_LABELS = [label for rank, label in RANK_LABELS.items() if rank >= SENIOR_RANK]
SENIORITY_GROUPS = {
    "seniority": {
        "senior or above": SENIOR_LABELS,
        "known": list(RANK_LABELS.values()),
    }
}


def tier_labels(config: StudyConfig) -> list[str]:
    """Tier names best first, then the two values a credential can have outside them."""
    return [t.name for t in config.quality.tiers] + [NO_TIER, UNKNOWN]


def _tri(values: pd.Series | None, n: int) -> np.ndarray:
    """yes / no / unknown as object array (missing column or null → unknown)."""
    if values is None:
        return np.full(n, UNKNOWN, dtype=object)
    v = values.astype(object).where(values.notna(), UNKNOWN).astype(str).str.lower()
    return np.where(v.isin(["yes", "no"]), v, UNKNOWN).astype(object)


def verification(creds: pd.DataFrame) -> np.ndarray:
    """Does the listing show a way to verify the credential (URL or credential id)?

    yes: a URL, a credential id, or a known verification host; no: the source carries
    the URL field and it is empty with no id; unknown: the source does not say.
    """
    n = len(creds)

    def flag(col: str) -> pd.Series:
        if col not in creds:
            return pd.Series([pd.NA] * n, index=creds.index, dtype="boolean")
        return creds[col].astype("boolean")

    url, cid = flag("has_url"), flag("has_credential_id")
    host = _tri(creds.get("verifiable"), n) == "yes"
    yes = (url.fillna(False) | cid.fillna(False)).to_numpy(dtype=bool) | host
    no = (url == False).fillna(False).to_numpy(dtype=bool) & ~yes  # noqa: E712 (nullable)
    return np.where(yes, "yes", np.where(no, "no", UNKNOWN)).astype(object)


def quality_attributes(creds: pd.DataFrame) -> pd.DataFrame:
    """The released quality attributes of each credential, unknown where not told."""
    n = len(creds)
    kind = creds["provider_kind"] if "provider_kind" in creds else pd.Series([None] * n)
    workload = (
        pd.to_numeric(creds["workload_hours"], errors="coerce")
        if "workload_hours" in creds
        else pd.Series(np.nan, index=creds.index)
    )
    return pd.DataFrame(
        {
            "assessed": _tri(creds.get("assessed"), n),
            "verification": verification(creds),
            "issuer_kind": kind.astype(object).where(kind.notna(), UNKNOWN).to_numpy(dtype=object),
            "workload_hours": np.where(workload.notna().to_numpy(), "known", UNKNOWN),
            "stackable": _tri(creds.get("stackable"), n),
            "expires": _tri(creds.get("expires"), n),
        },
        index=creds.index,
    )


def assign_tiers(attrs: pd.DataFrame, tiers: list[QualityTier]) -> np.ndarray:
    """The first tier whose conditions all hold; ``unknown`` when the first tier not
    ruled out has a condition the data cannot tell; ``none of the tiers`` when every
    tier is ruled out."""
    n = len(attrs)
    out = np.full(n, None, dtype=object)
    for tier in tiers:
        met = np.ones(n, dtype=bool)
        failed = np.zeros(n, dtype=bool)
        for column, allowed in (
            ("assessed", tier.assessed),
            ("verification", tier.verification),
            ("issuer_kind", tier.issuer_kinds),
        ):
            if not allowed:
                continue
            v = attrs[column].to_numpy(dtype=object)
            known = v != UNKNOWN
            inside = np.isin(v, list(allowed))
            met &= inside
            failed |= known & ~inside
        open_ = pd.isna(out)
        out[open_ & met] = tier.name
        out[open_ & ~met & ~failed] = UNKNOWN
    out[pd.isna(out)] = NO_TIER
    return out


def study_credentials(sf: StudyFrame, enriched: pa.Table) -> pd.DataFrame:
    """Credentials of people in study, with occupation group, quality attributes and tier."""
    ce = enriched.to_pandas()
    if "person_id" not in ce:
        ce = pd.DataFrame({"person_id": pd.Series([], dtype=object)})
    ce = ce.merge(sf.study[["person_id", "occupation_group"]], on="person_id", how="inner")
    ce = ce.reset_index(drop=True)
    attrs = quality_attributes(ce)
    attrs["quality_tier"] = assign_tiers(attrs, sf.config.quality.tiers)
    for col in attrs.columns:
        ce[f"q_{col}"] = attrs[col].to_numpy(dtype=object)
    return ce


def micro_credentials(ce: pd.DataFrame, definition: str) -> pd.DataFrame:
    col = f"is_micro_{definition}"
    if col not in ce:
        return ce.iloc[0:0]
    return ce[ce[col].astype("boolean").fillna(False).to_numpy(dtype=bool)]


def _tier_method(config: StudyConfig) -> str:
    parts = []
    for t in config.quality.tiers:
        conds = []
        if t.assessed:
            conds.append(f"assessed {'/'.join(t.assessed)}")
        if t.verification:
            conds.append(f"verification listed {'/'.join(t.verification)}")
        if t.issuer_kinds:
            conds.append(f"issuer kind {', '.join(t.issuer_kinds)}")
        told = "; ".join(conds) or "any credential"
        parts.append(
            f"{t.name} ({t.description}: {told})" if t.description else f"{t.name} ({told})"
        )
    return (
        "Quality tiers (configuration `quality.tiers`), tried in order: "
        + "; ".join(parts)
        + f". A credential takes the first tier whose conditions all hold; when the first tier "
        f"not ruled out depends on an attribute the profile does not tell, its tier is "
        f"'{UNKNOWN}' (never a guess); when every tier is ruled out it is '{NO_TIER}'. "
        "'Verification listed' means the listing shows a verification URL or credential id. "
        "Assessed and issuer kind come from the credential coder and its provider catalogue."
    )


def holders_by_tier(sf: StudyFrame, ce: pd.DataFrame) -> AnalysisTable:
    """Share of people in each group listing ≥ 1 microcredential of each tier."""
    rows = []
    labels = tier_labels(sf.config)
    for d in sf.definitions:
        m = micro_credentials(ce, d)
        by_tier = {t: m.loc[m["q_quality_tier"] == t, "person_id"].unique() for t in labels}
        for group, g in sf.groups(sf.study):
            people = pd.Index(g["person_id"].to_numpy(dtype=object))
            for t in labels:
                y = np.zeros(len(g), dtype=bool)
                at = people.get_indexer(by_tier[t])
                y[at[at >= 0]] = True
                p = proportion(y, sf.weights(g))
                rows.append(
                    {
                        "definition": d,
                        "occupation_group": group,
                        "quality_tier": t,
                        "n": p.n,
                        "holders": p.successes,
                        "share": p.share,
                        "lower": p.lower,
                        "upper": p.upper,
                        "interval": p.method,
                    }
                )
    cols = ["definition", "occupation_group", "quality_tier", "n", "holders"]
    df = pd.DataFrame(rows, columns=[*cols, "share", "lower", "upper", "interval"])
    deps = ["n", "holders"]
    table = AnalysisTable(
        name="quality_holders_by_tier",
        title="Share listing at least one microcredential of each quality tier",
        section="quality",
        method=(
            "Estimand: among people in each occupation group, the share whose profile lists at "
            "least one microcredential (under the definition) of the quality tier; a person "
            "counts under every tier they hold, so shares do not add up. "
            + _tier_method(sf.config)
            + " 95 % Wilson intervals."
        ),
        data=df,
        count_columns=deps,
        dependent={"share": deps, "lower": deps, "upper": deps},
        dims=["definition", "occupation_group", "quality_tier"],
        cells={
            "n": CellSet({"occupation": "{occupation_group}"}),
            "holders": CellSet(
                {
                    "occupation": "{occupation_group}",
                    "holds:{definition}": "yes",
                    "holds_tier:{definition}:{quality_tier}": "yes",
                }
            ),
        },
        chart=ChartSpec(
            kind="interval",
            x="quality_tier",
            y="share",
            lower="lower",
            upper="upper",
            color="occupation_group",
            column="definition",
            tooltip=["definition", "occupation_group", "quality_tier", "holders", "share"],
            title="Microcredential holders by quality tier",
            x_title="Quality tier",
            y_title="Share listing ≥ 1 of the tier",
            y_format=".1%",
            description=(
                "Share of people listing at least one microcredential of each quality tier, "
                "with 95 % intervals, by occupation group and definition."
            ),
            sort=labels,
        ),
    )
    return with_status(table, share_status(df, "n"), ["no people"])


def tiers_by_type(sf: StudyFrame, ce: pd.DataFrame) -> AnalysisTable:
    """Microcredentials by type and tier: counts, share of the type, distinct holders."""
    rows = []
    cells_cred: list[dict[str, str] | None] = []
    cells_type: list[dict[str, str] | None] = []
    cells_hold: list[dict[str, str] | None] = []
    labels = tier_labels(sf.config)
    for defn in sf.config.definitions:
        d = defn.name
        m = micro_credentials(ce, d)
        for ctype in [*defn.types, ALL]:
            mt = m if ctype == ALL else m[m["credential_type"] == ctype]
            if mt.empty:
                # a type no one lists: its zeros are fixed by the published type total, so
                # hiding one as a complement (or with its holders) could never protect anything
                continue
            for t in labels:
                mtt = mt[mt["q_quality_tier"] == t]
                k, total = len(mtt), len(mt)
                rows.append(
                    {
                        "definition": d,
                        "credential_type": ctype,
                        "quality_tier": t,
                        "credentials": k,
                        "type_credentials": total,
                        "share_of_type": k / total if total else np.nan,
                        "holders": int(mtt["person_id"].nunique()),
                    }
                )
                base = {f"micro:{d}": "yes", "credential_type": ctype}
                cells_cred.append({**base, "quality_tier": t})
                cells_type.append(base)
                hold = (
                    {f"holds_tier:{d}:{t}": "yes"}
                    if ctype == ALL
                    else {f"holds_tier_type:{d}:{t}:{ctype}": "yes"}
                )
                cells_hold.append({"occupation": ALL_GROUPS, f"holds:{d}": "yes", **hold})
    df = pd.DataFrame(
        rows,
        columns=[
            "definition",
            "credential_type",
            "quality_tier",
            "credentials",
            "type_credentials",
            "share_of_type",
            "holders",
        ],
    )
    table = AnalysisTable(
        name="quality_tiers_by_type",
        title="Microcredentials by type and quality tier",
        section="quality",
        method=(
            "Microcredentials (under each definition) listed by people in study, by credential "
            "type and quality tier: the number of credentials, their share of all credentials "
            "of the type, and the number of distinct people listing at least one. "
            + _tier_method(sf.config)
            + " Types no one in study lists under a definition are left out (all their "
            "counts are zero). Credentials cluster within people (one person lists several), so the credential "
            "shares carry no interval; the person-level table does."
        ),
        data=df,
        count_columns=["credentials", "type_credentials", "holders"],
        # a credential count is published only where its people are: 12 credentials of one
        # person would otherwise pass the minimum cell
        dependent={
            "share_of_type": ["credentials", "type_credentials", "holders"],
            "credentials": ["holders"],
        },
        dims=["definition", "credential_type", "quality_tier"],
        cells={
            "credentials": CellSet(universe="credentials", rows=cells_cred),
            "type_credentials": CellSet(universe="credentials", rows=cells_type),
            "holders": CellSet(rows=cells_hold),
        },
        chart=ChartSpec(
            kind="bar",
            x="credential_type",
            y="share_of_type",
            color="quality_tier",
            column="definition",
            tooltip=["definition", "credential_type", "quality_tier", "credentials"],
            title="Quality tiers within each credential type",
            x_title="Credential type",
            y_title="Share of the type's credentials",
            y_format=".0%",
            description="Share of each credential type's microcredentials in each quality tier.",
        ),
    )
    return with_status(table, share_status(df, "type_credentials", "no holders"), ["no holders"])


def unknown_quality(sf: StudyFrame, ce: pd.DataFrame) -> AnalysisTable:
    """Share of microcredentials whose quality attribute (or tier) the profile cannot tell."""
    rows = []
    for d in sf.definitions:
        m = micro_credentials(ce, d)
        for attr in ATTRIBUTES:
            unknown = m[m[f"q_{attr}"] == UNKNOWN]
            k, total = len(unknown), len(m)
            p = proportion(np.arange(total) < k) if total else None
            rows.append(
                {
                    "definition": d,
                    "attribute": attr,
                    "credentials": total,
                    "unknown": k,
                    "share_unknown": k / total if total else np.nan,
                    "holders_with_unknown": int(unknown["person_id"].nunique()),
                    "lower": p.lower if p else np.nan,
                    "upper": p.upper if p else np.nan,
                }
            )
    df = pd.DataFrame(
        rows,
        columns=[
            "definition",
            "attribute",
            "credentials",
            "unknown",
            "share_unknown",
            "holders_with_unknown",
            "lower",
            "upper",
        ],
    )
    deps = ["credentials", "unknown", "holders_with_unknown"]
    table = AnalysisTable(
        name="quality_unknown_share",
        title="Microcredentials whose quality cannot be told from the profile",
        section="quality",
        method=(
            "Estimand: among microcredentials listed by people in study, the share for which "
            "each quality attribute (and the tier) is unknown: the coder or the listing cannot "
            "tell it. `holders_with_unknown` counts distinct people with at least one such "
            "credential. The interval treats credentials as independent (a Wilson interval); "
            "credentials of one person are not, so it is too narrow by the clustering."
        ),
        data=df,
        count_columns=deps,
        dependent={
            "share_unknown": ["credentials", "unknown"],
            "lower": ["credentials", "unknown"],
            "upper": ["credentials", "unknown"],
            "unknown": ["holders_with_unknown"],
        },
        dims=["definition", "attribute"],
        cells={
            "credentials": CellSet({"micro:{definition}": "yes"}, universe="credentials"),
            "unknown": CellSet(
                {"micro:{definition}": "yes", "unknown:{attribute}": "yes"},
                universe="credentials",
            ),
            "holders_with_unknown": CellSet(
                {
                    "occupation": ALL_GROUPS,
                    "holds:{definition}": "yes",
                    "holds_unknown:{definition}:{attribute}": "yes",
                }
            ),
        },
        chart=ChartSpec(
            kind="bar",
            x="attribute",
            y="share_unknown",
            color="definition",
            tooltip=["definition", "attribute", "credentials", "share_unknown"],
            title="Quality the profile cannot tell",
            x_title="Quality attribute",
            y_title="Share of microcredentials unknown",
            y_format=".0%",
            description="Share of microcredentials for which each quality attribute is unknown.",
            sort=list(ATTRIBUTES),
        ),
    )
    return with_status(table, share_status(df, "credentials", "no holders"), ["no holders"])


def holder_comparison_by_tier(sf: StudyFrame, ce: pd.DataFrame) -> AnalysisTable:
    """Experience and seniority of holders of each tier beside non-holders."""
    study = sf.study
    labels = tier_labels(sf.config)
    rank = study["seniority_rank"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    years = study["years_experience"].to_numpy(dtype=float, na_value=np.nan)
    ids = pd.Index(study["person_id"].to_numpy(dtype=object))
    rows = []
    cells_n: list[dict[str, str] | None] = []
    cells_known: list[dict[str, str] | None] = []
    cells_senior: list[dict[str, str] | None] = []
    for d in sf.definitions:
        m = micro_credentials(ce, d)
        groups: list[tuple[str, np.ndarray, dict[str, str]]] = [
            ("non-holders", ~holder(study, d), {f"holds:{d}": "no"})
        ]
        for t in labels:
            y = np.zeros(len(study), dtype=bool)
            at = ids.get_indexer(m.loc[m["q_quality_tier"] == t, "person_id"].unique())
            y[at[at >= 0]] = True
            attrs = {f"holds:{d}": "yes", f"holds_tier:{d}:{t}": "yes"}
            groups.append((f"tier {t}" if t not in (NO_TIER, UNKNOWN) else t, y, attrs))
        for label, mask, attrs in groups:
            w = sf.weights(study[mask]) if sf.weighted else None
            mc = mean_ci(years[mask], w)
            known = mask & ~np.isnan(rank)
            wk = sf.weights(study[known]) if sf.weighted else None
            p = proportion(rank[known] >= SENIOR_RANK, wk)
            rows.append(
                {
                    "definition": d,
                    "holder_group": label,
                    "n": int(mask.sum()),
                    "mean_years_experience": mc.mean,
                    "lower_mean": mc.lower,
                    "upper_mean": mc.upper,
                    "seniority_known": p.n,
                    "senior_or_above": p.successes,
                    "share_senior": p.share,
                    "lower": p.lower,
                    "upper": p.upper,
                }
            )
            base = {"occupation": ALL_GROUPS, **attrs}
            cells_n.append(base)
            cells_known.append({**base, "seniority": "known"})
            cells_senior.append({**base, "seniority": "senior or above"})
    df = pd.DataFrame(
        rows,
        columns=[
            "definition",
            "holder_group",
            "n",
            "mean_years_experience",
            "lower_mean",
            "upper_mean",
            "seniority_known",
            "senior_or_above",
            "share_senior",
            "lower",
            "upper",
        ],
    )
    sen = ["seniority_known", "senior_or_above"]
    table = AnalysisTable(
        name="quality_holder_comparison",
        title="Holders of each quality tier beside non-holders: experience and seniority",
        section="quality",
        method=(
            "People in study (all occupation groups together): non-holders, and people listing "
            "at least one microcredential of each tier (a person can be in several tier rows). "
            "Mean years of experience with a t interval; share senior or above (lead, manager, "
            "executive) among people whose seniority is known, with a Wilson interval. "
            "Descriptive, not adjusted: tier groups differ in occupation and experience. "
            + _tier_method(sf.config)
        ),
        data=df,
        count_columns=["n", *sen],
        dependent={
            "mean_years_experience": ["n"],
            "lower_mean": ["n"],
            "upper_mean": ["n"],
            "share_senior": sen,
            "lower": sen,
            "upper": sen,
        },
        dims=["definition", "holder_group"],
        cells={
            "n": CellSet(rows=cells_n),
            "seniority_known": CellSet(rows=cells_known, groups=SENIORITY_GROUPS),
            "senior_or_above": CellSet(rows=cells_senior, groups=SENIORITY_GROUPS),
        },
        chart=ChartSpec(
            kind="interval",
            x="holder_group",
            y="share_senior",
            lower="lower",
            upper="upper",
            color="definition",
            tooltip=["definition", "holder_group", "n", "mean_years_experience", "share_senior"],
            title="Share senior or above, by quality tier held",
            x_title="Group",
            y_title="Share senior or above",
            y_format=".0%",
            description=(
                "Share senior or above among non-holders and among holders of each quality "
                "tier, with 95 % intervals."
            ),
            sort=[
                "non-holders",
                *[f"tier {t.name}" for t in sf.config.quality.tiers],
                NO_TIER,
                UNKNOWN,
            ],  # fmt: skip
        ),
    )
    return with_status(table, share_status(df, "n"), ["no people"])


def quality_tables(sf: StudyFrame, ce: pd.DataFrame) -> list[AnalysisTable]:
    """The quality section; ``ce`` is :func:`study_credentials` (computed once per run)."""
    return [
        holders_by_tier(sf, ce),
        tiers_by_type(sf, ce),
        unknown_quality(sf, ce),
        holder_comparison_by_tier(sf, ce),
    ]
