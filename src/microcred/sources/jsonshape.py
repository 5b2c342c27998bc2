"""Shared pickers for JSON person records (bulk JSONL vendors and JSON Resume).

Vendors name the same thing differently ("company" / "company_name" /
"organization", dates as "2019-08" or ``{"year": 2019, "month": 8}``); these
helpers take the first key present and turn it into a canonical value, raising
:class:`~microcred.dates.DateParseError` for a date they cannot read so the
caller can null the field and quarantine-log it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, cast

from microcred.dates import DateParseError, ParsedDate, date_from_parts, parse_date
from microcred.geo import Location, country_code, normalise_location
from microcred.sources.builder import clean_text


def pick(record: dict[str, Any], keys: Sequence[str]) -> object:
    """The first truthy value under ``keys`` (None / "" / 0 / [] / {} count as absent)."""
    get = record.get
    for key in keys:
        value = get(key)
        if value:
            return value
    return None


def has_any(record: dict[str, Any], keys: Sequence[str]) -> bool:
    return any(key in record for key in keys)


def text(value: object) -> str | None:
    """A label from a string, a number, a ``{"name": ...}`` dict, or the first item of a list."""
    if type(value) is str:
        return clean_text(value)
    if isinstance(value, dict):
        value = pick(value, ("name", "title", "value", "raw"))
    elif isinstance(value, list):
        value = next((v for v in value if v not in (None, "")), None)
        if isinstance(value, dict):
            value = pick(value, ("name", "title", "value", "raw"))
    return clean_text(value)


def json_date(value: object) -> ParsedDate | None:
    """A date from a string, a year number, or a ``{year, month, day}`` dict."""
    kind = type(value)
    if kind is str:
        return parse_date(value)
    if value is None:
        return None
    if kind is int:
        return date_from_parts(value)
    if kind is dict:
        parts = cast(dict[str, object], value)  # type() above, not isinstance: no narrowing
        return date_from_parts(parts.get("year"), parts.get("month"), parts.get("day"))
    raise DateParseError(repr(value)[:60], "not a date")


def resolve_location(place: object, country_hint: object = None) -> Location:
    if type(place) is str and country_hint is None:
        return _string_location(place)
    return _resolve_location(place, country_hint)


@lru_cache(maxsize=1 << 16)
def _string_location(place: str) -> Location:
    return _resolve_location(place, None)


def _resolve_location(place: object, country_hint: object = None) -> Location:
    """(country, province) from a location string or dict plus an optional explicit country.

    An explicit country (name or ISO code) wins over one read from the place string; a
    province is kept only when the result is Canada.
    """
    parts: list[str] = []
    if isinstance(place, str):
        parts.append(place)
    elif isinstance(place, dict):
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
