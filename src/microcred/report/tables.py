"""HTML-ready views of tables: formatted cells, row headers, suppression marks.

The template only loops over these views; every formatting decision (number
formats, the "x" for a suppressed cell, which cells are row headers) is made
here, where it can be tested without rendering a page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from microcred.analysis.result import AnalysisTable
from microcred.report.labels import column_label, ordered_frame, value_label
from microcred.report.values import is_missing, plain

SUPPRESSED_MARK = "x"
# Release's column listing a row's suppressed columns ("holders;share"): shown as labels.
LISTED_COLUMNS = "suppressed"
# d3 formats that mean the same in Python's format mini-language (after dropping "~").
_PORTABLE_FORMAT = re.compile(r"^[+\-]?,?(\.\d+)?[efg%d]?$")


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool = False
    suppressed: bool = False
    header: bool = False  # a row header (<th scope="row">)


@dataclass(frozen=True)
class TableView:
    columns: list[str]
    rows: list[list[Cell]]
    has_suppressed: bool
    numeric_columns: list[bool]
    footer: list[list[Cell]] = field(default_factory=list)  # e.g. a total row (<tfoot>)


def format_number(value: float | int, d3_format: str | None = None, *, count: bool = False) -> str:
    """A readable number: the chart's d3 format when Python can honour it, else by magnitude."""
    if count:
        return f"{value:,.0f}"
    if d3_format:
        spec = d3_format.replace("~", "")
        if _PORTABLE_FORMAT.match(spec):
            if spec.endswith("d"):
                return format(round(value), spec)
            try:
                return format(value, spec)
            except ValueError:
                pass
    if isinstance(value, int) or float(value).is_integer():
        return f"{value:,.0f}"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 1:
        return f"{value:,.2f}"
    return f"{value:.3g}"


def column_decimals(values: pd.Series) -> int | None:
    """Decimals that suit a whole float column, so its numbers line up; None if not a float column.

    Whole numbers get none; otherwise the largest magnitude decides (0.7 and 0.82 print
    as 0.70 and 0.82, not 0.7 and 0.82).
    """
    if not pd.api.types.is_float_dtype(values):
        return None
    finite = pd.to_numeric(values, errors="coerce").dropna()
    finite = finite[finite.map(math.isfinite)].abs()
    if finite.empty or bool((finite % 1 == 0).all()):
        return 0
    largest = float(finite.max())
    for bound, decimals in ((1000, 0), (100, 1), (1, 2), (0.1, 3)):
        if largest >= bound:
            return decimals
    return 4


def fixed_decimals(value: float, decimals: int) -> str:
    """``value`` with ``decimals`` decimals; a non-zero value that would print as 0 says "<0.001"."""
    text = f"{value:,.{decimals}f}"
    if value != 0 and float(text.replace(",", "")) == 0:
        unit = f"{10**-decimals:.{decimals}f}"
        return f"<{unit}" if value > 0 else f">-{unit}"
    return text


def format_value(
    value: Any, d3_format: str | None = None, *, count: bool = False, decimals: int | None = None
) -> Cell:
    """One table cell; a missing value is a suppressed cell shown as "x"."""
    v = plain(value)
    if v is None:
        return Cell(SUPPRESSED_MARK, numeric=True, suppressed=True)
    if isinstance(v, bool):
        return Cell("yes" if v else "no")
    if isinstance(v, int | float):
        if isinstance(v, float) and not math.isfinite(v):
            return Cell(SUPPRESSED_MARK, numeric=True, suppressed=True)
        if decimals is not None and not count and not d3_format:
            return Cell(fixed_decimals(float(v), decimals), numeric=True)
        return Cell(format_number(v, d3_format, count=count), numeric=True)
    return Cell(str(v))


def analysis_table_view(
    table: AnalysisTable, orders: Mapping[str, Sequence[Any]] | None = None
) -> TableView:
    """The released table as printed under its chart: dims become row headers.

    Rows follow the categories' reading order (``orders``, see
    :mod:`microcred.report.labels`) and dims show their human labels.
    """
    chart = table.chart
    panel = chart.column if chart else None
    data = ordered_frame(
        table.data, [c for c in table.dims if c in table.data.columns], orders, panel=panel
    )
    formats: dict[str, str] = {}
    if chart and chart.y_format:
        value_cols = [chart.y, chart.lower, chart.upper]
        if chart.kind == "heat":
            value_cols = [chart.color]
        formats = {c: chart.y_format for c in value_cols if c}
    dims = [c for c in table.dims if c in data.columns]
    columns = dims + [c for c in data.columns if c not in dims]
    counts = set(table.count_columns)
    decimals = {c: column_decimals(data[c]) for c in columns if c not in dims}
    rows: list[list[Cell]] = []
    for record in data[columns].itertuples(index=False, name=None):
        row = []
        for col, value in zip(columns, record, strict=True):
            if col in dims:
                text = "—" if is_missing(value) else str(value_label(plain(value)))
                row.append(Cell(text, header=True))
            elif col == LISTED_COLUMNS and isinstance(value, str):
                names = [n for n in value.split(";") if n]
                row.append(Cell("; ".join(column_label(n) for n in names)))
            else:
                row.append(
                    format_value(
                        value, formats.get(col), count=col in counts, decimals=decimals[col]
                    )
                )
        rows.append(row)
    return _view(columns, rows, data)


def records_view(
    records: Sequence[Mapping[str, Any]],
    *,
    first: Iterable[str] = (),
    row_header: str | None = None,
    count_columns: Iterable[str] = (),
    formats: Mapping[str, str] | None = None,
) -> TableView:
    """A list of dicts (run facts, not released cells) as a table.

    ``first`` columns come in that order, any other keys sorted; a missing value prints "—".
    """
    leading = [c for c in first if any(c in r for r in records)]
    others = sorted({k for r in records for k in r} - set(leading))
    columns = leading + others
    counts = set(count_columns)
    formats = formats or {}
    rows = []
    for record in records:
        row = []
        for col in columns:
            value = record.get(col)
            if col == row_header:
                row.append(Cell("—" if is_missing(value) else str(plain(value)), header=True))
            elif is_missing(value):
                # Run facts, not released cells: a gap here is "not recorded", never "x".
                row.append(Cell("—", numeric=col in counts))
            else:
                row.append(format_value(value, formats.get(col), count=col in counts))
        rows.append(row)
    return _view(columns, rows, pd.DataFrame.from_records(list(records), columns=columns))


def _view(columns: list[str], rows: list[list[Cell]], data: pd.DataFrame) -> TableView:
    numeric = [
        pd.api.types.is_numeric_dtype(data[c]) and not pd.api.types.is_bool_dtype(data[c])
        for c in columns
    ]
    return TableView(
        columns=[column_label(c) for c in columns],
        rows=rows,
        has_suppressed=any(cell.suppressed for row in rows for cell in row),
        numeric_columns=numeric,
    )


def describe_value(value: Any) -> str:
    """A setting's value in words: lists joined, mappings as ``key: value`` in key order."""
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {describe_value(value[k])}" for k in sorted(value, key=str))
    if isinstance(value, list | tuple):
        return ", ".join(describe_value(v) for v in value)
    v = plain(value)
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return str(v)  # seeds, cell sizes, years: no thousands separators
    if isinstance(v, float):
        return format_number(v)
    return str(v)


def settings(mapping: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(label, value) pairs of a settings dict, sorted by key so dict order never matters."""
    if not mapping:
        return []
    return [(column_label(str(k)), describe_value(mapping[k])) for k in sorted(mapping, key=str)]
