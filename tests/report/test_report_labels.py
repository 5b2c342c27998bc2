"""Human labels and reading order: the label registry, ordinal categories, and both in charts and tables."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from report_fakes import make_tables

from microcred.analysis.result import AnalysisTable, ChartSpec
from microcred.report import chart_for
from microcred.report.labels import (
    category_order,
    column_label,
    ordered_frame,
    readable_note,
    value_label,
)
from microcred.report.tables import analysis_table_view

SENIORITY = ["intern", "entry", "intermediate", "senior", "lead", "manager", "director"]


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("experience_band", "Years of experience"),  # registry
        ("noc2021", "Occupation (NOC 2021)"),
        ("variable", "Characteristic"),
        ("p_value", "p-value"),
        ("ci_upper", "CI upper"),  # rule: acronym kept in capitals
        ("holders_in_category", "Holders in category"),  # rule
    ],
)
def test_column_labels_come_from_the_registry_or_the_rule(name: str, label: str) -> None:
    assert column_label(name) == label


@pytest.mark.parametrize(
    ("value", "label"),
    [
        ("mooc_certificate", "MOOC certificate"),  # registry
        ("no_postsecondary", "No postsecondary"),
        ("experience_band", "Years of experience"),  # a column name used as a value
        ("education_level=master", "Education level: Master"),  # a model term
        ("some_new_code", "Some new code"),  # any snake_case, by rule
        ("seniority", "Seniority"),
        ("broad", "Broad"),
        ("freeCodeCamp", "freeCodeCamp"),  # a name keeps its own spelling
        ("Data scientists", "Data scientists"),
        ("not weighted — education_level: unknown", "not weighted — Education level: unknown"),
        ("21211", "21211"),
        ("n", "N"),  # short names are not taken for columns
        (3, 3),
    ],
)
def test_coded_values_read_as_words(value: object, label: object) -> None:
    assert value_label(value) == label


def test_notes_and_titles_name_columns_by_label_but_leave_code_alone() -> None:
    note = "holders_in_category: a suppressed cell; see `holders_in_category` in the CSV"
    assert readable_note(note, ["holders_in_category"]) == (
        "Holders in category: a suppressed cell; see `holders_in_category` in the CSV"
    )
    assert readable_note("Margin error after raking: education_level") == (
        "Margin error after raking: Education level"
    )


def test_declared_order_wins_and_unknown_and_other_go_last() -> None:
    values = ["senior", "unknown", "entry", "lead", "other", "intern"]
    assert category_order(values, SENIORITY) == [
        "intern",
        "entry",
        "senior",
        "lead",
        "other",
        "unknown",
    ]


def test_number_led_bands_sort_by_number_not_as_text() -> None:
    text_sorted = ["0–2", "10–20", "20+", "2–5", "5–10", "unknown"]
    assert category_order(text_sorted) == ["0–2", "2–5", "5–10", "10–20", "20+", "unknown"]
    assert category_order(["5+", "1", "3", "2", "4"]) == ["1", "2", "3", "4", "5+"]
    # Anything that is not wholly number-led keeps the analysis' order.
    assert category_order(["Coursera", "Udemy", "2U"]) == ["Coursera", "Udemy", "2U"]


def test_rows_are_ordered_within_each_panel_by_the_panel_variable() -> None:
    data = pd.DataFrame(
        {
            "variable": ["seniority"] * 3 + ["experience_band"] * 3,
            "category": ["senior", "unknown", "entry", "20+", "2–5", "10–20"],
            "n": [1, 2, 3, 4, 5, 6],
        }
    )
    ordered = ordered_frame(
        data, ["variable", "category"], {"seniority": SENIORITY}, panel="variable"
    )
    assert ordered["category"].tolist() == ["entry", "senior", "unknown", "2–5", "10–20", "20+"]


def test_rows_already_ranked_by_count_keep_their_order() -> None:
    data = pd.DataFrame(
        {
            "definition": ["broad", "broad", "narrow", "narrow"],
            "provider": ["Udemy", "Coursera", "Coursera", "Udemy"],
            "holders": [40, 30, 20, 10],
        }
    )
    ordered = ordered_frame(data, ["definition", "provider"])
    assert ordered["provider"].tolist() == ["Udemy", "Coursera", "Coursera", "Udemy"]


def _text_sorted_bands() -> AnalysisTable:
    table = next(t for t in make_tables() if t.name == "holders_by_experience")
    bands = {"0-2": "0–2", "2-5": "2–5", "5-10": "5–10", "10-20": "10–20", "20+": "20+"}
    data = table.data.assign(experience_band=table.data["experience_band"].map(bands))
    data = data.sort_values(["occupation_group", "experience_band"], kind="stable")  # as text
    chart = dataclasses.replace(table.chart, sort=None)
    return dataclasses.replace(table, data=data.reset_index(drop=True), chart=chart)


def test_chart_and_table_draw_text_sorted_bands_in_numeric_order() -> None:
    table = _text_sorted_bands()
    assert table.data["experience_band"].tolist()[:4] == ["0–2"] * 2 + ["10–20"] * 2  # as text
    spec = chart_for(table).to_dict()
    rule = spec["spec"]["layer"][0]
    assert rule["encoding"]["x"]["sort"] == ["0–2", "2–5", "5–10", "10–20", "20+"]
    assert spec["facet"]["title"] == "Occupation group"
    view = analysis_table_view(table)
    bands = [row[1].text for row in view.rows]
    assert bands[:10] == [b for b in ["0–2", "2–5", "5–10", "10–20", "20+"] for _ in (0, 1)]
    assert view.columns[:3] == ["Occupation group", "Years of experience", "Definition"]


def test_declared_orders_from_the_context_order_a_characteristic_panel() -> None:
    rows = []
    for category in ["senior", "entry", "unknown", "lead", "intern"]:
        rows.append({"variable": "seniority", "category": category, "difference": 0.01})
    for category in ["no_postsecondary", "master", "college", "doctorate"]:
        rows.append({"variable": "education_level", "category": category, "difference": 0.02})
    table = AnalysisTable(
        name="diffs",
        title="Differences",
        section="holders",
        method="m",
        data=pd.DataFrame(rows),
        dims=["variable", "category"],
        chart=ChartSpec(kind="bar", x="category", y="difference", column="variable"),
        released=True,
    )
    orders = {
        "seniority": SENIORITY,
        "education_level": ["no_postsecondary", "college", "bachelor", "master", "doctorate"],
    }
    spec = chart_for(table, orders).to_dict()
    assert spec["facet"]["sort"] == ["Seniority", "Education level"]
    assert spec["facet"]["title"] == "Characteristic"
    assert spec["spec"]["layer"][0]["encoding"]["x"]["sort"] == [
        "Intern",
        "Entry",
        "Senior",
        "Lead",
        "No postsecondary",
        "College",
        "Master",
        "Doctorate",
        "Unknown",  # last in every panel
    ]
    view = analysis_table_view(table, orders)
    assert [row[1].text for row in view.rows] == [
        "Intern",
        "Entry",
        "Senior",
        "Lead",
        "Unknown",
        "No postsecondary",
        "College",
        "Master",
        "Doctorate",
    ]
