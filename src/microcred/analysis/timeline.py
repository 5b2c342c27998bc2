"""Time: uptake as of each year, new credentials per year, time from entry to first
credential, and cohorts of entry into the occupation.

Why: the 2023 study is one snapshot; readers ask whether uptake is growing. Profiles are
read at the reference date, so every figure here is retrospective over the people in
study *today* (who list credentials today): people who left the occupation or deleted a
credential are not seen. Undated credentials are counted as undated, never given a year
(docs/analysis-methods.md, "Time").
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
from statsmodels.duration.survfunc import SurvfuncRight

from microcred.analysis.estimability import share_status, with_status
from microcred.analysis.frame import ALL_GROUPS, StudyFrame, holder
from microcred.analysis.quality import ALL, micro_credentials
from microcred.analysis.result import AnalysisTable, CellSet, ChartSpec, Controlled
from microcred.analysis.stats import Z95, proportion
from microcred.release.vocabulary import to_vocabulary

UNDATED = "undated"
DAYS_PER_YEAR = 365.25
RETRO = (
    "People in study are those in the occupations of interest at the reference date, with "
    "the credentials their profiles list then: the figures are retrospective (people who "
    "left the occupation, or removed a credential, are not seen)."
)


def reference_year(sf: StudyFrame) -> int:
    return dt.date.fromisoformat(sf.config.reference_date).year


def years(sf: StudyFrame) -> list[int]:
    ref = reference_year(sf)
    return list(range(min(sf.config.time.first_year, ref), ref + 1))


def year_label(year: float, first: int) -> str:
    """A year as released: years before ``first`` pooled as 'before <first>'."""
    if year < first:
        return f"before {first}"
    return str(int(year))


def _year_of(dates: pd.Series) -> np.ndarray:
    return pd.to_datetime(dates).dt.year.to_numpy(dtype=float, na_value=np.nan)


def first_year_groups(sf: StudyFrame) -> dict[str, dict[str, list[str]]]:
    """'by <Y>' pools every first-credential year up to Y (the linked-table hierarchy)."""
    first = sf.config.time.first_year
    ys = years(sf)
    finer = [f"before {first}"] + [str(y) for y in ys if y >= first]
    labels = {f"by {y}": finer[: 1 + sum(1 for v in ys if first <= v <= y)] for y in ys}
    return {f"first_micro_year:{d}": labels for d in sf.definitions}


def uptake_by_year(sf: StudyFrame) -> AnalysisTable:
    """Share in study whose first dated microcredential is in or before each year."""
    rows = []
    ys = years(sf)
    for d in sf.definitions:
        for group, g in sf.groups(sf.study):
            h = holder(g, d)
            fy = _year_of(g[f"first_micro_date_{d}"])
            w = sf.weights(g)
            for y in ys:
                p = proportion(h & (fy <= y), w)
                rows.append(
                    {
                        "definition": d,
                        "occupation_group": group,
                        "year": y,
                        "n": p.n,
                        "holders_by_year": p.successes,
                        "share": p.share,
                        "lower": p.lower,
                        "upper": p.upper,
                    }
                )
    cols = ["definition", "occupation_group", "year", "n", "holders_by_year"]
    df = pd.DataFrame(rows, columns=[*cols, "share", "lower", "upper"])
    deps = ["n", "holders_by_year"]
    table = AnalysisTable(
        name="time_uptake_by_year",
        title="Share listing a microcredential dated in or before each year",
        section="time",
        method=(
            "Estimand: among people in study in each occupation group, the share whose first "
            "dated microcredential (under the definition) was issued in or before the year. "
            "Holders whose microcredentials are all undated are never given a year: they "
            "count in no year here, so the reference year's share is below the uptake table's "
            "share by exactly their number (a lower bound on uptake as of each year; the "
            "undated credentials themselves are counted in the new-credentials table). "
            + RETRO
            + " 95 % Wilson intervals."
        ),
        data=df,
        count_columns=deps,
        dependent={"share": deps, "lower": deps, "upper": deps},
        dims=["definition", "occupation_group", "year"],
        cells={
            "n": CellSet({"occupation": "{occupation_group}"}),
            # open: the unpublished value is "undated" (and "none" for non-holders)
            "holders_by_year": CellSet(
                {
                    "occupation": "{occupation_group}",
                    "holds:{definition}": "yes",
                    "first_micro_year:{definition}": "by {year}",
                },
                open=("first_micro_year:{definition}",),
                groups=first_year_groups(sf),
            ),
        },
        chart=ChartSpec(
            kind="line",
            x="year",
            y="share",
            color="occupation_group",
            column="definition",
            tooltip=["definition", "occupation_group", "year", "holders_by_year", "share"],
            title="Uptake as of each year",
            x_title="Year",
            y_title="Share with a microcredential dated by the year",
            y_format=".1%",
            description=(
                "Share of people in study whose first dated microcredential was issued in or "
                "before each year, by occupation group (undated credentials not included)."
            ),
        ),
    )
    return with_status(table, share_status(df, "n"), ["no people"])


def _issued_labels(m: pd.DataFrame, sf: StudyFrame) -> np.ndarray:
    first = sf.config.time.first_year
    ref = reference_year(sf)
    yr = _year_of(m["issued_date"]) if "issued_date" in m else np.full(len(m), np.nan)
    return np.array(
        [UNDATED if math.isnan(y) else year_label(min(y, ref), first) for y in yr], dtype=object
    )


def _year_order(sf: StudyFrame) -> list[str]:
    first = sf.config.time.first_year
    return [f"before {first}"] + [str(y) for y in years(sf) if y >= first] + [UNDATED]


def new_credentials_by_year(sf: StudyFrame, ce: pd.DataFrame) -> AnalysisTable:
    """Microcredentials issued each year, by type (undated ones in a row of their own)."""
    rows = []
    cred_cells: list[dict[str, str] | None] = []
    earner_cells: list[dict[str, str] | None] = []
    order = _year_order(sf)
    for defn in sf.config.definitions:
        d = defn.name
        m = micro_credentials(ce, d)
        issued = _issued_labels(m, sf)
        for ctype in [*defn.types, ALL]:
            in_type = np.ones(len(m), dtype=bool) if ctype == ALL else (
                m["credential_type"].to_numpy(dtype=object) == ctype
            )  # fmt: skip
            for y in order:
                sel = in_type & (issued == y)
                rows.append(
                    {
                        "definition": d,
                        "issued_year": y,
                        "credential_type": ctype,
                        "credentials": int(sel.sum()),
                        "earners": int(m.loc[sel, "person_id"].nunique()),
                    }
                )
                cred_cells.append({f"micro:{d}": "yes", "issued_year": y, "credential_type": ctype})
                earner_cells.append(
                    {
                        "occupation": ALL_GROUPS,
                        f"holds:{d}": "yes",
                        f"earned:{d}:{y}:{ctype}": "yes",
                    }
                )
    df = pd.DataFrame(
        rows, columns=["definition", "issued_year", "credential_type", "credentials", "earners"]
    )
    table = AnalysisTable(
        name="time_new_credentials_by_year",
        title="Microcredentials issued each year, by type",
        section="time",
        method=(
            "Microcredentials (under each definition) listed by people in study, by the year "
            "of their issue date and credential type; `earners` are the distinct people with "
            "at least one. Credentials with no issue date are counted in the 'undated' row, "
            "never given a year; dates after the reference date count in its year. "
            + RETRO
            + " Recent years look fuller partly because older credentials are less often "
            "listed, and expired ones may be removed."
        ),
        data=df,
        count_columns=["credentials", "earners"],
        dependent={"credentials": ["earners"]},
        dims=["definition", "issued_year", "credential_type"],
        cells={
            "credentials": CellSet(universe="credentials", rows=cred_cells),
            "earners": CellSet(rows=earner_cells),
        },
        chart=ChartSpec(
            kind="bar",
            x="issued_year",
            y="credentials",
            color="credential_type",
            column="definition",
            tooltip=["definition", "issued_year", "credential_type", "credentials", "earners"],
            title="New microcredentials per year",
            x_title="Year issued",
            y_title="Microcredentials",
            y_format=",d",
            description="Microcredentials issued each year by type, undated ones apart.",
            sort=order,
        ),
    )
    return table


def new_credentials_by_provider(sf: StudyFrame, ce: pd.DataFrame) -> AnalysisTable:
    """Microcredentials issued each year from the most frequent providers."""
    top_n = sf.config.time.top_providers
    rows = []
    order = _year_order(sf)
    for d in sf.definitions:
        m = micro_credentials(ce, d)
        if "provider" not in m:
            continue
        provider = to_vocabulary(m["provider"], "catalogue").to_numpy(dtype=object)
        known = pd.Series(provider).dropna()
        counts = known.value_counts()
        counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
        top = list(counts.head(top_n).index)
        issued = _issued_labels(m, sf)
        pid = m["person_id"].to_numpy(dtype=object)
        for prov in top:
            for y in order:
                sel = (provider == prov) & (issued == y)
                rows.append(
                    {
                        "definition": d,
                        "provider": prov,
                        "issued_year": y,
                        "credentials": int(sel.sum()),
                        "earners": int(pd.unique(pid[sel]).size),
                    }
                )
    df = pd.DataFrame(
        rows, columns=["definition", "provider", "issued_year", "credentials", "earners"]
    )
    table = AnalysisTable(
        name="time_new_credentials_by_provider",
        title="Microcredentials issued each year, by provider",
        section="time",
        method=(
            f"As by type, for the {top_n} providers with the most microcredentials under each "
            "definition (named from the credential catalogue; issuers it does not know are "
            "counted together, their text never published). " + RETRO
        ),
        data=df,
        count_columns=["credentials", "earners"],
        dependent={"credentials": ["earners"]},
        dims=["definition", "provider", "issued_year"],
        controlled=[Controlled("provider", "catalogue")],
        cells={
            "credentials": CellSet(
                {
                    "micro:{definition}": "yes",
                    "issued_year": "{issued_year}",
                    "provider": "{provider}",
                },
                universe="credentials",
                open=("provider",),
            ),  # fmt: skip
            "earners": CellSet(
                {
                    "occupation": ALL_GROUPS,
                    "earned_from:{definition}:{provider}:{issued_year}": "yes",
                }
            ),
        },
        chart=ChartSpec(
            kind="line",
            x="issued_year",
            y="credentials",
            color="provider",
            column="definition",
            tooltip=["definition", "provider", "issued_year", "credentials", "earners"],
            title="New microcredentials per year, top providers",
            x_title="Year issued",
            y_title="Microcredentials",
            y_format=",d",
            description="Microcredentials issued each year by the most frequent providers.",
            sort=order,
        ),
    )
    return table


def _years_between(later: pd.Series | np.ndarray, earlier: pd.Series) -> np.ndarray:
    a = pd.to_datetime(pd.Series(later, index=earlier.index))
    b = pd.to_datetime(earlier)
    return ((a - b).dt.days / DAYS_PER_YEAR).to_numpy(dtype=float, na_value=np.nan)


def entry_to_credential_times(
    g: pd.DataFrame, definition: str, reference_date: str
) -> dict[str, np.ndarray]:
    """Years from entry to first microcredential (event) or to the reference date (censored).

    People with no entry date, a first credential before entry, or only undated
    credentials are not at risk: they are returned as masks to be counted apart.
    """
    entry = g["occupation_entry_date"]
    has_entry = entry.notna().to_numpy()
    h = holder(g, definition)
    first = g[f"first_micro_date_{definition}"]
    dated = first.notna().to_numpy()
    t_first = _years_between(first, entry)
    ref = pd.Series(pd.Timestamp(reference_date), index=g.index)
    t_ref = _years_between(ref, entry)
    before = has_entry & h & dated & (t_first < 0)
    undated = has_entry & h & ~dated
    event = has_entry & h & dated & (t_first >= 0)
    at_risk = has_entry & ~before & ~undated
    time = np.where(event, t_first, np.maximum(t_ref, 0.0))
    return {
        "entered": has_entry,
        "before": before,
        "undated": undated,
        "at_risk": at_risk,
        "event": event,
        "time": time,
    }


def cumulative_incidence(
    time: np.ndarray, event: np.ndarray, horizons: list[float]
) -> list[tuple[float, float, float]]:
    """1 − Kaplan–Meier at each horizon with a 95 % log(−log) interval (Greenwood)."""
    out: list[tuple[float, float, float]] = []
    if len(time) == 0:
        return [(math.nan, math.nan, math.nan)] * len(horizons)
    km = SurvfuncRight(time, event.astype(float))
    st, sp, se = km.surv_times, km.surv_prob, km.surv_prob_se
    for h in horizons:
        if len(time[time >= h]) == 0 and not (event & (time <= h)).any():
            out.append((math.nan, math.nan, math.nan))
            continue
        i = int(np.searchsorted(st, h, side="right")) - 1
        if i < 0:
            out.append((0.0, math.nan, math.nan))
            continue
        s, s_se = float(sp[i]), float(se[i])
        if s <= 0 or s >= 1 or not math.isfinite(s_se):
            out.append((1 - s, math.nan, math.nan))
            continue
        # log(-log S) interval (Kalbfleisch & Prentice), mapped to 1 - S
        v = s_se / (s * abs(math.log(s)))
        lo_s = s ** math.exp(Z95 * v)
        hi_s = s ** math.exp(-Z95 * v)
        out.append((1 - s, 1 - hi_s, 1 - lo_s))
    return out


def time_to_first_credential(sf: StudyFrame) -> AnalysisTable:
    """Kaplan–Meier share with a first microcredential within t years of entry."""
    horizons = sorted(sf.config.time.horizons_years)
    study = sf.study
    rows = []
    for d in sf.definitions:
        t = entry_to_credential_times(study, d, sf.config.reference_date)
        risk = t["at_risk"]
        time, event = t["time"][risk], t["event"][risk]
        ci = cumulative_incidence(time, event, [float(h) for h in horizons])
        for h, (est, lo, hi) in zip(horizons, ci, strict=True):
            rows.append(
                {
                    "definition": d,
                    "years_since_entry": h,
                    "at_risk_start": int(risk.sum()),
                    "followed_to_horizon": int((time >= h).sum()),
                    "credential_by_horizon": int((event & (time <= h)).sum()),
                    "cumulative_share": est,
                    "lower": lo,
                    "upper": hi,
                }
            )
    df = pd.DataFrame(
        rows,
        columns=[
            "definition",
            "years_since_entry",
            "at_risk_start",
            "followed_to_horizon",
            "credential_by_horizon",
            "cumulative_share",
            "lower",
            "upper",
        ],
    )
    deps = ["at_risk_start", "followed_to_horizon", "credential_by_horizon"]
    base = {"occupation": ALL_GROUPS}
    table = AnalysisTable(
        name="time_entry_to_first_credential",
        title="Time from entry into the occupation to the first microcredential",
        section="time",
        method=(
            "Estimand: among people in study with a known date of entry into an occupation of "
            "interest (start of the earliest position coded to it) and no microcredential "
            "dated before it, the probability of a first microcredential within t years of "
            "entry. Kaplan–Meier (statsmodels SurvfuncRight): people without one are censored "
            "at the reference date (administrative censoring; it assumes people entering in "
            "different years would take them up alike). 95 % log(−log) Greenwood intervals. "
            "People whose first microcredential predates entry or whose microcredentials are "
            "all undated are outside the risk set (the pathways table covers the first); "
            "their number is not published, as with the study total it would give small "
            "counts away. " + RETRO
        ),
        data=df,
        count_columns=deps,
        dependent={"cumulative_share": deps, "lower": deps, "upper": deps},
        dims=["definition", "years_since_entry"],
        cells={
            "at_risk_start": CellSet(
                {**base, "first_vs_entry:{definition}": "at risk"},
                open=("first_vs_entry:{definition}",),
            ),
            "followed_to_horizon": CellSet(
                {**base, "followed:{definition}:{years_since_entry}": "yes"},
            ),
            "credential_by_horizon": CellSet(
                {**base, "credential_within:{definition}:{years_since_entry}": "yes"},
            ),
        },
        chart=ChartSpec(
            kind="interval",
            x="years_since_entry",
            y="cumulative_share",
            lower="lower",
            upper="upper",
            color="definition",
            tooltip=["definition", "years_since_entry", "at_risk_start", "cumulative_share"],
            title="First microcredential within t years of entry",
            x_title="Years since entry into the occupation",
            y_title="Share with a first microcredential (Kaplan–Meier)",
            y_format=".0%",
            description=(
                "Kaplan–Meier share of people with a first microcredential within each number "
                "of years after entering the occupation, with 95 % intervals."
            ),
        ),
    )
    return with_status(table, share_status(df, "at_risk_start"), ["no people"])


def cohort_labels(sf: StudyFrame) -> list[str]:
    starts = sorted(sf.config.time.cohort_starts)
    ref = reference_year(sf)
    labels = [f"before {starts[0]}"]
    for a, b in zip(starts, [*starts[1:], ref + 1], strict=True):
        labels.append(f"{a}-{b - 1}" if b - 1 > a else str(a))
    return labels


def cohort_of(entry_year: np.ndarray, sf: StudyFrame) -> np.ndarray:
    """Entry cohort label per person (None when the entry date is unknown)."""
    starts = sorted(sf.config.time.cohort_starts)
    labels = cohort_labels(sf)
    idx = np.searchsorted(np.asarray(starts, dtype=float), entry_year, side="right")
    out = np.array([labels[i] for i in idx], dtype=object)
    out[np.isnan(entry_year)] = None
    return out


def entry_cohorts(sf: StudyFrame) -> AnalysisTable:
    """Uptake and credential-before-entry by the year people entered the occupation."""
    study = sf.study
    cohort = cohort_of(_year_of(study["occupation_entry_date"]), sf)
    rows = []
    for d in sf.definitions:
        h = holder(study, d)
        for label in cohort_labels(sf):
            mask = cohort == label
            p = proportion(h[mask], sf.weights(study[mask]))
            rows.append(
                {
                    "definition": d,
                    "entry_cohort": label,
                    "n": p.n,
                    "holders": p.successes,
                    "share": p.share,
                    "lower": p.lower,
                    "upper": p.upper,
                }
            )
    df = pd.DataFrame(
        rows,
        columns=["definition", "entry_cohort", "n", "holders", "share", "lower", "upper"],
    )
    deps = ["n", "holders"]
    base = {"occupation": ALL_GROUPS, "entry_cohort": "{entry_cohort}"}
    table = AnalysisTable(
        name="time_entry_cohorts",
        title="Uptake by cohort of entry into the occupation",
        section="time",
        method=(
            "People in study with a known date of entry into an occupation of interest, by "
            "the year of entry (cohorts from configuration `time.cohort_starts`): the share "
            "listing a microcredential now, with a 95 % Wilson interval (whether it came before "
            "entry: the pathways table). Later cohorts have had less time to "
            "earn one after entry, and earlier cohorts are those who stayed. " + RETRO
        ),
        data=df,
        count_columns=deps,
        dependent={"share": deps, "lower": deps, "upper": deps},
        dims=["definition", "entry_cohort"],
        cells={
            "n": CellSet(base, open=("entry_cohort",)),
            "holders": CellSet({**base, "holds:{definition}": "yes"}, open=("entry_cohort",)),
        },
        chart=ChartSpec(
            kind="interval",
            x="entry_cohort",
            y="share",
            lower="lower",
            upper="upper",
            color="definition",
            tooltip=["definition", "entry_cohort", "n", "holders", "share"],
            title="Uptake by cohort of entry",
            x_title="Year of entry into the occupation",
            y_title="Share listing a microcredential",
            y_format=".1%",
            description="Share listing a microcredential by the year people entered the occupation.",
            sort=cohort_labels(sf),
        ),
    )
    return with_status(table, share_status(df, "n"), ["no people"])


def time_tables(sf: StudyFrame, ce: pd.DataFrame) -> list[AnalysisTable]:
    """The time section; ``ce`` is ``quality.study_credentials`` (computed once per run)."""
    return [
        uptake_by_year(sf),
        new_credentials_by_year(sf, ce),
        new_credentials_by_provider(sf, ce),
        time_to_first_credential(sf),
        entry_cohorts(sf),
    ]
