"""validate sample → review → validate score → run --validation: the uptake table is
corrected with the reviewed sample's rates, and says so."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
from e2e_support import DemoRun
from typer.testing import CliRunner

from microcred.cli import app
from microcred.pipeline import run


def test_reviewed_sample_corrects_the_published_uptake(demo_run: DemoRun, tmp_path) -> None:
    out = demo_run.result.out_dir
    review = tmp_path / "review.csv"
    res = CliRunner().invoke(
        app, ["validate", "sample", str(out), "--n", "120", "--out", str(review)]
    )
    assert res.exit_code == 0, res.output
    df = pd.read_csv(review, dtype=str, keep_default_na=False)
    assert len(df) == 120
    # no direct identifiers: pseudonymous ids and coded/raw credential and title strings only
    assert not {"name", "email", "url", "company", "profile_url"} & set(df.columns)
    defs = demo_run.options.config.definition_names()
    # the reviewer agrees with the coder except that every third coded holder is not one
    df["reviewed_noc2021"] = df["coded_noc2021"].replace("", "none")
    for d in defs:
        held = df[f"coded_holder_{d}"] == "yes"
        wrong = held & (held.cumsum() % 3 == 0)
        df[f"reviewed_holder_{d}"] = df[f"coded_holder_{d}"].where(~wrong, "no")
    df.to_csv(review, index=False)
    target = tmp_path / "validation.json"
    res = CliRunner().invoke(
        app, ["validate", "score", str(out), str(review), "--out", str(target)]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(target.read_text())
    assert doc["holder_status"][defs[0]]["specificity"]["estimate"] < 1.0

    opts = dataclasses.replace(
        demo_run.options, out_dir=tmp_path / "corrected", validation_path=target
    )
    result = run(opts)
    assert result.manifest["validation_input"]
    up = pd.read_csv(result.out_dir / "tables" / "uptake_by_group.csv")
    assert set(up["correction_method"]) == {"validation_sample"}
    shown = up.dropna(subset=["share", "corrected_share"])
    assert len(shown)  # some cells pass disclosure control
    # false positives only: the corrected share is below the coded one
    assert (shown["corrected_share"] <= shown["share"] + 1e-12).all()
    before = pd.read_csv(out / "tables" / "uptake_by_group.csv")
    assert set(before["correction_method"]) == {"probabilistic_bias_analysis"}
