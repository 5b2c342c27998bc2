"""Career features: merged experience, entry date, current occupation, trajectory."""

from __future__ import annotations

import datetime as dt

import pytest
from features_helpers import position, table, titles_coded
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microcred import schema
from microcred.config import StudyConfig
from microcred.features.career import career_features, normalise_company

D = dt.date
CFG = StudyConfig(reference_date="2025-12-31")
TC = titles_coded(
    [
        ("Data Scientist", "21211", 0.9, "intermediate", "en"),
        ("Senior Data Scientist", "21211", 0.9, "senior", "en"),
        ("Lead Developer", "21232", 0.8, "lead", "en"),
        ("Développeuse", "21232", 0.5, "unknown", "fr"),
        ("Junior Analyst", "13100", 0.7, "entry", "en"),
        ("Cook", "63200", 0.9, "unknown", "en"),
        ("Consultant", None, 0.2, "unknown", "en"),
    ]
)


def run(engine, rows, cfg=CFG):
    out = career_features(engine.table(table(schema.POSITIONS, rows)), engine.table(TC), cfg)
    df = engine.to_arrow(out).to_pandas()
    return df.set_index("person_id").sort_index()


def years(d0: dt.date, d1_exclusive: dt.date) -> float:
    return (d1_exclusive - d0).days / 365.25


def test_overlapping_positions_are_merged(engine):
    rows = [
        position("p", 0, "Data Scientist", D(2015, 1, 1), D(2017, 12, 1)),
        position("p", 1, "Cook", D(2017, 1, 1), D(2019, 6, 1)),  # overlaps the first
        position("p", 2, "Cook", D(2021, 3, 1), D(2021, 8, 1)),  # after a gap
    ]
    got = run(engine, rows).loc["p"]
    want = years(D(2015, 1, 1), D(2019, 7, 1)) + years(D(2021, 3, 1), D(2021, 9, 1))
    assert got.years_experience == pytest.approx(want)
    # only the first position is in an occupation of interest
    assert got.years_in_occupation == pytest.approx(years(D(2015, 1, 1), D(2018, 1, 1)))
    assert got.occupation_entry_date == D(2015, 1, 1)


def test_concurrent_position_inside_another_counts_once(engine):
    rows = [
        position("p", 0, "Data Scientist", D(2010, 1, 1), D(2019, 12, 1)),
        position("p", 1, "Cook", D(2012, 1, 1), D(2013, 1, 1)),
    ]
    got = run(engine, rows).loc["p"]
    assert got.years_experience == pytest.approx(years(D(2010, 1, 1), D(2020, 1, 1)))


def test_current_position_runs_to_reference_date(engine):
    rows = [
        position("a", 0, "Data Scientist", D(2020, 1, 1), None, current=True),
        position("b", 0, "Data Scientist", D(2020, 1, 1), None),  # no end, start set → ongoing
        position("c", 0, "Data Scientist", None, None, current=True),  # no start: not counted
    ]
    got = run(engine, rows)
    want = years(D(2020, 1, 1), D(2026, 1, 1))
    assert got.loc["a"].years_experience == pytest.approx(want)
    assert got.loc["b"].years_experience == pytest.approx(want)
    assert got.loc["c"].years_experience != got.loc["c"].years_experience  # NaN: unknown


def test_year_precision_end_runs_to_december(engine):
    rows = [
        position("y", 0, "Cook", D(2018, 1, 1), D(2019, 1, 1), precision="year"),
        position("m", 0, "Cook", D(2018, 1, 1), D(2019, 1, 1), precision="month"),
        position("d", 0, "Cook", D(2018, 1, 1), D(2019, 1, 1), precision="day"),
    ]
    got = run(engine, rows)
    assert got.loc["y"].years_experience == pytest.approx(years(D(2018, 1, 1), D(2020, 1, 1)))
    assert got.loc["m"].years_experience == pytest.approx(years(D(2018, 1, 1), D(2019, 2, 1)))
    assert got.loc["d"].years_experience == pytest.approx(years(D(2018, 1, 1), D(2019, 1, 2)))


def test_end_before_start_counts_zero(engine):
    rows = [position("p", 0, "Cook", D(2019, 1, 1), D(2018, 1, 1))]
    assert run(engine, rows).loc["p"].years_experience == pytest.approx(0.0)


def test_entry_date_is_first_position_in_any_group(engine):
    rows = [
        position("p", 0, "Junior Analyst", D(2012, 1, 1), D(2014, 1, 1)),
        position("p", 1, "Développeuse", D(2016, 5, 1), D(2018, 1, 1)),
        position("p", 2, "Senior Data Scientist", D(2018, 2, 1), None, current=True),
    ]
    got = run(engine, rows).loc["p"]
    assert got.occupation_entry_date == D(2016, 5, 1)
    assert got.n_titles_fr == 1


def test_current_occupation_prefers_longest_running_concurrent(engine):
    rows = [
        position("p", 0, "Lead Developer", D(2015, 1, 1), None, current=True),
        position("p", 1, "Data Scientist", D(2022, 1, 1), None, current=True),
        position("p", 2, "Cook", D(2010, 1, 1), D(2024, 1, 1)),
    ]
    got = run(engine, rows).loc["p"]
    assert got.current_position_idx == 0
    assert got.noc2021 == "21232"


def test_current_occupation_without_ongoing_is_most_recent(engine):
    rows = [
        position("p", 0, "Cook", D(2010, 1, 1), D(2015, 1, 1)),
        position("p", 1, "Junior Analyst", D(2016, 1, 1), D(2020, 1, 1)),
        position("p", 2, "Data Scientist", D(2014, 1, 1), D(2020, 1, 1)),  # same end, longer
    ]
    got = run(engine, rows).loc["p"]
    assert got.current_position_idx == 2


def test_seniority_trajectory(engine):
    rows = [
        position("up", 0, "Junior Analyst", D(2010, 1, 1), D(2012, 1, 1)),
        position("up", 1, "Senior Data Scientist", D(2012, 1, 1), None, current=True),
        position("down", 0, "Lead Developer", D(2010, 1, 1), D(2012, 1, 1)),
        position("down", 1, "Data Scientist", D(2012, 1, 1), None, current=True),
        position("flat", 0, "Data Scientist", D(2010, 1, 1), D(2012, 1, 1)),
        position("flat", 1, "Data Scientist", D(2013, 1, 1), None, current=True),
        position("one", 0, "Data Scientist", D(2013, 1, 1), None, current=True),
        position("unk", 0, "Data Scientist", D(2010, 1, 1), D(2012, 1, 1)),
        position("unk", 1, "Consultant", D(2013, 1, 1), None, current=True),
    ]
    got = run(engine, rows).seniority_trajectory.to_dict()
    assert got == {"up": "up", "down": "down", "flat": "flat", "one": "unknown", "unk": "unknown"}


def test_employers_are_normalised_and_counted(engine):
    rows = [
        position("p", 0, "Cook", D(2010, 1, 1), D(2011, 1, 1), company="Shopify Inc."),
        position("p", 1, "Cook", D(2011, 1, 1), D(2012, 1, 1), company="shopify"),
        position("p", 2, "Cook", D(2012, 1, 1), D(2013, 1, 1), company="Desjardins Ltée"),
        position("p", 3, "Cook", D(2013, 1, 1), D(2014, 1, 1), company="  "),
    ]
    assert run(engine, rows).loc["p"].n_employers == 2


def test_normalise_company(engine):
    import ibis

    t = engine.table(table(schema.POSITIONS, [position("p", 0, "x", None, company="A.B.C. Corp.")]))
    got = engine.to_arrow(t.select(c=normalise_company(t.company)))["c"].to_pylist()
    assert got == ["a b c"]
    assert ibis  # the helper is an ibis expression, compiled by the engine


# ---- properties -------------------------------------------------------------------------

_month = st.dates(min_value=D(2000, 1, 1), max_value=D(2024, 12, 1)).map(lambda d: d.replace(day=1))
_interval = st.tuples(_month, st.integers(min_value=0, max_value=60))


def _add_months(d: dt.date, n: int) -> dt.date:
    m = d.month - 1 + n
    return D(d.year + m // 12, m % 12 + 1, 1)


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    people=st.lists(st.lists(_interval, min_size=1, max_size=6), min_size=1, max_size=25),
    seed=st.randoms(use_true_random=False),
)
def test_merged_experience_properties(engine, people, seed):
    """Each person appears twice, rows in order ("p…") and shuffled ("q…"), so one
    example costs one query (ibis compiles slowly)."""
    rows, lengths, union = [], {}, {}
    for k, intervals in enumerate(people):
        days: set[int] = set()
        spans = [(start, _add_months(start, n)) for start, n in intervals]
        shuffled = spans[:]
        seed.shuffle(shuffled)
        for i, (start, end) in enumerate(spans):
            rows.append(position(f"p{k:03d}", i, "Cook", start, end))
        for i, (start, end) in enumerate(shuffled):
            rows.append(position(f"q{k:03d}", i, "Cook", start, end))
        for start, n in intervals:
            # month precision: [start, first day of the month after the end month)
            days.update(range(start.toordinal(), _add_months(start, n + 1).toordinal()))
        lengths[k] = [years(s, _add_months(s, n + 1)) for s, n in intervals]
        union[k] = len(days) / 365.25
    got = run(engine, rows).years_experience
    for k, ls in lengths.items():
        p = got[f"p{k:03d}"]
        assert p <= sum(ls) + 1e-9
        assert p >= max(ls) - 1e-9
        assert p == pytest.approx(union[k])
        assert got[f"q{k:03d}"] == pytest.approx(p)  # invariant to row order
