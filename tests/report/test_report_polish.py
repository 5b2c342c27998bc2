"""Report polish: markdown, the synthetic-data banner, the report: configuration, the appendix hook, PDF."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest
import yaml
from html_probe import parse, table_rows
from report_fakes import make_context, make_tables

from microcred.config import ReportConfig, StudyConfig, load_config
from microcred.report import chart_for, render_report
from microcred.report.context import ReportAppendix
from microcred.report.markdown import markdown_block, markdown_inline
from microcred.report.pdf import CHROMIUM_ENV, PdfUnavailableError, pdf_line, write_pdf
from microcred.stages.report import report_context

# Tables without charts render in well under a second (no Vega-Lite conversion).
NO_CHARTS = [t for t in make_tables() if t.chart is None]


def test_every_chart_spec_is_valid_vega_lite() -> None:
    """The report skips altair's schema check at run time; this is where it happens."""
    charts = [chart_for(t) for t in make_tables()]
    kinds = set()
    for table, chart in zip(make_tables(), charts, strict=True):
        if chart is not None:
            chart.to_dict(validate=True)  # raises on any spec Vega-Lite would not accept
            kinds.add(table.chart.kind)
    assert kinds == {"bar", "interval", "heat", "line"}


def test_markdown_is_rendered_and_raw_html_is_escaped() -> None:
    assert markdown_inline("weights as `var_weights`, *pseudo*-likelihood") == (
        "weights as <code>var_weights</code>, <em>pseudo</em>-likelihood"
    )
    assert markdown_inline("<script>alert(1)</script> [x](javascript:alert(1))") == (
        "&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1))"
    )
    assert markdown_block("One `a`.\n\nTwo.") == "<p>One <code>a</code>.</p>\n<p>Two.</p>"
    assert markdown_block("  ") == ""


def test_backticks_in_methods_findings_and_notes_reach_the_page_as_code() -> None:
    table = dataclasses.replace(
        NO_CHARTS[0],
        method="Counts are `n` people.",
        notes=["`holders` is unweighted.", "`holders` is unweighted."],  # said twice by release
    )
    ctx = dataclasses.replace(
        make_context(),
        methods="Coded with `microcred code titles`.\n\nSecond paragraph.",
        findings=["Uptake is **3.6 %**."],
    )
    doc = parse(render_report([table], ctx))
    article = doc.find("article", **{"aria-labelledby": f"table-{table.name}-heading"})
    assert article.find("p", **{"class": "method"}).find("code").text == "n"
    notes = article.find("ul", **{"class": "notes"}).find_all("li")
    assert len(notes) == 1 and notes[0].find("code").text == "holders"
    methods = doc.find("section", id="methods")
    assert methods.find("code").text == "microcred code titles"
    assert "`" not in methods.text
    assert doc.find("ul", **{"class": "findings"}).find("strong").text == "3.6 %"


def test_synthetic_data_banner_only_on_synthetic_reports() -> None:
    real = parse(render_report(NO_CHARTS, make_context()))
    assert not real.find_all("p", id="synthetic-banner")
    html = render_report(NO_CHARTS, dataclasses.replace(make_context(), synthetic=True))
    banner = parse(html).find("p", id="synthetic-banner")
    assert "Synthetic data" in banner.text and banner.attrs["role"] == "note"
    # On paper it sits in the top margin of every page.
    assert "@top-center" in html and "Synthetic data" in html.split("@top-center", 1)[1][:200]


def test_title_author_date_and_limitations_come_from_the_report_configuration(
    tmp_path: Path,
) -> None:
    path = tmp_path / "study.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "report": {
                    "title": "Badges in Québec tech",
                    "author": "Labour Lab",
                    "date": "2026-03-01",
                    "limitations": ["Profiles are *self-described*."],
                }
            }
        ),
        encoding="utf-8",
    )
    cfg = load_config(path)
    assert cfg.report == ReportConfig(
        title="Badges in Québec tech",
        author="Labour Lab",
        date="2026-03-01",
        limitations=["Profiles are *self-described*."],
    )
    ctx = report_context(cfg, "jsonl", [], [], None)
    assert (ctx.title, ctx.author, ctx.date, ctx.synthetic) == (
        "Badges in Québec tech",
        "Labour Lab",
        "2026-03-01",
        False,
    )
    assert ctx.subtitle.startswith("Source: jsonl · occupations: Data scientists (21211)")
    # Ordinal orders are declared by the study, not by text sort.
    assert ctx.category_orders["experience_band"] == ["0–2", "2–5", "5–10", "10–20", "20+"]
    assert ctx.category_orders["seniority"][:3] == ["intern", "entry", "intermediate"]
    doc = parse(render_report([], ctx))
    assert doc.find("h1").text == "Badges in Québec tech"
    header = doc.find("header").text
    assert "Labour Lab" in header and "2026-03-01" in header
    assert doc.find("ul", id="limitations-stated").find("em").text == "self-described"


def test_unknown_report_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="colour"):
        StudyConfig.model_validate({"report": {"colour": "blue"}})


def test_the_demo_marks_its_configuration_synthetic() -> None:
    from microcred.demo import _synthetic

    cfg = StudyConfig(seed=7)
    marked = _synthetic(cfg)
    assert marked.report.synthetic_data and not cfg.report.synthetic_data
    assert marked.seed == 7


def test_appendix_rows_from_the_context_become_a_section_with_a_table() -> None:
    codebook = ReportAppendix(
        title="Appendix A. Codebook",
        intro="Every released column.",
        rows=[
            {"table": "uptake_by_group", "column": "holders", "definition": "People holding one"},
            {"table": "uptake_by_group", "column": "share", "definition": "holders / n"},
        ],
        first=["table", "column", "definition"],
    )
    doc = parse(render_report([], dataclasses.replace(make_context(), appendices=[codebook])))
    section = doc.find("section", id="appendix-appendix-a-codebook")
    assert section.find("h2").text == "Appendix A. Codebook"
    assert table_rows(section.find("table"))[1] == ["uptake_by_group", "share", "holders / n"]
    assert doc.find("nav").find("a", href="#appendix-appendix-a-codebook")


def test_pdf_without_chromium_is_one_clear_line(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "no-such-chromium"))
    html = tmp_path / "report.html"
    html.write_text("<!DOCTYPE html><p>x</p>", encoding="utf-8")
    with pytest.raises(PdfUnavailableError, match="no Chromium found"):
        write_pdf(html)
    line = pdf_line(html)
    assert line.strip().startswith("no PDF written: no Chromium found") and "\n" not in line
    assert not (tmp_path / "report.pdf").exists()


@pytest.mark.browser
@pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists() and not os.environ.get("CI"),
    reason="/usr/bin/chromium is absent",
)
def test_pdf_is_printed_through_headless_chromium(built_report: Path, tmp_path: Path) -> None:
    pdf = write_pdf(built_report, tmp_path / "report.pdf")
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-"
    # Every table is expanded for print: the fake report runs to several A4 pages.
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= 5, pages
