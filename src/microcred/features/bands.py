"""Experience bands from the configured cut points (shared by features and analyses)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ibis.expr.types as ir

UNKNOWN = "unknown"


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def band_labels(cuts: list[float]) -> list[str]:
    """``[0, 2, 5, 10, 20]`` → ``["0–2", "2–5", "5–10", "10–20", "20+"]`` (en dash)."""
    cuts = sorted(cuts)
    labels = [f"{_fmt(lo)}–{_fmt(hi)}" for lo, hi in zip(cuts, cuts[1:], strict=False)]
    return [*labels, f"{_fmt(cuts[-1])}+"]


def band_of(years: float | None, cuts: list[float]) -> str:
    """The band of a number of years (lower bound inclusive); ``unknown`` for missing."""
    if years is None or (isinstance(years, float) and math.isnan(years)):
        return UNKNOWN
    cuts = sorted(cuts)
    labels = band_labels(cuts)
    if years < cuts[0]:
        return labels[0]
    for i in range(len(cuts) - 1, -1, -1):
        if years >= cuts[i]:
            return labels[i]
    return labels[0]  # pragma: no cover - unreachable


def band_expr(years: ir.FloatingValue, cuts: list[float]) -> ir.StringValue:
    """ibis twin of :func:`band_of`."""
    import ibis

    cuts = sorted(cuts)
    labels = band_labels(cuts)
    cases = [(years.isnull(), ibis.literal(UNKNOWN))]
    for i in range(len(cuts) - 1, 0, -1):
        cases.append((years >= cuts[i], ibis.literal(labels[i])))
    return ibis.cases(*cases, else_=ibis.literal(labels[0]))
