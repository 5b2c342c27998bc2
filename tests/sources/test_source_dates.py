"""Profile date parsing: every accepted shape, French months, and refusal of the rest."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.dates import DateParseError, date_from_parts, is_present, parse_date, parse_dates

EN_ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
EN_FULL = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
FR_ABBR = ["janv.", "févr.", "mars", "avr.", "mai", "juin"]
FR_ABBR += ["juil.", "août", "sept.", "oct.", "nov.", "déc."]
FR_FULL = ["janvier", "février", "mars", "avril", "mai", "juin"]
FR_FULL += ["juillet", "août", "septembre", "octobre", "novembre", "décembre"]

dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2099, 12, 31))


@pytest.mark.parametrize(
    ("text", "value", "precision"),
    [
        ("Aug 2023", date(2023, 8, 1), "month"),
        ("August 2023", date(2023, 8, 1), "month"),
        ("2019", date(2019, 1, 1), "year"),
        ("2019-08", date(2019, 8, 1), "month"),
        ("2019-08-14", date(2019, 8, 14), "day"),
        ("08/2019", date(2019, 8, 1), "month"),
        ("août 2023", date(2023, 8, 1), "month"),
        ("janv. 2020", date(2020, 1, 1), "month"),
        ("févr 2021", date(2021, 2, 1), "month"),
        ("sept. 2019", date(2019, 9, 1), "month"),
        ("  Sep 2019 ", date(2019, 9, 1), "month"),
        ("2021-04-03 09:10 UTC", date(2021, 4, 3), "day"),
        ("2021-04-03T09:10:00Z", date(2021, 4, 3), "day"),
        ("14 août 2023", date(2023, 8, 14), "day"),
        ("1er mars 2020", date(2020, 3, 1), "day"),
        ("August 14, 2023", date(2023, 8, 14), "day"),
        ("25/12/2020", date(2020, 12, 25), "day"),
        ("12/25/2020", date(2020, 12, 25), "day"),
    ],
)
def test_accepted_shapes(text: str, value: date, precision: str) -> None:
    parsed = parse_date(text)
    assert parsed is not None
    assert (parsed.value, parsed.precision) == (value, precision)


def test_ambiguous_numeric_day_month_keeps_only_the_year() -> None:
    parsed = parse_date("03/04/2019")
    assert parsed is not None
    assert (parsed.value, parsed.precision) == (date(2019, 1, 1), "year")


@pytest.mark.parametrize("text", [None, "", "   ", "N/A", "-", "Present", "aujourd’hui", "Now"])
def test_empty_and_present_give_none(text: str | None) -> None:
    assert parse_date(text) is None


def test_present_words_are_recognised() -> None:
    assert is_present("Present") and is_present("aujourd'hui") and is_present("En cours")
    assert not is_present("2020") and not is_present(None) and not is_present("")


@pytest.mark.parametrize(
    "text", ["Agust 2023", "2019-13", "1850", "31/02/2020", "sometime", "2020-02-30", "13/13/2020"]
)
def test_unparseable_raises_specific_error(text: str) -> None:
    with pytest.raises(DateParseError) as info:
        parse_date(text)
    assert info.value.text == text


def test_month_names_reveal_language() -> None:
    assert parse_date("août 2023").language == "fr"
    assert parse_date("Aug 2023").language == "en"
    assert parse_date("oct. 2023").language is None  # same word in both languages
    assert parse_date("2023-08").language is None


def test_date_from_parts_precision_follows_parts() -> None:
    assert date_from_parts(2019) == (date(2019, 1, 1), "year", None)
    assert date_from_parts(2019, 8) == (date(2019, 8, 1), "month", None)
    assert date_from_parts(2019, 8, 14) == (date(2019, 8, 14), "day", None)
    assert date_from_parts(None, 8) is None
    with pytest.raises(DateParseError):
        date_from_parts(2019, 13)
    with pytest.raises(DateParseError):
        date_from_parts("twenty", 1)


def test_parse_dates_vectorised() -> None:
    values, precisions = parse_dates(["2019", None, "Aug 2023"])
    assert values == [date(2019, 1, 1), None, date(2023, 8, 1)]
    assert precisions == ["year", None, "month"]


@settings(database=None, max_examples=150)
@given(d=dates)
def test_round_trip_day_formats(d: date) -> None:
    for text in (d.isoformat(), f"{d.day} {FR_FULL[d.month - 1]} {d.year}",
                 f"{EN_FULL[d.month - 1]} {d.day}, {d.year}"):  # fmt: skip
        parsed = parse_date(text)
        assert (parsed.value, parsed.precision) == (d, "day"), text


@settings(database=None, max_examples=150)
@given(d=dates)
def test_round_trip_month_formats(d: date) -> None:
    first = d.replace(day=1)
    texts = [
        f"{d.year}-{d.month:02d}",
        f"{d.month:02d}/{d.year}",
        f"{EN_ABBR[d.month - 1]} {d.year}",
        f"{EN_FULL[d.month - 1]} {d.year}",
        f"{FR_ABBR[d.month - 1]} {d.year}",
        f"{FR_FULL[d.month - 1].upper()} {d.year}",
    ]
    for text in texts:
        parsed = parse_date(text)
        assert (parsed.value, parsed.precision) == (first, "month"), text


@settings(database=None, max_examples=150)
@given(d=dates)
def test_round_trip_year(d: date) -> None:
    parsed = parse_date(str(d.year))
    assert (parsed.value, parsed.precision) == (date(d.year, 1, 1), "year")
