"""report.html: sections, suppression marks, offline, deterministic, released tables only."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from html_probe import Node, parse, table_rows
from report_fakes import make_context, make_tables

from microcred.report import (
    DEFAULT_ATTRIBUTIONS,
    UnreleasedTableError,
    build_report,
    chart_for,
    render_report,
)
from microcred.report.build import SECTION_KEYS


@pytest.fixture(scope="module")
def doc(built_report: Path) -> Node:
    return parse(built_report.read_text(encoding="utf-8"))


def _section_ids(doc: Node) -> list[str]:
    main = doc.find("main")
    return [c.attrs["id"] for c in main.children if isinstance(c, Node) and c.tag == "section"]


def test_sections_follow_the_fixed_order_whatever_the_input_order(doc: Node) -> None:
    ids = _section_ids(doc)
    assert ids[0] == "summary" and ids[-2:] == ["methods", "attributions"]
    analysis = [i.removeprefix("section-") for i in ids[1:-2]]
    # The fake tables come in scrambled order; the report re-orders them.
    assert analysis == [k for k in SECTION_KEYS if k in analysis]
    assert {"coverage", "uptake", "holders", "skills", "models", "pathways", "sensitivity"} <= set(
        analysis
    )
    # weighting and privacy appear because the context carries their settings.
    assert {"weighting", "privacy"} <= set(analysis)
    toc = [a.attrs["href"] for a in doc.find("nav").find_all("a")]
    assert toc == [f"#{i}" for i in ids]


def test_every_table_has_title_method_and_its_numbers(doc: Node) -> None:
    for table in make_tables():
        article = doc.find("article", **{"aria-labelledby": f"table-{table.name}-heading"})
        assert article.find("h3").text == table.title
        assert table.method.split()[0] in article.find("p").text
        if table.data.empty:
            assert "No rows were released" in article.text
            assert not article.find_all("table") and not article.find_all("figure")
            continue
        rendered = article.find("table", id=f"table-{table.name}")
        assert len(table_rows(rendered)) == len(table.data)
        assert table.title in rendered.find("caption").text


def test_summary_coverage_methods_and_attributions_come_from_context(doc: Node) -> None:
    ctx = make_context()
    summary = doc.find("section", id="summary").text
    for finding in ctx.findings:
        assert finding in summary
    accounting = table_rows(doc.find("table", id="context-accounting"))
    assert accounting[0][:4] == ["profiles.jsonl", "60,000", "59,870", "130"]
    total = doc.find("table", id="context-accounting").find("tfoot").text
    assert "61,000" in total and "60,870" in total
    coding = table_rows(doc.find("table", id="context-coding"))
    # occupation coder: 7,420 of 8,123 distinct titles coded = 91.3 %, 703 abstentions = 8.7 %.
    assert coding[0][:6] == ["occupation", "8,123", "7,420", "91.3%", "703", "8.7%"]
    assert "invalid JSON" in doc.find("table", id="context-quarantine").text
    methods = doc.find("section", id="methods").text
    assert "Holders are people with at least one microcredential" in methods
    assert all(limitation in methods for limitation in ctx.limitations)
    attributions = doc.find("section", id="attributions").text
    for attribution in DEFAULT_ATTRIBUTIONS:
        assert " ".join(attribution.split()) in attributions
    header = doc.find("header").text
    assert ctx.run_id in header and ctx.reference_date in header


def test_suppressed_cells_are_shown_as_x_with_a_footnote(doc: Node) -> None:
    article = doc.find("article", **{"aria-labelledby": "table-uptake_by_occupation-heading"})
    rows = table_rows(article.find("table"))
    web = next(r for r in rows if r[0] == "21234 Web developers")
    # persons is published, holders and the derived share and interval are suppressed.
    assert web == ["21234 Web developers", "Broad", "402", "x", "x", "x", "x"]
    data_scientists = rows[0]
    assert data_scientists == [
        "Data scientists",
        "Broad",
        "5,903",
        "212",
        "3.6%",
        "3.1%",
        "4.1%",
    ]
    assert (
        "Suppressed under the disclosure rules" in article.find("p", **{"class": "footnote"}).text
    )
    # A table without suppressed cells carries no footnote.
    timing = doc.find("article", **{"aria-labelledby": "table-credential_timing-heading"})
    assert not timing.find_all("p", **{"class": "footnote"})


def test_no_resource_is_fetched_from_the_network(built_report: Path, doc: Node) -> None:
    html = built_report.read_text(encoding="utf-8")
    assert not doc.find_all("link") and not doc.find_all("img") and not doc.find_all("iframe")
    for node in doc.walk():
        for attr in ("src", "href", "data", "poster", "action"):
            value = node.attrs.get(attr) or ""
            assert not re.match(r"^\s*(https?:)?//", value), (node.tag, attr, value)
        assert "src" not in node.attrs or node.tag not in ("script", "img"), node.attrs
    styles = " ".join(s.text for s in doc.find_all("style"))
    assert "@import" not in styles and "url(" not in styles and "@font-face" not in styles
    # vega-embed is inline: the page defines it itself.
    assert "vegaEmbed" in html and len(html) > 500_000


def test_charts_are_embedded_specs_with_alt_text_and_stable_ids(doc: Node) -> None:
    charted = [t for t in make_tables() if chart_for(t) is not None]
    assert len(charted) == 7
    containers = doc.find_all("div", **{"class": "chart"})
    # Ids come from table names; sections in report order, input order within a section.
    assert [c.attrs["id"] for c in containers] == [
        f"chart-{t.name}" for key in SECTION_KEYS for t in charted if t.section == key
    ]
    for container in containers:
        name = container.attrs["id"].removeprefix("chart-")
        spec = json.loads(doc.find("script", id=f"spec-{name}").text)
        assert container.attrs["role"] == "img"
        assert container.attrs["aria-label"] == spec["description"] != ""
        figure = next(f for f in doc.find_all("figure") if container in f.children)
        assert spec["description"] in figure.find("figcaption").text
        assert spec["config"]["range"]["category"][0] == "#0072B2"
    # Suppressed values stay null in the chart data (never zero) and are flagged for the
    # "suppressed" mark.
    uptake = json.loads(doc.find("script", id="spec-uptake_by_occupation").text)
    web = next(r for r in uptake["data"]["values"] if r["occupation"] == "21234 Web developers")
    assert web["share"] is None and web["_suppressed_cell"] is True


def test_accessible_structure(doc: Node) -> None:
    html = doc.find("html")
    assert html.attrs["lang"] == "en"
    assert len(doc.find_all("h1")) == 1
    for table in doc.find_all("table"):
        assert table.find("caption").text
        for th in table.find_all("th"):
            assert th.attrs.get("scope") in ("col", "row")
    headings = [n.tag for n in doc.walk() if re.fullmatch(r"h[1-6]", n.tag)]
    levels = [int(h[1]) for h in headings]
    # No heading skips a level on the way down.
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))


def test_same_tables_and_context_give_byte_identical_output(
    built_report: Path, tmp_path: Path
) -> None:
    again = build_report(tmp_path / "again", make_tables(), make_context())
    assert again.read_bytes() == built_report.read_bytes()
    first_figures = sorted(p.name for p in (built_report.parent / "figures").iterdir())
    assert first_figures == sorted(p.name for p in (again.parent / "figures").iterdir())
    for name in first_figures:
        assert (again.parent / "figures" / name).read_bytes() == (
            built_report.parent / "figures" / name
        ).read_bytes(), name


def test_settings_render_the_same_whatever_the_dict_order() -> None:
    tables = [t for t in make_tables() if t.chart is None]  # skip charts: fast
    ctx = make_context()
    shuffled = dataclasses.replace(
        ctx,
        privacy=dict(reversed(list(ctx.privacy.items()))),
        config_summary=dict(reversed(list(ctx.config_summary.items()))),
    )
    assert render_report(tables, ctx) == render_report(tables, shuffled)


def test_unreleased_table_is_rejected_and_nothing_is_written(tmp_path: Path) -> None:
    tables = make_tables()
    tables[2] = dataclasses.replace(tables[2], released=False)
    with pytest.raises(UnreleasedTableError, match=tables[2].name):
        build_report(tmp_path, tables, make_context())
    assert not (tmp_path / "report.html").exists()
    assert not (tmp_path / "figures").exists()


def test_duplicate_table_names_are_rejected() -> None:
    tables = make_tables()
    with pytest.raises(ValueError, match="unique"):
        render_report([tables[0], tables[0]], make_context())


def test_figures_are_written_as_png_and_svg(built_report: Path) -> None:
    figures = built_report.parent / "figures"
    charted = sorted(t.name for t in make_tables() if chart_for(t) is not None)
    expected = sorted([f"{n}.png" for n in charted] + [f"{n}.svg" for n in charted])
    assert sorted(p.name for p in figures.iterdir()) == expected
    for name in charted:
        assert (figures / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        svg = (figures / f"{name}.svg").read_text(encoding="utf-8")
        assert svg.lstrip().startswith("<svg") and "<path" in svg


def test_tables_with_nothing_to_draw_say_why(doc: Node) -> None:
    article = doc.find("article", **{"aria-labelledby": "table-survey_uptake-heading"})
    assert not article.find_all("figure")
    assert "Every value in this table is suppressed" in article.text
    assert table_rows(article.find("table")) == [
        ["Bachelor's", "6", "x"],
        ["Master's", "4", "x"],
    ]


def test_a_chart_spec_naming_a_missing_column_costs_the_chart_not_the_report() -> None:
    table = next(t for t in make_tables() if t.name == "uptake_by_type")
    broken = dataclasses.replace(table, chart=dataclasses.replace(table.chart, y="no_such"))
    doc = parse(render_report([broken], make_context()))
    article = doc.find("article", **{"aria-labelledby": "table-uptake_by_type-heading"})
    assert not article.find_all("figure")
    assert "could not be drawn" in article.text
    assert len(table_rows(article.find("table"))) == len(table.data)


def test_accounting_by_source_totals_without_suppression_marks() -> None:
    ctx = dataclasses.replace(
        make_context(),
        accounting=[
            {"source": "jsonl", "rows_read": 3000, "rows_ingested": 2990, "rows_quarantined": 10},
            {"source": "stackoverflow", "rows_read": 1000, "rows_ingested": 1000},
        ],
    )
    doc = parse(render_report([], ctx))
    table = doc.find("table", id="context-accounting")
    assert table_rows(table) == [
        ["jsonl", "3,000", "2,990", "10"],
        ["stackoverflow", "1,000", "1,000", "—"],  # not recorded, not suppressed
    ]
    assert not table.find_all("tfoot")  # no total over a gap
    assert "x" not in [c for row in table_rows(table) for c in row]
