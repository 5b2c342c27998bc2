"""The codebook: every released table and column, what it means, its type, unit,
universe and the suppression rule that applies to it.

Why from the declarations: a column's role (dimension, person count, derived from
counts) is already declared on each ``AnalysisTable`` for disclosure control, so the
suppression rule written here is the one actually applied; only the prose (definition,
unit, universe) lives in ``codebook.yaml``, keyed by column name with per-table
overrides. The same records feed ``tables/codebook.csv``, the README of
``release.xlsx`` and the report's appendix (:func:`codebook_records`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from microcred.analysis.result import AnalysisTable

REGISTRY = Path(__file__).with_name("codebook.yaml")
CODEBOOK_NAME = "codebook"
FIELDS = (
    "table",
    "table_title",
    "section",
    "column",
    "position",
    "role",
    "type",
    "unit",
    "definition",
    "universe",
    "suppression",
)


@lru_cache(maxsize=1)
def _registry() -> dict[str, Any]:
    with REGISTRY.open(encoding="utf-8") as fh:
        registry: dict[str, Any] = yaml.safe_load(fh)
    return registry


def _role(table: AnalysisTable, column: str) -> str:
    if column in table.dims:
        return "dimension"
    if column in table.count_columns:
        return "count"
    if column in table.dependent:
        return "derived"
    if column == "suppressed":
        return "status"
    return "attribute"


def _type(series: pd.Series, role: str) -> str:
    """Released type as a reader sees it: counts are integers even where blanks made them floats."""
    kind = series.dtype.kind
    if role == "count" or kind in "iu":
        return "integer"
    if kind == "f":
        non_null = series.dropna()
        return "integer" if len(non_null) and (non_null % 1 == 0).all() else "decimal"
    if kind == "b":
        return "boolean"
    return "text"


def _suppression(table: AnalysisTable, column: str, role: str, min_cell: int) -> str:
    if role == "count":
        return (
            f"Blank when fewer than {min_cell} people (primary suppression) or when needed to "
            "protect such a cell (complementary suppression); the row's 'suppressed' column names it."
        )
    if role == "derived":
        bases = ", ".join(table.dependent[column])
        return (
            f"Blank whenever {bases} is suppressed, so it cannot be used to work a count back out."
        )
    if role == "dimension":
        return "Never suppressed."
    if role == "status":
        return "Not suppressed: it explains the blanks of its row."
    return "Not suppressed (not a count of people)."


def _describe(table: AnalysisTable, column: str) -> dict[str, str]:
    reg = _registry()
    entry = reg["overrides"].get(f"{table.name}.{column}") or reg["columns"].get(column)
    if entry:
        return {"definition": entry["definition"], "unit": str(entry.get("unit", ""))}
    if column in table.dims:  # e.g. a weighting margin variable named in the configuration
        return {"definition": f"Category of {column.replace('_', ' ')}.", "unit": "category"}
    return {"definition": "", "unit": ""}


def _universe(table: AnalysisTable) -> str:
    universe = _registry()["universe"]
    text: str = universe["tables"].get(table.name) or universe["sections"].get(table.section, "")
    return text


def codebook_records(tables: list[AnalysisTable], min_cell: int) -> list[dict[str, Any]]:
    """One record per (released table, column), in table-name then column order.

    ``min_cell`` is the disclosure threshold of the run (``config.disclosure.min_cell``).
    A column the registry does not describe gets an empty definition (the tests catch it).
    """
    records: list[dict[str, Any]] = []
    for table in sorted(tables, key=lambda t: t.name):
        data = table.data
        for position, column in enumerate(map(str, data.columns), start=1):
            role = _role(table, column)
            records.append(
                {
                    "table": table.name,
                    "table_title": table.title,
                    "section": table.section,
                    "column": column,
                    "position": position,
                    "role": role,
                    "type": _type(data[column], role),
                    **_describe(table, column),
                    "universe": _universe(table),
                    "suppression": _suppression(table, column, role, min_cell),
                }
            )
    return records


def codebook_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(records, columns=list(FIELDS))
