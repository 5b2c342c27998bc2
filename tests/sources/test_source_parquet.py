"""Canonical Parquet: deterministic write, validated read, round trip."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from microcred import schema
from microcred.pseudonym import Pseudonymizer
from microcred.sources import SourceError, read_source, write_canonical


@pytest.fixture
def batch(fixtures: Path, pseudonymize: Pseudonymizer):
    return read_source("linkedin-export", fixtures / "linkedin_cohort", pseudonymize)


def test_round_trip(tmp_path: Path, batch, pseudonymize: Pseudonymizer) -> None:
    written = write_canonical(batch, tmp_path / "canon")
    assert sorted(p.name for p in written) == sorted(f"{n}.parquet" for n in schema.CANONICAL)
    back = read_source("parquet", tmp_path / "canon", pseudonymize)
    for name in schema.CANONICAL:
        assert back.tables[name].equals(batch.tables[name]), name
    assert back.totals()["rows_read"] == sum(t.num_rows for t in batch.tables.values())
    back.check_accounting()


def test_write_is_byte_identical(tmp_path: Path, batch, fixtures, pseudonymize) -> None:
    again = read_source("linkedin-export", fixtures / "linkedin_cohort", pseudonymize)
    a = write_canonical(batch, tmp_path / "a")
    b = write_canonical(again.tables, tmp_path / "b")
    for pa_, pb in zip(a, b, strict=True):
        assert pa_.read_bytes() == pb.read_bytes(), pa_.name


def test_missing_optional_tables_are_empty_and_types_are_cast(
    tmp_path: Path, pseudonymize: Pseudonymizer
) -> None:
    root = tmp_path / "canon"
    root.mkdir()
    pq.write_table(
        pa.table({"person_id": ["p1", "p2"], "source": ["synth", "synth"]}),
        root / "persons.parquet",
    )
    positions = pa.table(
        {
            "person_id": ["p2", "p1"],
            "position_idx": pa.array([0, 0], pa.int64()),  # wider than canonical int32
            "title": pa.array(["Data Scientist", "Analyste"], pa.large_string()),
            "extra_column": [1, 2],
        }
    )
    pq.write_table(positions, root / "positions.parquet")
    batch = read_source("parquet", root, pseudonymize)
    assert batch.tables["positions"].schema == schema.POSITIONS
    assert batch.tables["positions"].column("person_id").to_pylist() == ["p1", "p2"]  # sorted
    assert batch.tables["credentials"].num_rows == 0
    assert batch.tables["credentials"].schema == schema.CREDENTIALS
    assert "survey" not in batch.tables


def test_wrong_types_and_missing_tables_name_file_and_column(
    tmp_path: Path, pseudonymize: Pseudonymizer
) -> None:
    root = tmp_path / "canon"
    root.mkdir()
    with pytest.raises(SourceError, match="persons.parquet"):
        read_source("parquet", root, pseudonymize)
    pq.write_table(pa.table({"person_id": ["p1"], "source": ["x"]}), root / "persons.parquet")
    pq.write_table(
        pa.table({"person_id": ["p1"], "position_idx": [0], "start_date": ["sometime"]}),
        root / "positions.parquet",
    )
    with pytest.raises(SourceError, match=r"positions.parquet: column 'start_date'"):
        read_source("parquet", root, pseudonymize)
    pq.write_table(pa.table({"person_id": ["p1"], "title": ["x"]}), root / "positions.parquet")
    with pytest.raises(SourceError, match=r"positions.parquet: required column 'position_idx'"):
        read_source("parquet", root, pseudonymize)
    (root / "positions.parquet").write_bytes(b"not parquet")
    with pytest.raises(SourceError, match="positions.parquet"):
        read_source("parquet", root, pseudonymize)
