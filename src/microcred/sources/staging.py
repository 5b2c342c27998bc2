"""Stage a source's canonical tables as Parquet files: the hand-over to every later stage.

Why: at tens of millions of profiles the canonical tables do not fit in memory beside
everything else a run holds. Every stage after this one reads them from these files
(DuckDB scans them out of core), so nothing keeps them in memory. Canonical Parquet
input is never held whole: a file already canonical (columns, types, key order, no
missing keys) is linked as it is after reading its key columns; any other is streamed
a batch at a time (validated, cast, sorted if it must be). The other readers build
their (smaller) tables in memory and write them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from microcred import schema
from microcred.arrowsort import is_sorted
from microcred.parquetsink import ParquetSink
from microcred.pseudonym import Pseudonymizer
from microcred.sources import read_source
from microcred.sources.batch import FileAccount, SourceBatch, SourceError
from microcred.sources.builder import SORT_KEYS
from microcred.sources.limits import IngestConfig
from microcred.sources.parquet import REQUIRED_TABLES, SOURCE, conform_checked

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
    settings: IngestConfig | None = None,
) -> StagedSource:
    """Read source ``kind`` at ``path`` and write its canonical tables to ``out_dir/<table>.parquet``."""
    if kind == SOURCE:
        return _stage_parquet(Path(path), Path(out_dir), engine)
    batch = read_source(kind, path, pseudonymizer, settings)
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


def _stage_parquet(root: Path, out_dir: Path, engine: Any) -> StagedSource:
    if not root.is_dir():
        raise SourceError(f"{root}: expected a folder of canonical <table>.parquet files")
    files: dict[str, Path] = {}
    rows: dict[str, int] = {}
    accounting: list[FileAccount] = []
    quarantine = schema.empty(schema.QUARANTINE)
    for name, target in schema.CANONICAL.items():
        file = root / f"{name}.parquet"
        if not file.exists() and name in REQUIRED_TABLES:
            raise SourceError(f"{file}: missing (a canonical Parquet input needs {name})")
        if name == "quarantine":
            if file.exists():
                quarantine = conform_checked(_read_whole(file), target, file.name, 0)
                accounting.append(
                    FileAccount(SOURCE, file.name, quarantine.num_rows, quarantine.num_rows, 0)
                )
            rows[name] = quarantine.num_rows
            continue
        dest = out_dir / f"{name}.parquet"
        if file.exists():
            n = _stage_table(file, target, SORT_KEYS[name], dest, engine)
            accounting.append(FileAccount(SOURCE, file.name, n, n, 0))
        else:  # an optional table the input does not have: empty
            n = 0
            with ParquetSink(dest, target):
                pass
        files[name], rows[name] = dest, n
    survey = root / "survey.parquet"
    if survey.exists():  # read and accounted for, as the in-memory reader does; the
        # pipeline takes its survey from --survey, so it is not staged
        n = conform_checked(_read_whole(survey), schema.SURVEY, survey.name).num_rows
        accounting.append(FileAccount(SOURCE, survey.name, n, n, 0))
        rows["survey"] = n
    _write_quarantine(quarantine, out_dir)
    batch = SourceBatch(SOURCE, {"quarantine": quarantine}, accounting)
    batch.check_accounting()
    return StagedSource(SOURCE, files, rows, accounting, quarantine)


def _read_whole(file: Path) -> pa.Table:
    try:
        return pq.read_table(file)
    except (OSError, pa.ArrowInvalid) as exc:
        raise SourceError(f"{file}: not a readable Parquet file: {exc}") from exc


def _stage_table(file: Path, target: pa.Schema, keys: list[str], dest: Path, engine: Any) -> int:
    """Stage one canonical Parquet file at ``dest``; return its rows.

    A file that already has exactly the canonical columns and types, in key order and
    without nulls in required columns, is taken as it is (linked, else copied): only its
    key and required columns are read to check that. Anything else is rewritten.
    """
    reader = _open(file)
    if _is_canonical(reader.schema_arrow, target):
        checked = pa.schema(
            [f for f in target if f.name in keys or not f.nullable]
        )  # what must hold for the file to be used as it is
        in_order, rows = _check(reader, checked, keys, file)
        if in_order:
            _link_or_copy(file, dest)
            return rows
    return _rewrite(reader, file, target, keys, dest, engine)


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
    reader: pq.ParquetFile, target: pa.Schema, keys: list[str], file: Path
) -> Iterator[tuple[pa.Table, bool]]:
    """``file``'s rows conformed to ``target`` (its columns only), a batch at a time, each
    with whether the rows so far are in key order; SourceError on unreadable input."""
    present = [f.name for f in target if f.name in reader.schema_arrow.names]
    last, offset, in_order = None, 0, True
    try:
        for batch in reader.iter_batches(batch_size=BATCH_ROWS, columns=present):
            table = conform_checked(pa.Table.from_batches([batch]), target, file.name, offset)
            if in_order:
                probe = table if last is None else pa.concat_tables([last, table])
                in_order = is_sorted(probe.select(keys), keys)
            last = table.slice(table.num_rows - 1) if table.num_rows else last
            offset += table.num_rows
            yield table, in_order
    except (OSError, pa.ArrowInvalid) as exc:
        raise SourceError(f"{file}: not a readable Parquet file: {exc}") from exc


def _check(
    reader: pq.ParquetFile, checked: pa.Schema, keys: list[str], file: Path
) -> tuple[bool, int]:
    """(in key order?, rows), reading only ``checked``'s columns; nulls where none may be raise."""
    rows = 0
    for table, in_order in _ordered_batches(reader, checked, keys, file):
        if not in_order:
            return False, 0
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
    reader: pq.ParquetFile, file: Path, target: pa.Schema, keys: list[str], dest: Path, engine: Any
) -> int:
    """Copy ``file`` to ``dest`` conformed to ``target``, a batch at a time; sort if out of key order."""
    in_order = True
    with ParquetSink(dest, target) as sink:
        for table, ordered in _ordered_batches(reader, target, keys, file):
            sink.write(table)
            in_order = ordered  # the last batch's answer covers every row
    if not in_order:  # rare: canonical files from microcred are written sorted
        engine.sort_parquet(dest, keys, target)
    return sink.rows
