"""Person-level education in ibis, run on DuckDB: highest level, its field, digital training."""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
import pytest

from microcred.coding.education import EducationCoder, person_education_expr


def _educ(rows: list[tuple]) -> pa.Table:
    names = [
        "person_id",
        "end_date",
        "education_level",
        "level_rank",
        "cip2021",
        "formal_digital_training",
        "is_credential",
    ]
    cols = list(zip(*rows, strict=True))
    types = [pa.string(), pa.date32(), pa.string(), pa.int8(), pa.string(), pa.string(), pa.bool_()]
    return pa.table({n: pa.array(list(c), t) for n, c, t in zip(names, cols, types, strict=True)})


@pytest.fixture(scope="module")
def result() -> dict[str, dict]:
    y = lambda year: dt.date(year, 6, 1)  # noqa: E731
    rows = [
        # a: master (non-digital) above a digital bachelor → highest master, field 52.02, yes
        ("a", y(2015), "bachelor", 4, "11.07", "yes", False),
        ("a", y(2018), "master", 7, "52.02", "no", False),
        # b: two bachelors, latest end date gives the field; one field unknown → unknown
        ("b", y(2010), "bachelor", 4, "26", "no", False),
        ("b", y(2012), "bachelor", 4, "45.06", "no", False),
        ("b", None, "bachelor", 4, None, "unknown", False),
        # c: only a bootcamp under education → nothing known
        ("c", y(2019), "not_education", None, "30.70", "no", True),
        # d: secondary school only → no formal digital training
        ("d", y(2005), "no_postsecondary", 1, None, "no", False),
        # e: all degrees with known non-digital fields → no
        ("e", y(2001), "college", 3, "52.03", "no", False),
        ("e", y(2004), "bachelor", 4, "52", "no", False),
        # f: a bootcamp does not raise the level of a degree-holder
        ("f", y(2020), "not_education", None, "11", "no", True),
        ("f", y(2016), "bachelor", 4, "50", "no", False),
    ]
    con = ibis.duckdb.connect()
    expr = person_education_expr(con.create_table("educ", _educ(rows)))
    out = con.to_pyarrow(expr).to_pylist()
    return {r["person_id"]: r for r in out}


def test_highest_level_and_its_field(result: dict[str, dict]) -> None:
    assert (result["a"]["highest_level"], result["a"]["highest_field_cip2021"]) == (
        "master",
        "52.02",
    )
    assert result["a"]["highest_level_rank"] == 7
    assert (result["b"]["highest_level"], result["b"]["highest_field_cip2021"]) == (
        "bachelor",
        "45.06",
    )
    assert result["f"]["highest_level"] == "bachelor"


def test_formal_digital_training_rules(result: dict[str, dict]) -> None:
    fdt = {p: r["formal_digital_training"] for p, r in result.items()}
    assert fdt == {"a": "yes", "b": "unknown", "c": "unknown", "d": "no", "e": "no", "f": "no"}


def test_credential_only_person_has_unknown_level(result: dict[str, dict]) -> None:
    assert result["c"]["highest_level"] == "unknown"
    assert result["c"]["highest_level_rank"] is None


def test_one_row_per_person_sorted(result: dict[str, dict]) -> None:
    assert list(result) == sorted(result)


def test_runs_on_coder_output_joined_in_duckdb() -> None:
    coder = EducationCoder.load()
    educations = pa.table(
        {
            "person_id": ["p1", "p1", "p2"],
            "degree": ["Baccalauréat", "M.Sc.", "Bootcamp"],
            "field": ["Informatique", "Économie", None],
            "end_date": pa.array([dt.date(2010, 1, 1), dt.date(2012, 1, 1), None], pa.date32()),
        }
    )
    distinct = educations.select(["degree", "field"])
    codes = coder.code(distinct)
    con = ibis.duckdb.connect()
    e = con.create_table("e", educations)
    c = con.create_table("c", codes)
    joined = e.join(c, [e.degree == c.degree, e.field.fill_null("") == c.field.fill_null("")])
    out = {r["person_id"]: r for r in con.to_pyarrow(person_education_expr(joined)).to_pylist()}
    assert out["p1"]["highest_level"] == "master"
    assert out["p1"]["highest_field_cip2021"] == "45.06"
    assert out["p1"]["formal_digital_training"] == "yes"  # the bachelor in informatique counts
    assert out["p2"]["highest_level"] == "unknown"
