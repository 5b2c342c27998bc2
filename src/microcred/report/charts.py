"""Turn an analysis table's :class:`ChartSpec` into an accessible altair chart.

Every chart carries a title, axis titles, tooltips, an explicit colour-blind-safe
palette (Okabe–Ito for categories, viridis for heat maps) and a ``description``
that Vega renders as the SVG's ``aria-label``. Suppressed cells (null after
disclosure control) are left out of the marks and counted in a visible subtitle,
so a missing bar never reads as a zero.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd
import vl_convert as vlc

from microcred.analysis.result import AnalysisTable, ChartSpec
from microcred.report.assets import vegalite_version
from microcred.report.labels import (
    column_label,
    combined_order,
    ordered_frame,
    readable_note,
    relabelled,
    value_label,
)
from microcred.report.values import json_records, ordered_unique

# Okabe & Ito (2008), reordered so the first colours have good contrast on white;
# yellow comes late because it is hard to see as a thin line or small point.
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#000000",
    "#F0E442",
)
HEAT_SCHEME = "viridis"  # perceptually uniform and readable with colour-vision deficiency
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Liberation Sans', Arial, sans-serif"
CHART_KINDS = ("bar", "interval", "heat", "line")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


class UnreleasedTableError(ValueError):
    """A table that did not go through disclosure control reached the report."""


def ensure_released(table: AnalysisTable) -> None:
    """Refuse tables that have not been through release: figures come from released tables only."""
    if not table.released:
        raise UnreleasedTableError(
            f"table {table.name!r} has not been released through disclosure control; "
            "the report renders released tables only"
        )


def chart_for(
    table: AnalysisTable, orders: Mapping[str, Sequence[Any]] | None = None
) -> alt.TopLevelMixin | None:
    """The altair chart for a released table; None when there is nothing to draw.

    Nothing to draw: no chart spec, no rows, or every value suppressed.
    ``orders`` are the study's declared category orders by variable name (see
    :mod:`microcred.report.labels`); categories are drawn in that order and
    with their human labels.

    Raises ValueError when the spec names columns the table lacks or an unknown kind.
    """
    ensure_released(table)
    spec = table.chart
    if spec is None or table.data.empty:
        return None  # nothing released to draw; the page says so
    _check_spec(table, spec)
    data, spec = _readable(table.data, spec, orders)
    suppressed = data[value_column(spec)].isna()
    shown = data[~suppressed]
    notes = _suppression_notes(int(suppressed.sum()), shown, spec)
    if shown.empty:
        return None  # every value suppressed: nothing to draw
    used = _used_columns(spec)
    # Suppressed rows stay in the data (flagged) so they can be drawn as a labelled
    # mark; Vega-Lite leaves a null value out of bars, points and rules by itself.
    drawn = shown if spec.kind == "line" else data
    records = json_records(drawn, used)
    for row, flag in zip(records, suppressed[drawn.index].tolist(), strict=True):
        row[SUPPRESSED_FLAG] = bool(flag)
    if spec.kind == "interval":
        # A half-known interval is no interval: Vega-Lite drops rules with a null end.
        for row in records:
            if row[spec.lower] is None or row[spec.upper] is None:
                row[spec.lower] = row[spec.upper] = None
    values = alt.Data(values=records)

    layers, width, height = _LAYERS[spec.kind](data, spec)
    inner = alt.LayerChart(layer=layers, width=width, height=height)
    title = alt.TitleParams(
        text=readable_note(spec.title or table.title, table.data.columns),
        subtitle=notes or alt.Undefined,
    )
    description = _description(table, spec, notes)
    chart = _facet(inner, data, drawn, spec, width) if spec.column else inner
    # Set as attributes, not through .properties()/.configure(): altair's methods
    # deep-copy the whole chart on every call.
    chart.title = title
    chart.description = description
    chart.config = _house_style()
    chart.data = values
    return chart


# px a wrapped facet grid may take before it starts a new row: the report's content
# column at a 1280 px window is about 900 px wide.
MAX_PAGE_WIDTH = 860
SUPPRESSED_FLAG = "_suppressed_cell"  # a data field of the chart, never a table column
SUPPRESSED_TEXT = "suppressed"
_SUPPRESSED_TEST = f"datum['{SUPPRESSED_FLAG}']"


def _readable(
    data: pd.DataFrame, spec: ChartSpec, orders: Mapping[str, Sequence[Any]] | None
) -> tuple[pd.DataFrame, ChartSpec]:
    """Rows in category order and coded values as labels; the spec's sort follows.

    Order is decided on the coded values (that is what the study declares), then
    the values are relabelled for display.
    """
    categorical = [spec.column, spec.x, spec.color] + ([spec.y] if spec.kind == "heat" else [])
    columns = list(dict.fromkeys(c for c in categorical if c))
    data = ordered_frame(data, columns, orders, panel=spec.column)
    texts = [c for c in _used_columns(spec) if not _is_numeric(data[c])]
    data = relabelled(data, texts)
    if spec.sort:
        sort = [value_label(v) for v in spec.sort]
    elif spec.kind != "line" and not _is_numeric(data[spec.x]):
        sort = combined_order(data, spec.x)
    else:
        sort = None
    return data, replace(spec, sort=sort)


def _facet(
    inner: alt.LayerChart, data: pd.DataFrame, shown: pd.DataFrame, spec: ChartSpec, width: Any
) -> alt.FacetChart:
    """Small multiples by ``spec.column``, wrapped into rows that fit the page.

    When the panels have different categories (e.g. one panel a characteristic),
    each panel gets its own x axis instead of every category of every panel.
    """
    assert spec.column
    panels = ordered_unique(data[spec.column])
    # Own-axis panels are as wide as the categories they draw, and at least as wide
    # as their x axis title (each panel repeats it), ~7 px a character at 12 px bold.
    panel_width = width if isinstance(width, int) else width.step * _max_categories(shown, spec)
    x_title = spec.x_title or column_label(spec.x)
    panel_width = max(panel_width, 7 * len(x_title))
    columns = max(1, min(len(panels), MAX_PAGE_WIDTH // (panel_width + 60)))
    resolve = (
        alt.Undefined
        if _shared_x(data, spec)
        else alt.Resolve(scale=alt.ScaleResolveMap(x="independent", xOffset="independent"))
    )
    return alt.FacetChart(
        spec=inner,
        facet=alt.FacetFieldDef(
            field=_field(spec.column),
            type="nominal",
            title=column_label(spec.column),
            sort=panels,
            header=alt.Header(labelFontSize=12, titleFontSize=13, labelColor="#1b1b1b"),
        ),
        columns=columns,
        resolve=resolve,
    )


def _shared_x(data: pd.DataFrame, spec: ChartSpec) -> bool:
    """Panels share one x axis unless their category sets differ (a line's x is always shared)."""
    if not spec.column or spec.kind == "line":
        return True
    sets = {
        frozenset(ordered_unique(group[spec.x]))
        for _, group in data.groupby(spec.column, sort=False, dropna=False)
    }
    return len(sets) <= 1


def _max_categories(data: pd.DataFrame, spec: ChartSpec) -> int:
    if not spec.column:
        return max(1, data[spec.x].nunique())
    counts = data.groupby(spec.column, sort=False, dropna=False)[spec.x].nunique()
    return max(1, int(counts.max()) if len(counts) else 1)


def save_figures(
    charts: Mapping[str, alt.TopLevelMixin | dict[str, Any]], figures_dir: Path
) -> list[Path]:
    """Write ``<name>.svg`` and ``<name>.png`` for each chart with vl-convert (no network).

    ``charts`` maps a file stem to an altair chart or its Vega-Lite dict. Returns the
    written paths, sorted, so callers can list them in a manifest.
    """
    figures_dir.mkdir(parents=True, exist_ok=True)
    version = vegalite_version()
    written: list[Path] = []
    for name in sorted(charts):
        if not _SAFE_NAME.match(name):
            raise ValueError(f"figure name {name!r} is not a safe file stem")
        spec = vegalite_dict(charts[name])
        svg_path = figures_dir / f"{name}.svg"
        png_path = figures_dir / f"{name}.png"
        # No base URLs allowed: a figure may only use the data inlined in its spec.
        svg = stable_svg_ids(vlc.vegalite_to_svg(spec, vl_version=version, allowed_base_urls=[]))
        svg_path.write_text(svg, encoding="utf-8")
        png_path.write_bytes(vlc.svg_to_png(svg, scale=2))  # from the SVG: one Vega run a figure
        written += [png_path, svg_path]
    return sorted(written)


def value_column(spec: ChartSpec) -> str:
    """The column whose missing values mean "suppressed" for this chart."""
    return spec.color if spec.kind == "heat" and spec.color else spec.y


def vegalite_dict(chart: alt.TopLevelMixin | dict[str, Any]) -> dict[str, Any]:
    """The Vega-Lite spec as a dict.

    Not schema-validated here: altair's check costs a quarter of the chart time on
    every run, and the specs are built from typed code, so the tests validate every
    chart kind instead (``test_report_polish.py``).
    """
    return chart if isinstance(chart, dict) else chart.to_dict(validate=False)


_COUNTED_ID = re.compile(r'id="((?:clip|gradient_|pattern_)(\d+))"')


def stable_svg_ids(svg: str) -> str:
    """Renumber Vega's clip/gradient ids from a per-file count.

    Vega numbers them with a process-wide counter, so the same chart drawn after
    another one would otherwise come out with different bytes.
    """
    mapping: dict[str, str] = {}
    for match in _COUNTED_ID.finditer(svg):
        full, number = match.group(1), match.group(2)
        mapping.setdefault(full, f"{full[: -len(number)]}{len(mapping)}")
    if not mapping:
        return svg
    pattern = re.compile(r'(?<=["#])(' + "|".join(map(re.escape, mapping)) + r')(?=[")])')
    return pattern.sub(lambda m: mapping[m.group(1)], svg)


# ---------------------------------------------------------------------------- checks


def _check_spec(table: AnalysisTable, spec: ChartSpec) -> None:
    if spec.kind not in CHART_KINDS:
        raise ValueError(
            f"table {table.name!r}: chart kind {spec.kind!r} is not one of {list(CHART_KINDS)}"
        )
    if spec.kind == "heat" and not spec.color:
        raise ValueError(f"table {table.name!r}: a heat chart needs a color (value) column")
    if spec.kind == "interval" and not (spec.lower and spec.upper):
        raise ValueError(f"table {table.name!r}: an interval chart needs lower and upper columns")
    missing = [c for c in _used_columns(spec) if c not in table.data.columns]
    if missing:
        raise ValueError(
            f"table {table.name!r}: chart refers to columns {missing} that the table does not have "
            f"(columns: {list(table.data.columns)})"
        )


def _used_columns(spec: ChartSpec) -> list[str]:
    cols = [spec.x, spec.y, spec.color, spec.column, spec.lower, spec.upper, *spec.tooltip]
    return list(dict.fromkeys(c for c in cols if c))


# ----------------------------------------------------------------------- encodings


def _field(name: str) -> str:
    """Escape characters Vega-Lite reads as nested-field syntax."""
    return re.sub(r"([.\[\]\\])", r"\\\1", name)


def _is_numeric(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _x_encoding(
    data: pd.DataFrame, spec: ChartSpec, *, categorical: bool = True, band: float = 36
) -> alt.X:
    """The x channel; categories keep their slot even when every value in it is suppressed."""
    series = data[spec.x]
    title = spec.x_title or column_label(spec.x)
    if not categorical and pd.api.types.is_datetime64_any_dtype(series):
        return alt.X(f"{_field(spec.x)}:T", title=title)
    if not categorical and _is_numeric(series):
        whole = bool((series.dropna() % 1 == 0).all())
        axis = alt.Axis(format="d", tickMinStep=1) if whole else alt.Axis(format="~r")
        return alt.X(f"{_field(spec.x)}:Q", title=title, axis=axis)
    order = spec.sort or ordered_unique(series)
    longest = max((len(str(v)) for v in order), default=0)
    rotate = longest * 6.5 > band  # ~6.5 px a character at 12 px
    axis = alt.Axis(labelAngle=-35 if rotate else 0, labelLimit=180)
    # A shared axis keeps every category's slot, even one whose values are all suppressed.
    scale = alt.Scale(domain=order) if _shared_x(data, spec) else alt.Undefined
    return alt.X(
        f"{_field(spec.x)}:{'O' if spec.sort else 'N'}",
        title=title,
        sort=order,
        scale=scale,
        axis=axis,
    )


def _y_encoding(spec: ChartSpec, *, zero: bool, field: str | None = None) -> alt.Y:
    """The value axis; ``field`` lets an error-bar layer share the point layer's axis."""
    axis = alt.Axis(format=spec.y_format) if spec.y_format else alt.Axis()
    return alt.Y(
        f"{_field(field or spec.y)}:Q",
        title=spec.y_title or column_label(spec.y),
        axis=axis,
        scale=alt.Scale(zero=zero),
    )


def _color_encoding(data: pd.DataFrame, spec: ChartSpec) -> alt.Color:
    domain = ordered_unique(data[spec.color])
    # A long legend wraps into rows instead of running off the card.
    longest = max((len(str(v)) for v in domain), default=1)
    columns = max(1, min(len(domain), MAX_PAGE_WIDTH // (min(longest, 34) * 7 + 30)))
    return alt.Color(
        f"{_field(spec.color)}:N",
        title=column_label(spec.color),
        scale=alt.Scale(domain=domain, range=list(OKABE_ITO)),
        legend=alt.Legend(orient="bottom", direction="horizontal", labelLimit=240, columns=columns),
    )


def _tooltips(data: pd.DataFrame, spec: ChartSpec) -> list[alt.Tooltip]:
    fields = spec.tooltip or [
        c for c in (spec.x, spec.column, spec.color, spec.y, spec.lower, spec.upper) if c
    ]
    formatted = {spec.y, spec.lower, spec.upper} | ({spec.color} if spec.kind == "heat" else set())
    tips = []
    for name in dict.fromkeys(fields):
        numeric = _is_numeric(data[name])
        fmt = spec.y_format if (numeric and name in formatted and spec.y_format) else None
        if numeric and fmt is None:
            fmt = ",.4~r"
        tips.append(
            alt.Tooltip(
                f"{_field(name)}:{'Q' if numeric else 'N'}",
                title=column_label(name),
                format=fmt or alt.Undefined,
            )
        )
    return tips


def _width(data: pd.DataFrame, spec: ChartSpec, per: int) -> tuple[int | alt.Step, float]:
    """Panel width and the px each x category gets.

    Panels with their own categories size by step, so a two-category panel is not
    as wide as a twelve-category one.
    """
    if spec.column and not _shared_x(data, spec):
        return alt.Step(per, **{"for": "position"}), float(per)
    n_x = max(1, data[spec.x].nunique())
    low, high = (200, 380) if spec.column else (420, 760)
    width = max(low, min(high, n_x * per))
    return width, width / n_x


# -------------------------------------------------------------------------- layers


def _grouped_encoding(data: pd.DataFrame, spec: ChartSpec) -> tuple[dict[str, Any], Any]:
    """x (+ colour side by side via xOffset) and tooltips shared by bar and interval charts."""
    groups = 1
    encoding: dict[str, Any] = {"tooltip": _tooltips(data, spec)}
    if spec.color:
        encoding["color"] = _color_encoding(data, spec)
        if spec.color != spec.x:
            encoding["xOffset"] = alt.XOffset(
                f"{_field(spec.color)}:N", sort=ordered_unique(data[spec.color])
            )
            groups = max(1, data[spec.color].nunique())
    else:
        encoding["color"] = alt.value(OKABE_ITO[0])
    if not spec.column:
        per = max(64, 26 * groups)
    elif _shared_x(data, spec):
        per = max(40, 26 * groups)
    else:
        per = max(30, 18 * groups)  # own-axis panels: compact, so several share a row
    width, band = _width(data, spec, per)
    encoding["x"] = _x_encoding(data, spec, band=band)
    return encoding, width


HORIZONTAL_MIN_CATEGORIES = 13  # from this many categories (or long labels) bars lie down
_TRANSPOSED = {"x": alt.Y, "y": alt.X, "xOffset": alt.YOffset, "y2": alt.X2}


def _horizontal(data: pd.DataFrame, spec: ChartSpec) -> bool:
    """Many categories or long labels read better down the page than crammed along x."""
    if spec.column:
        return False
    order = spec.sort or ordered_unique(data[spec.x])
    longest = max((len(str(v)) for v in order), default=0)
    return len(order) >= HORIZONTAL_MIN_CATEGORIES or longest > 28


def _transpose(encoding: dict[str, Any]) -> dict[str, Any]:
    """Swap x and y (and their offsets and second values) for a horizontal chart."""
    out = {}
    for key, channel in encoding.items():
        if key not in _TRANSPOSED:
            out[key] = channel
            continue
        spec = channel.to_dict()
        if key == "x" and isinstance(spec.get("axis"), dict):
            spec["axis"] = {**spec["axis"], "labelAngle": 0, "labelLimit": 260}
        new_key = {"x": "y", "y": "x", "xOffset": "yOffset", "y2": "x2"}[key]
        out[new_key] = _TRANSPOSED[key](**spec)
    return out


def _horizontal_size(data: pd.DataFrame, spec: ChartSpec) -> tuple[int, int]:
    groups = data[spec.color].nunique() if spec.color and spec.color != spec.x else 1
    n = max(1, len(spec.sort or ordered_unique(data[spec.x])))
    # At most 120 px a category however many groups share it, rather than a chart
    # thousands of pixels tall (slow to draw, and no easier to read).
    return 560, max(120, n * max(22, min(14 * groups, 120)))


def _bar_layers(data: pd.DataFrame, spec: ChartSpec) -> tuple[list[alt.Chart], Any, int]:
    encoding, width = _grouped_encoding(data, spec)
    encoding["y"] = _y_encoding(spec, zero=True)
    height = 280
    horizontal = _horizontal(data, spec)
    if horizontal:
        encoding = _transpose(encoding)
        width, height = _horizontal_size(data, spec)
    bars = alt.Chart().mark_bar(cornerRadiusEnd=2).encode(**encoding)
    return [bars, _suppressed_marks(encoding, height, horizontal)], width, height


def _interval_layers(data: pd.DataFrame, spec: ChartSpec) -> tuple[list[alt.Chart], Any, int]:
    encoding, width = _grouped_encoding(data, spec)
    rule_encoding = {
        **encoding,
        "y": _y_encoding(spec, zero=False, field=spec.lower),
        "y2": alt.Y2(f"{_field(spec.upper)}:Q"),
    }
    point_encoding = {**encoding, "y": _y_encoding(spec, zero=False)}
    height = 280
    horizontal = _horizontal(data, spec)
    if horizontal:
        rule_encoding, point_encoding = _transpose(rule_encoding), _transpose(point_encoding)
        width, height = _horizontal_size(data, spec)
    rule = alt.Chart().mark_rule(strokeWidth=2).encode(**rule_encoding)
    point = alt.Chart().mark_point(filled=True, size=70, opacity=1).encode(**point_encoding)
    return [rule, point, _suppressed_marks(point_encoding, height, horizontal)], width, height


def _suppressed_marks(encoding: dict[str, Any], height: int, horizontal: bool) -> alt.Chart:
    """The word "suppressed" in the slot of each suppressed value, along the category axis.

    An empty slot would read as zero or as no data; the word says the value exists
    but is withheld. It sits at the foot of the plot (vertical charts, reading up) or
    at its left edge (horizontal charts), whatever the value scale.
    """
    slot = ("y", "yOffset") if horizontal else ("x", "xOffset")
    channels = {k: v for k, v in encoding.items() if k in (*slot, "tooltip")}
    if horizontal:
        channels["x"] = alt.value(4)
    else:
        channels["y"] = alt.value(height - 4)
    # One constructor call: altair's chained methods deep-copy the chart each time.
    return alt.Chart(
        mark=alt.MarkDef(
            type="text",
            text=SUPPRESSED_TEXT,
            align="left",
            baseline="middle",
            angle=0 if horizontal else 270,
            fontSize=10,
            fontStyle="italic",
            color="#4a4a4a",
        ),
        encoding=alt.FacetedEncoding(**channels),
        transform=[alt.FilterTransform(filter=_SUPPRESSED_TEST)],
    )


def _line_layers(data: pd.DataFrame, spec: ChartSpec) -> tuple[list[alt.Chart], Any, int]:
    encoding: dict[str, Any] = {
        "x": _x_encoding(data, spec, categorical=False),
        "y": _y_encoding(spec, zero=False),
        "tooltip": _tooltips(data, spec),
    }
    if spec.color:
        encoding["color"] = _color_encoding(data, spec)
    else:
        encoding["color"] = alt.value(OKABE_ITO[0])
    layers = [
        alt.Chart().mark_line(point=alt.OverlayMarkDef(filled=True, size=50)).encode(**encoding)
    ]
    if spec.lower and spec.upper:
        band = (
            alt.Chart()
            .mark_area(opacity=0.18)
            .encode(
                x=encoding["x"],
                y=alt.Y(f"{_field(spec.lower)}:Q"),
                y2=alt.Y2(f"{_field(spec.upper)}:Q"),
                color=encoding["color"],
            )
        )
        layers.insert(0, band)
    return layers, 360 if spec.column else 620, 280


def _heat_layers(data: pd.DataFrame, spec: ChartSpec) -> tuple[list[alt.Chart], Any, int]:
    assert spec.color  # checked in _check_spec
    y_order = ordered_unique(data[spec.y])
    n_y = len(y_order)
    longest = max((len(str(v)) for v in ordered_unique(data[spec.x])), default=0)
    width, band = _width(data, spec, max(56, min(170, longest * 7 + 12)))
    if isinstance(width, int):
        width = max(160, min(720, width))
    height = max(80, min(720, n_y * 24))
    x_enc = _x_encoding(data, spec, band=band)
    y_enc = alt.Y(
        f"{_field(spec.y)}:N",
        title=spec.y_title or column_label(spec.y),
        sort=y_order,
        scale=alt.Scale(domain=y_order),
        axis=alt.Axis(labelLimit=220),
    )
    values = pd.to_numeric(data[spec.color], errors="coerce").dropna()
    low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    legend_format = spec.y_format or alt.Undefined
    rect = (
        alt.Chart()
        .mark_rect(stroke="#ffffff", strokeWidth=1)
        .encode(
            x=x_enc,
            y=y_enc,
            color=alt.Color(
                f"{_field(spec.color)}:Q",
                title=column_label(spec.color),
                scale=alt.Scale(scheme=HEAT_SCHEME),
                legend=alt.Legend(format=legend_format, gradientLength=160),
            ),
            tooltip=_tooltips(data, spec),
        )
    )
    # Value labels: light text on the dark (low) end of viridis, dark text on the light end.
    middle = low + (high - low) * 0.45  # viridis luminance passes ~0.18 here
    text = (
        alt.Chart()
        .mark_text(fontSize=11)
        .encode(
            x=x_enc,
            y=y_enc,
            text=alt.Text(f"{_field(spec.color)}:Q", format=spec.y_format or ",.3~r"),
            color=alt.condition(
                f"datum[{_js_string(spec.color)}] < {middle!r}",
                alt.value("#ffffff"),
                alt.value("#1b1b1b"),
            ),
        )
    )
    # A suppressed cell is a grey tile that says so, not a gap in the grid.
    flagged = [alt.FilterTransform(filter=_SUPPRESSED_TEST)]
    withheld = alt.Chart(
        mark=alt.MarkDef(type="rect", fill="#e5e7eb", stroke="#ffffff", strokeWidth=1),
        encoding=alt.FacetedEncoding(x=x_enc, y=y_enc, tooltip=_tooltips(data, spec)),
        transform=flagged,
    )
    withheld_text = alt.Chart(
        mark=alt.MarkDef(
            type="text", text=SUPPRESSED_TEXT, fontSize=9, fontStyle="italic", color="#4a4a4a"
        ),
        encoding=alt.FacetedEncoding(x=x_enc, y=y_enc),
        transform=flagged,
    )
    return [rect, text, withheld, withheld_text], width, height


_LAYERS = {
    "bar": _bar_layers,
    "interval": _interval_layers,
    "line": _line_layers,
    "heat": _heat_layers,
}


def _js_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


# ---------------------------------------------------------------------- text bits


def _suppression_notes(n_suppressed: int, shown: pd.DataFrame, spec: ChartSpec) -> list[str]:
    notes = []
    if n_suppressed:
        notes.append(
            f"{n_suppressed} value{'s' if n_suppressed != 1 else ''} "
            + ("not shown" if spec.kind == "line" else "marked “suppressed”")
            + " (disclosure control); see the table."
        )
    if spec.kind == "interval" and spec.lower and spec.upper:
        open_bounds = int((shown[spec.lower].isna() | shown[spec.upper].isna()).sum())
        if open_bounds:
            notes.append(
                f"{open_bounds} interval{'s' if open_bounds != 1 else ''} suppressed or not "
                "estimable: point shown without error bar."
            )
    return notes


def _description(table: AnalysisTable, spec: ChartSpec, notes: list[str]) -> str:
    text = spec.description.strip()
    if not text:
        what = spec.y_title or column_label(spec.y)
        by = spec.x_title or column_label(spec.x)
        text = f"{spec.kind.capitalize()} chart of {what} by {by}" + (
            f", by {column_label(spec.color)}" if spec.color and spec.kind != "heat" else ""
        )
        text += "."
    return " ".join([text, *notes])


def _house_style() -> alt.Config:
    """One house style for every chart (fresh each time: a chart owns its config)."""
    return alt.Config(
        font=FONT,
        background="#ffffff",
        padding=8,
        range=alt.RangeConfig(category=list(OKABE_ITO)),
        title=alt.TitleConfig(
            fontSize=15,
            fontWeight=600,
            anchor="start",
            color="#1b1b1b",
            subtitleColor="#4a4a4a",
            subtitleFontSize=12,
            offset=10,
        ),
        axis=alt.AxisConfig(
            labelFontSize=12,
            titleFontSize=12,
            labelColor="#333333",
            titleColor="#1b1b1b",
            titleFontWeight=600,
            gridColor="#e5e7eb",
            domainColor="#6b7280",
            tickColor="#6b7280",
        ),
        legend=alt.LegendConfig(labelFontSize=12, titleFontSize=12, titleColor="#1b1b1b"),
        view=alt.ViewConfig(stroke=None),
    )
