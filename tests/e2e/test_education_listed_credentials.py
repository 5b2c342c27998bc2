"""Bootcamps and MOOCs listed under education become credentials (origin 'education')."""

from __future__ import annotations

import datetime

import pyarrow as pa

from microcred import schema
from microcred.pipeline import _with_education_listed


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


def test_flagged_education_entries_are_added_as_credentials() -> None:
    coded = pa.table(
        {
            "degree": ["Data Science Bootcamp", "B.Sc.", "Machine Learning"],
            "field": [None, "Computer Science", None],
            "is_credential": [True, False, True],
        }
    )
    out = _with_education_listed(_tables(), coded)
    assert out.schema == schema.CREDENTIALS
    rows = out.to_pylist()
    assert [(r["person_id"], r["credential_idx"], r["origin"]) for r in rows] == [
        ("p1", 100_000, "education"),
        ("p2", 0, "certifications"),
        ("p2", 100_000, "education"),
    ]
    bootcamp = rows[0]
    assert (bootcamp["name"], bootcamp["authority"]) == ("Data Science Bootcamp", "Lighthouse Labs")
    assert (
        bootcamp["issued_date"] == datetime.date(2021, 6, 1)
        and bootcamp["issued_precision"] == "month"
    )


def test_nothing_flagged_leaves_credentials_alone() -> None:
    tables = _tables()
    coded = pa.table({"degree": ["B.Sc."], "field": ["Computer Science"], "is_credential": [False]})
    assert _with_education_listed(tables, coded).equals(tables["credentials"])
