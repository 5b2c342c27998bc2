"""Bootcamps and MOOCs listed under education become credentials (origin 'education')."""

from __future__ import annotations

import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from microcred import schema
from microcred.coding.listed_credentials import with_education_listed
from microcred.engine import Engine


def _staged(tmp_path: Path) -> dict[str, Path]:
    files = {}
    for name, table in _tables().items():
        files[name] = tmp_path / f"{name}.parquet"
        pq.write_table(table, files[name])
    return files


def _tables() -> dict[str, pa.Table]:
    educations = schema.conform(
        pa.table(
            {
                "person_id": ["p1", "p1", "p2"],
                "education_idx": pa.array([0, 1, 0], pa.int32()),
                "school": ["Lighthouse Labs", "McGill University", "Coursera"],
                "degree": ["Data Science Bootcamp", "B.Sc.", "Machine Learning"],
                "field": [None, "Computer Science", None],
                "end_date": pa.array([datetime.date(2021, 6, 1), None, None], pa.date32()),
                "end_precision": ["month", None, None],
            }
        ),
        schema.EDUCATIONS,
    )
    credentials = schema.conform(
        pa.table(
            {
                "person_id": ["p2"],
                "credential_idx": pa.array([0], pa.int32()),
                "name": ["PMP"],
                "origin": ["certifications"],
            }
        ),
        schema.CREDENTIALS,
    )
    return {"educations": educations, "credentials": credentials}


def test_flagged_education_entries_are_added_as_credentials(tmp_path: Path) -> None:
    coded = pa.table(
        {
            "degree": ["Data Science Bootcamp", "B.Sc.", "Machine Learning"],
            "field": [None, "Computer Science", None],
            "is_credential": [True, False, True],
        }
    )
    files = _staged(tmp_path)
    engine = Engine()
    try:
        assert with_education_listed(engine, files, coded) == 3
    finally:
        engine.close()
    out = pq.read_table(files["credentials"])
    assert out.schema == schema.CREDENTIALS
    rows = out.to_pylist()
    # after the person's own credentials: max credential_idx + 1 + education_idx
    assert [(r["person_id"], r["credential_idx"], r["origin"]) for r in rows] == [
        ("p1", 0, "education"),
        ("p2", 0, "certifications"),
        ("p2", 1, "education"),
    ]
    bootcamp = rows[0]
    assert (bootcamp["name"], bootcamp["authority"]) == ("Data Science Bootcamp", "Lighthouse Labs")
    assert (
        bootcamp["issued_date"] == datetime.date(2021, 6, 1)
        and bootcamp["issued_precision"] == "month"
    )


def test_nothing_flagged_leaves_credentials_alone(tmp_path: Path) -> None:
    files = _staged(tmp_path)
    before = files["credentials"].read_bytes()
    coded = pa.table({"degree": ["B.Sc."], "field": ["Computer Science"], "is_credential": [False]})
    assert with_education_listed(Engine(), files, coded) is None
    assert files["credentials"].read_bytes() == before


def test_ids_cannot_collide_with_listed_credentials(tmp_path: Path) -> None:
    """A person with a credential at index 100,000 (the old offset) keeps unique keys."""
    files = _staged(tmp_path)
    many = schema.conform(
        pa.table(
            {
                "person_id": ["p1", "p1"],
                "credential_idx": pa.array([0, 100_000], pa.int32()),
                "name": ["PMP", "CKA"],
                "origin": ["certifications", "certifications"],
            }
        ),
        schema.CREDENTIALS,
    )
    pq.write_table(many, files["credentials"])
    coded = pa.table(
        {
            "degree": ["Data Science Bootcamp", "B.Sc."],
            "field": [None, "Computer Science"],
            "is_credential": [True, True],
        }
    )
    assert with_education_listed(Engine(), files, coded) == 4
    rows = pq.read_table(files["credentials"]).to_pylist()
    keys = [(r["person_id"], r["credential_idx"]) for r in rows]
    assert len(set(keys)) == len(keys)
    assert keys == [("p1", 0), ("p1", 100_000), ("p1", 100_001), ("p1", 100_002)]
