"""Guards (generic titles, digital codes) and the title evaluation's new figures."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
from typer.testing import CliRunner

from microcred.coding.occupation.guards import REASON_GENERIC
from microcred.evaluation.titles import (
    evaluate_titles,
    expected_calibration_error,
    top_share_accuracy,
    wilson,
)

GENERIC = ["Intern", "Teacher", "Engineer", "Consultant", "Manager", "Stagiaire", "Enseignant"]


def test_generic_titles_abstain(coder):
    out = coder.code(pa.array(GENERIC)).to_pandas()
    assert out["noc2021"].isna().all(), out[["title", "noc2021"]]
    assert (out["abstain_reason"].fillna("") != "").all()
    assert REASON_GENERIC in set(out["abstain_reason"])


def test_context_decides_a_generic_title(coder):
    out = coder.code(
        ["Teacher", "Teacher", "Engineer", "Teacher"],
        context=["Lakeview Elementary School", "Central High School", "Acme Software", None],
    ).to_pandas()
    assert out["noc2021"].tolist()[:3] == ["41221", "41220", "21231"]
    assert out["coding_method"].iloc[0] == "context-rule"
    assert pd.isna(out["noc2021"].iloc[3])


def test_non_digital_titles_stay_off_digital_codes(coder):
    titles = [
        "Operations Engineer",
        "Business Development Engineer",
        "Learning Consultant",
        "Call Center Representative",
        "Quality Engineer",
    ]
    digital = coder._guards.digital_codes
    out = coder.code(titles).to_pandas()
    assert not set(out["noc2021"].dropna()) & digital, out[["title", "noc2021"]]
    # a digital title keeps its digital code
    assert coder.code(["Software Engineer"]).to_pandas()["noc2021"][0] in digital


def test_wilson_ece_and_top_share():
    lo, hi = wilson(0.9, 100)
    assert 0.82 < lo < 0.9 < hi < 0.95
    conf = np.array([0.9, 0.9, 0.5, 0.5, np.nan])
    right = np.array([True, True, True, False, False])
    assert abs(expected_calibration_error(conf, right) - 0.05) < 1e-9
    assert top_share_accuracy(conf, right, 0.4) == 1.0


def test_acceptable_column_used_when_present(coder):
    df = pd.DataFrame(
        {"title": ["Software Engineer"], "noc2021": ["21232"], "acceptable": ["21231"]}
    )
    assert evaluate_titles(df, coder=coder).accuracy[5] == 1.0
    df2 = df.drop(columns="acceptable")
    assert evaluate_titles(df2, coder=coder).accuracy[5] == 0.0


def test_eval_writes_confusion_json(tmp_path):
    from microcred.cli import app

    labelled = tmp_path / "l.csv"
    pd.DataFrame(
        {
            "title": ["Software Engineer", "Cashier", "Intern"],
            "noc2021": ["21231", "65100", "31102"],
        }
    ).to_csv(labelled, index=False)
    out = tmp_path / "confusion.json"
    res = CliRunner().invoke(app, ["eval", "titles", str(labelled), "--confusion-out", str(out)])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert doc["format"] == "microcred-confusion-1" and doc["n"] == 3
    assert sum(sum(r.values()) for r in doc["counts"].values()) == 3
    assert doc["counts"]["21231"] == {"21231": 1}
    assert doc["counts"]["31102"] == {"": 1}


def test_eval_scores_each_group_of_a_column(tmp_path):
    from microcred.cli import app

    labelled = tmp_path / "l.csv"
    pd.DataFrame(
        {
            "title": ["Software Engineer", "Cashier", "Data Scientist", "zzqx vlorp"],
            "noc2021": ["21231", "65100", "21211", "21211"],
            "style": ["profile", "us", "profile", "us"],
        }
    ).to_csv(labelled, index=False)
    res = CliRunner(env={"COLUMNS": "250"}).invoke(
        app, ["eval", "titles", str(labelled), "--by-column", "style"]
    )
    assert res.exit_code == 0, res.output
    lines = {ln.split("│")[1].strip(): ln for ln in res.output.splitlines() if ln.count("│") > 5}
    assert set(lines) >= {"profile", "us"}
    # profile titles both right: 1.000; the us group has a nonsense title (never right)
    assert lines["profile"].split("│")[3].strip() == "1.000"
    assert lines["us"].split("│")[3].strip() != "1.000"
    res = CliRunner().invoke(app, ["eval", "titles", str(labelled), "--by-column", "nope"])
    assert res.exit_code != 0 and "nope" in res.output


def test_digital_cue_mask_over_a_batch_equals_the_per_key_check(coder):
    guards = coder._guards
    base = [
        "software engineer",
        "data",
        "analyste donnees",
        "itinerant nurse",  # "it" inside a word is not a cue
        "it support",
        "development and operations team lead",
        "cœur de metier informatique",  # not ASCII: Python's re
        "ingénieur réseau",
        "chef cuisinier",
        "soc analyst",
        "associate",
    ]
    keys = [f"{k} {i}" if i % 3 else k for i in range(60) for k in base]
    assert len(keys) >= 512
    mask = guards.digital_cue_mask(keys)
    assert mask.tolist() == [guards.has_digital_cue(k) for k in keys]
    assert mask[: len(base)].any() and not mask[: len(base)].all()
