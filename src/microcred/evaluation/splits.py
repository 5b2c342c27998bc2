"""Tune / held-out parts of a labelled file (the ``split`` column of the dev sets).

Why: a dev set is tuned on in part and scored once on the rest; ``--split`` picks the
part, so the model cards' two figures come from the same file and the same command.
"""

from __future__ import annotations

import pandas as pd


def select_split(df: pd.DataFrame, split: str | None, where: str) -> pd.DataFrame:
    """The rows whose ``split`` column equals ``split`` (all rows when ``split`` is None)."""
    if split is None:
        return df
    if "split" not in df.columns:
        raise ValueError(f"{where}: --split {split} given but the file has no 'split' column")
    part = df[df["split"].astype(str).str.strip() == split].reset_index(drop=True)
    if part.empty:
        found = sorted(set(df["split"].astype(str)))
        raise ValueError(f"{where}: no row has split {split!r} (found {found})")
    return part
