"""SourceBatch accounting checks and read_source dispatch."""

from __future__ import annotations

from pathlib import Path

import pytest

from microcred import schema
from microcred.pseudonym import Pseudonymizer
from microcred.sources import (
    SOURCE_KINDS,
    AccountingError,
    FileAccount,
    Quarantine,
    SourceBatch,
    read_source,
)


def _batch(accounts: list[FileAccount], quarantine: Quarantine) -> SourceBatch:
    tables = {name: schema.empty(s) for name, s in schema.CANONICAL.items()}
    tables["quarantine"] = quarantine.to_table()
    return SourceBatch("test", tables, accounts)


def test_balanced_accounting_passes() -> None:
    q = Quarantine("test")
    a = FileAccount("test", "a.csv", rows_read=3, rows_ingested=2)
    q.drop(a, 2, "Started On", "unrecognised date: 'x'")
    q.null_field("a.csv", 3, "Url", "not a URL")
    batch = _batch([a], q)
    batch.check_accounting()
    assert batch.totals() == {
        "files": 1,
        "rows_read": 3,
        "rows_ingested": 2,
        "rows_quarantined": 1,
        "rows_skipped": 0,
    }
    assert batch.accounting_table().column("rows_quarantined").to_pylist() == [1]


def test_lost_rows_are_caught() -> None:
    q = Quarantine("test")
    lost = FileAccount("test", "a.csv", rows_read=3, rows_ingested=2)  # one row vanished
    with pytest.raises(AccountingError, match="a.csv: read 3"):
        _batch([lost], q).check_accounting()


def test_a_drop_without_a_reason_record_is_caught() -> None:
    q = Quarantine("test")
    silent = FileAccount("test", "b.csv", rows_read=2, rows_ingested=1, rows_quarantined=1)
    with pytest.raises(AccountingError, match="0 row_dropped records"):
        _batch([silent], q).check_accounting()


def test_empty_table_for_missing_names() -> None:
    batch = _batch([], Quarantine("test"))
    assert batch.table("survey").schema == schema.SURVEY


def test_dispatch(tmp_path: Path) -> None:
    assert SOURCE_KINDS == ("linkedin-export", "jsonl", "jsonresume", "stackoverflow", "parquet")
    with pytest.raises(ValueError, match="unknown source kind 'csv'"):
        read_source("csv", tmp_path, Pseudonymizer(b"0123456789abcdef0123"))


def test_skipped_rows_balance_the_account():
    a = FileAccount("linkedin-export", "a/Invitations.csv", rows_read=4)
    a.skip(4, "file not used by the study")
    batch = _batch([a], Quarantine("linkedin-export"))
    batch.check_accounting()
    assert batch.totals()["rows_skipped"] == 4
    a.rows_read = 5  # one row unaccounted for
    with pytest.raises(AccountingError, match="skipped 4"):
        batch.check_accounting()
