"""Education coder: levels from EN/FR degree spellings, CIP fields, formal digital training."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

from microcred import schema
from microcred.coding.base import CoderSettings
from microcred.coding.education import LEVEL_RANK, LEVELS, NOT_EDUCATION, EducationCoder
from microcred.coding.education.coder import LEXICON_OPTION


@pytest.fixture(scope="module")
def coder() -> EducationCoder:
    return EducationCoder.load()


def code_rows(coder: EducationCoder, rows: list[tuple], with_school: bool = True) -> list[dict]:
    data = {
        "degree": pa.array([r[0] for r in rows], pa.string()),
        "field": pa.array([r[1] for r in rows], pa.string()),
    }
    if with_school:
        data["school"] = pa.array([r[2] if len(r) > 2 else None for r in rows], pa.string())
    return coder.code(pa.table(data)).to_pylist()


@pytest.mark.parametrize(
    ("degree", "level"),
    [
        ("Bachelor of Science - BS", "bachelor"),
        ("B.Sc.", "bachelor"),
        ("BComm", "bachelor"),
        ("B.Eng.", "bachelor"),
        ("Baccalauréat", "bachelor"),
        ("B. Sc. A.", "bachelor"),
        ("Bacc.", "bachelor"),
        ("Licence", "bachelor"),
        ("M.Sc.", "master"),
        ("Maîtrise", "master"),
        ("M. Sc. A.", "master"),
        ("MBA", "master"),
        ("Master's degree", "master"),
        ("Ph. D.", "doctorate"),
        ("Ph.D", "doctorate"),
        ("PhD", "doctorate"),
        ("Doctorat", "doctorate"),
        ("DPhil", "doctorate"),
        ("Doctor of Medicine - MD", "professional_degree"),
        ("Doctorat en médecine (M.D.)", "professional_degree"),
        ("Juris Doctor - JD", "professional_degree"),
        ("LL.B.", "professional_degree"),
        ("Diplôme d'études collégiales (DEC)", "college"),
        ("AEC", "college"),
        ("Advanced Diploma", "college"),
        ("Associate's degree", "college"),
        ("DESS", "graduate_certificate"),
        ("Post Graduate Certificate", "graduate_certificate"),
        ("Diplôme d'études professionnelles (DEP)", "apprenticeship_trades"),
        ("Certificate of Apprenticeship", "apprenticeship_trades"),
        ("High School Diploma", "no_postsecondary"),
        ("Diplôme d'études secondaires", "no_postsecondary"),
        ("DES", "no_postsecondary"),
    ],
)
def test_degree_spellings_en_fr(coder: EducationCoder, degree: str, level: str) -> None:
    (row,) = code_rows(coder, [(degree, None, None)])
    assert row["education_level"] == level
    assert row["level_rank"] == LEVEL_RANK[level]
    assert row["is_credential"] is False


def test_whole_only_abbreviations_do_not_fire_inside_longer_text(coder: EducationCoder) -> None:
    # "des" is the French article in "administration des affaires", not a secondary diploma.
    (row,) = code_rows(coder, [("Baccalauréat en administration des affaires", None)])
    assert row["education_level"] == "bachelor"
    assert row["cip2021"] == "52.02"


def test_french_bac_at_a_lycee_is_secondary_school(coder: EducationCoder) -> None:
    rows = code_rows(
        coder,
        [("Baccalauréat", "Série S", "Lycée Henri-IV"), ("Baccalauréat", None, "Université Laval")],
    )
    assert [r["education_level"] for r in rows] == ["no_postsecondary", "bachelor"]


@pytest.mark.parametrize(
    ("degree", "field", "cip"),
    [
        ("Bachelor of Science - BS", "Computer Science", "11.07"),
        ("Baccalauréat", "Informatique", "11.07"),
        ("Baccalauréat en génie logiciel", None, "14.09"),
        ("Maîtrise", "Génie informatique", "14.09"),
        ("MSc", "Statistics", "27.05"),
        ("Maîtrise en statistique", None, "27.05"),
        ("Master's degree", "Data Science", "30.70"),
        ("Maîtrise en science des données", None, "30.70"),
        ("Bachelor's degree", "Mathematics and Computer Science", "30.08"),
        ("MBA", None, "52.02"),
        ("Maîtrise en administration des affaires", None, "52.02"),
        ("BA", "Economics", "45.06"),
        ("Baccalauréat en sciences économiques", None, "45.06"),
        ("BASc", "Electrical Engineering", "14.10"),
        ("Baccalauréat en génie électrique", None, "14.10"),
        ("PhD", "Electrical and Computer Engineering", "14.10"),
        ("BSc", "Biology", "26"),
        ("BA", "Psychology", "42"),
        ("B.Sc.", "Mathématiques", "27.01"),
    ],
)
def test_field_of_study_to_cip(
    coder: EducationCoder, degree: str, field: str | None, cip: str
) -> None:
    (row,) = code_rows(coder, [(degree, field)])
    assert row["cip2021"] == cip
    assert row["cip2021_title"]  # every code carries its CIP title


def test_linkedin_degree_with_field_in_one_string(coder: EducationCoder) -> None:
    (row,) = code_rows(coder, [("Bachelor of Science - BS, Computer Science", None)])
    assert (row["education_level"], row["cip2021"], row["formal_digital_training"]) == (
        "bachelor",
        "11.07",
        "yes",
    )


@pytest.mark.parametrize(
    ("degree", "field", "expected"),
    [
        ("BSc", "Computer Science", "yes"),
        ("Maîtrise", "Statistique", "yes"),
        ("DEC", "Techniques de l'informatique", "yes"),
        ("BEng", "Software Engineering", "yes"),
        ("Master's degree", "Business Analytics", "yes"),
        ("BA", "History", "no"),
        ("BASc", "Electrical Engineering", "no"),  # 14.10 is not in the digital fields
        ("BSc", None, "unknown"),  # field unknown
        ("Exchange Program", "Computer Science", "unknown"),  # level unknown
        ("DEP", "Soutien informatique", "no"),  # trades: not a degree
        ("High School Diploma", None, "no"),
    ],
)
def test_formal_digital_training(
    coder: EducationCoder, degree: str, field: str | None, expected: str
) -> None:
    (row,) = code_rows(coder, [(degree, field)])
    assert row["formal_digital_training"] == expected


@pytest.mark.parametrize(
    ("degree", "field", "school"),
    [
        ("Certificate", "Data Science Bootcamp", "Lighthouse Labs"),
        ("Diploma", "Web Development", "BrainStation"),
        ("Google Data Analytics Certificate", None, "Coursera"),
        ("AWS Certified Solutions Architect - Associate", None, "Amazon Web Services"),
        ("Nanodegree", "Data Analyst", "Udacity"),
        ("Microprogramme de 2e cycle", "Intelligence artificielle", "Université Laval"),
        ("Certificate", "Data Science", "University of Toronto School of Continuing Studies"),
        ("Formation intensive", "Développement web", "Le Wagon"),
    ],
)
def test_bootcamps_and_moocs_are_credentials(
    coder: EducationCoder, degree: str, field: str | None, school: str
) -> None:
    (row,) = code_rows(coder, [(degree, field, school)])
    assert row["education_level"] == NOT_EDUCATION
    assert row["is_credential"] is True
    assert row["level_rank"] is None
    assert row["formal_digital_training"] == "no"


def test_degree_beats_credential_words_and_school(coder: EducationCoder) -> None:
    rows = code_rows(
        coder,
        [
            ("Master of Science, Specialization in AI", None, "University of Toronto"),
            ("Graduate Certificate", "Artificial Intelligence", "Humber College"),
        ],
    )
    assert [r["education_level"] for r in rows] == ["master", "graduate_certificate"]
    assert not any(r["is_credential"] for r in rows)


@pytest.mark.parametrize(
    ("degree", "field", "school"),
    [
        (None, None, None),
        ("", "", ""),
        ("Exchange Program", "Physics", "ETH Zurich"),
        ("PhD Candidate", "Computer Science", "University of Toronto"),
        ("Coursework", None, "University of Ottawa"),
        ("zzz qqq", None, "University of Ottawa"),
    ],
)
def test_unknown_stays_unknown(coder: EducationCoder, degree, field, school) -> None:
    (row,) = code_rows(coder, [(degree, field, school)])
    assert row["education_level"] == "unknown"
    assert row["level_rank"] is None
    assert row["coding_confidence"] == 0.0


def test_school_hint_gives_college_for_quebec_programmes(coder: EducationCoder) -> None:
    (row,) = code_rows(
        coder, [("Sciences informatiques et mathématiques", None, "Collège Jean-de-Brébeuf")]
    )
    assert row["education_level"] == "college"
    assert row["cip2021"] == "30.08"
    assert row["coding_confidence"] < 0.95  # a hint, not a stated level


def test_schema_conformity(coder: EducationCoder) -> None:
    rows = [("BSc", "Computer Science", "McGill"), ("DEC", None, "Cégep de Sherbrooke")]
    with_school = coder.code(
        pa.table(
            {
                k: pa.array([r[i] for r in rows], pa.string())
                for i, k in enumerate(("degree", "field", "school"))
            }
        )
    )
    assert (
        with_school.schema.remove(with_school.schema.get_field_index("school"))
        == schema.EDUCATION_CODED
    )
    assert with_school.column_names[:2] == ["degree", "field"]
    assert with_school.column_names[-1] == "school"
    without = coder.code(
        pa.table({"degree": pa.array(["BSc"]), "field": pa.array([None], pa.string())})
    )
    assert without.schema == schema.EDUCATION_CODED
    only_degree = coder.code(pa.table({"degree": pa.array(["MBA"])}))
    assert only_degree.schema == schema.EDUCATION_CODED
    assert only_degree["cip2021"].to_pylist() == ["52.02"]
    empty = coder.code(
        pa.table({"degree": pa.array([], pa.string()), "field": pa.array([], pa.string())})
    )
    assert empty.num_rows == 0 and empty.schema == schema.EDUCATION_CODED
    for row in with_school.to_pylist():
        assert row["taxonomy_version"] and row["coding_method"].startswith("rules:")


def test_missing_degree_column_is_a_clear_error(coder: EducationCoder) -> None:
    with pytest.raises(ValueError, match="degree"):
        coder.code(pa.table({"field": pa.array(["Math"])}))


def test_non_text_columns_are_read_as_text_or_refused(coder: EducationCoder) -> None:
    # A dictionary-encoded column (as Parquet readers give) is text; a list column is not.
    batch = pa.table({"degree": pa.array(["BSc", "MBA"]).dictionary_encode()})
    assert coder.code(batch)["education_level"].to_pylist() == ["bachelor", "master"]
    with pytest.raises(ValueError, match="'degree' is not text"):
        coder.code(pa.table({"degree": pa.array([["BSc"]])}))


def test_deterministic_and_order_independent(coder: EducationCoder) -> None:
    rows = [
        ("BSc", "Computer Science", "McGill"),
        ("Maîtrise", "Informatique", "Université Laval"),
        ("Bootcamp", None, "Le Wagon"),
        ("DEC", "Sciences de la nature", "Cégep de Lévis"),
        ("Ph. D.", "Génie électrique", "Polytechnique Montréal"),
    ]
    first = code_rows(coder, rows)
    again = code_rows(EducationCoder.load(), rows)
    assert first == again
    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)
    by_key = {(r["degree"], r["field"], r["school"]): r for r in code_rows(coder, shuffled)}
    assert [by_key[(r["degree"], r["field"], r["school"])] for r in first] == first


def test_levels_are_ranked_in_order() -> None:
    assert [LEVEL_RANK[level] for level in LEVELS] == list(range(1, len(LEVELS) + 1))
    assert LEVEL_RANK["master"] > LEVEL_RANK["bachelor"] > LEVEL_RANK["college"]


def _lexicons(folder) -> CoderSettings:
    return CoderSettings(options={LEXICON_OPTION: str(folder)})


def test_broken_lexicon_names_the_file(tmp_path) -> None:
    from microcred.coding.education import DATA_DIR

    for f in DATA_DIR.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "fields.yaml").write_text(
        "phrases: {'99.99': [nowhere]}\nimplied: {}\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match=r"fields\.yaml.*99\.99"):
        EducationCoder.load(None, _lexicons(tmp_path))
    (tmp_path / "levels.yaml").write_text("levels: [\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"levels\.yaml"):
        EducationCoder.load(None, _lexicons(tmp_path))


def test_normalise_array_equals_normalise_for_every_character_below_u2300() -> None:
    """The Arrow path folds Latin accents itself and sends the rest to ``normalise``."""
    from microcred.coding.education import normalise, normalise_array

    values: list[str | None] = [None, "", "B. Sc. A.", "Diplôme d’études collégiales (D.E.C.)"]
    for code in range(0x80, 0x2300):
        ch = chr(code)
        values += [ch, f"a{ch}b", f"M. {ch}{ch} É"]
    got = normalise_array(pa.array(values, pa.string())).to_pylist()
    assert got == [normalise(v) for v in values]


def test_batch_coding_equals_row_by_row_coding(coder: EducationCoder) -> None:
    """Rows sharing a reading are coded once per batch; each must code as it does alone."""
    rows = [
        ("BSc", "Computer Science", "McGill"),
        ("B.Sc.", "computer science", "McGill University"),
        ("Certificate", None, "Cégep de Lévis"),
        ("Certificate", None, "University of Toronto School of Continuing Studies"),
        ("Baccalauréat", None, "Lycée Henri-IV"),
        ("Baccalauréat", "Informatique", "Université Laval"),
        ("PhD candidate", "Statistics", None),
        (None, "Data Science", "Collège Ahuntsic"),
        ("Data Science Bootcamp", None, "Lighthouse Labs"),
        ("MBA", None, None),
    ]
    batch = code_rows(coder, rows)
    alone = [code_rows(coder, [row])[0] for row in rows]
    assert batch == alone
