"""Shared pickers for JSON person records (bulk JSONL vendors and JSON Resume).

Vendors name the same thing differently ("company" / "company_name" /
"organization", dates as "2019-08" or ``{"year": 2019, "month": 8}``); these
helpers take the first key present and turn it into a canonical value, raising
:class:`~microcred.dates.DateParseError` for a date they cannot read so the
caller can null the field and quarantine-log it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from microcred.dates import DateParseError, ParsedDate, date_from_parts, parse_date
from microcred.geo import Location, country_code, normalise_location
from microcred.sources.builder import clean_text

_MISSING = object()


def pick(record: Mapping, keys: Sequence[str]) -> object:
    """The first value under ``keys`` that is not None / "" / [] / {} (else None)."""
    for key in keys:
        value = record.get(key, _MISSING)
        if value is _MISSING or value is None or value == "" or value == [] or value == {}:
            continue
        return value
    return None


def has_any(record: Mapping, keys: Sequence[str]) -> bool:
    return any(key in record for key in keys)


def text(value: object) -> str | None:
    """A label from a string, a number, a ``{"name": ...}`` dict, or the first item of a list."""
    if isinstance(value, Mapping):
        value = pick(value, ("name", "title", "value", "raw"))
    elif isinstance(value, list):
        value = next((v for v in value if v not in (None, "")), None)
        if isinstance(value, Mapping):
            value = pick(value, ("name", "title", "value", "raw"))
    return clean_text(value)


def json_date(value: object) -> ParsedDate | None:
    """A date from a string, a year number, or a ``{year, month, day}`` dict."""
    if value is None:
        return None
    if isinstance(value, str):
        return parse_date(value)
    if isinstance(value, bool):
        raise DateParseError(repr(value), "not a date")
    if isinstance(value, int):
        return date_from_parts(value)
    if isinstance(value, Mapping):
        return date_from_parts(value.get("year"), value.get("month"), value.get("day"))
    raise DateParseError(repr(value)[:60], "not a date")


def resolve_location(place: object, country_hint: object = None) -> Location:
    """(country, province) from a location string or dict plus an optional explicit country.

    An explicit country (name or ISO code) wins over one read from the place string; a
    province is kept only when the result is Canada.
    """
    parts: list[str] = []
    if isinstance(place, str):
        parts.append(place)
    elif isinstance(place, Mapping):
        for key in ("city", "locality", "region", "state", "province", "name", "raw"):
            value = place.get(key)
            if isinstance(value, str) and value.strip():
                parts.append(value)
        if country_hint is None:
            country_hint = pick(
                place, ("country_code", "countryCode", "country", "country_name", "countryName")
            )
    explicit = country_code(str(country_hint)) if isinstance(country_hint, str) else None
    parsed = normalise_location(", ".join(parts)) if parts else Location(None, None)
    country = explicit or parsed.country
    if country == "CA" and parsed.country in ("CA", None):
        province = parsed.province
        if province is None and len(parts) > 1:
            # "Toronto" + "ON" given separately: try each part on its own.
            for part in parts:
                province = normalise_location(part).province or province
        return Location("CA", province)
    return Location(country, None)


def dicts(value: object) -> list[tuple[int, object]]:
    """(index, item) for a list value; a non-list gives []. Items may be non-dicts (caller checks)."""
    return list(enumerate(value)) if isinstance(value, list) else []
