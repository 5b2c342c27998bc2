"""Build the self-contained ``report.html`` and ``figures/`` from released tables.

The page inlines Vega, Vega-Lite and vega-embed (from vl-convert's bundle) and
each chart's Vega-Lite spec as JSON, so it opens with no network. Nothing on the
page comes from the clock or from random ids: the same tables and context give
a byte-identical file.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import altair as alt
import jinja2

from microcred import __version__
from microcred.analysis.result import AnalysisTable
from microcred.report.assets import inline_js, inline_json, vega_bundle
from microcred.report.charts import (
    UnreleasedTableError,
    chart_for,
    ensure_released,
    save_figures,
    value_column,
    vegalite_dict,
)
from microcred.report.context import ReportAppendix, ReportContext
from microcred.report.labels import readable_note
from microcred.report.limitations import detect_limitations
from microcred.report.markdown import markdown_block, markdown_inline
from microcred.report.tables import (
    TableView,
    analysis_table_view,
    records_view,
    settings,
)
from microcred.report.values import is_missing

log = logging.getLogger(__name__)

# (key, heading, one-line introduction), in the order the report shows them.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "coverage",
        "Data and coverage",
        "What went in: rows read, ingested and quarantined per file, how often each coder "
        "assigned a code or abstained, and who the data cover.",
    ),
    (
        "uptake",
        "Uptake",
        "How many people hold at least one microcredential, by occupation and definition.",
    ),
    (
        "holders",
        "Who holds microcredentials",
        "Holders compared with non-holders on experience, seniority, education, skills and place.",
    ),
    (
        "skills",
        "Distinctive skills",
        "Skills over-represented among holders, and skills credentials signal that degrees do not.",
    ),
    (
        "models",
        "Adjusted models",
        "Differences that remain after adjusting for experience, education, occupation and "
        "province, including the seniority question.",
    ),
    (
        "pathways",
        "Pathways",
        "Whether the first microcredential came before or after entry into the occupation.",
    ),
    (
        "quality",
        "Credential quality",
        "Quality tiers of the microcredentials listed (assessed, verifiable, issuer kind), who "
        "holds which tier, and how much of their quality the profiles cannot tell.",
    ),
    (
        "time",
        "Time",
        "Uptake as of each year, new microcredentials per year, time from entry into the "
        "occupation to a first microcredential, and cohorts of entry.",
    ),
    (
        "sensitivity",
        "Sensitivity",
        "Headline figures under every definition and coding choice, side by side.",
    ),
    (
        "second_source",
        "Second source",
        "The same questions answered from a survey, beside the profile-based figures.",
    ),
    (
        "weighting",
        "Weighting",
        "How profile data were weighted towards the population, and what the weights did.",
    ),
    (
        "privacy",
        "Privacy and disclosure control",
        "The rules every published number went through before it reached this report.",
    ),
)
SECTION_KEYS = tuple(key for key, _, _ in SECTIONS)
REPORT_FILE = "report.html"
FIGURES_DIR = "figures"
# Tables longer than this start collapsed so the charts stay the first thing a reader sees.
OPEN_TABLE_MAX_ROWS = 20
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass
class FigureView:
    anchor: str
    spec_id: str
    spec_json: str
    description: str
    number: int
    files: list[str]


@dataclass
class TableBlock:
    table: AnalysisTable
    anchor: str
    number: int
    view: TableView
    figure: FigureView | None
    open: bool
    chart_note: str = ""  # why a table with a chart spec shows no chart
    notes: list[str] = field(default_factory=list)  # the table's notes, deduplicated and labelled
    title: str = ""  # the table's title with column names as labels


@dataclass
class SectionView:
    key: str
    title: str
    intro: str
    anchor: str
    blocks: list[TableBlock] = field(default_factory=list)
    settings: list[tuple[str, str]] = field(default_factory=list)


def build_report(out_dir: Path, tables: list[AnalysisTable], context: ReportContext) -> Path:
    """Write ``out_dir/report.html`` and ``out_dir/figures/<table>.{png,svg}``; return the HTML path.

    Raises :class:`~microcred.report.charts.UnreleasedTableError` when any table was
    not released through disclosure control.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    charts = {
        name: vegalite_dict(chart)
        for name, chart in _charts(tables, context.category_orders).items()
    }
    save_figures(charts, out_dir / FIGURES_DIR)
    path = out_dir / REPORT_FILE
    path.write_text(render_report(tables, context, charts=charts), encoding="utf-8", newline="\n")
    return path


def render_report(
    tables: Sequence[AnalysisTable],
    context: ReportContext,
    *,
    charts: Mapping[str, alt.TopLevelMixin | dict[str, Any]] | None = None,
) -> str:
    """The report as one HTML string.

    ``charts`` (altair charts or their Vega-Lite dicts by table name) are made from
    the tables unless given.
    """
    _check_tables(tables)
    charts = _charts(tables, context.category_orders) if charts is None else charts
    sections = _sections(tables, context, charts)
    template = _environment().get_template("report.html.j2")
    html = template.render(
        ctx=context,
        sections=sections,
        methods_html=markdown_block(context.methods),
        detected_limitations=detect_limitations(tables, context)
        if context.detect_limitations
        else [],
        appendices=[_appendix_view(a) for a in context.appendices],
        config_settings=settings(context.config_summary),
        accounting=_accounting_view(context.accounting),
        coding=_coding_view(context.coding),
        quarantine=_quarantine_view(context.quarantine_reasons),
        version=__version__,
        vega_bundle=inline_js(vega_bundle()),
        figure_count=sum(1 for s in sections for b in s.blocks if b.figure),
    )
    return html if html.endswith("\n") else html + "\n"


# ------------------------------------------------------------------------ assembly


def _charts(
    tables: Sequence[AnalysisTable], orders: Mapping[str, Sequence[Any]] | None = None
) -> dict[str, alt.TopLevelMixin]:
    _check_tables(tables)
    charts = {}
    for table in tables:
        try:
            chart = chart_for(table, orders)
        except UnreleasedTableError:
            raise
        except ValueError as error:
            # One bad chart spec must not cost the whole report: the table is still
            # shown, with the reason in place of the chart.
            log.warning("report: no chart for table %r: %s", table.name, error)
            continue
        if chart is not None:
            charts[table.name] = chart
    return charts


def _check_tables(tables: Sequence[AnalysisTable]) -> None:
    seen: set[str] = set()
    for table in tables:
        ensure_released(table)
        if not _SAFE_NAME.match(table.name):
            raise ValueError(
                f"table name {table.name!r} must be a file stem (letters, digits, _ -)"
            )
        if table.name in seen:
            raise ValueError(f"two tables are named {table.name!r}; table names must be unique")
        seen.add(table.name)


def _section_rank(key: str) -> tuple[int, str]:
    """Known sections in report order; unknown ones after them, alphabetically."""
    return (SECTION_KEYS.index(key), "") if key in SECTION_KEYS else (len(SECTION_KEYS), key)


def _sections(
    tables: Sequence[AnalysisTable],
    context: ReportContext,
    charts: Mapping[str, alt.TopLevelMixin | dict[str, Any]],
) -> list[SectionView]:
    by_section: dict[str, list[AnalysisTable]] = {}
    for table in tables:  # input order is kept within a section
        by_section.setdefault(table.section, []).append(table)
    keys = sorted(set(by_section) | {"coverage"}, key=_section_rank)
    if context.privacy:
        keys = sorted(set(keys) | {"privacy"}, key=_section_rank)
    if context.weighting:
        keys = sorted(set(keys) | {"weighting"}, key=_section_rank)
    known = {key: (title, intro) for key, title, intro in SECTIONS}

    sections: list[SectionView] = []
    table_number = figure_number = 0
    for key in keys:
        title, intro = known.get(key, (key.replace("_", " ").capitalize(), ""))
        section = SectionView(key=key, title=title, intro=intro, anchor=f"section-{key}")
        if key == "privacy":
            section.settings = settings(context.privacy)
        elif key == "weighting":
            section.settings = settings(context.weighting)
        for table in by_section.get(key, []):
            table_number += 1
            figure = None
            if table.name in charts:
                figure_number += 1
                figure = _figure(table, charts[table.name], figure_number)
            section.blocks.append(
                TableBlock(
                    table=table,
                    anchor=f"table-{table.name}",
                    number=table_number,
                    view=analysis_table_view(table, context.category_orders),
                    title=readable_note(table.title, table.data.columns),
                    notes=list(
                        dict.fromkeys(readable_note(n, table.data.columns) for n in table.notes)
                    ),
                    figure=figure,
                    open=len(table.data) <= OPEN_TABLE_MAX_ROWS,
                    chart_note="" if figure else _no_chart_reason(table),
                )
            )
        sections.append(section)
    return sections


def _no_chart_reason(table: AnalysisTable) -> str:
    if table.chart is None or table.data.empty:
        return ""
    column = value_column(table.chart)
    if column in table.data.columns and table.data[column].isna().all():
        return "Every value in this table is suppressed under the disclosure rules, so there is no chart."
    return "The chart for this table could not be drawn; the numbers are below."


def _figure(
    table: AnalysisTable, chart: alt.TopLevelMixin | dict[str, Any], number: int
) -> FigureView:
    spec = vegalite_dict(chart)
    return FigureView(
        anchor=f"chart-{table.name}",
        spec_id=f"spec-{table.name}",
        spec_json=inline_json(json.dumps(spec, sort_keys=True, ensure_ascii=True)),
        description=str(spec.get("description", "")),
        number=number,
        files=[f"{FIGURES_DIR}/{table.name}.png", f"{FIGURES_DIR}/{table.name}.svg"],
    )


# -------------------------------------------------------------- context tables


def _accounting_view(rows: list[dict[str, Any]]) -> TableView | None:
    if not rows:
        return None
    count_cols = ["rows_read", "rows_ingested", "rows_quarantined"]
    if any("rows_skipped" in r for r in rows):  # runs before skipped rows were counted have none
        count_cols.append("rows_skipped")
    records = [dict(r) for r in rows]
    # Rows are named by file when the run recorded files, else by source.
    label = "file" if any(not is_missing(r.get("file")) for r in rows) else "source"
    with_total = all(isinstance(r.get(c), int | float) for r in rows for c in count_cols)
    if with_total:
        records.append({label: "Total", **{c: sum(r[c] for r in rows) for c in count_cols}})
    view = records_view(
        records,
        first=list(dict.fromkeys([label, "source", *count_cols])),
        row_header=label,
        count_columns=[*count_cols, "rows"],
    )
    if with_total:
        view = replace(view, rows=view.rows[:-1], footer=view.rows[-1:])
    return view


def _coding_view(rows: list[dict[str, Any]]) -> TableView | None:
    """Coder rates; coded and abstention rates are added where ``distinct`` is known."""
    if not rows:
        return None
    records = []
    for row in rows:
        record = dict(row)
        distinct = row.get("distinct")
        if isinstance(distinct, int | float) and distinct > 0:
            for part, rate in (("coded", "coded_rate"), ("abstained", "abstention_rate")):
                if isinstance(row.get(part), int | float):
                    record[rate] = row[part] / distinct
        records.append(record)
    counts = ["distinct", "coded", "abstained", "low_confidence"]
    return records_view(
        records,
        first=["coder", "distinct", "coded", "coded_rate", "abstained", "abstention_rate"],
        row_header="coder",
        count_columns=counts,
        formats={"coded_rate": ".1%", "abstention_rate": ".1%"},
    )


def _quarantine_view(rows: list[dict[str, Any]]) -> TableView | None:
    if not rows:
        return None
    return records_view(
        rows,
        first=["source", "file", "reason", "field", "action", "count"],
        count_columns=["count", "rows"],
    )


@dataclass
class AppendixView:
    title: str
    intro: str
    anchor: str
    view: TableView | None


def _appendix_view(appendix: ReportAppendix) -> AppendixView:
    slug = re.sub(r"[^a-z0-9]+", "-", appendix.title.lower()).strip("-") or "appendix"
    view = records_view(appendix.rows, first=appendix.first) if appendix.rows else None
    return AppendixView(appendix.title, appendix.intro, f"appendix-{slug}", view)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("microcred.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = markdown_inline
    return env
