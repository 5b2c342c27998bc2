from __future__ import annotations

import pyarrow as pa
import pytest

from microcred.coding.seniority import (
    SENIORITY_LEVELS,
    code_seniority,
    seniority_of,
    seniority_rank,
)


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("Software Engineering Intern", "intern"),
        ("Co-op Student, Data", "intern"),
        ("Stagiaire en développement logiciel", "intern"),
        ("Junior Developer", "entry"),
        ("Développeur junior", "entry"),
        ("Software Engineer II", "intermediate"),
        ("Analyste intermédiaire", "intermediate"),
        ("Sr. Data Analyst", "senior"),
        ("Comptable sénior", "senior"),
        ("Staff Software Engineer", "lead"),
        ("Tech Lead", "lead"),
        ("Développeuse principale", "lead"),
        ("Chef d'équipe - service à la clientèle", "lead"),
        ("Engineering Manager", "manager"),
        ("Gestionnaire des opérations", "manager"),
        ("Senior Manager, Finance", "manager"),
        ("Director of Engineering", "director"),
        ("Directrice des ressources humaines", "director"),
        ("Head of Data", "director"),
        ("VP Engineering", "executive"),
        ("Vice-présidente, Technologie", "executive"),
        ("PDG", "executive"),
        ("Chief Technology Officer", "executive"),
        ("Co-founder & CEO", "executive"),
        ("Software Engineer", "unknown"),
        ("Infirmière", "unknown"),
        ("Product Manager", "unknown"),
        ("Senior Product Manager", "senior"),
        ("Gestionnaire de projet", "unknown"),
        ("Chef cuisinier", "unknown"),
    ],
)
def test_levels_in_both_languages(title, level):
    assert seniority_of(title) == level


def test_array_and_nulls():
    out = code_seniority(pa.array(["Senior Nurse", None, "", "Intern"], pa.string()))
    assert out.to_pylist() == ["senior", "unknown", "unknown", "intern"]


def test_rank_orders_levels():
    ranks = [seniority_rank(level) for level in SENIORITY_LEVELS]
    assert ranks == sorted(ranks) == list(range(len(SENIORITY_LEVELS)))
    assert seniority_rank("unknown") is None and seniority_rank(None) is None
    assert seniority_rank("director") > seniority_rank("manager") > seniority_rank("senior")
