"""Credential → skill signals, the CLI."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from microcred.cli import app
from microcred.coding.skills import SkillCoder, credential_skill_signals


def test_credential_skill_signals(skill_coder: SkillCoder) -> None:
    names = pa.array(
        [
            "AWS Certified Solutions Architect - Associate",
            "TensorFlow Developer Certificate",
            "Google Data Analytics Professional Certificate",
            "Certified Kubernetes Administrator (CKA)",
            "First Aid and CPR",
            None,
            "TensorFlow Developer Certificate",
        ]
    )
    table = credential_skill_signals(names, skill_coder)
    assert table.column_names == ["name", "skill_id", "skill_label"]
    got: dict[str, set[str]] = {}
    for r in table.to_pylist():
        got.setdefault(r["name"], set()).add(r["skill_id"])
    assert got["AWS Certified Solutions Architect - Associate"] == {
        "onet:Amazon Web Services AWS software"
    }
    assert got["TensorFlow Developer Certificate"] == {"onet:TensorFlow"}
    assert (
        "onet:Structured query language SQL"
        in got["Google Data Analytics Professional Certificate"]
    )
    assert got["Certified Kubernetes Administrator (CKA)"] == {"onet:Kubernetes"}
    # the ESCO skill "first aid" (a phrase), never the O*NET acronym FIRST (a single word)
    assert got["First Aid and CPR"] == {
        "esco:http://data.europa.eu/esco/skill/f7464f30-662b-4177-85a0-3df9693e9e58"
    }
    rows = list(zip(table["name"].to_pylist(), table["skill_id"].to_pylist(), strict=True))
    assert rows == sorted(set(rows))  # distinct and sorted: deterministic output


def test_cli_code_and_eval_skills(tmp_path, monkeypatch, skill_coder: SkillCoder) -> None:
    # The CLI loads the coder itself; reuse the session's so the test checks plumbing, fast.
    monkeypatch.setattr(SkillCoder, "load", classmethod(lambda cls, *a, **k: skill_coder))
    src = tmp_path / "skills.csv"
    pd.DataFrame({"s": ["Python", "MS Excel", "Python", None, "Curling"]}).to_csv(src, index=False)
    out = tmp_path / "coded.parquet"
    runner = CliRunner()
    res = runner.invoke(
        app, ["code", "skills", str(src), "--column", "s", "--distinct", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    table = pq.read_table(out)
    assert table["skill"].to_pylist() == ["Curling", "MS Excel", "Python"]
    assert table["skill_id"].to_pylist() == [None, "onet:Microsoft Excel", "onet:Python"]

    labelled = tmp_path / "labelled.csv"
    pd.DataFrame(
        {"skill": ["Python", "Curling", "Excel"], "expected_label": ["Python", "", "Tableau"]}
    ).to_csv(labelled, index=False)
    res = runner.invoke(app, ["eval", "skills", str(labelled)])
    assert res.exit_code == 0, res.output
    assert "0.667" in res.output  # 2 of 3 right
