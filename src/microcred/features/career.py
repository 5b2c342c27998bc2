"""Career features from the position history, in ibis (DuckDB or Spark).

Conventions (see docs/analysis-methods.md):

* a position is the half-open interval ``[start, end)`` of day numbers; a
  year-precision start is 1 January, a year-precision end runs to 31 December
  (so "2018–2019" is two years), a month-precision end to the last day of that
  month;
* a position is *ongoing* when ``is_current`` is true, or when it has a start
  and no end; ongoing positions run to the reference date (inclusive);
* positions without a start date do not count towards experience;
* overlapping and concurrent positions are merged before summing
  (each position, in order of start, adds what lies after the latest end before it),
  so two part-time jobs held at once count once.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from microcred.config import StudyConfig
from microcred.features.dates import (
    DAYS_PER_YEAR,
    date_day_number,
    period_end_day_number,
    python_day_number,
)
from microcred.features.ladder import seniority_rank_expr

_FAR = 10**8  # sorts after any real day number (nulls last on every backend)

_LEGAL_SUFFIX = (
    r"\s+(inc|incorporated|ltd|ltée|ltee|llc|llp|corp|corporation|limited|co|plc|gmbh|sa|ulc)$"
)


def _trim(s: ir.StringValue) -> ir.StringValue:
    return s.re_replace(r"^\s+", "").re_replace(r"\s+$", "")


def normalise_company(company: ir.StringValue) -> ir.StringValue:
    """Lower-case, punctuation-free company name without a trailing legal suffix.

    Why: "Shopify Inc." and "shopify" are one employer; anything smarter (an
    employer register) is out of scope. Empty results become null.
    """
    # ibis's strip() on PySpark trims the letter "f" too (its "\f" in a Spark SQL literal), so trim by regex
    s = _trim(company.lower().re_replace(r"[^0-9a-zà-ÿ&]+", " "))
    s = _trim(s.re_replace(_LEGAL_SUFFIX, ""))
    s = _trim(s.re_replace(_LEGAL_SUFFIX, ""))
    return (s.length() > 0).ifelse(s, ibis.null("string"))


def title_ids(titles_coded: ir.Table) -> ir.Table:
    """The title codes with a small integer ``title_id`` (titles are distinct, so it is stable)."""
    return titles_coded.mutate(title_id=ibis.row_number().over(order_by="title"))


def position_intervals(titles: ir.Table, positions: ir.Table, config: StudyConfig) -> ir.Table:
    """Positions joined to their title codes, with ``start_day``/``end_day`` and flags
    (the columns the career features read).

    ``titles`` is :func:`title_ids` of the title codes. Positions carry the ``title_id``,
    not the code's strings (which only the current position needs): this table is
    materialised, and at tens of millions of positions every string column costs a
    gigabyte and the spill to disk that goes with it.
    """
    ref_day = python_day_number(dt.date.fromisoformat(config.reference_date))
    codes = list(config.occupation_codes)
    tc = titles.select(
        tc_title="title",
        title_id="title_id",
        noc2021="noc2021",
        seniority="seniority",
        title_language="title_language",
    )
    # companies repeat across positions: normalise each distinct name once, then join
    firms = positions.select(firm="company").distinct()
    firms = firms.mutate(employer=normalise_company(firms.firm))
    p = positions.left_join(tc, positions.title == tc.tc_title).drop("tc_title")
    p = p.left_join(firms, p.company == firms.firm).drop("firm")
    ongoing = p.is_current.fill_null(False) | (p.end_date.isnull() & p.start_date.notnull())
    start_day = date_day_number(p.start_date)
    end_day = ongoing.ifelse(
        ibis.literal(ref_day + 1, "int64"),
        period_end_day_number(p.end_date, p.end_precision.fill_null("day")),
    )
    # a position that ends before it starts (bad input) counts as zero length
    end_day = ibis.greatest(end_day, start_day)
    return p.select(
        "person_id",
        "position_idx",
        "start_date",
        "province",
        "title_id",
        "title_language",
        "employer",
        has_title=p.title.notnull(),
        ongoing=ongoing,
        start_day=start_day,
        end_day=end_day,
        in_occupation=p.noc2021.isin(codes).fill_null(False),
        seniority_rank=seniority_rank_expr(p.seniority),
    )


def merged_years(intervals: ir.Table) -> ir.Table:
    """Per person, years covered by the union of the ``[start_day, end_day)`` intervals:
    of all positions (``years_experience``) and of those in the occupations of interest
    (``years_in_occupation``, 0 when none is).

    One ordered pass: with intervals sorted by start, each adds the part of it that lies
    after the latest end seen before it (the union's length, as gaps-and-islands would
    give). Both unions share that one window, on a narrow table: windows sort every
    column they carry, and at tens of millions of positions that sort is the stage.
    """
    t = intervals.filter(intervals.start_day.notnull() & intervals.end_day.notnull())
    t = t.select("person_id", "position_idx", "start_day", "end_day", "in_occupation")
    before = ibis.window(
        group_by="person_id", order_by=["start_day", "end_day", "position_idx"], rows=(None, -1)
    )
    occ_end = t.in_occupation.ifelse(t.end_day, ibis.null("int64"))
    t = t.mutate(seen=t.end_day.max().over(before), seen_occ=occ_end.max().over(before))

    def added(seen: ir.IntegerValue) -> ir.IntegerValue:
        return ibis.greatest(t.end_day - ibis.greatest(t.start_day, seen.fill_null(t.start_day)), 0)

    days = added(t.seen)
    days_occ = t.in_occupation.ifelse(added(t.seen_occ), 0)
    return t.group_by("person_id").aggregate(
        years_experience=days.sum().cast("float64") / DAYS_PER_YEAR,
        years_in_occupation=days_occ.sum().cast("float64") / DAYS_PER_YEAR,
    )


def _current_position(iv: ir.Table, titles: ir.Table) -> ir.Table:
    """One row a person: the current position (ongoing first; among ongoing ones the
    longest-running; if none is ongoing, the one that ended last), ties by index, with
    its title's codes."""
    t = iv.filter(iv.has_title)
    k_ongoing = t.ongoing.ifelse(0, 1)
    k_when = t.ongoing.ifelse(t.start_day, -t.end_day).fill_null(_FAR)
    k_start = t.start_day.fill_null(_FAR)
    w = ibis.window(group_by=t.person_id, order_by=[k_ongoing, k_when, k_start, t.position_idx])
    t = t.select(
        "person_id",
        "position_idx",
        "title_id",
        "seniority_rank",
        "employer",
        "province",
        rn=ibis.row_number().over(w),
    )
    current = t.filter(t.rn == 0)
    tc = titles.select(
        tc_id="title_id",
        noc2021="noc2021",
        noc2021_title="noc2021_title",
        noc2021_confidence="noc2021_confidence",
        seniority="seniority",
    )
    current = current.left_join(tc, current.title_id == tc.tc_id)
    return current.select(
        "person_id",
        current_position_idx="position_idx",
        noc2021="noc2021",
        noc2021_title="noc2021_title",
        noc2021_confidence="noc2021_confidence",
        seniority="seniority",
        seniority_rank="seniority_rank",
        current_employer="employer",
        current_province="province",
    )


def _first_ranked_position(iv: ir.Table) -> ir.Table:
    """The earliest position whose seniority is known (for the trajectory)."""
    t = iv.filter(iv.seniority_rank.notnull())
    w = ibis.window(group_by=t.person_id, order_by=[t.start_day.fill_null(_FAR), t.position_idx])
    t = t.mutate(rn=ibis.row_number().over(w))
    return t.filter(t.rn == 0).select(
        "person_id", first_position_idx="position_idx", first_rank="seniority_rank"
    )


def career_features(positions: ir.Table, titles_coded: ir.Table, config: StudyConfig) -> ir.Table:
    """Per person with at least one position: experience, occupation entry, employers,
    current occupation and seniority trajectory, and the share of French titles."""
    # materialised once: the date arithmetic would otherwise be inlined into every
    # window and join below (ibis fuses projections), making the SQL huge
    titles = title_ids(titles_coded).cache()
    iv = position_intervals(titles, positions, config).cache()
    years = merged_years(iv)
    per_person = iv.group_by("person_id").aggregate(
        occupation_entry_date=iv.start_date.min(where=iv.in_occupation),
        n_employers=iv.employer.nunique(),
        n_titles_en=(iv.title_language == "en").sum(),
        n_titles_fr=(iv.title_language == "fr").sum(),
    )
    current = _current_position(iv, titles)
    first = _first_ranked_position(iv)

    out = per_person.left_join(years, "person_id").drop("person_id_right")
    out = out.left_join(current, "person_id").drop("person_id_right")
    out = out.left_join(first, "person_id").drop("person_id_right")
    trajectory = ibis.cases(
        (out.seniority_rank.isnull() | out.first_rank.isnull(), "unknown"),
        (out.first_position_idx == out.current_position_idx, "unknown"),
        (out.seniority_rank > out.first_rank, "up"),
        (out.seniority_rank < out.first_rank, "down"),
        else_="flat",
    )
    return out.mutate(
        # no dated position: experience unknown (null), not zero
        years_in_occupation=out.years_experience.notnull().ifelse(
            out.years_in_occupation.fill_null(0.0), ibis.null("float64")
        ),
        seniority_trajectory=trajectory,
    ).drop("first_position_idx", "first_rank")
