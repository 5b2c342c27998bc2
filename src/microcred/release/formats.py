"""How a released table becomes bytes a person can open: CSV for Excel, counts as integers.

Why here and not in each writer: the table CSVs and the codebook must look alike
(UTF-8 with a BOM so Excel reads "Montréal" right, ``\\n`` line ends, floats in a
stable ``%.10g`` so the same number gives the same bytes on every platform).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FLOAT_FORMAT = "%.10g"  # stable text for floats: same number, same bytes, on every platform


def integer_counts(df: pd.DataFrame, count_columns: list[str]) -> pd.DataFrame:
    """Person counts as nullable integers: "24", blank when suppressed, never "24.0".

    A count column stays decimal only if noise (differential privacy) made it fractional.
    """
    out = df.copy()
    for col in count_columns:
        if col not in out or out[col].dtype.kind != "f":
            continue
        values = out[col].dropna()
        if (values % 1 == 0).all():
            out[col] = out[col].astype("Int64")
    return out


def write_csv_frame(df: pd.DataFrame, path: Path) -> None:
    """A released CSV: UTF-8 with a byte-order mark, ``\\n`` line ends, stable floats, blanks for nulls."""
    df.to_csv(
        path,
        index=False,
        float_format=FLOAT_FORMAT,
        lineterminator="\n",
        na_rep="",
        encoding="utf-8-sig",
    )
