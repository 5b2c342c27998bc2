"""Canonical tables as Parquet: read (validated) and write (deterministic).

This is how synthetic cohorts, earlier runs and other systems hand canonical
tables over. ``persons.parquet`` is required; other tables missing → empty.
Columns are cast to the canonical types when the cast is lossless (int64 →
int32, large_string → string, timestamp → date32 at midnight); anything else is
a :class:`SourceError` naming the file and column. Rows are already
pseudonymised, so ``person_id`` is taken as is.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from microcred import schema
from microcred.pseudonym import Pseudonymizer
from microcred.sources.batch import FileAccount, SourceBatch, SourceError
from microcred.sources.builder import sort_canonical

SOURCE = "parquet"
TABLE_SCHEMAS: dict[str, pa.Schema] = {**schema.CANONICAL, "survey": schema.SURVEY}
REQUIRED_TABLES = ("persons",)


def conform_checked(table: pa.Table, target: pa.Schema, file: str, offset: int = 0) -> pa.Table:
    """``table`` cast to ``target`` where the cast is lossless, else a SourceError naming file, row, column.

    ``offset`` is the row number of the table's first row in ``file`` (input read in batches).
    """
    cols = []
    for field in target:
        if field.name not in table.column_names:
            if not field.nullable:
                raise SourceError(f"{file}: required column {field.name!r} is missing")
            cols.append(pa.nulls(table.num_rows, field.type))
            continue
        column = table[field.name]
        if column.type != field.type:
            try:
                column = column.cast(field.type, safe=True)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise SourceError(
                    f"{file}: column {field.name!r} has type {column.type}, expected {field.type} "
                    f"({exc})"
                ) from None
        if not field.nullable and column.null_count:
            first = offset + int(pc.index(pc.is_null(column), True).as_py())
            raise SourceError(
                f"{file}: row {first + 1}: column {field.name!r} is null "
                f"({column.null_count} null in rows {offset + 1}-{offset + table.num_rows})"
            )
        cols.append(column)
    return pa.Table.from_arrays(cols, schema=target)


def read_parquet_tables(path: str | Path) -> tuple[dict[str, pa.Table], list[FileAccount]]:
    """Canonical tables from a folder of ``<table>.parquet`` files, validated, plus accounting."""
    root = Path(path)
    if not root.is_dir():
        raise SourceError(f"{root}: expected a folder of canonical <table>.parquet files")
    tables: dict[str, pa.Table] = {}
    accounting: list[FileAccount] = []
    for name, target in TABLE_SCHEMAS.items():
        file = root / f"{name}.parquet"
        if not file.exists():
            if name in REQUIRED_TABLES:
                raise SourceError(f"{file}: missing (a canonical Parquet input needs {name})")
            if name != "survey":
                tables[name] = schema.empty(target)
            continue
        try:
            raw = pq.read_table(file)
        except (OSError, pa.ArrowInvalid) as exc:
            raise SourceError(f"{file}: not a readable Parquet file: {exc}") from exc
        table = conform_checked(raw, target, file.name)
        tables[name] = table.sort_by("person_id") if name == "survey" else table
        n = table.num_rows
        accounting.append(FileAccount(SOURCE, file.name, n, n, 0))
    for name in schema.CANONICAL:
        tables[name] = sort_canonical(name, tables[name])
    return tables, accounting


def read_parquet(path: str | Path, pseudonymize: Pseudonymizer | None = None) -> SourceBatch:
    """A :class:`SourceBatch` from canonical Parquet (``pseudonymize`` unused: ids are final)."""
    tables, accounting = read_parquet_tables(path)
    return SourceBatch(SOURCE, tables, accounting)


def write_canonical(
    batch_or_tables: SourceBatch | Mapping[str, pa.Table], out_dir: str | Path
) -> list[Path]:
    """Write each canonical table to ``out_dir/<name>.parquet``; same tables → same bytes.

    Tables are conformed and sorted by their keys first; no timestamps or run-specific
    metadata are written (only the schema and pyarrow's version string).
    """
    tables = batch_or_tables.tables if isinstance(batch_or_tables, SourceBatch) else batch_or_tables
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in sorted(tables):
        if name not in TABLE_SCHEMAS:
            raise ValueError(f"not a canonical table: {name!r}")
        table = schema.conform(tables[name], TABLE_SCHEMAS[name])
        if name == "quarantine":
            table = table.sort_by(
                [("file", "ascending"), ("row", "ascending"), ("field", "ascending")]
            )
        elif name == "survey":
            table = table.sort_by("person_id")
        else:
            table = sort_canonical(name, table)
        target = out / f"{name}.parquet"
        pq.write_table(
            table.replace_schema_metadata(None),
            target,
            compression="zstd",
            write_statistics=True,
        )
        written.append(target)
    return written
