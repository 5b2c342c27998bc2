"""Everything the report shows that is not an analysis table.

The pipeline fills a :class:`ReportContext` from the run (row accounting, coder
rates, configuration, privacy settings) and from the analysis (plain-word
findings). Nothing in it is taken from the clock, so the same run renders the
same page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Wording follows ../shared/data/SOURCES.md: each publisher's attribution must appear
# in any report that uses its data.
DEFAULT_ATTRIBUTIONS: tuple[str, ...] = (
    "Contains information licensed under the Open Government Licence – Canada. "
    "Statistics Canada, National Occupational Classification (NOC) 2021 Version 1.0; "
    "and the Statistics Canada NOC 2016 v1.3 to NOC 2021 v1.0 correspondence.",
    "This product includes information from the O*NET 29.2 Database by the U.S. Department "
    "of Labor, Employment and Training Administration (USDOL/ETA), used under the CC BY 4.0 "
    "licence. O*NET® is a trademark of USDOL/ETA.",
    "ESCO, European Commission (ESCO classification v1.0, reused under Commission Decision "
    "2011/833/EU). ISCO-08 labels are those of the International Labour Organization.",
    "NOC 2021 to O*NET-SOC 2019 crosswalk by the Brookfield Institute (now The Dais), "
    "MIT licence; an expert-built, unofficial concordance.",
    "Stack Overflow Developer Survey 2025, made available under the Open Database License "
    "(ODbL) 1.0.",
    "JSON Resume schema v1.2.1, MIT licence.",
)


@dataclass
class ReportAppendix:
    """A table at the end of the report, e.g. the codebook of released columns.

    ``rows`` are plain dicts (one a line, same keys); ``first`` orders the leading columns.
    """

    title: str
    rows: list[dict[str, Any]]
    intro: str = ""
    first: list[str] = field(default_factory=list)


@dataclass
class ReportContext:
    """What the report needs besides released tables.

    ``reference_date`` and ``run_id`` stand in for a build date: the page never
    reads the clock, so rebuilding a run gives a byte-identical report.
    ``methods``, ``findings``, ``limitations`` and table notes may use inline
    Markdown (``code``, *emphasis*, links); raw HTML in them is escaped.
    """

    title: str
    run_id: str
    reference_date: str
    subtitle: str = ""
    findings: list[str] = field(default_factory=list)
    # One dict a source file: file, rows_read, rows_ingested, rows_quarantined (more keys allowed).
    accounting: list[dict[str, Any]] = field(default_factory=list)
    # One dict a coder: coder, distinct, coded, abstained, low_confidence.
    coding: list[dict[str, Any]] = field(default_factory=list)
    # One dict a reason: e.g. source, reason, action, count.
    quarantine_reasons: list[dict[str, Any]] = field(default_factory=list)
    methods: str = ""
    limitations: list[str] = field(default_factory=list)
    attributions: list[str] = field(default_factory=lambda: list(DEFAULT_ATTRIBUTIONS))
    config_summary: dict[str, Any] = field(default_factory=dict)
    # e.g. min_cell, complementary, rounding_base, dp mode, epsilon_total, epsilon_spent.
    privacy: dict[str, Any] = field(default_factory=dict)
    weighting: dict[str, Any] | None = None
    author: str = ""
    date: str = ""  # publication date as configured (never the clock)
    # True when the data are synthetic (the demo): every page carries a banner saying so.
    synthetic: bool = False
    # Declared order of ordinal categories by variable name (experience_band, seniority …).
    category_orders: dict[str, list[str]] = field(default_factory=dict)
    # Limitations the report works out from the run's own numbers (see report.limitations).
    detect_limitations: bool = True
    appendices: list[ReportAppendix] = field(default_factory=list)
