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


@dataclass(frozen=True)
class CellSet:
    """Which persons one count column counts: its key in the release's linked-table model.

    Why: disclosure control treats the whole release as one set of linked tables over the
    same persons, so every count must say which person set it covers. ``attrs`` maps an
    attribute to a value; both may be templates where ``{column}`` takes the row's value
    (e.g. ``{"holds:{definition}": "yes", "occupation": "{noc2021}"}``). Vocabulary:

    - ``occupation``: a NOC 2021 code, an occupation group name or ``All occupations of
      interest`` (the release expands names to their codes from the configuration);
    - ``holds:<definition>`` (``yes``/``no``), ``holds_type:<type>``, ``n_micro:<definition>``,
      ``holds_from:<definition>:<provider|platform>:<name>``: credential holdings;
    - a subset marker (``confident_codes``, ``seniority_known``, ``dated_pathway:<d>``,
      ``known:<variable>``, ``in_weighting_frame``) or any categorical variable of the
      person (``experience_band``, ``province`` …) with its category as value.

    A value that is a total label ("all", "Total") drops the attribute (the count is a
    margin over it). ``universe`` names the population (``profiles``: people in the
    person-feature table; ``survey``: second-source respondents). ``open`` lists
    attributes whose published values may not cover every person of the universe (an
    unpublished "unknown" exists), so the model adds an unpublished "other" value.
    ``groups`` maps attribute → label → the finer values it pools (e.g. a harmonised
    education label). ``rows``, when given, is the attribute dict of each row (None: the
    row's value is not a person count, e.g. a sum of years) and replaces ``attrs``.
    """

    attrs: dict[str, str] = field(default_factory=dict)
    universe: str = "profiles"
    open: tuple[str, ...] = ()
    groups: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    rows: list[dict[str, str] | None] | None = None


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
    # Count column -> which persons it counts (the linked-table key); counts without one are
    # modelled as a table of their own (linked to nothing else): see release/linked.py.
    cells: dict[str, CellSet] = field(default_factory=dict)
    chart: ChartSpec | None = None
    # Columns drawn from profile text and the vocabulary their values must come from.
    controlled: list[Controlled] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    released: bool = False  # set by release only
