"""The contract between analysis, release and report.

An analysis produces :class:`AnalysisTable` objects: a tidy table plus what the
release step needs to protect it (which columns are person counts, which
columns are derived from which counts) and what the report needs to show it
(a chart specification, a method paragraph). The report only ever sees tables
that went through release.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class ChartSpec:
    """A declarative chart the report renders with altair (Vega-Lite).

    kind: ``bar`` (x categorical, y value), ``interval`` (point with lower/upper
    error bars), ``heat`` (x, y categorical, color value), ``line``.
    """

    kind: str
    x: str
    y: str
    color: str | None = None
    column: str | None = None  # facet column
    lower: str | None = None
    upper: str | None = None
    tooltip: list[str] = field(default_factory=list)
    title: str = ""
    x_title: str | None = None
    y_title: str | None = None
    y_format: str | None = None  # d3 format, e.g. ".1%"
    description: str = ""  # alt text: what the chart shows, in a sentence
    sort: list[str] | None = None  # explicit order of x categories


@dataclass(frozen=True)
class Controlled:
    """A column whose values must come from a named vocabulary (see ``release.vocabulary``).

    ``when`` = (column, value) limits the rule to rows of a long table (e.g. the
    categories of ``variable == "current_employer"``).
    """

    column: str
    vocabulary: str
    when: tuple[str, str] | None = None


@dataclass
class AnalysisTable:
    """One released (or to-be-released) table."""

    name: str  # file stem under tables/ (snake_case, unique)
    title: str
    section: str  # coverage, uptake, holders, skills, models, pathways, sensitivity, second_source, weighting, privacy
    method: str  # a paragraph for the report: how the numbers were made
    data: pd.DataFrame
    # Columns holding unweighted person counts; disclosure control suppresses cells below the minimum.
    count_columns: list[str] = field(default_factory=list)
    # Derived column -> the count column(s) it is built on; suppressed when any of them is.
    dependent: dict[str, list[str]] = field(default_factory=dict)
    # Columns that index the table (row and column dimensions for complementary suppression).
    dims: list[str] = field(default_factory=list)
    chart: ChartSpec | None = None
    # Columns drawn from profile text and the vocabulary their values must come from.
    controlled: list[Controlled] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    released: bool = False  # set by release only
