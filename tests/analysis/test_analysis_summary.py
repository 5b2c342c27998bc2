"""findings() reads released tables only and survives suppression and absence."""

from __future__ import annotations

import math

import pandas as pd

from microcred.analysis.result import AnalysisTable
from microcred.analysis.summary import findings


def _uptake(share, lower, upper) -> AnalysisTable:
    df = pd.DataFrame(
        {
            "definition": ["broad", "broad"],
            "occupation_group": ["Data scientists", "Software professionals"],
            "n": [1000, None],
            "holders": [41, None],
            "share": [share, None],
            "lower": [lower, math.nan],
            "upper": [upper, math.nan],
        }
    )
    return AnalysisTable("uptake_by_group", "Uptake", "uptake", "m", df, released=True)


def test_uptake_sentence_with_numbers_and_suppressed_cell():
    out = findings([_uptake(0.041, 0.035, 0.048)])
    assert out[0] == (
        "Under the broad definition, 4.1 % of data scientists (95 % CI 3.5–4.8 %) list at least "
        "one microcredential."
    )
    assert "suppressed" in out[1] and "software professionals" in out[1]


def test_missing_and_empty_tables_give_no_sentence():
    assert findings([]) == []
    empty = AnalysisTable("pathways", "Pathways", "pathways", "m", pd.DataFrame())
    assert findings([empty]) == []


def test_suppressed_seniority_and_pathways():
    sen = AnalysisTable(
        "models_seniority_effect",
        "Seniority",
        "models",
        "m",
        pd.DataFrame(
            {
                "definition": ["broad"],
                "estimand": ["IPW difference in mean seniority rank"],
                "estimate": [None],
                "lower": [None],
                "upper": [None],
                "equivalence_p": [None],
            }
        ),
    )
    path = AnalysisTable(
        "pathways",
        "Pathways",
        "pathways",
        "m",
        pd.DataFrame(
            {
                "definition": ["broad", "broad"],
                "formal_digital_training": ["no", "yes"],
                "share_before_entry": [math.nan, 0.25],
                "lower": [math.nan, 0.2],
                "upper": [math.nan, 0.3],
            }
        ),
    )
    out = findings([path, sen])
    assert any("Seniority (broad definition): the estimate is suppressed" in s for s in out)
    assert any("without formal digital training" in s and "suppressed" in s for s in out)
    assert any("25.0 % (95 % CI 20.0–30.0 %)" in s for s in out)


def test_seniority_verdict_from_released_numbers():
    sen = AnalysisTable(
        "models_seniority_effect",
        "Seniority",
        "models",
        "m",
        pd.DataFrame(
            {
                "definition": ["broad", "broad"],
                "estimand": [
                    "IPW difference in mean seniority rank",
                    "IPW difference in share senior or above",
                ],
                "estimate": [0.01, 0.2],
                "lower": [-0.03, 0.1],
                "upper": [0.05, 0.3],
                "equivalence_p": [0.001, None],
            }
        ),
    )
    (only,) = findings([sen])
    assert only.startswith("Seniority (broad definition): 'No seniority difference' holds")
    assert "+0.01 ranks (95 % CI -0.03 to +0.05)" in only


def test_unexpected_shape_is_reported_not_raised():
    bad = AnalysisTable("sensitivity", "Sensitivity", "sensitivity", "m", pd.DataFrame({"x": [1]}))
    assert findings([bad]) == ["The sensitivity table could not be summarised (unexpected shape)."]


def test_holder_sentence_skips_empty_and_unknown_categories():
    df = pd.DataFrame(
        {
            "definition": ["broad"] * 3,
            "variable": ["experience_band", "province", "education_level"],
            "category": ["0–2", "unknown", "master"],
            "holders_in_category": [0, 30, 20],
            "non_holders_in_category": [40, 10, 100],
            "share_holders": [0.0, 0.3, 0.2],
            "share_non_holders": [0.04, 0.01, 0.1],
            "smd": [-0.9, 0.8, 0.28],
        }
    )
    t = AnalysisTable("holders_vs_non_holders", "Holders", "holders", "m", df)
    (only,) = findings([t])
    assert "education level 'master': 20.0 % of holders vs 10.0 % of non-holders" in only
