"""build_person_features end to end on a small hand-built cohort (one build, many checks)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from features_helpers import position, seniority_coded, table, titles_coded

from microcred import schema
from microcred.config import StudyConfig
from microcred.features import build_person_features
from microcred.features.bands import band_labels, band_of
from microcred.features.person import person_features_schema

D = dt.date
CFG = StudyConfig(reference_date="2025-12-31")


def _inputs() -> tuple[dict[str, pa.Table], dict[str, pa.Table]]:
    persons = table(
        schema.PERSONS,
        [
            dict(person_id="a", source="s", country="CA", province="ON", profile_language="en"),
            dict(person_id="b", source="s", country="CA", profile_language="unknown"),
            dict(person_id="c", source="s", country="US"),
            dict(person_id="d", source="s"),
        ],
    )
    positions = table(
        schema.POSITIONS,
        [
            position("a", 0, "Data Scientist", D(2018, 1, 1), D(2019, 1, 1), precision="year"),
            position("a", 1, "Senior Data Scientist", D(2019, 6, 1), None, current=True),
            position("b", 0, "Développeuse", D(2022, 1, 1), None, current=True),
            position("b", 1, "Analyste", D(2020, 1, 1), D(2021, 12, 1)),
            position("c", 0, "Data Scientist", D(2015, 1, 1), None, current=True),
        ],
    )
    titles = titles_coded(
        [
            ("Data Scientist", "21211", 0.9, "intermediate", "en"),
            ("Senior Data Scientist", "21211", 0.9, "senior", "en"),
            ("Développeuse", "21232", 0.5, "unknown", "fr"),
            ("Analyste", None, 0.1, "unknown", "fr"),
        ]
    )
    credentials = table(
        schema.CREDENTIALS,
        [
            dict(person_id="a", credential_idx=0, name="AWS SA", issued_date=D(2017, 5, 1)),
            dict(
                person_id="a",
                credential_idx=1,
                name="ML",
                authority="Coursera",
                issued_date=D(2019, 5, 1),
            ),
            dict(person_id="b", credential_idx=0, name="First aid", issued_date=D(2021, 1, 1)),
        ],
    )
    cred_coded = pa.table(
        {
            "name": ["AWS SA", "ML", "First aid"],
            "authority": [None, "Coursera", None],
            "url_host": [None, None, None],
            "credential_type": ["vendor_certification", "mooc_certificate", "other"],
            "is_micro_broad": [True, True, False],
            "is_micro_narrow": [False, True, False],
            "provider": ["Amazon Web Services", "Stanford University", None],
            "coding_confidence": [0.95, 0.4, 0.9],
        }
    )
    educations = table(
        schema.EDUCATIONS,
        [
            dict(person_id="a", education_idx=0, degree="BSc", field="Computer Science"),
            dict(person_id="a", education_idx=1, degree="MSc", field=None),
            dict(person_id="b", education_idx=0, degree="BA", field="History"),
        ],
    )
    edu_coded = pa.table(
        {
            "degree": ["BSc", "MSc", "BA"],
            "field": ["Computer Science", None, "History"],
            "education_level": ["bachelor", "master", "bachelor"],
            "level_rank": pa.array([4, 5, 4], pa.int8()),
            "cip2021": ["11.07", "27.05", "54.01"],
            "formal_digital_training": ["yes", "unknown", "no"],
        }
    )
    skills = table(
        schema.SKILLS,
        [
            dict(person_id="a", skill="Python"),
            dict(person_id="a", skill="SQL"),
            dict(person_id="a", skill="Cooking"),
            dict(person_id="a", skill="Python"),  # duplicate counts once
        ],
    )
    skills_coded = pa.table(
        {
            "skill": ["Python", "SQL", "Cooking"],
            "is_digital": [True, True, False],
            "hot_technology": [True, False, False],
        }
    )
    return (
        dict(
            persons=persons,
            positions=positions,
            credentials=credentials,
            educations=educations,
            skills=skills,
        ),
        dict(
            titles_coded=titles,
            seniority_coded=seniority_coded(titles),
            credentials_coded=cred_coded,
            education_coded=edu_coded,
            skills_coded=skills_coded,
        ),
    )


@pytest.fixture(scope="module")
def features(engine):
    tables, coded = _inputs()
    return build_person_features(engine, tables, coded, CFG)


@pytest.fixture(scope="module")
def rows(features):
    return {r["person_id"]: r for r in features.person_features.to_pylist()}


def test_schema_and_order(features):
    pf = features.person_features
    assert pf.schema == person_features_schema(CFG)
    assert pf["person_id"].to_pylist() == ["a", "b", "c", "d"]
    assert pf["weight"].to_pylist() == [1.0] * 4


def test_holder_flags_per_definition(rows):
    a, b, d = rows["a"], rows["b"], rows["d"]
    assert (a["holder_broad"], a["n_micro_broad"]) == (True, 2)
    assert (a["holder_narrow"], a["n_micro_narrow"]) == (True, 1)
    assert a["first_micro_date_broad"] == D(2017, 5, 1)
    assert a["first_micro_date_narrow"] == D(2019, 5, 1)
    # a non-micro credential does not make a holder
    assert (b["holder_broad"], b["n_credentials"]) == (False, 1)
    # no credential at all: a non-holder, not unknown
    assert d["holder_broad"] is False and d["n_micro_broad"] == 0 and d["n_credentials"] == 0


def test_high_confidence_variant_drops_low_confidence_credentials(rows):
    a = rows["a"]
    assert (a["holder_broad_hiconf"], a["n_micro_broad_hiconf"]) == (True, 1)
    assert a["holder_narrow_hiconf"] is False  # its only narrow credential has confidence 0.4
    assert a["first_micro_date_narrow_hiconf"] is None


def test_occupation_and_study_membership(rows):
    a, b, c, d = rows["a"], rows["b"], rows["c"], rows["d"]
    assert (a["noc2021"], a["occupation_group"], a["in_study"]) == (
        "21211",
        "Data scientists",
        True,
    )
    assert a["occupation_low_confidence"] is False
    assert (b["noc2021"], b["occupation_group"]) == ("21232", "Software professionals")
    assert b["occupation_low_confidence"] is True and b["in_study"] is True
    assert c["in_study"] is False  # in the occupation, outside the country
    assert d["occupation_abstained"] is None and d["in_study"] is False


def test_career_columns(rows):
    a = rows["a"]
    assert a["years_experience"] == pytest.approx((D(2026, 1, 1) - D(2018, 1, 1)).days / 365.25)
    assert a["experience_band"] == "5–10"
    assert a["occupation_entry_date"] == D(2018, 1, 1)
    assert (a["seniority"], a["seniority_rank"], a["seniority_trajectory"]) == ("senior", 3, "up")
    assert rows["d"]["experience_band"] == "unknown"
    assert rows["d"]["years_experience"] is None


def test_profile_language_falls_back_to_title_language(rows):
    assert rows["a"]["profile_language"] == "en"
    assert rows["b"]["profile_language"] == "fr"  # two French titles
    assert rows["d"]["profile_language"] == "unknown"


def test_education_and_skills(rows):
    a, b, d = rows["a"], rows["b"], rows["d"]
    assert (a["education_level"], a["education_rank"], a["field_cip2021"]) == ("master", 5, "27.05")
    assert a["formal_digital_training"] == "yes"  # any formal digital programme
    assert b["formal_digital_training"] == "no"
    assert d["formal_digital_training"] == "unknown" and d["education_level"] == "unknown"
    assert (a["n_skills"], a["n_digital_skills"], a["n_hot_skills"]) == (3, 2, 1)
    assert a["digital_skill_share"] == pytest.approx(2 / 3)
    assert d["n_skills"] == 0 and d["digital_skill_share"] is None


def test_credentials_enriched_carries_codes(features):
    ce = features.credentials_enriched.to_pylist()
    assert [(r["person_id"], r["credential_idx"]) for r in ce] == [("a", 0), ("a", 1), ("b", 0)]
    assert ce[0]["credential_type"] == "vendor_certification"  # matched with a null authority
    assert ce[1]["provider"] == "Stanford University"


def test_duplicate_coded_keys_are_an_error(engine):
    tables, coded = _inputs()
    coded["titles_coded"] = pa.concat_tables([coded["titles_coded"], coded["titles_coded"]])
    with pytest.raises(ValueError, match="titles_coded"):
        build_person_features(engine, tables, coded, CFG)


def test_bands():
    assert band_labels([0, 2, 5, 10, 20]) == ["0–2", "2–5", "5–10", "10–20", "20+"]
    assert [band_of(x, [0, 2, 5, 10, 20]) for x in (0, 1.99, 2, 19.9, 20, 45, None)] == [
        "0–2",
        "0–2",
        "2–5",
        "10–20",
        "20+",
        "20+",
        "unknown",
    ]


def test_features_from_parquet_files_equal_features_from_memory(engine, features, tmp_path):
    """The pipeline hands the features stage the canonical Parquet files (scanned from disk)."""
    import pyarrow.parquet as pq

    from microcred.features.person import _canonical

    tables, coded = _inputs()
    files = {}
    for name in tables:
        files[name] = tmp_path / f"{name}.parquet"
        pq.write_table(_canonical(tables, name), files[name])
    from_files = build_person_features(engine, files, coded, CFG)
    assert from_files.person_features.equals(features.person_features)
    assert from_files.credentials_enriched.equals(features.credentials_enriched)
    order = [("person_id", "ascending"), ("skill", "ascending")]  # person_skills is unordered
    assert from_files.person_skills.sort_by(order).equals(features.person_skills.sort_by(order))


def test_engine_release_forgets_registered_tables(tmp_path):
    from microcred.engine import Engine

    e = Engine()
    try:
        t = e.table(pa.table({"x": [1, 2, 3]}), name="kept")
        assert e.to_arrow(t.x.sum().as_table()).column(0).to_pylist() == [6]
        names = "SELECT table_name FROM information_schema.tables"
        assert ("kept",) in e.con.con.execute(names).fetchall()
        e.release()
        assert ("kept",) not in e.con.con.execute(names).fetchall()
        again = e.table(pa.table({"x": [4]}), name="kept")  # the engine still works
        assert e.to_arrow(again).num_rows == 1
    finally:
        e.close()
