"""Limitations the report finds in the run's own numbers: each check fires above its threshold only."""

from __future__ import annotations

import dataclasses

import pandas as pd
from html_probe import parse
from report_fakes import make_context, make_tables

from microcred.analysis.result import AnalysisTable
from microcred.report import render_report
from microcred.report.limitations import detect_limitations

NAN = float("nan")


def _context(**changes):
    return dataclasses.replace(make_context(), **changes)


def _quiet_context(**changes):
    """Nothing to report: clean accounting, low abstention, weighting that worked."""
    base = {
        "accounting": [
            {"file": "a.jsonl", "rows_read": 1000, "rows_ingested": 1000, "rows_quarantined": 0}
        ],
        "coding": [{"coder": "occupation", "distinct": 100, "coded": 99, "abstained": 1}],
        "weighting": {
            "n_persons": 1000,
            "n_in_frame": 995,
            "deff": 1.4,
            "ess": 700,
            "converged": True,
        },
    }
    return _context(**{**base, **changes})


def _only_baseline(found: list[str]) -> list[str]:
    return [f for f in found if not f.startswith("Weights match the population")]


def test_a_clean_run_reports_only_the_standing_representativeness_caveat() -> None:
    found = detect_limitations([], _quiet_context())
    assert len(found) == 1 and found[0].startswith("Weights match the population on the raking")


def test_quarantined_and_skipped_rows_are_reported_with_their_share() -> None:
    ctx = _quiet_context(
        accounting=[
            {"file": "a.jsonl", "rows_read": 1000, "rows_ingested": 950, "rows_quarantined": 50},
            {
                "file": "b.csv",
                "rows_read": 1000,
                "rows_ingested": 990,
                "rows_quarantined": 0,
                "rows_skipped": 10,
            },
        ]
    )
    found = _only_baseline(detect_limitations([], ctx))
    assert found[0].startswith("2.5% of input rows (50 of 2,000) were quarantined")
    assert found[1].startswith("10 input rows (0.5%) were skipped on purpose")
    # Below 1 % quarantined is not a limitation.
    ctx = _quiet_context(
        accounting=[{"file": "a", "rows_read": 1000, "rows_ingested": 995, "rows_quarantined": 5}]
    )
    assert _only_baseline(detect_limitations([], ctx)) == []


def test_a_coder_that_abstains_often_is_named() -> None:
    ctx = _quiet_context(
        coding=[
            {"coder": "occupation (NOC 2021)", "distinct": 8123, "abstained": 703},  # 8.7 %
            {"coder": "credential type", "distinct": 3011, "abstained": 141},  # 4.7 %: under 5 %
        ]
    )
    found = _only_baseline(detect_limitations([], ctx))
    assert found == [
        "The occupation (NOC 2021) coder abstained on 8.7% of the distinct values it saw "
        "(703 of 8,123); people with those values count as unknown, not as a guess."
    ]


def test_the_share_of_suppressed_cells_and_the_worst_tables_are_reported() -> None:
    # The fake tables hold 318 released value cells, 24 of them null (7.5 %: under 10 %).
    assert _only_baseline(detect_limitations(make_tables(), _quiet_context())) == []
    withheld = AnalysisTable(
        name="small_groups",
        title="Small groups",
        section="holders",
        method="m",
        data=pd.DataFrame(
            {"group": list("abcdefghijklmnopqrst"), "n": [NAN] * 20, "share": [NAN] * 20}
        ),
        count_columns=["n"],
        dims=["group"],
        released=True,
    )
    found = _only_baseline(detect_limitations([*make_tables(), withheld], _quiet_context()))
    # 24 + 40 of 318 + 40 cells = 17.9 %; only the new table is more than half suppressed.
    assert found == [
        "17.9% of published value cells (64 of 358) are suppressed or not estimable, so small "
        "groups are missing from the figures. Most affected: Small groups."
    ]


def _by_seniority(unknown: float, known: float = 60.0) -> AnalysisTable:
    data = pd.DataFrame(
        {
            "variable": ["seniority"] * 3,
            "category": ["junior", "senior", "unknown"],
            "holders_in_category": [known, 40.0, unknown],
            "holders": [125.0] * 3,
        }
    )
    return AnalysisTable(
        name="by_seniority",
        title="By seniority",
        section="holders",
        method="m",
        data=data,
        count_columns=["holders_in_category", "holders"],
        dims=["variable", "category"],
        released=True,
    )


def test_unknown_shares_are_computed_from_released_counts_only() -> None:
    found = _only_baseline(detect_limitations([_by_seniority(25.0)], _quiet_context()))
    # 25 of the 125 holders (the published total), even though "junior" is not released.
    assert found == [
        "Seniority is unknown for 20.0% of the people in the tables that break it down; "
        "figures by it describe the people whose value is known."
    ]
    # Under 10 %: nothing to say.
    assert _only_baseline(detect_limitations([_by_seniority(5.0)], _quiet_context())) == []
    # The unknown count suppressed: no share at all, so nothing can be worked back.
    found = detect_limitations([_by_seniority(NAN)], _quiet_context())
    assert not any("unknown for" in f for f in found)
    # Without a published total there is no share either (the categories may not be all).
    table = _by_seniority(25.0)
    table = dataclasses.replace(
        table, data=table.data.drop(columns="holders"), count_columns=["holders_in_category"]
    )
    assert _only_baseline(detect_limitations([table], _quiet_context())) == []


def test_weighting_problems_and_unweighted_runs_are_reported() -> None:
    ctx = _quiet_context(
        weighting={
            "n_persons": 3000,
            "n_in_frame": 2839,
            "deff": 4.07,
            "ess": 696.8,
            "converged": False,
            "population_uncovered_share": {"education_level": 0.0, "noc2021×province": 0.0347},
        }
    )
    found = detect_limitations([], ctx)
    assert found[1].startswith("161 people (5.4%) could not be weighted")
    assert "design effect is 4.1 (effective sample size 697)" in found[2]
    assert found[3].startswith(
        "3.5% of the population on the Occupation (NOC 2021) × Province or territory margin"
    )
    assert found[4].startswith("Raking did not converge")
    unweighted = detect_limitations([], _quiet_context(weighting=None))
    assert unweighted[0].startswith("Results are not weighted")


def test_the_page_lists_stated_then_detected_limitations() -> None:
    ctx = _quiet_context(weighting=None, limitations=["Titles are *self-reported*."])
    doc = parse(render_report([], ctx))
    stated = doc.find("ul", id="limitations-stated")
    assert "<em>" not in stated.text and stated.find("em").text == "self-reported"
    detected = doc.find("ul", id="limitations-detected")
    assert detected.text.strip().startswith("Results are not weighted")
    assert "No limitations were recorded" not in doc.find("section", id="methods").text
    # Switched off, and none stated: the page says which checks ran.
    quiet = dataclasses.replace(ctx, limitations=[], detect_limitations=False)
    methods = parse(render_report([], quiet)).find("section", id="methods").text
    assert "none of the run's checks" in methods


def test_a_broken_weight_cap_and_group_sizes_are_reported() -> None:
    ctx = _quiet_context(
        weighting={
            "n_persons": 100,
            "n_in_frame": 100,
            "max_weight_ratio": 22.5,
            "trim_cap_held": False,
            "ess_by_group": {"Data scientists": 41.2, "Software professionals": 300.4},
        }
    )
    found = detect_limitations([], ctx)
    assert any("largest weight is 22.5 times the mean" in f for f in found)
    assert any("Data scientists 41, Software professionals 300" in f for f in found)
    held = _quiet_context(weighting={"n_persons": 100, "n_in_frame": 100, "trim_cap_held": True})
    assert not any("weight cap" in f for f in detect_limitations([], held))


def test_people_weighted_in_an_unknown_cell_are_reported() -> None:
    ctx = _quiet_context(
        weighting={
            "n_persons": 100,
            "n_in_frame": 100,
            "unknown_cell": {"noc2021×education_level": 9, "noc2021×province": 4},
        }
    )
    found = detect_limitations([], ctx)
    assert any(f.startswith("9 people with an unknown value") for f in found)
    quiet = _quiet_context(weighting={"n_persons": 100, "n_in_frame": 100, "unknown_cell": {}})
    assert not any("unknown value" in f for f in detect_limitations([], quiet))
