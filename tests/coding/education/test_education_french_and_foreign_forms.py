"""Degree forms of French and foreign systems (issue 20, round 2): Bac+N, M2 / L3, grandes
écoles, engineer's degrees."""

from __future__ import annotations

import pyarrow as pa
import pytest

from microcred.coding.education import EducationCoder


@pytest.fixture(scope="module")
def coder() -> EducationCoder:
    return EducationCoder.load()


@pytest.mark.parametrize(
    ("degree", "level"),
    [
        ("Bac+5", "master"),
        ("Bac + 3", "bachelor"),
        ("Bac+2", "college"),
        ("M2 Informatique", "master"),
        ("L3 Économie", "bachelor"),
        ("Ingénieur d'État", "master"),
        ("Programme Grande École", "master"),
        ("Engineer's degree", "master"),
    ],
)
def test_french_and_foreign_degree_forms(coder: EducationCoder, degree: str, level: str) -> None:
    batch = pa.table({"degree": [degree], "field": pa.nulls(1, pa.string())})
    assert coder.code(batch).to_pylist()[0]["education_level"] == level


def test_an_engineering_diploma_in_computing_is_formal_digital_training(
    coder: EducationCoder,
) -> None:
    batch = pa.table({"degree": ["Diplôme d'ingénieur - Informatique"], "field": [None]})
    row = coder.code(batch).to_pylist()[0]
    assert (row["education_level"], row["cip2021"], row["formal_digital_training"]) == (
        "master",
        "14.09",
        "yes",
    )
