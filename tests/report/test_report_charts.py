"""ChartSpec → Vega-Lite: palette, error bars, facets, suppressed values, alt text; cell formats."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from report_fakes import make_tables

from microcred.analysis.result import AnalysisTable, ChartSpec
from microcred.report import UnreleasedTableError, chart_for, save_figures
from microcred.report.charts import HEAT_SCHEME, OKABE_ITO, SUPPRESSED_FLAG, stable_svg_ids
from microcred.report.labels import column_label
from microcred.report.tables import analysis_table_view, format_number, format_value


def _table(name: str) -> AnalysisTable:
    return next(t for t in make_tables() if t.name == name)


def _layers(spec: dict) -> list[dict]:
    inner = spec.get("spec", spec)
    return inner.get("layer", [inner])


def test_bar_chart_has_titles_palette_alt_text_and_a_suppression_note() -> None:
    table = _table("uptake_by_type")
    spec = chart_for(table).to_dict()
    bar, withheld = _layers(spec)
    assert bar["mark"]["type"] == "bar"
    assert bar["encoding"]["x"]["title"] == "Credential type"
    assert bar["encoding"]["y"]["title"] == "People"
    assert bar["encoding"]["y"]["axis"]["format"] == ",d"
    # The suppressed category keeps its slot on the axis, has no bar (its value is
    # null) and is marked by the word "suppressed" instead.
    assert bar["encoding"]["x"]["scale"]["domain"][-1] == "Digital badge"
    last = spec["data"]["values"][-1]
    assert last["credential_type"] == "Digital badge" and last["holders"] is None
    assert last[SUPPRESSED_FLAG] is True
    assert withheld["mark"]["type"] == "text" and withheld["mark"]["text"] == "suppressed"
    assert spec["config"]["range"]["category"] == list(OKABE_ITO)
    assert spec["title"]["subtitle"] == [
        "1 value marked “suppressed” (disclosure control); see the table."
    ]
    assert spec["description"].startswith(table.chart.description)
    assert "1 value marked “suppressed”" in spec["description"]
    assert [t["title"] for t in bar["encoding"]["tooltip"]] == ["Credential type", "Holders"]


def test_interval_chart_draws_point_and_rule_from_lower_to_upper() -> None:
    spec = chart_for(_table("uptake_by_occupation")).to_dict()
    rule, point, withheld = _layers(spec)
    assert rule["mark"]["type"] == "rule" and point["mark"]["type"] == "point"
    assert withheld["encoding"]["xOffset"]["field"] == "definition"  # in its group's slot
    assert rule["encoding"]["y"]["field"] == "ci_lower"
    assert rule["encoding"]["y2"]["field"] == "ci_upper"
    assert point["encoding"]["y"]["field"] == "share"
    assert point["encoding"]["xOffset"]["field"] == "definition"
    assert point["encoding"]["color"]["scale"]["domain"] == ["Broad", "Narrow"]
    assert point["encoding"]["color"]["scale"]["range"] == list(OKABE_ITO)
    for row in spec["data"]["values"]:
        assert row[SUPPRESSED_FLAG] is (row["share"] is None)


def test_column_facet_and_explicit_sort() -> None:
    table = _table("holders_by_experience")
    spec = chart_for(table).to_dict()
    assert spec["facet"]["field"] == "occupation_group"
    assert spec["facet"]["sort"] == ["Data scientists", "Software professionals"]
    rule, *_ = _layers(spec)
    assert rule["encoding"]["x"]["sort"] == ["0-2", "2-5", "5-10", "10-20", "20+"]
    assert rule["encoding"]["x"]["type"] == "ordinal"
    assert "data" not in spec["spec"]  # data once, at the top
    flags = [r[SUPPRESSED_FLAG] for r in spec["data"]["values"]]
    assert len(flags) == len(table.data) and sum(flags) == 2  # two suppressed shares, marked


def test_heat_chart_uses_a_colour_blind_safe_scheme_and_labels_cells() -> None:
    spec = chart_for(_table("distinctive_skills")).to_dict()
    rect, text, withheld, withheld_text = _layers(spec)
    assert rect["encoding"]["color"]["scale"]["scheme"] == HEAT_SCHEME
    assert text["encoding"]["text"]["field"] == "z_score"
    assert text["encoding"]["text"]["format"] == ".2f"
    assert "Terraform" in rect["encoding"]["y"]["scale"]["domain"]
    assert len(spec["data"]["values"]) == 12
    # The suppressed cell is a grey tile saying so, not a hole in the grid.
    assert withheld["mark"]["type"] == "rect" and withheld_text["mark"]["text"] == "suppressed"
    assert sum(r[SUPPRESSED_FLAG] for r in spec["data"]["values"]) == 1


def test_line_chart_with_whole_number_x_has_integer_ticks() -> None:
    spec = chart_for(_table("credential_timing")).to_dict()
    (line,) = _layers(spec)
    assert line["mark"]["type"] == "line"
    assert line["encoding"]["x"]["type"] == "quantitative"
    assert line["encoding"]["x"]["axis"] == {"format": "d", "tickMinStep": 1}
    assert "subtitle" not in spec["title"]  # nothing suppressed


def test_no_chart_when_nothing_to_draw_and_unreleased_table_is_refused() -> None:
    assert chart_for(_table("sensitivity_headline")) is None  # no chart spec
    assert chart_for(_table("survey_uptake")) is None  # every value suppressed
    assert chart_for(_table("top_providers")) is None  # no rows released
    with pytest.raises(UnreleasedTableError, match="uptake_by_type"):
        chart_for(dataclasses.replace(_table("uptake_by_type"), released=False))


def test_chart_naming_a_missing_column_is_a_clear_error() -> None:
    table = _table("uptake_by_type")
    broken = dataclasses.replace(table, chart=dataclasses.replace(table.chart, y="share"))
    with pytest.raises(ValueError, match=r"uptake_by_type.*\['share'\]"):
        chart_for(broken)
    odd = dataclasses.replace(table, chart=dataclasses.replace(table.chart, kind="pie"))
    with pytest.raises(ValueError, match="pie"):
        chart_for(odd)


def test_dotted_column_names_are_escaped_for_vega_lite() -> None:
    table = AnalysisTable(
        name="dotted",
        title="Dotted",
        section="uptake",
        method="m",
        data=pd.DataFrame({"group.name": ["a", "b"], "share": [0.1, 0.2]}),
        chart=ChartSpec(kind="bar", x="group.name", y="share"),
        released=True,
    )
    spec = chart_for(table).to_dict()
    assert _layers(spec)[0]["encoding"]["x"]["field"] == "group\\.name"
    assert spec["description"] == "Bar chart of Share by Group.name."


def test_save_figures_refuses_unsafe_names(tmp_path: Path) -> None:
    chart = chart_for(_table("uptake_by_type"))
    with pytest.raises(ValueError, match="safe file stem"):
        save_figures({"../escape": chart}, tmp_path)


def test_svg_ids_are_renumbered_per_file() -> None:
    svg = (
        '<clipPath id="clip7"/><linearGradient id="gradient_3"/>'
        '<path clip-path="url(#clip7)" fill="url(#gradient_3)"/><g id="clip70"/>'
    )
    assert stable_svg_ids(svg) == (
        '<clipPath id="clip0"/><linearGradient id="gradient_1"/>'
        '<path clip-path="url(#clip0)" fill="url(#gradient_1)"/><g id="clip2"/>'
    )


@pytest.mark.parametrize(
    ("value", "fmt", "count", "text"),
    [
        (0.0359, ".1%", False, "3.6%"),
        (0.0359, ".1~%", False, "3.6%"),
        (1507.0, ",d", False, "1,507"),
        (46870.0, None, True, "46,870"),
        (0.00003, None, False, "3e-05"),
        (1.3127, None, False, "1.31"),
        (12345.6, None, False, "12,346"),
        (0.5, "$.2s", False, "0.5"),  # d3-only format: falls back to magnitude rules
    ],
)
def test_numbers_are_formatted_for_reading(value, fmt, count, text) -> None:
    assert format_number(value, fmt, count=count) == text


def test_missing_values_are_suppressed_cells() -> None:
    for missing in (None, float("nan"), pd.NA):
        cell = format_value(missing)
        assert cell.suppressed and cell.text == "x"
    assert format_value(True).text == "yes"
    view = analysis_table_view(_table("uptake_by_occupation"))
    assert view.columns[:3] == ["Occupation", "Definition", "Persons"]
    assert view.has_suppressed
    assert [c.header for c in view.rows[0][:3]] == [True, True, False]


def test_column_labels() -> None:
    assert column_label("ci_lower") == "CI lower"
    assert column_label("rows_quarantined") == "Rows quarantined"
    assert column_label("smd") == "Standardised mean difference"  # the registry wins


def test_float_columns_line_up_on_one_number_of_decimals() -> None:
    view = analysis_table_view(_table("holding_odds_ratios"))
    columns = list(zip(*[[c.text for c in row] for row in view.rows], strict=True))
    assert view.columns == ["Term", "Odds ratio", "CI lower", "CI upper", "p-value"]
    assert columns[2] == ("0.70", "0.52", "1.12", "0.91", "x")
    # p = 0.00003 does not print as 0.000.
    assert columns[4] == ("0.014", "<0.001", "0.001", "0.510", "x")
    sensitivity = analysis_table_view(_table("sensitivity_headline"))
    assert [c.text for c in sensitivity.rows[0]] == [
        "Uptake, data scientists",
        "0.0351",
        "0.0222",
        "0.0337",
    ]


def test_panels_with_their_own_categories_get_their_own_x_axis() -> None:
    spec = chart_for(_table("holders_vs_non_holders")).to_dict()
    assert spec["resolve"]["scale"] == {"x": "independent", "xOffset": "independent"}
    assert spec["facet"]["field"] == "variable"
    assert spec["columns"] == 3  # three narrow panels fit side by side
    rule, *_ = _layers(spec)
    # No shared domain: each panel shows only its own categories, sized by step.
    assert "scale" not in rule["encoding"]["x"]
    assert spec["spec"]["width"] == {"step": 36, "for": "position"}
    # Panels with the same categories keep one shared axis.
    shared = chart_for(_table("holders_by_experience")).to_dict()
    assert "resolve" not in shared


def test_interval_that_cannot_be_estimated_shows_the_point_alone() -> None:
    spec = chart_for(_table("holding_odds_ratios")).to_dict()
    yukon = next(r for r in spec["data"]["values"] if r["term"] == "Yukon")
    assert yukon == {
        "term": "Yukon",
        "odds_ratio": 1.4,
        "ci_lower": None,
        "ci_upper": None,
        SUPPRESSED_FLAG: False,
    }
    assert spec["title"]["subtitle"] == [
        "1 interval suppressed or not estimable: point shown without error bar."
    ]


def test_many_categories_lie_down_as_horizontal_bars() -> None:
    skills = [f"Skill number {i}" for i in range(20)]
    table = AnalysisTable(
        name="many",
        title="Many skills",
        section="skills",
        method="m",
        data=pd.DataFrame({"skill": skills, "z": [2.0 - 0.2 * i for i in range(20)]}),
        chart=ChartSpec(kind="bar", x="skill", y="z", y_title="z-score"),
        released=True,
    )
    bar, withheld = _layers(chart_for(table).to_dict())
    assert bar["encoding"]["y"]["field"] == "skill"
    assert withheld["encoding"]["x"] == {"value": 4}  # at the left edge, reading across
    assert bar["encoding"]["y"]["sort"] == skills
    assert bar["encoding"]["y"]["axis"]["labelAngle"] == 0
    assert bar["encoding"]["x"]["field"] == "z" and bar["encoding"]["x"]["title"] == "z-score"
    # Few categories stay vertical.
    few, _ = _layers(chart_for(_table("uptake_by_type")).to_dict())
    assert few["encoding"]["x"]["field"] == "credential_type"
