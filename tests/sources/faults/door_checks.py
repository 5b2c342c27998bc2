"""Helpers shared by the fault-injection tests: write an input, read it, check the books."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow as pa

from microcred.sources import SourceBatch
from microcred.sources.batch import FIELD_NULLED, ROW_DROPPED


def write_lines(path: Path, lines: list[str | bytes]) -> Path:
    """A JSONL file of ``lines`` (dicts are dumped; bytes written as they are)."""
    out = b""
    for line in lines:
        if isinstance(line, dict | list):
            line = json.dumps(line)
        out += (line if isinstance(line, bytes) else line.encode()) + b"\n"
    path.write_bytes(out)
    return path


def assert_books_balance(batch: SourceBatch) -> None:
    """read = ingested + quarantined + skipped per file and per source, drops matching records."""
    batch.check_accounting()
    by_source: Counter[str] = Counter()
    for a in batch.accounting:
        assert a.rows_read == a.rows_ingested + a.rows_quarantined + a.rows_skipped, a
        assert min(a.rows_read, a.rows_ingested, a.rows_quarantined, a.rows_skipped) >= 0, a
        by_source[a.source] += a.rows_read - a.rows_ingested - a.rows_quarantined - a.rows_skipped
    assert all(v == 0 for v in by_source.values())
    totals = batch.totals()
    assert totals["rows_read"] == (
        totals["rows_ingested"] + totals["rows_quarantined"] + totals["rows_skipped"]
    )


def quarantine(batch: SourceBatch, action: str | None = None) -> list[dict]:
    rows = batch.table("quarantine").to_pylist()
    return [r for r in rows if action is None or r["action"] == action]


def dropped(batch: SourceBatch) -> list[dict]:
    return quarantine(batch, ROW_DROPPED)


def nulled(batch: SourceBatch) -> list[dict]:
    return quarantine(batch, FIELD_NULLED)


def column(batch: SourceBatch, table: str, name: str) -> list:
    t: pa.Table = batch.table(table)
    return t.column(name).to_pylist()
