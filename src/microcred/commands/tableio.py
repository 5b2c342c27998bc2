"""Reading and writing the CSV/Parquet files the ``code`` commands take and give.

Why one place: every command reads a user's file the same way: every column as a
nullable string (so codes keep their leading zeros and "NA" stays a word), with a
clear error naming the file and the missing column.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import typer


def read_input(path: Path) -> pa.Table:
    """A CSV or Parquet file with every column as (nullable) strings; empty CSV cells are null."""
    if not path.exists():
        raise typer.BadParameter(f"input file not found: {path}", param_hint="INPUT")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            table = pq.read_table(path)
        elif suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as fh:
                header = next(csv.reader(fh), [])
            opts = pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=True,
                null_values=[""],
                auto_dict_encode=False,
            )
            table = pacsv.read_csv(path, convert_options=opts)
        else:
            raise typer.BadParameter(
                f"{path}: expected a .csv or .parquet file", param_hint="INPUT"
            )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise typer.BadParameter(f"{path}: cannot read ({exc})", param_hint="INPUT") from exc
    return table.cast(pa.schema([pa.field(f.name, pa.string()) for f in table.schema]))


def column(table: pa.Table, name: str | None, path: Path, option: str) -> pa.Array | None:
    """The named column as strings, or a clear error listing the columns there are."""
    if name is None:
        return None
    if name not in table.column_names:
        raise typer.BadParameter(
            f"{path}: no column {name!r} (columns: {', '.join(table.column_names)})",
            param_hint=option,
        )
    return table[name].combine_chunks().cast(pa.string())


def write_output(table: pa.Table, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".parquet":
        pq.write_table(table, out, compression="zstd")
    else:
        pacsv.write_csv(table, out)
