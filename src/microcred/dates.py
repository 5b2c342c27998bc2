"""Profile dates → (first day of the period, precision).

Profiles say "2019", "Aug 2023", "août 2023" or "2019-08-14"; we keep the first
day of the period they name plus a precision (``year`` / ``month`` / ``day``)
instead of inventing a day nobody wrote. Parsing is cached by string because a
cohort repeats the same few thousand date strings millions of times.

Hand-written rather than ``dateutil``/``dateparser``: those guess (they fill a
missing month with today's, read "08/2019" as a day) and are ~50x slower; here
every accepted shape is listed and everything else raises
:class:`DateParseError`, which readers turn into a quarantine record.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from microcred.text import fold

MIN_YEAR = 1900
MAX_YEAR = 2100

# Words that mean "no date": treated like an empty cell.
_EMPTY = frozenset({"", "-", "--", "n/a", "na", "nan", "none", "null", "nil", "unknown"})
# Words that mean "still going": no date, and the period is open (see is_present).
_PRESENT = frozenset(
    {
        "present",
        "current",
        "currently",
        "now",
        "ongoing",
        "today",
        "aujourd'hui",
        "present day",
        "actuel",
        "actuellement",
        "en cours",
        "maintenant",
    }
)

# month token (accents stripped, lower case, no trailing dot) → (month, language or None)
_EN_ONLY = {
    "jan": 1,
    "january": 1,
    "feb": 2,
    "february": 2,
    "mar": 3,
    "march": 3,
    "apr": 4,
    "april": 4,
    "may": 5,
    "jun": 6,
    "june": 6,
    "jul": 7,
    "july": 7,
    "aug": 8,
    "august": 8,
    "sep": 9,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
}
_FR_ONLY = {
    "janv": 1,
    "janvier": 1,
    "fevr": 2,
    "fev": 2,
    "fevrier": 2,
    "mars": 3,
    "avr": 4,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juil": 7,
    "juillet": 7,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
}
_SHARED = {"sept": 9, "oct": 10, "nov": 11, "dec": 12}

MONTHS: dict[str, tuple[int, str | None]] = {
    **{k: (v, "en") for k, v in _EN_ONLY.items()},
    **{k: (v, "fr") for k, v in _FR_ONLY.items()},
    **{k: (v, None) for k, v in _SHARED.items()},
}

_YEAR = re.compile(r"(\d{4})")
_YEAR_MONTH = re.compile(r"(\d{4})[-/.](\d{1,2})")
_YEAR_MONTH_DAY = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[t ].*)?")
_MONTH_YEAR = re.compile(r"(\d{1,2})[-/.](\d{4})")
_NUMERIC_DMY = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
_NAME_YEAR = re.compile(r"([a-z]+)\.? ?(\d{4})")
_DAY_NAME_YEAR = re.compile(r"(\d{1,2})(?:er|st|nd|rd|th)? ([a-z]+)\.? (\d{4})")
_NAME_DAY_YEAR = re.compile(r"([a-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})")


_LONGEST_DATE = 64  # characters: "14 septembre 2023" is 17


class DateParseError(ValueError):
    """A non-empty date string in none of the accepted shapes."""

    def __init__(self, text: str, why: str = "unrecognised date"):
        super().__init__(f"{why}: {text!r}")
        self.text = text
        self.why = why


class ParsedDate(NamedTuple):
    value: date  # first day of the period
    precision: str  # year | month | day
    language: str | None  # 'en' / 'fr' when a month name gave it away, else None


def _fold(text: str) -> str:
    """Lower case, accents stripped, typographic apostrophes and spaces normalised."""
    text = text.replace("\u2019", "'").replace("\u00a0", " ")
    folded = fold(text)
    return " ".join(folded.split()).strip(" ,;")


def is_present(text: str | None) -> bool:
    """True for "Present", "aujourd'hui", ...: an end date that means the period is still open."""
    return text is not None and _fold(str(text)) in _PRESENT


def _year(text: str, raw: str) -> int:
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DateParseError(raw, f"year outside {MIN_YEAR}-{MAX_YEAR}")
    return year


def _build(raw: str, year: int, month: int, day: int, precision: str, lang: str | None):
    try:
        return ParsedDate(date(year, month, day), precision, lang)
    except (ValueError, OverflowError):  # a month of 1e10 overflows a C int: not a date either
        raise DateParseError(raw, "impossible date") from None


def _month(token: str, raw: str) -> tuple[int, str | None]:
    found = MONTHS.get(token)
    if found is None:
        raise DateParseError(raw, "unknown month name")
    return found


def _named(raw: str, name: str, year: str, day: str | None = None) -> ParsedDate:
    """A date whose month is a name (``Aug 2023``, ``14 août 2023``, ``August 14, 2023``)."""
    month, lang = _month(name, raw)
    if day is None:
        return _build(raw, _year(year, raw), month, 1, "month", lang)
    return _build(raw, _year(year, raw), month, int(day), "day", lang)


def _numeric_dmy(m: re.Match[str], raw: str) -> ParsedDate:
    """``14/08/2019`` or ``08/14/2019``: the order is read only where the numbers tell it."""
    a, b, year = int(m[1]), int(m[2]), _year(m[3], raw)
    if a > 12 and b <= 12:
        return _build(raw, year, b, a, "day", None)
    if b > 12 and a <= 12:
        return _build(raw, year, a, b, "day", None)
    if a == b and a <= 12:
        return _build(raw, year, a, a, "day", None)
    if a <= 12 and b <= 12:
        return _build(raw, year, 1, 1, "year", None)  # ambiguous day/month order
    raise DateParseError(raw, "impossible date")


#: the accepted shapes, tried in order: (pattern over the folded text, match -> date)
_SHAPES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str], str], ParsedDate]], ...] = (
    (_YEAR, lambda m, raw: _build(raw, _year(m[1], raw), 1, 1, "year", None)),
    (_YEAR_MONTH, lambda m, raw: _build(raw, _year(m[1], raw), int(m[2]), 1, "month", None)),
    (
        _YEAR_MONTH_DAY,
        lambda m, raw: _build(raw, _year(m[1], raw), int(m[2]), int(m[3]), "day", None),
    ),
    (_MONTH_YEAR, lambda m, raw: _build(raw, _year(m[2], raw), int(m[1]), 1, "month", None)),
    (_NAME_YEAR, lambda m, raw: _named(raw, m[1], m[2])),
    (_DAY_NAME_YEAR, lambda m, raw: _named(raw, m[2], m[3], m[1])),
    (_NAME_DAY_YEAR, lambda m, raw: _named(raw, m[1], m[3], m[2])),
    (_NUMERIC_DMY, _numeric_dmy),
)


@lru_cache(maxsize=1 << 17)
def parse_date(text: str | None) -> ParsedDate | None:
    """Parse one profile date; ``None`` for empty / "Present"; :class:`DateParseError` otherwise.

    Accepted: ``2019``, ``2019-08``, ``2019/08``, ``2019-08-14`` (a time part is ignored),
    ``08/2019``, ``Aug 2023``, ``August 2023``, ``août 2023``, ``janv. 2020``, ``14 août 2023``,
    ``August 14, 2023``, ``14/08/2019``. A numeric day/month that could be either way round
    (``03/04/2019``) keeps only the year: we do not guess.
    """
    if text is None:
        return None
    raw = str(text)
    if len(raw) > _LONGEST_DATE:  # no accepted shape is this long; do not fold megabytes
        raise DateParseError(raw[:_LONGEST_DATE] + "...")
    s = _fold(raw)
    if s in _EMPTY or s in _PRESENT:
        return None
    for shape, build in _SHAPES:
        if m := shape.fullmatch(s):
            return build(m, raw)
    raise DateParseError(raw)


def date_from_parts(year: object, month: object = None, day: object = None) -> ParsedDate | None:
    """Date from vendor ``{year, month, day}`` parts; precision follows the parts given.

    Parts may be integers, integral floats or digit strings; anything else (a fraction,
    ``1e10``, infinity, a list, a bool) raises :class:`DateParseError`, never a crash.
    """
    if year in (None, "", 0):
        return None
    raw = f"{_part_text(year)}-{_part_text(month)}-{_part_text(day)}"
    y = _part(year, raw)
    m = _part(month, raw) if month not in (None, "", 0) else None
    d = _part(day, raw) if day not in (None, "", 0) and m else None
    if not MIN_YEAR <= y <= MAX_YEAR:
        raise DateParseError(raw, f"year outside {MIN_YEAR}-{MAX_YEAR}")
    if m is None:
        return _build(raw, y, 1, 1, "year", None)
    if d is None:
        return _build(raw, y, m, 1, "month", None)
    return _build(raw, y, m, d, "day", None)


def _part_text(value: object) -> str:
    """A short printable form of a date part for the error message (never a huge string)."""
    if isinstance(value, str):
        return value[:20]
    if isinstance(value, int) and not -(10**20) < value < 10**20:
        return "<huge number>"  # repr() of a 5000-digit int raises
    return repr(value)[:20]


def _part(value: object, raw: str) -> int:
    """One numeric date part as a small int, else DateParseError (bools and fractions refused)."""
    if isinstance(value, bool):
        raise DateParseError(raw, "non-numeric date part")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():  # nan, inf and fractions
            raise DateParseError(raw, "non-numeric date part")
        number = int(value)
    elif (
        isinstance(value, str)
        and value.strip().isascii()
        and value.strip().isdigit()
        and len(value.strip()) <= 4
    ):
        number = int(value.strip())
    else:
        raise DateParseError(raw, "non-numeric date part")
    if not 0 < number < 10_000:
        raise DateParseError(raw, "date part out of range")
    return number


def parse_dates(texts: list[str | None]) -> tuple[list[date | None], list[str | None]]:
    """Parse many strings at once (values, precisions); raises on the first bad one."""
    values: list[date | None] = []
    precisions: list[str | None] = []
    for t in texts:
        parsed = parse_date(t)
        values.append(parsed.value if parsed else None)
        precisions.append(parsed.precision if parsed else None)
    return values, precisions


# ---- plausibility: range and order -------------------------------------------------------

DATE_RANGE = "date out of range"
DATE_ORDER = "date order"


@dataclass(frozen=True)
class DatePolicy:
    """Which parsed dates are plausible for a profile; the rest are nulled at the door.

    A start, end, issue or completion date must lie in ``earliest .. latest`` (by default
    1950-01-01 .. the reference date + 1 year); an expiry date must lie in ``earliest ..
    MAX_YEAR`` (certifications expire years ahead). A period whose end is before its start
    (the end period's last day before the start's first day, so "2019" does not end before
    "2019-06") keeps its start and has its end nulled. Every nulled date is logged as
    ``field_nulled`` with reason ``date out of range`` or ``date order``; the row stays.
    """

    earliest: date = date(1950, 1, 1)
    latest: date = date(2026, 12, 31)

    @classmethod
    def for_reference(cls, reference_date: date | str, earliest_year: int = 1950) -> DatePolicy:
        """The default policy for a study: ``earliest_year`` .. reference date + 1 year."""
        ref = (
            date.fromisoformat(reference_date)
            if isinstance(reference_date, str)
            else reference_date
        )
        latest = date(ref.year + 1, ref.month, 28 if (ref.month, ref.day) == (2, 29) else ref.day)
        return cls(date(earliest_year, 1, 1), latest)

    def out_of_range(self, parsed: ParsedDate | None, expiry: bool = False) -> str | None:
        """The reason ``parsed`` is implausible, or None (never names the value itself)."""
        if parsed is None:
            return None
        if period_end(parsed) < self.earliest:
            return f"{DATE_RANGE}: before {self.earliest.isoformat()}"
        if not expiry and parsed.value > self.latest:
            return f"{DATE_RANGE}: after {self.latest.isoformat()}"
        return None


def period_end(parsed: ParsedDate) -> date:
    """The last day of the period a parsed date names ("2019" → 2019-12-31)."""
    d = parsed.value
    if parsed.precision == "year":
        return date(d.year, 12, 31)
    if parsed.precision == "month":
        return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])
    return d


def ends_before_start(start: ParsedDate | None, end: ParsedDate | None) -> bool:
    """True when the period ``end`` names is over before ``start`` begins."""
    return start is not None and end is not None and period_end(end) < start.value
