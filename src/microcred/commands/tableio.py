"""The files the ``code`` commands take and give, with command-line errors.

Why a thin layer: reading and writing live in :mod:`microcred.tabular` (the API and
the release use them too); here their errors become one-line usage errors naming the
file and the option, and the options every ``code`` command shares are declared once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import typer

from microcred.tabular import TableFormatError, read_table, write_table

IN_HELP = "CSV/TSV (encoding and delimiter sniffed), XLSX or Parquet file."
OUT_HELP = "Output file; the extension picks the format: .csv, .tsv, .xlsx or .parquet."
DISTINCT_HELP = "Write one row per distinct value (the coder's table) instead of the input rows."
BOM_HELP = "Start a CSV with a UTF-8 byte-order mark, so Excel shows accents right."
SHEET_HELP = "Sheet to read from an XLSX input (default: the first)."


def read_input(path: Path, sheet: str | None = None) -> pa.Table:
    """The input file with every column as nullable strings, or a usage error naming it."""
    try:
        return read_table(path, sheet=sheet)
    except TableFormatError as exc:
        raise typer.BadParameter(str(exc), param_hint="INPUT") from exc


def check_output(out: Path) -> None:
    """Refuse an output extension we cannot write before any coding is done."""
    if out.suffix.lower() not in (".csv", ".tsv", ".xlsx", ".parquet"):
        raise typer.BadParameter(
            f"{out}: use a .csv, .tsv, .xlsx or .parquet file name", param_hint="--out"
        )


def write_output(table: pa.Table, out: Path, bom: bool = False) -> None:
    try:
        write_table(table, out, bom=bom)
    except TableFormatError as exc:
        raise typer.BadParameter(str(exc), param_hint="--out") from exc


def coding_call(path: Path, fn, *args, **kwargs) -> pa.Table:  # noqa: ANN001
    """Run an API coder; a missing column becomes a usage error naming the file and its columns."""
    try:
        return fn(*args, **kwargs)
    except KeyError as exc:
        raise typer.BadParameter(f"{path}: {exc.args[0]}") from exc


def code_file(
    input_path: Path,
    sheet: str | None,
    out: Path,
    bom: bool,
    fn: Callable[..., pa.Table],
    *args: Any,
    **kwargs: Any,
) -> tuple[pa.Table, pa.Table, float]:
    """What every ``code …`` command does: refuse a bad ``--out`` first, read the input,
    code it with the API coder ``fn``, write the result. Returns (input, coded, seconds)."""
    check_output(out)
    table = read_input(input_path, sheet)
    t0 = time.perf_counter()
    coded = coding_call(input_path, fn, table, *args, **kwargs)
    seconds = time.perf_counter() - t0
    write_output(coded, out, bom=bom)
    return table, coded, seconds
