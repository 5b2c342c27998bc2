"""Date arithmetic that compiles on every ibis backend.

Why integer day numbers: interval types and date-difference functions differ
between DuckDB and Spark SQL, while ``year()``, ``month()``, ``day()`` and
integer arithmetic are the same everywhere. A position becomes a half-open
interval ``[start_day, end_day)`` of day numbers (days since 1970-01-01).
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

DAYS_PER_YEAR = 365.25


def day_number(
    year: ir.IntegerValue, month: ir.IntegerValue, day: ir.IntegerValue
) -> ir.IntegerValue:
    """Days since 1970-01-01 of a civil date (H. Hinnant's ``days_from_civil``)."""
    y = year.cast("int64") - (month <= 2).ifelse(1, 0)
    era = y // 400
    yoe = y - era * 400
    mp = (month > 2).ifelse(month.cast("int64") - 3, month.cast("int64") + 9)
    doy = (153 * mp + 2) // 5 + day.cast("int64") - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def date_day_number(date: ir.DateValue) -> ir.IntegerValue:
    """Day number of the first day of the period a canonical date names."""
    return day_number(date.year(), date.month(), date.day())


def period_end_day_number(date: ir.DateValue, precision: ir.StringValue) -> ir.IntegerValue:
    """Exclusive end (the day after the last day) of the period a date names.

    ``2019`` at year precision ends at 2020-01-01, ``2019-08`` at month precision
    at 2019-09-01, a day-precision date the day after. Unknown precision is read as
    a day: the date is the first day of the period, so this never over-counts.
    """
    y = date.year().cast("int64")
    m = date.month().cast("int64")
    next_year = day_number(y + 1, ibis.literal(1), ibis.literal(1))
    next_month = day_number(y + (m == 12).ifelse(1, 0), (m == 12).ifelse(1, m + 1), ibis.literal(1))
    return ibis.cases(
        (precision == "year", next_year),
        (precision == "month", next_month),
        else_=date_day_number(date) + 1,
    )


def python_day_number(value: dt.date) -> int:
    """The same day number for a Python date (the reference date)."""
    return (value - dt.date(1970, 1, 1)).days
