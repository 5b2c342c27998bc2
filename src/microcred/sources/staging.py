"""Stage a source's canonical tables as Parquet files: the hand-over to every later stage.

Why: at tens of millions of profiles the canonical tables do not fit in memory beside
everything else a run holds. Every stage after this one reads them from these files
(DuckDB scans them out of core), so nothing keeps them in memory. Canonical Parquet
input is never held whole: a file already canonical (columns, types, key order, no
missing keys, no repeated key, no oversized text cell) is linked as it is after reading
its key, required and text columns; any other is streamed a batch at a time (validated,
cast, sorted if it must be). Repeated keys and orphans are then quarantined by the rules
of :mod:`microcred.sources.tablekeys` (the orphan check is one anti-join per table in the
engine). The other readers build their (smaller) tables in memory and write them.
"""

from __future__ import annotations

import bisect
import inspect
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from microcred import schema
from microcred.arrowsort import is_sorted
from microcred.parquetsink import ParquetSink
from microcred.pseudonym import Pseudonymizer
from microcred.sources import read_source
from microcred.sources.batch import FileAccount, Quarantine, SourceBatch, SourceError
from microcred.sources.builder import SORT_KEYS
from microcred.sources.parquet import (
    MAX_CELL_BYTES,
    MAX_RECORDS,
    REQUIRED_TABLES,
    SOURCE,
    cap_cells,
    carry_quarantine,
    check_record_cap,
    conform_checked,
    read_whole,
    sort_quarantine,
)
from microcred.sources.tablekeys import (
    DUPLICATE_KEY,
    ID_COLUMN,
    ORPHAN,
    UNIQUE_KEY_TABLES,
    adjacent_duplicates,
    mismatch_error,
)

BATCH_ROWS = 1 << 18  # rows read at a time from canonical Parquet input


@dataclass
class StagedSource:
    """Where a source's canonical tables now are, with the account of every input row."""

    source: str
    files: dict[str, Path]  # every table of schema.CANONICAL except quarantine
    rows: dict[str, int]  # rows per canonical table, quarantine included
    accounting: list[FileAccount]
    quarantine: pa.Table

    def batch_view(self) -> SourceBatch:
        """Accounting and quarantine as a :class:`SourceBatch` (the tables themselves stay on disk)."""
        return SourceBatch(self.source, {"quarantine": self.quarantine}, self.accounting)


def stage_source(
    kind: str,
    path: Path,
    pseudonymizer: Pseudonymizer,
    out_dir: Path,
    engine: Any,
    **options: Any,
) -> StagedSource:
    """Read source ``kind`` at ``path`` and write its canonical tables to ``out_dir/<table>.parquet``.

    ``options`` are the reader's keyword arguments (caps, date policy), passed through.
    """
    if kind == SOURCE:
        accepted = inspect.signature(_stage_parquet).parameters
        given = {k: v for k, v in options.items() if k in accepted and v is not None}
        return _stage_parquet(Path(path), Path(out_dir), engine, **given)
    batch = read_source(kind, path, pseudonymizer, **options)
    files, rows = {}, {}
    for name, target in schema.CANONICAL.items():
        table = batch.table(name)
        rows[name] = table.num_rows
        if name == "quarantine":
            continue
        files[name] = Path(out_dir) / f"{name}.parquet"
        with ParquetSink(files[name], target) as sink:
            sink.write(schema.conform(table, target))
    for name, table in batch.tables.items():
        if (
            name not in schema.CANONICAL
        ):  # the survey: counted, not staged (the pipeline reads --survey)
            rows[name] = table.num_rows
    quarantine = batch.table("quarantine")
    _write_quarantine(quarantine, Path(out_dir))
    return StagedSource(kind, files, rows, batch.accounting, quarantine)


def _write_quarantine(quarantine: pa.Table, out_dir: Path) -> None:
    with ParquetSink(out_dir / "quarantine.parquet", schema.QUARANTINE) as sink:
        sink.write(quarantine)


@dataclass
class _Table:
    """One input table being staged: where it goes, its account, and what was found."""

    name: str
    file: Path
    dest: Path
    target: pa.Schema
    keys: list[str]
    acct: FileAccount
    unique: bool
    resorted: bool = False  # rows no longer in file order: row numbers unknown
    dropped_rows: list[int] = field(default_factory=list)  # input rows dropped so far, sorted

    def input_row(self, staged_row: int) -> int | None:
        """The input's 1-based row for the staged file's 1-based row (None after a sort)."""
        if self.resorted:
            return None
        row = staged_row
        while True:  # the staged row is the input row less the dropped rows before it
            shifted = staged_row + bisect.bisect_right(self.dropped_rows, row)
            if shifted == row:
                return row
            row = shifted


def _stage_parquet(
    root: Path,
    out_dir: Path,
    engine: Any,
    *,
    max_records: int = MAX_RECORDS,
    max_cell_bytes: int = MAX_CELL_BYTES,
    dates: Any = None,  # accepted for a uniform call; canonical dates are not re-checked
) -> StagedSource:
    if not root.is_dir():
        raise SourceError(f"{root}: expected a folder of canonical <table>.parquet files")
    files: dict[str, Path] = {}
    rows: dict[str, int] = {}
    accounts: dict[str, FileAccount] = {}
    id_types: dict[str, str] = {}
    q = Quarantine(SOURCE)
    carried = schema.empty(schema.QUARANTINE)
    staged: list[_Table] = []
    for name, target in schema.CANONICAL.items():
        file = root / f"{name}.parquet"
        if not file.exists() and name in REQUIRED_TABLES:
            raise SourceError(f"{file}: missing (a canonical Parquet input needs {name})")
        if name == "quarantine":
            if file.exists():
                carried = conform_checked(read_whole(file), target, file.name, 0)
            continue
        dest = out_dir / f"{name}.parquet"
        files[name] = dest
        if not file.exists():  # an optional table the input does not have: empty
            with ParquetSink(dest, target):
                pass
            continue
        reader = _open(file)
        check_record_cap(file, reader.metadata.num_rows, max_records)
        if ID_COLUMN in reader.schema_arrow.names:
            id_types[name] = str(reader.schema_arrow.field(ID_COLUMN).type)
        acct = accounts.setdefault(file.name, FileAccount(SOURCE, file.name))
        t = _Table(name, file, dest, target, SORT_KEYS[name], acct, name in UNIQUE_KEY_TABLES)
        acct.rows_read += _stage_table(reader, t, engine, q, max_cell_bytes)
        staged.append(t)
    _quarantine_orphans(staged, id_types, q, engine)
    for name, dest in files.items():
        rows[name] = pq.ParquetFile(dest).metadata.num_rows
    survey = root / "survey.parquet"
    if survey.exists():  # read and accounted for, as the in-memory reader does; the
        # pipeline takes its survey from --survey, so it is not staged
        n = conform_checked(read_whole(survey), schema.SURVEY, survey.name).num_rows
        accounts[survey.name] = FileAccount(SOURCE, survey.name, n, n, 0)
        rows["survey"] = n
    carry_quarantine(carried, accounts)
    for acct in accounts.values():
        acct.rows_ingested = acct.rows_read - acct.rows_quarantined
    quarantine = sort_quarantine(pa.concat_tables([carried, q.to_table()]))
    rows["quarantine"] = quarantine.num_rows
    _write_quarantine(quarantine, out_dir)
    accounting = sorted(accounts.values(), key=lambda a: a.file)
    batch = SourceBatch(SOURCE, {"quarantine": quarantine}, accounting)
    batch.check_accounting()
    return StagedSource(SOURCE, files, rows, accounting, quarantine)


def _stage_table(
    reader: pq.ParquetFile, t: _Table, engine: Any, q: Quarantine, max_cell_bytes: int
) -> int:
    """Stage one canonical Parquet file at ``t.dest``; return the rows read from it.

    A file that already has exactly the canonical columns and types, in key order, without
    nulls in required columns, repeated keys or oversized text cells, is taken as it is
    (linked, else copied): only its key, required and text columns are read to check that.
    Anything else is rewritten, dropping repeated keys and nulling oversized cells.
    """
    if _is_canonical(reader.schema_arrow, t.target):
        checked = pa.schema(
            [
                f
                for f in t.target
                if f.name in t.keys or not f.nullable or pa.types.is_string(f.type)
            ]
        )  # what must hold for the file to be used as it is
        usable, rows = _check(reader, checked, t, max_cell_bytes)
        if usable:
            _link_or_copy(t.file, t.dest)
            return rows
    return _rewrite(reader, t, engine, q, max_cell_bytes)


def _open(file: Path) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(file)
    except (OSError, pa.ArrowInvalid) as exc:
        raise SourceError(f"{file}: not a readable Parquet file: {exc}") from exc


def _is_canonical(found: pa.Schema, target: pa.Schema) -> bool:
    """Same column names in the same order, same types (no extra column can slip through)."""
    return found.names == target.names and all(
        found.field(n).type == target.field(n).type for n in target.names
    )


def _ordered_batches(
    reader: pq.ParquetFile, target: pa.Schema, t: _Table
) -> Iterator[tuple[pa.Table, bool, int]]:
    """``t.file``'s rows conformed to ``target`` (its columns only), a batch at a time, each
    with whether the rows so far are in key order and the batch's first row number (0-based);
    SourceError on unreadable input."""
    present = [f.name for f in target if f.name in reader.schema_arrow.names]
    last, offset, in_order = None, 0, True
    try:
        for batch in reader.iter_batches(batch_size=BATCH_ROWS, columns=present):
            table = conform_checked(pa.Table.from_batches([batch]), target, t.file.name, offset)
            if in_order:
                probe = table if last is None else pa.concat_tables([last, table])
                in_order = is_sorted(probe.select(t.keys), t.keys)
            yield table, in_order, offset
            last = table.slice(table.num_rows - 1) if table.num_rows else last
            offset += table.num_rows
    except (OSError, pa.ArrowInvalid) as exc:
        raise SourceError(f"{t.file}: not a readable Parquet file: {exc}") from exc


def _check(
    reader: pq.ParquetFile, checked: pa.Schema, t: _Table, max_cell_bytes: int
) -> tuple[bool, int]:
    """(usable as it is?, rows), reading only ``checked``'s columns; nulls where none may be raise."""
    rows = 0
    last = None
    for table, in_order, _ in _ordered_batches(reader, checked, t):
        if not in_order:
            return False, 0
        keys = table.select(t.keys)
        if t.unique and pc.any(adjacent_duplicates(keys, last)).as_py():
            return False, 0
        if cap_cells(table, max_cell_bytes, t.file.name, 0, None) is not table:
            return False, 0  # a cell over the cap: the rewrite nulls it
        last = keys.slice(keys.num_rows - 1) if keys.num_rows else last
        rows += table.num_rows
    return True, rows


def _link_or_copy(file: Path, dest: Path) -> None:
    """``dest`` becomes ``file``'s content: a hard link when on one file system, else a copy.

    Later stages never write into a staged file (they replace it), so the input is safe.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.unlink(missing_ok=True)
    try:
        os.link(file, dest)
    except OSError:
        shutil.copyfile(file, dest)


def _rewrite(
    reader: pq.ParquetFile, t: _Table, engine: Any, q: Quarantine, max_cell_bytes: int
) -> int:
    """Copy ``t.file`` to ``t.dest`` conformed, a batch at a time; sort if out of key order.

    Repeated keys met in key order are dropped on the way (their row numbers known);
    when the input had to be sorted, one more pass drops those the sort brought together.
    """
    in_order, read, last = True, 0, None
    with ParquetSink(t.dest, t.target) as sink:
        for table, ordered, offset in _ordered_batches(reader, t.target, t):
            read += table.num_rows
            table = cap_cells(table, max_cell_bytes, t.file.name, offset, q)
            if ordered and t.unique:
                keys = table.select(t.keys)
                dup = adjacent_duplicates(keys, last)
                last = keys.slice(keys.num_rows - 1) if keys.num_rows else last
                if pc.any(dup).as_py():
                    for i in pc.indices_nonzero(dup).to_pylist():
                        q.drop(t.acct, offset + i + 1, "+".join(t.keys), DUPLICATE_KEY)
                        t.dropped_rows.append(offset + i + 1)
                    table = table.filter(pc.invert(dup))
            sink.write(table)
            in_order = ordered  # the last batch's answer covers every row
    if not in_order:  # rare: canonical files from microcred are written sorted
        engine.sort_parquet(t.dest, t.keys, t.target)
        t.resorted = True
        if t.unique:
            _filter_staged(t, q, "+".join(t.keys), DUPLICATE_KEY, adjacent_duplicates)
    return read


# (key columns of a batch, last key row of the batch before or None) -> rows to drop
RowMask = Callable[[pa.Table, pa.Table | None], pa.Array]


def _filter_staged(t: _Table, q: Quarantine, fld: str, reason: str, drop: RowMask) -> None:
    """Rewrite the staged file without the rows ``drop`` marks, quarantining each.

    Row numbers are the input's when the rows kept file order, else unknown (null).
    """
    staged = pq.ParquetFile(t.dest)
    tmp = t.dest.with_name(t.dest.name + ".part")
    offset, last, dropped = 0, None, 0
    with ParquetSink(tmp, t.target) as sink:
        for batch in staged.iter_batches(batch_size=BATCH_ROWS):
            table = pa.Table.from_batches([batch]).cast(t.target)
            keys = table.select(t.keys)
            mask = drop(keys, last)
            last = keys.slice(keys.num_rows - 1) if keys.num_rows else last
            if pc.any(mask).as_py():
                rows = [t.input_row(offset + i + 1) for i in pc.indices_nonzero(mask).to_pylist()]
                for row in rows:
                    q.drop(t.acct, row, fld, reason)
                dropped += len(rows)
                table = table.filter(pc.invert(mask))
            sink.write(table)
            offset += batch.num_rows
    if dropped:
        tmp.replace(t.dest)  # never writes into a linked input: the name is re-pointed
    else:
        tmp.unlink()


def _quarantine_orphans(
    staged: list[_Table], id_types: dict[str, str], q: Quarantine, engine: Any
) -> None:
    """Quarantine rows whose person is not in persons; refuse a table made only of them.

    One anti-join per table in the engine finds the orphan ids (usually none, and then
    nothing is rewritten); only a table with orphans is streamed again to drop them.
    """
    persons = next((t for t in staged if t.name == "persons"), None)
    if persons is None:
        return
    known = engine.table(persons.dest).select(ID_COLUMN)
    for t in staged:
        if t.name == "persons":
            continue
        total = pq.ParquetFile(t.dest).metadata.num_rows
        if total == 0:
            continue
        table = engine.table(t.dest)
        missing = table.anti_join(known, ID_COLUMN).select(ID_COLUMN)
        counted = engine.to_arrow(missing.aggregate(n=missing[ID_COLUMN].count()))
        orphans = int(counted.column("n")[0].as_py() or 0)
        if orphans == 0:
            continue
        if orphans == total:
            raise mismatch_error(
                t.name, orphans, id_types.get("persons", "?"), id_types.get(t.name, "?")
            )
        ids = engine.to_arrow(missing.distinct()).column(ID_COLUMN).combine_chunks()

        def orphan(keys: pa.Table, last: pa.Table | None, ids: pa.Array = ids) -> pa.Array:
            return pc.fill_null(pc.is_in(keys[ID_COLUMN], value_set=ids), False)

        _filter_staged(t, q, ID_COLUMN, ORPHAN, orphan)
