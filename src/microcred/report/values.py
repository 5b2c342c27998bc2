"""Plain-Python views of table values shared by charts and HTML tables.

pandas and numpy scalars are turned into JSON-ready Python values once, here, so
the embedded chart data and the printed tables agree and serialise the same way
on every run.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

# Tokens written in capitals in column labels.
_ACRONYMS = {"ci", "noc", "smd", "se", "dp", "id", "or", "ci95", "url", "usd", "cad"}


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pandas NA: what release leaves in a suppressed cell."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def plain(value: Any) -> Any:
    """A JSON-ready Python scalar (None for missing values)."""
    if is_missing(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def json_records(data: pd.DataFrame, columns: Iterable[str]) -> list[dict[str, Any]]:
    """Rows as dicts over ``columns``, in table order."""
    cols = list(columns)
    return [
        {col: plain(value) for col, value in zip(cols, row, strict=True)}
        for row in data[cols].itertuples(index=False, name=None)
    ]


def ordered_unique(values: Iterable[Any]) -> list[Any]:
    """Distinct non-missing values in order of first appearance (the analysis' own order)."""
    seen: dict[Any, None] = {}
    for value in values:
        v = plain(value)
        if v is not None:
            seen.setdefault(v, None)
    return list(seen)


def column_label(name: str) -> str:
    """A readable header from a snake_case column name: ``ci_lower`` → ``CI lower``."""
    words = [w for w in re.split(r"[_\s]+", name) if w]
    if not words:
        return name
    out = [w.upper() if w.lower() in _ACRONYMS else w for w in words]
    if out[0] == words[0]:
        out[0] = out[0][:1].upper() + out[0][1:]
    return " ".join(out)
