"""Property-based fuzzing of canonical Parquet input: any bytes, any schema → no crash.

Reads either succeed with balanced books (in memory and staged alike) or stop with a
one-line :class:`SourceError` naming the file.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from door_checks import assert_books_balance
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microcred.engine import Engine
from microcred.pseudonym import Pseudonymizer
from microcred.sources import SourceError, read_source
from microcred.sources.staging import stage_source

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def engine():
    e = Engine()
    yield e
    e.close()


def _read_both(root, out, engine) -> None:
    for read in (
        lambda: read_source("parquet", root, Pseudonymizer.throwaway()),
        lambda: stage_source("parquet", root, Pseudonymizer.throwaway(), out, engine).batch_view(),
    ):
        try:
            batch = read()
        except SourceError as exc:
            assert "\n" not in str(exc) and ".parquet" in str(exc)
            continue
        assert_books_balance(batch)


@FUZZ
@given(st.binary(max_size=300), st.integers(min_value=0, max_value=2))
def test_persons_of_any_bytes(tmp_path_factory, engine, data, where) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    good = pa.table({"person_id": ["a", "b"], "source": ["s", "s"]})
    pq.write_table(good, root / "persons.parquet")
    if where == 1:  # damage the middle of a real file instead
        real = (root / "persons.parquet").read_bytes()
        data = real[:40] + data + real[40 + len(data) :]
    target = root / ("persons.parquet" if where < 2 else "positions.parquet")
    target.write_bytes(data)
    _read_both(root, tmp_path_factory.mktemp("out"), engine)


ID_ARRAYS = st.sampled_from(
    [pa.int64(), pa.int32(), pa.uint8(), pa.string(), pa.large_string(), pa.float64(), pa.bool_()]
)
IDS = st.lists(st.sampled_from(["1", "2", "3", "01", "x"]), max_size=6)
COLUMN_TYPES = st.sampled_from(
    [pa.string(), pa.int64(), pa.int32(), pa.float64(), pa.bool_(), pa.date32(), pa.timestamp("s")]
)
OPTIONAL_COLUMNS = st.sampled_from(
    ["country", "title", "start_date", "position_idx", "is_current", "source", "end_precision"]
)


def _ids(values: list[str], kind: pa.DataType) -> pa.Array:
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_boolean(kind):
        numbers = [int(v) if v.isdigit() else 0 for v in values]
        return pa.array(numbers).cast(kind, safe=False)
    return pa.array(values, kind)


def _column(kind: pa.DataType, n: int) -> pa.Array:
    return pa.array([None] * n, pa.null()).cast(kind) if n else pa.array([], kind)


@FUZZ
@given(
    IDS,
    ID_ARRAYS,
    IDS,
    ID_ARRAYS,
    st.dictionaries(OPTIONAL_COLUMNS, COLUMN_TYPES, max_size=3),
    st.booleans(),
)
def test_tables_of_any_schema(
    tmp_path_factory, engine, pids, ptype, qids, qtype, extra, with_idx
) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    persons = {"person_id": _ids(pids, ptype), "source": pa.array(["s"] * len(pids))}
    pq.write_table(pa.table(persons), root / "persons.parquet")
    positions = {"person_id": _ids(qids, qtype)}
    if with_idx:
        positions["position_idx"] = pa.array(range(len(qids)), pa.int64())
    for name, kind in extra.items():
        positions.setdefault(name, _column(kind, len(qids)))
    pq.write_table(pa.table(positions), root / "positions.parquet")
    _read_both(root, tmp_path_factory.mktemp("out"), engine)
