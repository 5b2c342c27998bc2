"""The Python API: coders over pandas and Arrow keep the caller's rows; Study wraps the pipeline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import microcred
from microcred.config import StudyConfig


def test_import_is_lazy() -> None:
    code = "import sys, microcred; print(sorted(m for m in ('pandas', 'microcred.api', 'pyarrow') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert callable(microcred.code_titles) and microcred.Study is microcred.api.Study


def test_code_titles_on_pandas_keeps_index_order_and_dtypes() -> None:
    df = pd.DataFrame(
        {
            "title": ["Développeur web", "Data Scientist", None, "Data Scientist", "zzqx"],
            "noc2021": ["00010", "21211", None, None, None],  # a hand-coded column
            "years": [3, 5, 7, 9, 11],
        },
        index=[50, 40, 30, 20, 10],
    )
    out = microcred.code_titles(df, column="title")
    assert list(out.index) == [50, 40, 30, 20, 10]
    assert out["years"].tolist() == [3, 5, 7, 9, 11] and out["years"].dtype == df["years"].dtype
    assert out["noc2021_input"].tolist()[:2] == ["00010", "21211"]  # the caller's column, renamed
    assert out.loc[40, "noc2021"] == "21211" and out.loc[20, "noc2021"] == "21211"
    assert out.loc[40, "teer"] == "1"  # codes are text
    assert pd.isna(out.loc[30, "noc2021"]) and pd.isna(out.loc[10, "noc2021"])
    assert out["noc2021_confidence"].dtype == "Float64"
    for col in ("noc2021_title", "noc2021_confidence", "coding_method", "taxonomy_version"):
        assert col in out.columns


def test_code_titles_appends_the_seniority_coders_label_before_provenance() -> None:
    out = microcred.code_titles(
        pa.table({"title": ["Senior Data Scientist", "Stagiaire", "Nurse"]})
    )
    assert out["seniority"].to_pylist() == ["senior", "intern", "unknown"]
    names = out.column_names
    assert names.index("soc2018") < names.index("seniority") < names.index("coding_method")


def test_arrow_in_arrow_out_and_distinct() -> None:
    table = pa.table({"skill": ["SQL", "Python", "SQL", None], "id": ["a", "b", "c", "d"]})
    out = microcred.code_skills(table)
    assert isinstance(out, pa.Table)
    assert out["id"].to_pylist() == ["a", "b", "c", "d"]
    ids = out["skill_id"].to_pylist()
    assert ids[0] == ids[2] == "onet:Structured query language SQL" and ids[1] == "onet:Python"
    assert ids[3] is None
    distinct = microcred.code_skills(table, distinct=True)
    assert distinct["skill"].to_pylist() == ["Python", "SQL"]


def test_credentials_and_education_on_pandas() -> None:
    creds = pd.DataFrame(
        {
            "cert": ["Google Data Analytics", "AWS Certified Cloud Practitioner"],
            "link": ["https://www.coursera.org/account/accomplishments/verify/ABC", None],
        }
    )
    out = microcred.code_credentials(creds, name_column="cert", url_column="link")
    assert out["credential_type"].tolist() == ["mooc_certificate", "vendor_certification"]
    assert out["url_host"].tolist()[0] == "coursera.org/account"  # host kept, personal path dropped
    assert "is_micro_broad" in out.columns
    ed = pd.DataFrame({"deg": ["Baccalauréat en informatique", "DEC"]})
    levels = microcred.code_education(ed, degree_column="deg")["education_level"].tolist()
    assert levels == ["bachelor", "college"]


def test_a_missing_column_names_the_columns_there_are() -> None:
    with pytest.raises(KeyError, match="columns: title"):
        microcred.code_titles(pd.DataFrame({"title": ["x"]}), column="job")


def test_study_from_yaml_uses_its_thresholds(tmp_path: Path) -> None:
    path = tmp_path / "study.yaml"
    path.write_text("coding:\n  occupation_min_confidence: 0.999\n", encoding="utf-8")
    strict = microcred.Study.from_yaml(path)
    assert strict.config.coding.occupation_min_confidence == 0.999
    titles = pd.DataFrame({"title": ["Data Scientist", "Ingénieur logiciel principal chez X"]})
    default = microcred.Study().code_titles(titles)
    assert default["noc2021"].notna().sum() > strict.code_titles(titles)["noc2021"].notna().sum()


def test_study_run_passes_its_settings_to_the_pipeline(tmp_path: Path, monkeypatch) -> None:
    import microcred.pipeline as pipeline

    seen = {}
    monkeypatch.setattr(pipeline, "run", lambda opts: seen.setdefault("opts", opts))
    study = microcred.Study(StudyConfig(seed=5), memory_limit="1GB", cache_dir=tmp_path / "c")
    study.run("jsonl", tmp_path / "in.jsonl", tmp_path / "out", quiet=False)
    opts = seen["opts"]
    assert (opts.source, opts.input_path, opts.out_dir) == (
        "jsonl",
        tmp_path / "in.jsonl",
        tmp_path / "out",
    )
    assert opts.config.seed == 5 and opts.engine.memory_limit == "1GB"
    assert opts.cache_dir == tmp_path / "c" and opts.quiet is False
    with pytest.raises(ValueError, match="unknown source"):
        study.run("csv", tmp_path / "x", tmp_path / "out")


def test_empty_and_all_blank_inputs_keep_their_rows() -> None:
    empty = microcred.code_skills(pd.DataFrame({"skill": pd.Series([], dtype="string")}))
    assert len(empty) == 0 and "skill_id" in empty.columns
    blank = microcred.code_titles(pd.DataFrame({"title": [None, None]}))
    assert len(blank) == 2 and blank["noc2021"].isna().all()
    numbers = microcred.code_titles(pa.table({"title": pa.array([21211, 3])}))
    assert numbers["title"].to_pylist() == [21211, 3]  # the caller's column is untouched
