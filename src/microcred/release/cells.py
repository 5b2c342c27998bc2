"""Text cells that a spreadsheet would run as a formula are defused before a table is written.

Why: a released CSV or XLSX is opened in Excel or LibreOffice, which treat a cell
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula
(CSV injection, OWASP). Only coded values should reach a table, but a label from a
catalogue or a category could still start that way; the cure is the one OWASP
recommends: prefix such text with a single quote, which spreadsheets show as text.
Numbers are never touched (``-0.5`` in a float column stays a number); a text cell
that merely *looks* numeric (``"-5"``) is prefixed too, since a spreadsheet cannot
tell it from a formula operand. Hand-written: no well-kept library does this one rule.
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def is_formula_like(value: object) -> bool:
    """True for a string a spreadsheet would evaluate (or that begins a formula)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise_cell(value: object) -> object:
    """``value`` with a leading quote when it is formula-like text; anything else as is."""
    return QUOTE + value if is_formula_like(value) else value  # type: ignore[operator]


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and column names) cannot start a formula.

    Only object and string columns are looked at; numeric, boolean and date columns
    are returned unchanged, so their bytes in CSV and Parquet do not move.
    """
    out = df.copy()
    for col in out.columns:
        series = out[col]
        if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
            continue
        mask = series.map(is_formula_like).astype(bool)
        if mask.any():
            out[col] = series.where(~mask, series[mask].map(neutralise_cell))
    renamed = {c: neutralise_cell(c) for c in out.columns if is_formula_like(c)}
    return out.rename(columns=renamed) if renamed else out
