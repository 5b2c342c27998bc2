"""Limitations the run itself shows, worked out from numbers it already published.

A report that says "no limitations" on every run tells the reader nothing. Each
check here reads the row accounting, the coder rates, the weighting summary or
the released tables (never microdata) and, when a figure crosses its threshold,
writes one plain sentence with the figure in it. Shares of unknown values are
computed only from released, unsuppressed cells, so no suppressed cell can be
worked back out of a sentence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from microcred.analysis.result import AnalysisTable
from microcred.report.context import ReportContext
from microcred.report.labels import column_label
from microcred.report.values import is_missing

# A share above these reads as a limitation worth a sentence.
QUARANTINE_SHARE = 0.01  # of rows read
ABSTENTION_SHARE = 0.05  # of distinct values a coder saw
SUPPRESSED_SHARE = 0.10  # of released value cells
UNKNOWN_SHARE = 0.10  # of people in a characteristic
DESIGN_EFFECT = 2.0  # Kish design effect of the weights
UNWEIGHTED_SHARE = 0.02  # of people left out of weighting


def detect_limitations(tables: Sequence[AnalysisTable], context: ReportContext) -> list[str]:
    """Sentences for every limitation this run's own numbers show, in a fixed order."""
    return [
        *_coverage(context.accounting),
        *_abstention(context.coding),
        *_suppression(tables),
        *_unknown_shares(tables),
        *_representativeness(context.weighting),
    ]


def _pct(share: float) -> str:
    return f"{share:.1%}" if share < 0.995 else f"{share:.0%}"


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _coverage(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    read = sum(_number(r.get("rows_read")) or 0 for r in rows)
    if not read:
        return []
    out = []
    quarantined = sum(_number(r.get("rows_quarantined")) or 0 for r in rows)
    if quarantined / read > QUARANTINE_SHARE:
        out.append(
            f"{_pct(quarantined / read)} of input rows ({quarantined:,.0f} of {read:,.0f}) were "
            "quarantined as unreadable or invalid and are not in any figure; the reasons are "
            "listed under “Data and coverage”."
        )
    skipped = sum(_number(r.get("rows_skipped")) or 0 for r in rows)
    if skipped:
        out.append(
            f"{skipped:,.0f} input rows ({_pct(skipped / read)}) were skipped on purpose "
            "(files the study does not use)."
        )
    return out


def _abstention(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    out = []
    for row in rows:
        distinct, abstained = _number(row.get("distinct")), _number(row.get("abstained"))
        if not distinct or abstained is None:
            continue
        share = abstained / distinct
        if share > ABSTENTION_SHARE:
            out.append(
                f"The {row.get('coder', 'coder')} coder abstained on {_pct(share)} of the "
                f"distinct values it saw ({abstained:,.0f} of {distinct:,.0f}); people with "
                "those values count as unknown, not as a guess."
            )
    return out


def _value_columns(table: AnalysisTable) -> list[str]:
    """Released value cells: numeric columns that are not dimensions."""
    return [
        c
        for c in table.data.columns
        if c not in table.dims
        and pd.api.types.is_numeric_dtype(table.data[c])
        and not pd.api.types.is_bool_dtype(table.data[c])
    ]


def _suppression(tables: Sequence[AnalysisTable]) -> list[str]:
    total = suppressed = 0
    worst: list[tuple[float, str]] = []
    for table in tables:
        cols = _value_columns(table)
        if not cols or table.data.empty:
            continue
        cells = table.data[cols]
        n, gaps = cells.size, int(cells.isna().sum().sum())
        total += n
        suppressed += gaps
        if gaps / n > 0.5:
            worst.append((gaps / n, table.title))
    if not total or suppressed / total <= SUPPRESSED_SHARE:
        return []
    text = (
        f"{_pct(suppressed / total)} of published value cells ({suppressed:,} of {total:,}) are "
        "suppressed or not estimable, so small groups are missing from the figures."
    )
    if worst:
        names = "; ".join(title for _, title in sorted(worst, key=lambda w: (-w[0], w[1]))[:3])
        text += f" Most affected: {names}."
    return [text]


def _unknown_shares(tables: Sequence[AnalysisTable]) -> list[str]:
    """Share of people whose characteristic is unknown, from tables that list an unknown category.

    Only where a table publishes both the count in the "unknown" category and the
    total it belongs to (``holders_in_category`` beside ``holders``): a share over
    the listed categories alone would be wrong whenever a category is left out (a
    model's reference level) or suppressed. Per characteristic, the largest share.
    """
    shares: dict[str, float] = {}
    for table in tables:
        data = table.data
        counts = [c for c in table.count_columns if c in data.columns]
        pairs = [(c, t) for c in counts for t in counts if c != t and c.startswith(f"{t}_")]
        if not pairs or data.empty:
            continue
        panel = _panel(table)
        for dim in table.dims:
            if dim == panel or dim not in data.columns:
                continue
            words = data[dim].astype(str).str.strip().str.lower()
            others = [d for d in table.dims if d != dim and d in data.columns]
            unknown_rows = data[words == "unknown"]
            for _, row in unknown_rows.iterrows():
                key = tuple(row[d] for d in others)
                name = _variable_name(dim, panel, key, others)
                for count, total in pairs:
                    if is_missing(row[count]) or is_missing(row[total]) or row[total] <= 0:
                        continue  # suppressed: no share, so nothing is worked back
                    share = float(row[count]) / float(row[total])
                    shares[name] = max(shares.get(name, 0.0), share)
    return [
        f"{column_label(name)} is unknown for {_pct(share)} of the people in the tables that "
        "break it down; figures by it describe the people whose value is known."
        for name, share in sorted(shares.items())
        if share > UNKNOWN_SHARE
    ]


# Dims whose values name a characteristic (``variable`` = ``seniority``) in long tables.
PANEL_DIMS = ("variable", "dimension", "characteristic")


def _panel(table: AnalysisTable) -> str | None:
    if table.chart and table.chart.column:
        return table.chart.column
    return next((d for d in table.dims if d in PANEL_DIMS), None)


def _variable_name(dim: str, panel: str | None, key: Any, others: list[str]) -> str:
    """The characteristic a dim holds: the panel value (``variable`` = ``seniority``) or the dim."""
    if panel and panel in others:
        key = key if isinstance(key, tuple) else (key,)
        return str(key[others.index(panel)])
    return dim


def _uncovered_margins(weighting: Mapping[str, Any]) -> list[str]:
    """One sentence per raking margin whose population cells have no one in the data."""
    out: list[str] = []
    uncovered = weighting.get("population_uncovered_share")
    if isinstance(uncovered, Mapping):
        for margin in sorted(uncovered):
            share = _number(uncovered[margin])
            if share and share > 0:
                name = " × ".join(column_label(part.strip()) for part in margin.split("×"))
                out.append(
                    f"{_pct(share)} of the population on the {name} margin falls in cells with "
                    "no one in the data; those people are represented by no profile."
                )
    return out


def _representativeness(weighting: Mapping[str, Any] | None) -> list[str]:
    if not weighting:
        return [
            "Results are not weighted: people who keep public profiles are not a random "
            "sample of workers, so shares describe the people in the data, not the workforce."
        ]
    out = [
        "Weights match the population on the raking margins only; people who keep public "
        "profiles may still differ from other workers in ways the margins do not capture."
    ]
    persons, in_frame = _number(weighting.get("n_persons")), _number(weighting.get("n_in_frame"))
    if persons and in_frame is not None and (persons - in_frame) / persons > UNWEIGHTED_SHARE:
        out.append(
            f"{persons - in_frame:,.0f} people ({_pct((persons - in_frame) / persons)}) could not "
            "be weighted (an unknown value or a cell absent from the population) and are left "
            "out of weighted figures."
        )
    deff, ess = _number(weighting.get("deff")), _number(weighting.get("ess"))
    if deff and deff > DESIGN_EFFECT:
        size = f" (effective sample size {ess:,.0f})" if ess else ""
        out.append(
            f"The weights vary a lot: the design effect is {deff:.1f}{size}, so weighted "
            "intervals are wider than the number of profiles suggests."
        )
    out += _uncovered_margins(weighting)
    if weighting.get("trim_cap_held") is False:
        ratio = _number(weighting.get("max_weight_ratio"))
        out.append(
            f"Trimming could not hold the weight cap: the largest weight is "
            f"{ratio:.1f} times the mean after re-raking, so a few people carry much of the "
            "weighted figures."
            if ratio
            else "Trimming could not hold the weight cap after re-raking."
        )
    groups = weighting.get("ess_by_group")
    if isinstance(groups, Mapping) and groups:
        sizes = ", ".join(
            f"{g} {v:,.0f}" for g, v in sorted(groups.items()) if _number(v) is not None
        )
        if sizes:
            out.append(f"Effective sample size of each study group after weighting: {sizes}.")
    unknown = weighting.get("unknown_cell")
    if isinstance(unknown, Mapping):
        placed = max((_number(v) or 0 for v in unknown.values()), default=0)
        if placed > 0:
            out.append(
                f"{placed:,.0f} people with an unknown value on a raking margin (or one the "
                "census table lacks) were weighted in their occupation's own cell at their "
                "observed share: they are assumed to be as over- or under-represented as the "
                "rest of their occupation."
            )
    if weighting.get("converged") is False:
        out.append("Raking did not converge; the weights match the margins only approximately.")
    return out
