"""Named fault cases for dates: parts that overflow, shapes that are not dates, range and order."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.dates import (
    DateParseError,
    DatePolicy,
    ParsedDate,
    date_from_parts,
    ends_before_start,
    parse_date,
    period_end,
)
from microcred.sources.builder import CanonicalRows

PART_FAULTS = {
    "month_1e10": (2019, 1e10, None),
    "month_int_1e10": (2019, 10**10, None),
    "year_1e10": (1e10, None, None),
    "year_10_pow_400": (10**400, None, None),
    "year_10_pow_5000": (10**5000, None, None),
    "month_infinity": (2019, float("inf"), None),
    "month_nan": (2019, float("nan"), None),
    "month_negative": (2019, -3, None),
    "day_negative": (2019, 5, -1),
    "month_fraction": (2019, 5.5, None),
    "year_text": ("twenty", None, None),
    "year_long_digits": ("2" * 5000, None, None),
    "month_superscript_digit": (2019, "¹", None),
    "month_bool": (2019, True, None),
    "year_bool": (True, None, None),
    "month_list": (2019, [5], None),
    "month_dict": (2019, {"m": 5}, None),
    "month_13": (2019, 13, None),
    "feb_30": (2019, 2, 30),
    "year_1850": (1850, None, None),
    "year_2200": (2200, 1, 1),
}


@pytest.mark.parametrize("case", sorted(PART_FAULTS))
def test_bad_date_parts_raise_a_date_error_never_a_crash(case) -> None:
    with pytest.raises(DateParseError):
        date_from_parts(*PART_FAULTS[case])


def test_integral_float_and_digit_text_parts_are_dates() -> None:
    assert date_from_parts(2019.0, 8.0) == (date(2019, 8, 1), "month", None)
    assert date_from_parts("2019", "08", "14") == (date(2019, 8, 14), "day", None)


STRING_FAULTS = {
    "empty_month_name": "Smarch 2019",
    "year_only_three_digits": "219",
    "year_before_1900": "1899",
    "year_after_2100": "2101-01",
    "feb_29_non_leap": "2019-02-29",
    "day_zero": "2019-01-00",
    "numeric_both_over_12": "13/14/2019",
    "megabyte": "2019-" * 200_000,
    "control_chars": "2019\x00-01",
    "emoji": "🗓 2019",
}


@pytest.mark.parametrize("case", sorted(STRING_FAULTS))
def test_bad_date_strings_raise_a_date_error(case) -> None:
    with pytest.raises(DateParseError):
        parse_date(STRING_FAULTS[case])


def test_a_long_string_is_refused_without_echoing_it_whole() -> None:
    with pytest.raises(DateParseError) as info:
        parse_date("9" * 1_000_000)
    assert len(str(info.value)) < 120


@given(st.one_of(st.none(), st.integers(), st.floats(), st.text(max_size=30), st.booleans()))
@settings(max_examples=300, deadline=None)
def test_date_parts_fuzzed_never_crash(value) -> None:
    for args in ((value,), (2019, value), (2019, 6, value)):
        try:
            parsed = date_from_parts(*args)
        except DateParseError:
            continue
        assert parsed is None or 1900 <= parsed.value.year <= 2100


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_date_strings_fuzzed_never_crash(text) -> None:
    with contextlib.suppress(DateParseError):
        parse_date(text)


# ---------------------------------------------------------------- range and order


def d(text: str) -> ParsedDate:
    parsed = parse_date(text)
    assert parsed is not None
    return parsed


def test_period_end_follows_precision() -> None:
    assert period_end(d("2019")) == date(2019, 12, 31)
    assert period_end(d("2020-02")) == date(2020, 2, 29)
    assert period_end(d("2019-02-14")) == date(2019, 2, 14)


@pytest.mark.parametrize(
    "case,start,end,before",
    [
        ("end_year_before", "2021", "2019", True),
        ("end_month_before", "2021-05", "2021-04", True),
        ("end_day_before", "2021-05-02", "2021-05-01", True),
        ("same_day", "2021-05-01", "2021-05-01", False),
        ("end_year_of_start_month", "2019-06", "2019", False),
        ("end_month_of_start_day", "2019-06-20", "2019-06", False),
        ("start_year_end_month_inside", "2019", "2019-03", False),
    ],
)
def test_end_before_start_compares_periods(case, start, end, before) -> None:
    assert ends_before_start(d(start), d(end)) is before


def test_no_date_is_never_out_of_order() -> None:
    assert not ends_before_start(None, d("2019"))
    assert not ends_before_start(d("2019"), None)


def test_policy_from_the_reference_date() -> None:
    policy = DatePolicy.for_reference("2025-12-31")
    assert (policy.earliest, policy.latest) == (date(1950, 1, 1), date(2026, 12, 31))
    assert DatePolicy.for_reference(date(2024, 2, 29)).latest == date(2025, 2, 28)


@pytest.mark.parametrize(
    "case,text,expiry,reason",
    [
        ("before_1950", "1949", False, "date out of range: before 1950-01-01"),
        ("december_1949", "1949-12", False, "date out of range: before 1950-01-01"),
        ("after_latest", "2027-01", False, "date out of range: after 2026-12-31"),
        ("expiry_after_latest_is_fine", "2040", True, None),
        ("expiry_before_1950", "1940", True, "date out of range: before 1950-01-01"),
        ("in_range", "1950", False, None),
    ],
)
def test_policy_range(case, text, expiry, reason) -> None:
    assert DatePolicy.for_reference("2025-12-31").out_of_range(d(text), expiry) == reason


def test_rows_null_each_bad_date_once_with_a_reason() -> None:
    notes: list[tuple[str, str]] = []
    rows = CanonicalRows(DatePolicy(), lambda f, r: notes.append((f, r)))
    rows.position("p", 0, "Dev", None, None, None, d("1920"), d("2019"), False)
    rows.education("p", 0, "X", None, None, d("2015"), d("2012"))
    rows.credential("p", 0, "AWS", None, None, None, None, d("2023"), d("2022"), "certifications")
    rows.learning("p", 0, "Course", None, True, d("2090"))
    assert [f for f, _ in notes] == [
        "positions.start_date",
        "educations.end_date",
        "credentials.expires_date",
        "learning.completed_date",
    ]
    tables = rows.to_tables()
    assert tables["positions"].column("start_date").to_pylist() == [None]
    assert tables["positions"].column("end_date").to_pylist() == [date(2019, 1, 1)]
    assert tables["educations"].column("end_precision").to_pylist() == [None]
    assert tables["learning"].column("completed_date").to_pylist() == [None]
