"""Staging writes the same canonical tables the in-memory readers give, streaming Parquet input."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred import schema
from microcred.engine import Engine
from microcred.parquetsink import ParquetSink
from microcred.pseudonym import Pseudonymizer
from microcred.sources import SourceError, read_source, staging, write_canonical
from microcred.sources.staging import stage_source


@pytest.fixture
def engine():
    e = Engine()
    yield e
    e.close()


@pytest.fixture
def batch(fixtures: Path, pseudonymize: Pseudonymizer):
    return read_source("linkedin-export", fixtures / "linkedin_cohort", pseudonymize)


def _staged_tables(staged) -> dict[str, pa.Table]:
    tables = {name: pq.read_table(path) for name, path in staged.files.items()}
    tables["quarantine"] = staged.quarantine
    return tables


def test_a_reader_is_staged_as_it_reads(tmp_path, fixtures, batch, pseudonymize, engine) -> None:
    staged = stage_source(
        "linkedin-export", fixtures / "linkedin_cohort", pseudonymize, tmp_path, engine
    )
    for name, table in _staged_tables(staged).items():
        assert table.equals(batch.tables[name]), name
        assert staged.rows[name] == table.num_rows
    assert staged.accounting == batch.accounting
    assert pq.read_table(tmp_path / "quarantine.parquet").equals(batch.tables["quarantine"])


def test_parquet_input_is_streamed_in_batches_and_sorted_when_it_is_not(
    tmp_path, batch, pseudonymize, engine, monkeypatch
) -> None:
    monkeypatch.setattr(staging, "BATCH_ROWS", 3)  # many batches, so order is checked across them
    root = tmp_path / "in"
    write_canonical(batch, root)
    # shuffle positions on disk: staging must notice and restore key order
    pos = pq.read_table(root / "positions.parquet")
    pq.write_table(pos.take(pa.array(range(pos.num_rows - 1, -1, -1))), root / "positions.parquet")
    write_canonical({"survey": schema.empty(schema.SURVEY)}, root)  # accounted, not staged
    staged = stage_source("parquet", root, pseudonymize, tmp_path / "out", engine)
    expect = read_source("parquet", root, pseudonymize)
    for name, table in _staged_tables(staged).items():
        assert table.equals(expect.tables[name]), name

    def by_file(accounts):
        return sorted(accounts, key=lambda a: a.file)

    assert by_file(staged.accounting) == by_file(expect.accounting)
    assert sum(a.rows_read for a in staged.accounting) == sum(
        t.num_rows for t in batch.tables.values()
    )


def test_a_null_key_names_file_row_and_column(tmp_path, pseudonymize, engine, monkeypatch) -> None:
    monkeypatch.setattr(staging, "BATCH_ROWS", 4)
    root = tmp_path / "in"
    root.mkdir()
    ids = [f"p{i:02d}" for i in range(10)]
    pq.write_table(pa.table({"person_id": ids, "source": ["s"] * 10}), root / "persons.parquet")
    idx = pa.array([0, 1, 2, 3, 4, 5, None, 7, 8, 9], pa.int64())
    pq.write_table(pa.table({"person_id": ids, "position_idx": idx}), root / "positions.parquet")
    with pytest.raises(SourceError, match=r"positions.parquet: row 7: column 'position_idx'"):
        stage_source("parquet", root, pseudonymize, tmp_path / "out", engine)


def test_missing_persons_is_an_error(tmp_path, pseudonymize, engine) -> None:
    (tmp_path / "in").mkdir()
    with pytest.raises(SourceError, match="persons.parquet: missing"):
        stage_source("parquet", tmp_path / "in", pseudonymize, tmp_path / "out", engine)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 40), st.lists(st.integers(1, 9), min_size=1, max_size=8))
def test_sink_bytes_do_not_depend_on_how_rows_arrive(n, cuts) -> None:
    import tempfile

    table = pa.table({"k": pa.array(range(n), pa.int64()), "v": [str(i % 7) for i in range(n)]})
    with tempfile.TemporaryDirectory() as d:
        whole, pieces = Path(d) / "whole.parquet", Path(d) / "pieces.parquet"
        with ParquetSink(whole, table.schema, row_group_size=5) as sink:
            sink.write(table)
        with ParquetSink(pieces, table.schema, row_group_size=5) as sink:
            start, i = 0, 0
            while start < n:
                size = cuts[i % len(cuts)]
                sink.write(table.slice(start, size).to_batches()[0])
                start, i = start + size, i + 1
        assert whole.read_bytes() == pieces.read_bytes()
        back = pq.read_table(pieces)
        assert back.equals(table)
        assert all(
            pq.ParquetFile(pieces).metadata.row_group(g).num_rows == 5
            for g in range(pq.ParquetFile(pieces).metadata.num_row_groups - 1)
        )


def test_canonical_files_are_taken_as_they_are_and_others_rewritten(
    tmp_path, batch, pseudonymize, engine
) -> None:
    root = tmp_path / "in"
    write_canonical(batch, root)
    # an extra (personal) column must never slip through with the file
    persons = pq.read_table(root / "persons.parquet")
    persons = persons.append_column("name", pa.array(["Jane Doe"] * persons.num_rows))
    pq.write_table(persons, root / "persons.parquet")
    staged = stage_source("parquet", root, pseudonymize, tmp_path / "out", engine)
    assert staged.files["positions"].read_bytes() == (root / "positions.parquet").read_bytes()
    assert pq.read_schema(staged.files["persons"]).names == schema.PERSONS.names
    assert pq.read_table(staged.files["persons"]).equals(batch.tables["persons"])
    # later stages replace staged files; the input they were linked from is untouched
    before = (root / "credentials.parquet").read_bytes()
    engine.sort_parquet(staged.files["credentials"], ["person_id"], schema.CREDENTIALS)
    assert (root / "credentials.parquet").read_bytes() == before


def test_a_null_key_in_a_canonical_file_names_the_row(
    tmp_path, pseudonymize, engine, monkeypatch
) -> None:
    monkeypatch.setattr(staging, "BATCH_ROWS", 4)
    root = tmp_path / "in"
    root.mkdir()
    ids = [f"p{i:02d}" for i in range(10)]
    ids_with_null = ids[:8] + [None] + ids[9:]
    persons = pa.table({"person_id": ids_with_null, "source": ["s"] * 10})
    pq.write_table(
        schema.conform(persons, schema.PERSONS.set(0, pa.field("person_id", pa.string()))),
        root / "persons.parquet",
    )
    with pytest.raises(SourceError, match=r"persons.parquet: row 9: column 'person_id'"):
        stage_source("parquet", root, pseudonymize, tmp_path / "out", engine)
