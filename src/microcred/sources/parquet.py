"""Canonical tables as Parquet: read (validated) and write (deterministic).

This is how synthetic cohorts, earlier runs and other systems hand canonical
tables over. ``persons.parquet`` is required; other tables missing → empty.
Columns are cast to the canonical types when the cast is lossless (int64 →
int32, large_string → string, timestamp → date32 at midnight); anything else is
a :class:`SourceError` naming the file and column. Rows are already
pseudonymised, so ``person_id`` is taken as is, by the id rule of
:mod:`microcred.sources.tablekeys` (integers as decimal text), and duplicate
keys and orphans are quarantined row by row.

Accounting: a row is a row of a table file. ``quarantine.parquet`` (an earlier
run's) holds no data: its ``row_dropped`` records are counted as read and
quarantined under the file they name, its ``field_nulled`` records are carried
without counting (their rows are in the other tables).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from microcred import schema
from microcred.pseudonym import Pseudonymizer
from microcred.sources.batch import ROW_DROPPED, FileAccount, Quarantine, SourceBatch, SourceError
from microcred.sources.builder import SORT_KEYS, sort_canonical
from microcred.sources.tablekeys import (
    DUPLICATE_KEY,
    ID_COLUMN,
    ORPHAN,
    UNIQUE_KEY_TABLES,
    adjacent_duplicates,
    canonical_ids,
    mismatch_error,
)

SOURCE = "parquet"
TABLE_SCHEMAS: dict[str, pa.Schema] = {**schema.CANONICAL, "survey": schema.SURVEY}
REQUIRED_TABLES = ("persons",)
MAX_RECORDS = 200_000_000  # rows per table file; a larger file is refused (raise the cap)
MAX_CELL_BYTES = 1 << 16  # one text cell; a longer one is nulled (field_nulled, "cell too large")
CELL_TOO_LARGE = "cell too large"
_ROW = "__input_row"  # the input's 1-based row, carried while the key checks run


def check_record_cap(file: Path, rows: int, max_records: int) -> None:
    """Refuse a table file with more rows than the cap, in one line saying what to do."""
    if rows > max_records:
        raise SourceError(
            f"{file}: {rows} rows, over the record cap of {max_records}; raise max_records "
            "if this is expected"
        )


def cap_cells(
    table: pa.Table, max_bytes: int, file: str, offset: int, q: Quarantine | None
) -> pa.Table:
    """``table`` with text cells over ``max_bytes`` nulled (logged per cell as field_nulled)."""
    for i, field in enumerate(table.schema):
        if not pa.types.is_string(field.type) or field.name == ID_COLUMN:
            continue
        col = table.column(i)
        lengths = pc.binary_length(col)
        longest = pc.max(lengths).as_py()
        if longest is None or longest <= max_bytes:
            continue
        over = pc.fill_null(pc.greater(lengths, max_bytes), False)
        if q is not None:
            for row in pc.indices_nonzero(over).to_pylist():
                q.null_field(
                    file, offset + row + 1, field.name, f"{CELL_TOO_LARGE}: over {max_bytes} bytes"
                )
        table = table.set_column(i, field, pc.if_else(over, pa.nulls(len(col), field.type), col))
    return table


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
        if field.name == ID_COLUMN:
            column = canonical_ids(column, file)
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


def read_parquet_tables(
    path: str | Path,
    *,
    max_records: int = MAX_RECORDS,
    max_cell_bytes: int = MAX_CELL_BYTES,
) -> tuple[dict[str, pa.Table], list[FileAccount]]:
    """Canonical tables from a folder of ``<table>.parquet`` files, validated, plus accounting.

    The quarantine table returned holds this read's records and any carried over from
    ``quarantine.parquet``.
    """
    root = Path(path)
    if not root.is_dir():
        raise SourceError(f"{root}: expected a folder of canonical <table>.parquet files")
    q = Quarantine(SOURCE)
    tables: dict[str, pa.Table] = {}
    accounts: dict[str, FileAccount] = {}
    id_types: dict[str, str] = {}
    carried = schema.empty(schema.QUARANTINE)
    for name, target in TABLE_SCHEMAS.items():
        file = root / f"{name}.parquet"
        if not file.exists():
            if name in REQUIRED_TABLES:
                raise SourceError(f"{file}: missing (a canonical Parquet input needs {name})")
            if name not in ("survey", "quarantine"):
                tables[name] = schema.empty(target)
            continue
        raw = read_whole(file)
        check_record_cap(file, raw.num_rows, max_records)
        if ID_COLUMN in raw.column_names:
            id_types[name] = str(raw.schema.field(ID_COLUMN).type)
        table = conform_checked(raw, target, file.name)
        if name == "quarantine":
            carried = table
            continue
        table = cap_cells(table, max_cell_bytes, file.name, 0, q)
        if name != "survey":  # the input's row numbers, for quarantine records; dropped below
            table = table.append_column(_ROW, pa.array(range(1, table.num_rows + 1), pa.int64()))
        acct = accounts.setdefault(file.name, FileAccount(SOURCE, file.name))
        acct.rows_read += table.num_rows
        if name in UNIQUE_KEY_TABLES:
            table = _drop_duplicates(name, table, acct, q)
        tables[name] = table.sort_by("person_id") if name == "survey" else table
    _drop_orphans(tables, accounts, id_types, q)
    _finish(tables, accounts, carried, q)
    return tables, sorted(accounts.values(), key=lambda a: a.file)


def _finish(
    tables: dict[str, pa.Table],
    accounts: dict[str, FileAccount],
    carried: pa.Table,
    q: Quarantine,
) -> None:
    """Row numbers dropped, tables sorted, rows ingested counted, the quarantine added."""
    for name in schema.CANONICAL:
        if name != "quarantine":
            table = tables[name]
            if _ROW in table.column_names:
                table = table.drop_columns([_ROW])
            tables[name] = sort_canonical(name, table)
    carry_quarantine(carried, accounts)
    for acct in accounts.values():
        acct.rows_ingested = acct.rows_read - acct.rows_quarantined
    tables["quarantine"] = sort_quarantine(pa.concat_tables([carried, q.to_table()]))


def read_whole(file: Path) -> pa.Table:
    try:
        return pq.read_table(file)
    except (OSError, pa.ArrowInvalid) as exc:
        raise SourceError(f"{file}: not a readable Parquet file: {exc}") from exc


def carry_quarantine(carried: pa.Table, accounts: dict[str, FileAccount]) -> None:
    """Count an earlier run's dropped rows as read and quarantined under the files they name."""
    files = carried.column("file").to_pylist()
    actions = carried.column("action").to_pylist()
    for file, action in zip(files, actions, strict=True):
        if action == ROW_DROPPED:
            acct = accounts.setdefault(file, FileAccount(SOURCE, file))
            acct.rows_read += 1
            acct.rows_quarantined += 1


def sort_quarantine(table: pa.Table) -> pa.Table:
    return table.sort_by([("file", "ascending"), ("row", "ascending"), ("field", "ascending")])


def _drop_duplicates(name: str, table: pa.Table, acct: FileAccount, q: Quarantine) -> pa.Table:
    """``table`` without the later rows of a repeated key (rows keep file order)."""
    keys = SORT_KEYS[name]
    if table.num_rows < 2:
        return table
    order = pc.sort_indices(table.select(keys), sort_keys=[(k, "ascending") for k in keys])
    dup_sorted = adjacent_duplicates(table.select(keys).take(order))
    dup_rows = pc.filter(order, dup_sorted)
    if len(dup_rows) == 0:
        return table
    for row in sorted(dup_rows.to_pylist()):
        q.drop(acct, table[_ROW][row].as_py(), "+".join(keys), DUPLICATE_KEY)
    keep = pc.invert(
        pc.is_in(pa.array(range(table.num_rows), pa.uint64()), dup_rows.cast(pa.uint64()))
    )
    return table.filter(keep)


def _drop_orphans(
    tables: dict[str, pa.Table],
    accounts: dict[str, FileAccount],
    id_types: dict[str, str],
    q: Quarantine,
) -> None:
    """Quarantine rows naming no person in ``persons``; refuse a table made only of them."""
    ids = tables["persons"].column(ID_COLUMN)
    for name in schema.CANONICAL:
        if name in ("persons", "quarantine") or tables[name].num_rows == 0:
            continue
        table = tables[name]
        known = pc.fill_null(
            pc.is_in(table.column(ID_COLUMN), value_set=ids.combine_chunks()), False
        )
        orphans = table.num_rows - pc.sum(known).as_py()
        if orphans == 0:
            continue
        if orphans == table.num_rows:
            raise mismatch_error(
                name, orphans, id_types.get("persons", "?"), id_types.get(name, "?")
            )
        acct = accounts[f"{name}.parquet"]
        for row in pc.filter(table[_ROW], pc.invert(known)).to_pylist():
            q.drop(acct, row, ID_COLUMN, ORPHAN)
        tables[name] = table.filter(known)


def read_parquet(
    path: str | Path,
    pseudonymize: Pseudonymizer | None = None,
    *,
    max_records: int = MAX_RECORDS,
    max_cell_bytes: int = MAX_CELL_BYTES,
) -> SourceBatch:
    """A :class:`SourceBatch` from canonical Parquet (``pseudonymize`` unused: ids are final)."""
    tables, accounting = read_parquet_tables(
        path, max_records=max_records, max_cell_bytes=max_cell_bytes
    )
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
