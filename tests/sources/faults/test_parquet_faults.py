"""Named fault cases for canonical Parquet input, read in memory and staged (the run's path).

Every case goes through both ``read_source("parquet")`` and ``stage_source`` and the two
must agree: same accounting, same quarantine, same tables.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from door_checks import assert_books_balance

from microcred import schema
from microcred.engine import Engine
from microcred.pseudonym import Pseudonymizer
from microcred.sources import SourceBatch, SourceError, read_source, staging
from microcred.sources.staging import stage_source


@pytest.fixture(scope="module")
def engine():
    e = Engine()
    yield e
    e.close()


def write(root: Path, **tables: pa.Table | dict) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        t = table if isinstance(table, pa.Table) else pa.table(table)
        pq.write_table(t, root / f"{name}.parquet")
    return root


def persons(ids, kind: pa.DataType | None = None) -> pa.Table:
    return pa.table(
        {"person_id": pa.array(ids, kind), "source": pa.array(["test"] * len(ids), pa.string())}
    )


def positions(ids, idx=None, kind: pa.DataType | None = None, **extra) -> pa.Table:
    idx = list(range(len(ids))) if idx is None else idx
    return pa.table(
        {"person_id": pa.array(ids, kind), "position_idx": pa.array(idx, pa.int32()), **extra}
    )


def both(root: Path, tmp_path: Path, engine, **options) -> tuple[SourceBatch, SourceBatch]:
    """The in-memory read and the staged read of ``root``, checked to agree and balance."""
    memory = read_source("parquet", root, Pseudonymizer.throwaway(), **options)
    staged = stage_source(
        "parquet", root, Pseudonymizer.throwaway(), tmp_path / "out", engine, **options
    )
    view = staged.batch_view()
    for b in (memory, view):
        assert_books_balance(b)
    key = lambda a: a.file  # noqa: E731
    assert sorted(memory.accounting, key=key) == sorted(view.accounting, key=key)
    mq = memory.table("quarantine").select(["file", "field", "reason", "action"])
    sq = view.table("quarantine").select(["file", "field", "reason", "action"])
    assert mq.sort_by([(c, "ascending") for c in mq.column_names]).equals(
        sq.sort_by([(c, "ascending") for c in sq.column_names])
    )
    for name, path in staged.files.items():
        expect = memory.tables[name]
        assert pq.read_table(path).cast(expect.schema).equals(expect), name
    return memory, view


def refused(root: Path, tmp_path: Path, engine, match: str, **options) -> None:
    """Both paths refuse ``root`` with a one-line SourceError matching ``match``."""
    for read in (
        lambda: read_source("parquet", root, Pseudonymizer.throwaway(), **options),
        lambda: stage_source(
            "parquet", root, Pseudonymizer.throwaway(), tmp_path / "out", engine, **options
        ),
    ):
        with pytest.raises(SourceError, match=match) as info:
            read()
        assert "\n" not in str(info.value)


def accounts(batch: SourceBatch) -> dict[str, tuple[int, int, int]]:
    return {a.file: (a.rows_read, a.rows_ingested, a.rows_quarantined) for a in batch.accounting}


# ---------------------------------------------------------------- the id rule


ID_TYPES = {
    "int64": pa.int64(),
    "int32": pa.int32(),
    "int8": pa.int8(),
    "uint64": pa.uint64(),
    "uint16": pa.uint16(),
}


@pytest.mark.parametrize("case", sorted(ID_TYPES))
def test_integer_ids_in_persons_join_text_ids_elsewhere(tmp_path, engine, case) -> None:
    root = write(
        tmp_path / "in",
        persons=persons([1, 2, 3], ID_TYPES[case]),
        positions=positions(["1", "2", "3"], title=["a", "b", "c"]),
    )
    memory, _ = both(root, tmp_path, engine)
    assert memory.table("positions").column("person_id").to_pylist() == ["1", "2", "3"]
    assert accounts(memory)["positions.parquet"] == (3, 3, 0)


def test_text_ids_in_persons_join_integer_ids_elsewhere(tmp_path, engine) -> None:
    root = write(
        tmp_path / "in", persons=persons(["10", "2"]), positions=positions([2, 10], kind=pa.int64())
    )
    memory, _ = both(root, tmp_path, engine)
    assert memory.table("positions").num_rows == 2


@pytest.mark.parametrize(
    "case,kind",
    [("large_string", pa.large_string()), ("dictionary", pa.dictionary(pa.int8(), pa.string()))],
)
def test_other_text_encodings_of_ids_are_text(tmp_path, engine, case, kind) -> None:
    ids = pa.array(["a", "b"]).cast(kind)
    root = write(tmp_path / "in", persons=pa.table({"person_id": ids, "source": ["s", "s"]}))
    memory, _ = both(root, tmp_path, engine)
    assert memory.table("persons").column("person_id").to_pylist() == ["a", "b"]


@pytest.mark.parametrize(
    "case,ids",
    [
        ("float_ids", pa.array([1.0, 2.0])),
        ("binary_ids", pa.array([b"a", b"b"])),
        ("bool_ids", pa.array([True, False])),
        ("date_ids", pa.array([1, 2], pa.date32())),
    ],
)
def test_ids_of_another_type_are_refused_in_one_line(tmp_path, engine, case, ids) -> None:
    root = write(tmp_path / "in", persons=pa.table({"person_id": ids, "source": ["s", "s"]}))
    refused(root, tmp_path, engine, "person ids must be integers or text")


def test_int64_persons_and_prefixed_text_elsewhere_are_refused(tmp_path, engine) -> None:
    """The issue's case: the join would come out empty, so the run must not go on."""
    root = write(
        tmp_path / "in",
        persons=persons([1, 2, 3], pa.int64()),
        positions=positions(["p1", "p2", "p3"]),
    )
    refused(root, tmp_path, engine, r"positions.parquet: none of its 3 rows .* int64, .* string")


def test_persons_empty_but_positions_not_is_refused(tmp_path, engine) -> None:
    root = write(tmp_path / "in", persons=persons([], pa.string()), positions=positions(["a"]))
    refused(root, tmp_path, engine, "none of its 1 rows")


def test_zero_padded_text_is_not_the_integer(tmp_path, engine) -> None:
    root = write(
        tmp_path / "in",
        persons=persons([7, 8], pa.int64()),
        positions=positions(["007", "8"]),
    )
    memory, _ = both(root, tmp_path, engine)
    assert accounts(memory)["positions.parquet"] == (2, 1, 1)


def test_a_null_person_id_is_refused_naming_the_row(tmp_path, engine) -> None:
    root = write(tmp_path / "in", persons=persons(["a", None, "c"]))
    refused(root, tmp_path, engine, r"persons.parquet: row 2: column 'person_id' is null")


# ---------------------------------------------------------------- duplicates and orphans


def test_duplicate_person_is_quarantined_not_a_crash(tmp_path, engine) -> None:
    root = write(tmp_path / "in", persons=persons(["a", "b", "a", "c", "b"]))
    memory, _ = both(root, tmp_path, engine)
    assert memory.table("persons").column("person_id").to_pylist() == ["a", "b", "c"]
    assert accounts(memory)["persons.parquet"] == (5, 3, 2)
    rows = sorted(r["row"] for r in memory.table("quarantine").to_pylist())
    assert rows == [3, 5]


def test_duplicate_person_in_sorted_input_keeps_the_first(tmp_path, engine) -> None:
    table = pa.table(
        {"person_id": ["a", "a", "b"], "source": ["s", "s", "s"], "country": ["CA", "US", None]}
    )
    root = write(tmp_path / "in", persons=table)
    memory, view = both(root, tmp_path, engine)
    assert memory.table("persons").column("country").to_pylist() == ["CA", None]
    (q,) = view.table("quarantine").to_pylist()
    assert (q["row"], q["field"], q["reason"]) == (
        2,
        "person_id",
        "duplicate key: first row with this key kept",
    )


def test_duplicate_position_key_is_quarantined(tmp_path, engine) -> None:
    root = write(
        tmp_path / "in",
        persons=persons(["a", "b"]),
        positions=positions(["a", "a", "b"], idx=[0, 0, 0], title=["x", "y", "z"]),
    )
    memory, _ = both(root, tmp_path, engine)
    assert accounts(memory)["positions.parquet"] == (3, 2, 1)
    assert memory.table("positions").column("title").to_pylist() == ["x", "z"]


def test_repeated_skills_are_not_duplicates(tmp_path, engine) -> None:
    skills = pa.table({"person_id": ["a", "a"], "skill": ["SQL", "SQL"]})
    root = write(tmp_path / "in", persons=persons(["a"]), skills=skills)
    memory, _ = both(root, tmp_path, engine)
    assert accounts(memory)["skills.parquet"] == (2, 2, 0)


def test_duplicates_across_batches_and_out_of_order(tmp_path, engine, monkeypatch) -> None:
    monkeypatch.setattr(staging, "BATCH_ROWS", 2)
    root = write(tmp_path / "in", persons=persons(["d", "a", "c", "a", "b", "d", "d"]))
    memory, view = both(root, tmp_path, engine)
    assert memory.table("persons").column("person_id").to_pylist() == ["a", "b", "c", "d"]
    assert accounts(view)["persons.parquet"] == (7, 4, 3)


def test_duplicates_across_batches_in_order(tmp_path, engine, monkeypatch) -> None:
    monkeypatch.setattr(staging, "BATCH_ROWS", 2)
    root = write(tmp_path / "in", persons=persons(["a", "b", "b", "b", "c", "d"]))
    _, view = both(root, tmp_path, engine)
    rows = sorted(r["row"] for r in view.table("quarantine").to_pylist())
    assert rows == [3, 4]


def test_orphan_rows_are_quarantined(tmp_path, engine) -> None:
    root = write(
        tmp_path / "in",
        persons=persons(["a", "b"]),
        positions=positions(["a", "zz", "b", "zz"], title=["1", "2", "3", "4"]),
        credentials=pa.table(
            {"person_id": ["a", "ghost"], "credential_idx": pa.array([0, 0], pa.int32())}
        ),
    )
    memory, view = both(root, tmp_path, engine)
    assert accounts(memory)["positions.parquet"] == (4, 2, 2)
    assert accounts(memory)["credentials.parquet"] == (2, 1, 1)
    reasons = {r["reason"] for r in view.table("quarantine").to_pylist()}
    assert reasons == {"orphan: person_id not in persons"}
    assert memory.table("positions").column("title").to_pylist() == ["1", "3"]


def test_a_duplicate_persons_orphans_are_not_orphans(tmp_path, engine) -> None:
    root = write(
        tmp_path / "in",
        persons=persons(["a", "a"]),
        positions=positions(["a", "a"]),
    )
    memory, _ = both(root, tmp_path, engine)
    assert accounts(memory)["positions.parquet"] == (2, 2, 0)


# ---------------------------------------------------------------- an earlier run's quarantine


def quarantine_table(rows: list[tuple[str, str]]) -> pa.Table:
    n = len(rows)
    return pa.table(
        {
            "source": ["linkedin-export"] * n,
            "file": [f for f, _ in rows],
            "row": pa.array(range(1, n + 1), pa.int64()),
            "field": pa.nulls(n, pa.string()),
            "reason": ["unreadable row"] * n,
            "action": [a for _, a in rows],
        },
        schema=schema.QUARANTINE,
    )


def test_an_earlier_runs_quarantined_rows_count_as_quarantined(tmp_path, engine) -> None:
    carried = quarantine_table(
        [
            ("x/Positions.csv", "row_dropped"),
            ("x/Positions.csv", "row_dropped"),
            ("x/Skills.csv", "field_nulled"),
        ]
    )
    root = write(tmp_path / "in", persons=persons(["a"]), quarantine=carried)
    memory, _ = both(root, tmp_path, engine)
    acc = accounts(memory)
    assert acc["x/Positions.csv"] == (2, 0, 2)
    assert "x/Skills.csv" not in acc and "quarantine.parquet" not in acc
    assert memory.table("quarantine").num_rows == 3
    assert memory.totals()["rows_ingested"] == 1


def test_carried_records_naming_one_of_our_files_add_up(tmp_path, engine) -> None:
    carried = quarantine_table([("persons.parquet", "row_dropped")])
    root = write(tmp_path / "in", persons=persons(["a", "a"]), quarantine=carried)
    memory, _ = both(root, tmp_path, engine)
    assert accounts(memory)["persons.parquet"] == (3, 1, 2)


# ---------------------------------------------------------------- caps and unreadable files


def test_a_text_cell_over_the_cap_is_nulled(tmp_path, engine) -> None:
    root = write(
        tmp_path / "in",
        persons=persons(["a", "b"]),
        positions=positions(["a", "b"], title=["x" * 500, "ok"], company=["Acme", "y" * 20]),
    )
    memory, view = both(root, tmp_path, engine, max_cell_bytes=100)
    assert memory.table("positions").column("title").to_pylist() == [None, "ok"]
    (note,) = view.table("quarantine").to_pylist()
    assert (note["file"], note["row"], note["field"], note["action"]) == (
        "positions.parquet",
        1,
        "title",
        "field_nulled",
    )
    assert accounts(memory)["positions.parquet"] == (2, 2, 0)


def test_a_canonical_file_with_a_huge_cell_is_not_linked(tmp_path, engine) -> None:
    table = schema.conform(positions(["a"], title=["x" * 300]), schema.POSITIONS)
    root = write(
        tmp_path / "in", persons=schema.conform(persons(["a"]), schema.PERSONS), positions=table
    )
    _, view = both(root, tmp_path, engine, max_cell_bytes=100)
    assert not (tmp_path / "out" / "positions.parquet").samefile(root / "positions.parquet")


def test_a_table_over_the_record_cap_is_refused(tmp_path, engine) -> None:
    root = write(tmp_path / "in", persons=persons([str(i) for i in range(10)]))
    refused(
        root, tmp_path, engine, r"persons.parquet: 10 rows, over the record cap of 5", max_records=5
    )


@pytest.mark.parametrize(
    "case,content",
    [("not_parquet", b"hello"), ("empty_file", b""), ("truncated_parquet", None)],
)
def test_an_unreadable_file_is_one_line(tmp_path, engine, case, content) -> None:
    root = tmp_path / "in"
    write(root, persons=persons(["a", "b"]))
    if content is None:
        data = (root / "persons.parquet").read_bytes()
        content = data[: len(data) // 2]
    (root / "persons.parquet").write_bytes(content)
    refused(root, tmp_path, engine, "persons.parquet: not a readable Parquet file")


def test_missing_persons_is_refused(tmp_path, engine) -> None:
    root = write(tmp_path / "in", positions=positions(["a"]))
    refused(root, tmp_path, engine, "persons.parquet: missing")


def test_a_required_column_missing_is_refused(tmp_path, engine) -> None:
    root = write(tmp_path / "in", persons=pa.table({"source": ["s"]}))
    refused(root, tmp_path, engine, "required column 'person_id' is missing")


def test_a_column_of_the_wrong_type_is_refused(tmp_path, engine) -> None:
    root = write(
        tmp_path / "in",
        persons=persons(["a"]),
        positions=positions(["a"], start_date=pa.array(["last year"])),
    )
    refused(root, tmp_path, engine, "column 'start_date' has type string")


def test_extra_columns_are_dropped(tmp_path, engine) -> None:
    table = persons(["a"]).append_column("email", pa.array(["jane@example.org"]))
    root = write(tmp_path / "in", persons=table)
    memory, _ = both(root, tmp_path, engine)
    assert "email" not in memory.table("persons").column_names


def test_empty_tables_are_fine(tmp_path, engine) -> None:
    root = write(
        tmp_path / "in", persons=persons([], pa.string()), positions=positions([], kind=pa.string())
    )
    memory, _ = both(root, tmp_path, engine)
    assert memory.totals()["rows_read"] == 0


def test_orphan_row_numbers_count_rows_dropped_as_duplicates(tmp_path, engine, monkeypatch) -> None:
    monkeypatch.setattr(staging, "BATCH_ROWS", 2)
    root = write(
        tmp_path / "in",
        persons=persons(["a", "b", "c"]),
        positions=positions(["a", "a", "b", "b", "zz", "zz"], idx=[0, 0, 0, 0, 0, 1]),
    )
    memory, view = both(root, tmp_path, engine)
    for batch in (memory, view):
        got = sorted(
            (r["row"], r["reason"].split(":")[0]) for r in batch.table("quarantine").to_pylist()
        )
        assert got == [(2, "duplicate key"), (4, "duplicate key"), (5, "orphan"), (6, "orphan")]
