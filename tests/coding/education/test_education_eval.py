"""Evaluation report and the ``code education`` / ``eval education`` commands."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from microcred.cli import app
from microcred.evaluation.education import evaluate_education


def _labelled() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "degree": ["BSc", "Maîtrise", "Bootcamp", "BA"],
            "field": ["Computer Science", "Informatique", "", "History"],
            "school": ["McGill", "Université Laval", "Lighthouse Labs", "UBC"],
            "education_level": [
                "bachelor",
                "master",
                "not_education",
                "doctorate",
            ],  # last is wrong
            "cip2021": ["11.07", "11.07", "", "54"],
            "formal_digital_training": ["yes", "yes", "no", "no"],
            "language": ["en", "fr", "en", "en"],
        }
    )


def test_report_counts_right_and_wrong() -> None:
    report = evaluate_education(_labelled())
    assert report.n == 4
    assert report.level_accuracy == pytest.approx(0.75)
    assert report.cip2_n == 3 and report.cip2_accuracy == pytest.approx(1.0)
    assert report.confusion.loc["doctorate", "bachelor"] == 1
    assert report.by_language == {"en": pytest.approx(2 / 3), "fr": 1.0}
    assert list(report.errors["degree"]) == ["BA"]
    text = report.format()
    assert "level accuracy" in text and "0.750" in text


def test_bad_label_names_row_and_field(tmp_path) -> None:
    df = _labelled()
    df.loc[2, "education_level"] = "phd-ish"
    path = tmp_path / "bad.csv"
    df.to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"bad\.csv.*row 4.*education_level"):
        evaluate_education(path)


def test_cli_code_and_eval(tmp_path) -> None:
    src = tmp_path / "in.csv"
    pd.DataFrame(
        {
            "deg": ["BSc", "BSc", "DEC"],
            "fld": ["Computer Science", "Computer Science", None],
            "sch": ["McGill", "McGill", "Cégep"],
        }
    ).to_csv(src, index=False)
    out = tmp_path / "out.parquet"
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "code",
            "education",
            str(src),
            "--degree-column",
            "deg",
            "--field-column",
            "fld",
            "--school-column",
            "sch",
            "--distinct",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    table = pq.read_table(out)
    assert table.num_rows == 2  # distinct (degree, field, school)
    assert sorted(table["education_level"].to_pylist()) == ["bachelor", "college"]

    res = runner.invoke(
        app, ["code", "education", str(src), "--degree-column", "nope", "--out", str(out)]
    )
    assert res.exit_code != 0 and "nope" in res.output

    labelled = tmp_path / "labelled.csv"
    _labelled().to_csv(labelled, index=False)
    res = runner.invoke(app, ["eval", "education", str(labelled)])
    assert res.exit_code == 0, res.output
    assert "level accuracy" in res.output
