"""Evaluation report and the two CLI commands."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from microcred.cli import app
from microcred.evaluation.credentials import evaluate_credentials

LABELLED = pd.DataFrame(
    {
        "name": ["AWS SAA-C03", "Hackathon winner", "Google Data Analytics Certificate", "P.Eng."],
        "authority": ["", "", "Coursera", "PEO"],
        "url": ["", "", "", ""],
        "credential_type": [
            "vendor_certification",
            "training_attendance",
            "mooc_certificate",
            "academic_credential",  # deliberately wrong label: one error expected
        ],
        "provider": ["Amazon Web Services", "", "google", "Professional Engineers Ontario"],
        "language": ["en", "en", "en", "en"],
    }
)


def test_report_counts_errors_and_micro_scores():
    report = evaluate_credentials(LABELLED)
    assert report.n == 4
    assert report.type_accuracy == pytest.approx(0.75)
    assert len(report.errors) == 1 and report.errors.iloc[0]["name"] == "P.Eng."
    # labelled broad positives: SAA-C03 and the Google certificate, both found
    assert report.micro["broad"].recall == 1.0 and report.micro["broad"].precision == 1.0
    assert report.micro["narrow"].support == 1
    assert report.provider_n == 3 and report.provider_accuracy == 1.0  # case-insensitive
    assert report.confusion.loc["academic_credential", "professional_licence"] == 1
    assert "type accuracy: 75.0%" in report.format()


def test_bad_label_names_file_row_and_field(tmp_path):
    bad = LABELLED.copy()
    bad.loc[2, "credential_type"] = "mooc"
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"bad.csv: row 4, field credential_type"):
        evaluate_credentials(path)


def test_cli_eval_and_code(tmp_path):
    labelled = tmp_path / "labelled.csv"
    LABELLED.to_csv(labelled, index=False)
    runner = CliRunner()
    result = runner.invoke(app, ["eval", "credentials", str(labelled)])
    assert result.exit_code == 0, result.output
    assert "75.0%" in result.output

    src = tmp_path / "in.csv"
    pd.DataFrame(
        {
            "cert": ["CKA", "CKA", "Learning Python"],
            "org": ["CNCF", "CNCF", "LinkedIn"],
            "link": ["", "", "https://www.linkedin.com/learning/certificates/abc123"],
        }
    ).to_csv(src, index=False)
    out = tmp_path / "out.parquet"
    result = runner.invoke(
        app,
        [
            "code", "credentials", str(src), "--name-column", "cert", "--authority-column", "org",
            "--url-column", "link", "--distinct", "--out", str(out),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    table = pq.read_table(out).to_pylist()
    assert len(table) == 2  # distinct triples only
    learning = next(r for r in table if r["name"] == "Learning Python")
    assert learning["url_host"] == "linkedin.com/learning"  # no person-identifying path
    assert learning["platform"] == "LinkedIn Learning"
    missing = runner.invoke(
        app, ["code", "credentials", str(src), "--name-column", "nope", "--out", str(out)]
    )
    assert missing.exit_code != 0
    assert "nope" in missing.output


def test_confusion_out_writes_well_formed_json(tmp_path):
    import json

    labelled = tmp_path / "labelled.csv"
    LABELLED.to_csv(labelled, index=False)
    out = tmp_path / "sub" / "confusion.json"
    result = CliRunner().invoke(
        app, ["eval", "credentials", str(labelled), "--confusion-out", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    labels = data["labels"]
    assert labels[-1] == "unknown" and len(labels) == 11
    matrix = data["matrix"]
    assert len(matrix) == len(labels) and all(len(r) == len(labels) for r in matrix)
    assert sum(map(sum, matrix)) == data["n"] == 4
    diagonal = sum(matrix[i][i] for i in range(len(labels)))
    assert diagonal == 3  # the deliberately wrong label is off the diagonal
    acad, lic = labels.index("academic_credential"), labels.index("professional_licence")
    assert matrix[acad][lic] == 1
    broad = data["is_micro"]["broad"]
    assert broad["tp"] + broad["fp"] + broad["fn"] + broad["tn"] == 4 and broad["tp"] == 2
    again = tmp_path / "again.json"
    evaluate_credentials(labelled).write_confusion(again)
    assert again.read_bytes() == out.read_bytes()  # same input, same bytes


def test_none_label_and_platform_are_scored():
    df = pd.DataFrame(
        {
            "name": ["Hackathon winner", "Learning SQL Programming"],
            "authority": ["", "LinkedIn"],
            "url": ["", ""],
            "credential_type": ["training_attendance", "mooc_certificate"],
            "provider": ["(none)", "LinkedIn Learning"],
            "platform": ["(none)", "LinkedIn Learning"],
        }
    )
    report = evaluate_credentials(df)
    assert report.provider_n == 2 and report.platform_n == 2
    assert report.platform_accuracy == 1.0
    assert report.provider_accuracy == 1.0, report.provider_errors  # "(none)" = empty
    wrong = df.assign(provider=["Hack the North", "LinkedIn Learning"])
    assert evaluate_credentials(wrong).provider_accuracy == 0.5
    lo, hi = report.type_interval
    assert 0.0 <= lo <= report.type_accuracy <= hi <= 1.0
