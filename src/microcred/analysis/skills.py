"""Analysis 3 — distinctive skills: Monroe, Colaresi & Quinn's (2008) weighted
log-odds ratio with an informative Dirichlet prior, holders vs non-holders.

Counts are people listing a skill (a person counts a skill once). The prior for
skill w is its count over both groups (α_w = y_w, α₀ = Σ α_w), which shrinks
rare skills towards zero without dropping them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from microcred.analysis.frame import StudyFrame, holder
from microcred.analysis.result import AnalysisTable, ChartSpec
from microcred.analysis.stats import Z95

MIN_PEOPLE = 5  # floor; the threshold is max(MIN_PEOPLE, 2 × disclosure.min_cell)
TOP = 20


def log_odds_dirichlet(
    y_i: np.ndarray, y_j: np.ndarray, prior: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Monroe et al. (2008) eq. 16–22: δ̂ (i vs j), its variance, and z = δ̂ / √var.

    ``y_i``, ``y_j``: counts of each word (skill) in groups i and j; ``prior``: the
    Dirichlet α_w (default: the pooled counts y_i + y_j).
    """
    y_i = np.asarray(y_i, dtype=float)
    y_j = np.asarray(y_j, dtype=float)
    a = (y_i + y_j) if prior is None else np.asarray(prior, dtype=float)
    a0 = a.sum()
    n_i, n_j = y_i.sum(), y_j.sum()
    omega_i = (y_i + a) / (n_i + a0 - y_i - a)
    omega_j = (y_j + a) / (n_j + a0 - y_j - a)
    delta = np.log(omega_i) - np.log(omega_j)
    var = 1.0 / (y_i + a) + 1.0 / (y_j + a)
    return delta, var, delta / np.sqrt(var)


def _scores(
    people: pd.DataFrame, skills: pd.DataFrame, is_holder: np.ndarray, min_people: int
) -> pd.DataFrame:
    ids = people["person_id"].to_numpy()
    hold_ids = set(ids[is_holder])
    sk = skills[skills["person_id"].isin(set(ids))].copy()
    sk["holder"] = sk["person_id"].isin(hold_ids)
    counts = (
        sk.groupby(["skill", "holder"])["person_id"]
        .nunique()
        .unstack(fill_value=0)
        .reindex(columns=[True, False], fill_value=0)
    )
    counts.columns = ["holders_listing", "non_holders_listing"]
    counts = counts[(counts.sum(axis=1) >= min_people)]
    if counts.empty:
        return pd.DataFrame(
            columns=["skill", "holders_listing", "non_holders_listing", "log_odds_ratio", "z"]
        )
    delta, _, z = log_odds_dirichlet(
        counts["holders_listing"].to_numpy(), counts["non_holders_listing"].to_numpy()
    )
    out = counts.reset_index()
    out["log_odds_ratio"] = delta
    out["z"] = z
    return out.sort_values(["z", "skill"], ascending=[False, True], kind="stable")


def _table(name: str, title: str, method: str, df: pd.DataFrame, description: str) -> AnalysisTable:
    deps = ["holders_listing", "non_holders_listing"]
    return AnalysisTable(
        name=name,
        title=title,
        section="skills",
        method=method,
        data=df.reset_index(drop=True),
        count_columns=[*deps, "holders", "non_holders"],
        dependent={"log_odds_ratio": deps, "z": deps},
        dims=["definition", "skill"],
        chart=ChartSpec(
            kind="bar",
            x="skill",
            y="z",
            color="definition",
            tooltip=["skill", "holders_listing", "non_holders_listing", "log_odds_ratio", "z"],
            title=title,
            x_title="Skill",
            y_title="z-score of the log-odds ratio (holders vs non-holders)",
            y_format=".1f",
            description=description,
        ),
    )


def distinctive_skills(sf: StudyFrame, person_skills: pa.Table | None) -> list[AnalysisTable]:
    """Top skills over- and under-represented among holders, and the skills holders
    without formal digital training list more than their untrained peers."""
    skills = (
        person_skills.to_pandas()
        if person_skills is not None
        else pd.DataFrame(columns=["person_id", "skill"])
    )
    min_people = max(MIN_PEOPLE, 2 * sf.config.disclosure.min_cell)
    study = sf.study
    untrained = study[study["formal_digital_training"] == "no"]
    rows_all, rows_signal = [], []
    for d in sf.definitions:
        h = holder(study, d)
        s = _scores(study, skills, h, min_people)
        top = pd.concat([s.head(TOP), s.tail(TOP // 2)]).drop_duplicates("skill")
        rows_all.append(top.assign(definition=d, holders=int(h.sum()), non_holders=int((~h).sum())))
        hu = holder(untrained, d)
        su = _scores(untrained, skills, hu, min_people)
        su = su[su["z"] > Z95].head(TOP)
        rows_signal.append(
            su.assign(definition=d, holders=int(hu.sum()), non_holders=int((~hu).sum()))
        )
    cols = ["definition", "skill", "holders_listing", "non_holders_listing", "holders",
            "non_holders", "log_odds_ratio", "z"]  # fmt: skip
    all_df = pd.concat(rows_all)[cols] if rows_all else pd.DataFrame(columns=cols)
    sig_df = pd.concat(rows_signal)[cols] if rows_signal else pd.DataFrame(columns=cols)
    method = (
        "Weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi & Quinn "
        "2008): for each skill, δ = log[(y_h+α)/(n_h+α₀−y_h−α)] − log[(y_n+α)/(n_n+α₀−y_n−α)] "
        "with y the number of holders (h) and non-holders (n) listing it, n the group totals, "
        "α the pooled count as prior; z = δ/√(1/(y_h+α) + 1/(y_n+α)). Only coded skills listed "
        f"by at least {min_people} people in study are scored (twice the disclosure "
        "threshold, so most published counts survive suppression); counts are unweighted."
    )
    return [
        _table(
            "distinctive_skills",
            "Skills that distinguish holders from non-holders",
            method + f" The {TOP} most over-represented and {TOP // 2} most under-represented "
            "skills are shown.",
            all_df,
            "Skills most over- and under-represented among holders, as z-scores.",
        ),
        _table(
            "credential_signal_skills",
            "Skills holders list that their peers without a digital degree do not",
            method + " Here only people without formal digital training are compared, so the "
            "skills are ones a microcredential may signal where a degree does not; skills with "
            "z > 1.96 are shown.",
            sig_df,
            "Skills over-represented among holders without formal digital training.",
        ),
    ]
