"""Stage a source's canonical tables as Parquet files: the hand-over to every later stage.

Why: at tens of millions of profiles the canonical tables do not fit in memory beside
everything else a run holds. Every stage after this one reads them from these files
(DuckDB scans them out of core), so nothing keeps them in memory. Canonical Parquet
input is streamed a batch at a time (validated, cast, checked for key order), never
held whole; the other readers build their (smaller) tables in memory and write them.
"""

from __future__ import annotations

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
    kind: str, path: Path, pseudonymizer: Pseudonymizer, out_dir: Path, engine: Any
) -> StagedSource:
    """Read source ``kind`` at ``path`` and write its canonical tables to ``out_dir/<table>.parquet``."""
    if kind == SOURCE:
        return _stage_parquet(Path(path), Path(out_dir), engine)
    batch = read_source(kind, path, pseudonymizer)
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
        if name not in schema.CANONICAL:  # the survey: read again where it is used
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
        n = _stream_table(file, target, SORT_KEYS[name], dest, engine) if file.exists() else 0
        if not file.exists():
            with ParquetSink(dest, target):
                pass
        else:
            accounting.append(FileAccount(SOURCE, file.name, n, n, 0))
        files[name], rows[name] = dest, n
    _write_quarantine(quarantine, out_dir)
    batch = SourceBatch(SOURCE, {"quarantine": quarantine}, accounting)
    batch.check_accounting()
    return StagedSource(SOURCE, files, rows, accounting, quarantine)


def _read_whole(file: Path) -> pa.Table:
    try:
        return pq.read_table(file)
    except (OSError, pa.ArrowInvalid) as exc:
        raise SourceError(f"{file}: not a readable Parquet file: {exc}") from exc


def _stream_table(file: Path, target: pa.Schema, keys: list[str], dest: Path, engine: Any) -> int:
    """Copy ``file`` to ``dest`` conformed to ``target``, a batch at a time; sort if out of key order."""
    try:
        reader = pq.ParquetFile(file)
    except (OSError, pa.ArrowInvalid) as exc:
        raise SourceError(f"{file}: not a readable Parquet file: {exc}") from exc
    present = [f.name for f in target if f.name in reader.schema_arrow.names]
    in_order, last, offset = True, None, 0
    with ParquetSink(dest, target) as sink:
        try:
            batches = reader.iter_batches(batch_size=BATCH_ROWS, columns=present)
            for batch in batches:
                table = conform_checked(pa.Table.from_batches([batch]), target, file.name, offset)
                if in_order:
                    probe = table if last is None else pa.concat_tables([last, table])
                    in_order = is_sorted(probe.select(keys), keys)
                last = table.slice(table.num_rows - 1) if table.num_rows else last
                sink.write(table)
                offset += table.num_rows
        except (OSError, pa.ArrowInvalid) as exc:
            raise SourceError(f"{file}: not a readable Parquet file: {exc}") from exc
    if not in_order:  # rare: canonical files from microcred are written sorted
        engine.sort_parquet(dest, keys, target)
    return offset
