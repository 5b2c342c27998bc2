"""Stage a source's canonical tables as Parquet files: the hand-over to every later stage.

Why: at tens of millions of profiles the canonical tables do not fit in memory beside
everything else a run holds. Every stage after this one reads them from these files
(DuckDB scans them out of core), so nothing keeps them in memory. Canonical Parquet
input is never held whole: a file already canonical (columns, types, key order, no
missing keys, no repeated key, no oversized text cell) is linked as it is after reading
its key, required and text columns; any other is streamed a batch at a time (validated,
cast, sorted if it must be). Repeated keys and orphans are quarantined by the rules of
:mod:`microcred.sources.tablekeys` in the same pass (both sides are sorted by person).
The other readers build their (smaller) tables in memory and write them.
"""

from __future__ import annotations

import inspect
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
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
    persons: Path | None  # the staged persons file to check ids against (None for persons)
    resorted: bool = False  # rows no longer in file order: row numbers unknown
    duplicates: int = 0
    orphans: int = 0


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
        known = files["persons"] if name != "persons" else None
        unique = name in UNIQUE_KEY_TABLES
        t = _Table(name, file, dest, target, SORT_KEYS[name], acct, unique, known)
        read = _stage_table(reader, t, engine, q, max_cell_bytes)
        acct.rows_read += read
        if t.orphans and t.orphans + t.duplicates == read:  # no row names a known person
            raise mismatch_error(
                name, t.orphans, id_types.get("persons", "?"), id_types.get(name, "?")
            )
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
    checks = _KeyChecks(t)
    for table, in_order, _ in _ordered_batches(reader, checked, t):
        if not in_order:
            return False, 0
        if pc.any(checks.drop(table.select(t.keys))[0]).as_py():
            return False, 0  # a repeated key or an orphan: the rewrite drops it
        if cap_cells(table, max_cell_bytes, t.file.name, 0, None) is not table:
            return False, 0  # a cell over the cap: the rewrite nulls it
        rows += table.num_rows
    return True, rows


class _KeyChecks:
    """Repeated keys and orphans in one table's key-sorted batches, in one forward pass."""

    def __init__(self, t: _Table) -> None:
        self.t = t
        self.last: pa.Table | None = None
        self.known = SortedIds(t.persons) if t.persons is not None else None

    def drop(self, keys: pa.Table) -> tuple[pa.Array, list[str]]:
        """(rows to drop, the reason for each of them in order) for the next batch of keys."""
        n = keys.num_rows
        none = pa.array(np.zeros(n, dtype=bool))
        dup = adjacent_duplicates(keys, self.last) if self.t.unique else none
        self.last = keys.slice(n - 1) if n else self.last
        if self.known is None:
            orphan = none
        else:
            orphan = pc.and_(pc.invert(self.known.contains(keys[ID_COLUMN])), pc.invert(dup))
        mask = pc.or_(dup, orphan)
        kinds = pc.filter(dup, mask).to_pylist()
        return mask, [DUPLICATE_KEY if k else ORPHAN for k in kinds]


class SortedIds:
    """Membership in a sorted, unique id column, for ids that come in ascending order.

    Why not a join: both sides are sorted, so a window of persons' ids that moves forward
    with the ids asked about answers each batch with a small hash set, reading persons'
    ids once per table; a hash join would re-read and hash every row of the table.
    """

    def __init__(self, path: Path, batch_rows: int = 1 << 14) -> None:
        self._batches = pq.ParquetFile(path).iter_batches(
            batch_size=batch_rows, columns=[ID_COLUMN]
        )
        self._window = pa.array([], pa.string())
        self._exhausted = False

    def contains(self, ids: pa.ChunkedArray | pa.Array) -> pa.Array:
        """True for each of ``ids`` (ascending, across calls too) found among the ids."""
        ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
        n = len(ids)
        if n == 0:
            return pa.array([], pa.bool_())
        self._advance(ids[0], ids[n - 1])
        return pc.is_in(ids, value_set=self._window)

    def _advance(self, low: pa.Scalar, high: pa.Scalar) -> None:
        """Keep in the window exactly the ids that may be between ``low`` and ``high``."""
        more = [self._window]
        last = self._window[-1] if len(self._window) else None
        while not self._exhausted and (last is None or pc.less_equal(last, high).as_py()):
            batch = next(self._batches, None)
            if batch is None:
                self._exhausted = True
            elif batch.num_rows:
                more.append(batch.column(0).cast(pa.string()))
                last = more[-1][-1]
        window = pa.concat_arrays(more) if len(more) > 1 else self._window
        first = pc.index(pc.greater_equal(window, low), True).as_py()
        self._window = window.slice(first if first >= 0 else len(window))


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

    Repeated keys and orphans met in key order are dropped on the way (their row numbers
    known); when the input had to be sorted, one more pass drops those the sort brought
    together.
    """
    in_order, read = True, 0
    checks = _KeyChecks(t)
    with ParquetSink(t.dest, t.target) as sink:
        for table, ordered, offset in _ordered_batches(reader, t.target, t):
            read += table.num_rows
            table = cap_cells(table, max_cell_bytes, t.file.name, offset, q)
            if ordered:
                mask, reasons = checks.drop(table.select(t.keys))
                rows = [offset + i + 1 for i in pc.indices_nonzero(mask).to_pylist()]
                _quarantine(t, q, rows, reasons)
                table = table.filter(pc.invert(mask)) if rows else table
            sink.write(table)
            in_order = ordered  # the last batch's answer covers every row
    if not in_order:  # rare: canonical files from microcred are written sorted
        engine.sort_parquet(t.dest, t.keys, t.target)
        t.resorted = True
        _filter_staged(t, q)
    return read


def _quarantine(t: _Table, q: Quarantine, rows: list[int | None], reasons: list[str]) -> None:
    for row, reason in zip(rows, reasons, strict=True):
        if reason == DUPLICATE_KEY:
            q.drop(t.acct, row, "+".join(t.keys), reason)
            t.duplicates += 1
        else:
            q.drop(t.acct, row, ID_COLUMN, reason)
            t.orphans += 1


def _filter_staged(t: _Table, q: Quarantine) -> None:
    """Rewrite the (sorted) staged file without repeated keys and orphans, quarantining each.

    Run after a sort, so the rows' input numbers are unknown (null).
    """
    staged = pq.ParquetFile(t.dest)
    tmp = t.dest.with_name(t.dest.name + ".part")
    checks, dropped = _KeyChecks(t), 0
    with ParquetSink(tmp, t.target) as sink:
        for batch in staged.iter_batches(batch_size=BATCH_ROWS):
            table = pa.Table.from_batches([batch]).cast(t.target)
            mask, reasons = checks.drop(table.select(t.keys))
            if reasons:
                _quarantine(t, q, [None] * len(reasons), reasons)
                dropped += len(reasons)
                table = table.filter(pc.invert(mask))
            sink.write(table)
    if dropped:
        tmp.replace(t.dest)  # never writes into a linked input: the name is re-pointed
    else:
        tmp.unlink()
