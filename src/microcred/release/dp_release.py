"""The release in DP mode: the planned histograms, measured once, and the tables derived.

Why from person-level data: a DP measurement needs a query with a known sensitivity, and
the analyses' tables count one person in many cells. Here every planned block is a
histogram of the people in the study (one cell each): status × group, status × NOC unit
group, status × category of a compared variable, where the *status* is the person's
combination of holder flags (``dp_plan.holder_statuses``). Every published count, share
and interval is post-processing of these measurements (``dp_consistency``,
``dp_shares``); the category lists are public (``dp_domains``). Every other table is left
out of the DP release and listed, with the reason, in the manifest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from microcred.analysis.frame import ALL_GROUPS
from microcred.analysis.holders import difference_chart, share_difference_deps
from microcred.analysis.result import AnalysisTable
from microcred.analysis.uptake import group_uptake_chart, noc_uptake_chart
from microcred.release.dp_consistency import Level, least_squares, topdown, within_total
from microcred.release.dp_domains import category_domain, category_index
from microcred.release.dp_plan import Z95, DPPlan, holder_statuses, status_index
from microcred.release.dp_shares import share_with_interval

if TYPE_CHECKING:
    import pyarrow as pa

    from microcred.config import StudyConfig

DP_TABLES = ("uptake_by_group", "uptake_by_noc", "holders_vs_non_holders")
INTERVAL_TEXT = "normal, sampling + DP noise (delta method)"
LEFT_OUT_REASON = {
    "coverage_row_accounting": "file and row counts (no bounded per-person sensitivity); "
    "not in the DP plan",
    "coverage_quarantine_reasons": "row counts (no bounded per-person sensitivity); "
    "not in the DP plan",
    "weighting_diagnostics": "weights and frame counts are not in the DP plan",
}


@dataclass
class DPOutcome:
    tables: list[AnalysisTable]
    left_out: dict[str, str] = field(default_factory=dict)  # table → why not released
    derived: dict[str, str] = field(default_factory=dict)  # column or table → from what


def _holder_flags(study: pd.DataFrame, config: StudyConfig) -> np.ndarray:
    cols = [f"holder_{d}" for d in config.definition_names()]
    missing = [c for c in cols if c not in study.columns]
    if missing:
        raise ValueError(f"person features lack the holder columns {missing}")
    return np.column_stack([study[c].fillna(False).astype(bool).to_numpy() for c in cols])


def _histogram(cell: np.ndarray, status: np.ndarray, cells: int, statuses: int) -> np.ndarray:
    """cells × statuses counts; rows with ``cell < 0`` (outside every cell) are left out."""
    keep = cell >= 0
    out = np.zeros(cells * statuses, dtype=np.int64)
    np.add.at(out, cell[keep] * statuses + status[keep], 1)
    return out.reshape(cells, statuses)


def _by_definition(
    counts: np.ndarray, var: np.ndarray, statuses: list[tuple[bool, ...]], d: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Holders and non-holders of definition ``d`` (nodes), and their noise variances."""
    yes = np.array([s[d] for s in statuses])
    h, u = counts[:, yes].sum(axis=1), counts[:, ~yes].sum(axis=1)
    return h, u, var * yes.sum(), var * (~yes).sum()


def occupation_levels(
    study: pd.DataFrame, config: StudyConfig, plan: DPPlan
) -> tuple[list[Level], list[str], list[str]]:
    """The hierarchy all → group → NOC, measured where the plan says (noise drawn here)."""
    statuses = holder_statuses(config)
    status = status_index(config, _holder_flags(study, config))
    codes = list(config.occupation_codes)  # NOC code → group, in configuration order
    groups = [g.name for g in config.occupations]
    code_pos = {c: i for i, c in enumerate(codes)}
    noc = study["noc2021"].astype(object).map(code_pos).fillna(-1).to_numpy(dtype=np.int64)
    group_of_code = np.array([groups.index(config.occupation_codes[c]) for c in codes])
    group = np.where(noc >= 0, group_of_code[np.maximum(noc, 0)], -1)
    measured_noc = plan.estimand("uptake_by_noc") is not None
    measured_group = plan.estimand("uptake_by_group") is not None

    def noisy(name: str, cell: np.ndarray, cells: int) -> tuple[np.ndarray, float]:
        true = _histogram(cell, status, cells, len(statuses))
        out = plan.measure(name, true.ravel()).reshape(true.shape)
        return out, plan.block(name).sigma

    if measured_noc:
        g_noisy, g_sigma = (
            noisy("uptake_by_group", group, len(groups)) if measured_group else (None, None)
        )
        n_noisy, n_sigma = noisy("uptake_by_noc", noc, len(codes))
        levels = [
            Level("all", np.zeros(len(codes), dtype=np.int64)),
            Level("group", group_of_code, g_noisy, g_sigma),
            Level("noc", np.arange(len(codes)), n_noisy, n_sigma),
        ]
    else:
        g_noisy, g_sigma = noisy("uptake_by_group", group, len(groups))
        levels = [
            Level("all", np.zeros(len(groups), dtype=np.int64)),
            Level("group", np.arange(len(groups)), g_noisy, g_sigma),
        ]
    return levels, groups, codes


def _share_frame(
    counts: np.ndarray, var: np.ndarray, statuses: list[tuple[bool, ...]], defs: list[str]
) -> list[dict[str, Any]]:
    rows = []
    for di, d in enumerate(defs):
        h, u, vh, vu = _by_definition(counts, var, statuses, di)
        est = share_with_interval(h, u, vh, vu)
        for i in range(len(h)):
            rows.append(
                {
                    "definition": d,
                    "n": int(h[i] + u[i]),
                    "holders": int(h[i]),
                    "share": float(est.share[i]),
                    "lower": float(est.lower[i]),
                    "upper": float(est.upper[i]),
                    "interval": INTERVAL_TEXT,
                    "n_dp_error95": float(Z95 * np.sqrt(vh[i] + vu[i])),
                    "holders_dp_error95": float(Z95 * np.sqrt(vh[i])),
                    "share_dp_error95": float(est.dp_error95[i]),
                }
            )
    return rows


def _note(config: StudyConfig, plan: DPPlan, estimand: str, derived: bool = False) -> str:
    e = plan.estimand(estimand)
    spent = f"ρ={e.rho:.4g} ({e.share:.0%} of the budget)" if e is not None else "no budget"
    how = "derived by post-processing from the measured levels" if derived else spent
    return (
        f"Differentially private ({config.dp.budget_label()} in total, unit of privacy: a "
        f"person); this table: {how}. Counts are least-squares consistent over all → group → "
        "NOC and rounded to non-negative integers that add up; shares come from the noisy "
        "counts and their 95 % intervals combine sampling error and DP noise. The "
        "*_dp_error95 columns give the 95 % error from DP noise alone."
    )


SHARE_DEPS = {
    "share": ["n", "holders"],
    "lower": ["n", "holders"],
    "upper": ["n", "holders"],
    "share_dp_error95": ["n", "holders"],
}


def uptake_tables(
    study: pd.DataFrame, config: StudyConfig, plan: DPPlan
) -> tuple[list[AnalysisTable], np.ndarray, np.ndarray]:
    """uptake_by_group (and uptake_by_noc when planned); the root counts and their variance."""
    statuses = holder_statuses(config)
    defs = config.definition_names()
    levels, groups, codes = occupation_levels(study, config, plan)
    est = least_squares(levels)
    ints = topdown(levels, est)
    var = {lv.name: est.of(lv)[1] for lv in levels}
    g_counts = np.vstack([ints[1], ints[0]])  # groups, then all
    g_var = np.concatenate([var["group"], var["all"]])
    rows = _share_frame(g_counts, g_var, statuses, defs)
    labels = [*groups, ALL_GROUPS]
    for k, r in enumerate(rows):
        r["occupation_group"] = labels[k % len(labels)]
    gdf = pd.DataFrame(rows)[
        ["definition", "occupation_group", "n", "holders", "share", "lower", "upper", "interval",
         "n_dp_error95", "holders_dp_error95", "share_dp_error95"]
    ]  # fmt: skip
    group_table = AnalysisTable(
        name="uptake_by_group",
        title="Share listing at least one microcredential, by occupation group",
        section="uptake",
        method="People in each occupation group of interest who list at least one credential "
        "of a type the definition counts (differentially private counts).",
        data=gdf,
        count_columns=["n", "holders"],
        dependent=dict(SHARE_DEPS),
        dims=["definition", "occupation_group"],
        chart=group_uptake_chart(
            [*groups, ALL_GROUPS],
            "Share of people in each occupation group who list at least one "
            "microcredential (differentially private), with 95 % intervals.",
        ),
        notes=[_note(config, plan, "uptake_by_group", plan.estimand("uptake_by_group") is None)],
    )
    tables = [group_table]
    if len(levels) == 3:
        rows = _share_frame(ints[2], var["noc"], statuses, defs)
        code_group = config.occupation_codes
        for k, r in enumerate(rows):
            code = codes[k % len(codes)]
            r["noc2021"], r["occupation_group"] = code, code_group[code]
        ndf = pd.DataFrame(rows)[
            ["definition", "occupation_group", "noc2021", "n", "holders", "share", "lower",
             "upper", "interval", "n_dp_error95", "holders_dp_error95", "share_dp_error95"]
        ]  # fmt: skip
        tables.append(
            AnalysisTable(
                name="uptake_by_noc",
                title="Share listing at least one microcredential, by NOC 2021 unit group",
                section="uptake",
                method="As the group table, by 5-digit NOC 2021 unit group (differentially "
                "private counts).",
                data=ndf,
                count_columns=["n", "holders"],
                dependent=dict(SHARE_DEPS),
                dims=["definition", "noc2021"],
                chart=noc_uptake_chart(
                    ["noc2021", "n", "holders", "share"],
                    "Uptake for each 5-digit occupation of interest "
                    "(differentially private), with 95 % intervals.",
                ),
                notes=[_note(config, plan, "uptake_by_noc")],
            )
        )
    return tables, ints[0][0], var["all"][0]


def _smd(ph: float, pu: float) -> float:
    """Standardised mean difference of a category indicator (Austin 2011), from DP shares."""
    spread = np.sqrt((ph * (1 - ph) + pu * (1 - pu)) / 2)
    return float((ph - pu) / spread) if spread > 0 else float("nan")


def comparison_table(
    study: pd.DataFrame, config: StudyConfig, plan: DPPlan, root: np.ndarray, root_var: np.ndarray
) -> AnalysisTable:
    """Holders vs non-holders by category of each compared variable, within the fixed root."""
    statuses = holder_statuses(config)
    status = status_index(config, _holder_flags(study, config))
    defs = config.definition_names()
    rows = []
    for var_name in config.dp.comparisons:
        block = f"holders_vs_non_holders.{var_name}"
        domain = category_domain(var_name, config)
        col = study[var_name] if var_name in study.columns else pd.Series([None] * len(study))
        true = _histogram(category_index(col, domain), status, len(domain), len(statuses))
        noisy = plan.measure(block, true.ravel()).reshape(true.shape)
        counts = within_total(noisy, root)
        cvar = np.full(len(domain), plan.block(block).sigma ** 2)
        for di, d in enumerate(defs):
            h, u, vh, vu = _by_definition(counts, cvar, statuses, di)
            th, tu, tvh, tvu = _by_definition(root[None, :], np.array([root_var]), statuses, di)
            # share of holders in the category: h / (h + rest of holders), same for non-holders
            sh = share_with_interval(h, th[0] - h, vh, vh + tvh[0])
            su = share_with_interval(u, tu[0] - u, vu, vu + tvu[0])
            for i, cat in enumerate(domain):
                diff = sh.share[i] - su.share[i]
                half = Z95 * np.sqrt(sh.se[i] ** 2 + su.se[i] ** 2)
                rows.append(
                    {
                        "definition": d,
                        "variable": var_name,
                        "category": cat,
                        "holders_in_category": int(h[i]),
                        "holders": int(th[0]),
                        "non_holders_in_category": int(u[i]),
                        "non_holders": int(tu[0]),
                        "share_holders": float(sh.share[i]),
                        "share_non_holders": float(su.share[i]),
                        "difference": float(diff),
                        "diff_lower": float(max(diff - half, -1.0)),
                        "diff_upper": float(min(diff + half, 1.0)),
                        "smd": _smd(float(sh.share[i]), float(su.share[i])),
                    }
                )
    both = ["holders_in_category", "holders", "non_holders_in_category", "non_holders"]
    return AnalysisTable(
        name="holders_vs_non_holders",
        title="Holders and non-holders compared",
        section="holders",
        method="For each characteristic, the share of holders and of non-holders in each "
        "category, their difference and the standardised mean difference of the category "
        "indicator (differentially private counts; public category "
        "lists, 'unknown' for missing and 'other' for values outside the list).",
        data=pd.DataFrame(rows),
        count_columns=both,
        dependent={**share_difference_deps(both), "smd": both},
        dims=["definition", "variable", "category"],
        chart=difference_chart(
            [
                "definition",
                "variable",
                "category",
                "share_holders",
                "share_non_holders",
                "difference",
            ],
            "Holders vs non-holders: difference in shares",
            "Share among holders − among non-holders",
            "Difference between the share of holders and of non-holders in each "
            "category (differentially private), with 95 % intervals.",
        ),  # fmt: skip
        notes=[
            _note(config, plan, "holders_vs_non_holders")
            + " Categories add up to the holder and non-holder totals of all occupations of "
            "interest."
        ],
    )


def study_frame(persons: pa.Table | pd.DataFrame) -> pd.DataFrame:
    """The people in the study, sorted by ``person_id`` (input order must not matter)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(persons, pa.Table):
        keep = pc.fill_null(persons["in_study"], False)
        df = persons.filter(keep).to_pandas()
    else:
        df = persons[persons["in_study"].fillna(False).astype(bool)]
    return df.sort_values("person_id", kind="stable").reset_index(drop=True)


def input_key_of(persons: pa.Table | pd.DataFrame) -> str:
    """A content hash of the study's people, when the caller has no input-file hash."""
    df = study_frame(persons)
    h = hashlib.sha256()
    for pid in df["person_id"].astype(str):
        h.update(pid.encode())
        h.update(b"\n")
    return h.hexdigest()


def dp_release(
    persons: pa.Table | pd.DataFrame, config: StudyConfig, plan: DPPlan, analysed: list[str]
) -> DPOutcome:
    """The DP tables of the plan, from the person-level features; ``analysed`` names the
    tables the analyses made (all of them are replaced or left out)."""
    study = study_frame(persons)
    tables, root, root_var = uptake_tables(study, config, plan)
    if plan.estimand("holders_vs_non_holders") is not None:
        tables.append(comparison_table(study, config, plan, root, root_var))
    made = {t.name for t in tables}
    left = {
        name: LEFT_OUT_REASON.get(
            name, "not in the DP plan; cannot be derived from the planned counts"
        )
        for name in sorted(set(analysed) - made)
    }
    derived = {
        "all occupations of interest": "sum of the groups after least squares (post-processing)",
        "n, non-holders": "sums over holder statuses of the measured cells (post-processing)",
        "share, lower, upper, difference": "from the post-processed counts and the known "
        "noise variances (post-processing)",
    }
    if plan.estimand("uptake_by_group") is None:
        derived["uptake_by_group"] = "sums of the NOC unit groups (post-processing)"
    return DPOutcome(tables, left, derived)
