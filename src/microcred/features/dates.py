"""Date arithmetic for positions, compiled by every ibis backend.

A position becomes the half-open interval ``[start_day, end_day)`` of day
numbers (days since 1970-01-01): ``epoch_days`` and ``make_date`` compile to
``DATE_DIFF``/``DATEDIFF`` and ``MAKE_DATE`` on DuckDB and Spark SQL alike.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

DAYS_PER_YEAR = 365.25


def date_day_number(date: ir.DateValue) -> ir.IntegerValue:
    """Day number of the first day of the period a canonical date names."""
    return date.epoch_days().cast("int64")


def period_end_day_number(date: ir.DateValue, precision: ir.StringValue) -> ir.IntegerValue:
    """Exclusive end (the day after the last day) of the period a date names.

    ``2019`` at year precision ends at 2020-01-01, ``2019-08`` at month precision
    at 2019-09-01, a day-precision date the day after. Unknown precision is read as
    a day: the date is the first day of its period, so this never over-counts.
    """
    y = date.year()
    m = date.month()
    december = m == 12
    next_year = ibis.date(y + 1, 1, 1)
    next_month = ibis.date(y + december.ifelse(1, 0), december.ifelse(1, m + 1), 1)
    end = ibis.cases(
        (precision == "year", next_year.epoch_days()),
        (precision == "month", next_month.epoch_days()),
        else_=date.epoch_days() + 1,
    )
    return end.cast("int64")


def python_day_number(value: dt.date) -> int:
    """The same day number for a Python date (the reference date)."""
    return (value - dt.date(1970, 1, 1)).days
