"""Property-based fuzzing of the JSON readers: any bytes, any JSON shape → no crash, books balance.

The only exception allowed is a one-line :class:`SourceError` for an input unreadable as
a whole (a single JSON Resume file that is not a JSON object).
"""

from __future__ import annotations

import json

from door_checks import assert_books_balance
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microcred.pseudonym import Pseudonymizer
from microcred.sources import SourceError, read_source

PSEUDONYMIZE = Pseudonymizer(b"fuzz-key-0123456789abcdef-fuzz-key")
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Keys the readers look for, so fuzzed records reach the mapping code, not just the parser.
KEYS = st.sampled_from(
    [
        "id",
        "experience",
        "positions",
        "education",
        "certifications",
        "licenses",
        "skills",
        "title",
        "company",
        "start",
        "end",
        "starts_at",
        "ends_at",
        "year",
        "month",
        "day",
        "location",
        "country",
        "region",
        "name",
        "issued",
        "expires",
        "url",
        "degree",
        "field",
        "work",
        "certificates",
        "basics",
        "startDate",
        "endDate",
        "keywords",
        "position",
        "studyType",
        "area",
        "institution",
        "countryCode",
        "is_current",
        "language",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["2019", "Aug 2023", "2019-13", "Present", "1e10", "0000-00"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=5)),
    max_leaves=25,
)
RECORDS = st.dictionaries(KEYS, VALUES, max_size=8)


def _check(batch) -> None:
    assert_books_balance(batch)
    assert batch.table("persons").num_rows <= batch.totals()["rows_ingested"]


@FUZZ
@given(st.lists(st.binary(max_size=200), max_size=6))
def test_jsonl_of_any_bytes(tmp_path_factory, lines) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "p.jsonl"
    path.write_bytes(b"\n".join(lines))
    _check(read_source("jsonl", path, PSEUDONYMIZE))


@FUZZ
@given(st.lists(st.one_of(RECORDS, VALUES), max_size=6))
def test_jsonl_of_any_json_shape(tmp_path_factory, records) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "p.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records))
    _check(read_source("jsonl", path, PSEUDONYMIZE))


@FUZZ
@given(st.lists(st.one_of(RECORDS, VALUES, st.binary(max_size=100)), min_size=1, max_size=4))
def test_jsonresume_folder_of_anything(tmp_path_factory, contents) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    for i, content in enumerate(contents):
        data = content if isinstance(content, bytes) else json.dumps(content).encode()
        (root / f"{i}.json").write_bytes(data)
    _check(read_source("jsonresume", root, PSEUDONYMIZE))


@FUZZ
@given(st.one_of(RECORDS, VALUES, st.binary(max_size=100)))
def test_single_jsonresume_reads_or_refuses_in_one_line(tmp_path_factory, content) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "cv.json"
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    try:
        batch = read_source("jsonresume", path, PSEUDONYMIZE)
    except SourceError as exc:
        assert "\n" not in str(exc) and "cv.json" in str(exc)
        return
    _check(batch)
