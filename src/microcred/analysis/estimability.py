"""When the data cannot support an estimate: say so, and say why, in a fixed vocabulary.

Why a module: small cohorts (one person, no holders, one occupation) and perfect
prediction in a category are normal in real studies. Every analysis marks such
rows with the same ``status`` column instead of crashing or printing a number
that means nothing. The column is plain text drawn from :data:`STATUS_VALUES`
only, so it is a coded value the release may publish as is.

Separation (a level or a combination of levels that predicts holding perfectly)
is found with the linear program of Konis (2007, as in R's ``safeBinaryRegression``
and ``detectseparation``): the maximum-likelihood estimate exists exactly when no
direction ``d`` with ``s_i·x_i'd ≥ 0`` for every person (``s`` = ±1 for holders and
non-holders), some strictly, exists. The coefficients along ``d`` are infinite: they
are reported as not estimable, never as ``exp`` of a huge number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from microcred.analysis.result import AnalysisTable

STATUS_COLUMN = "status"
_MAX_LOG = math.log(np.finfo(float).max) - 1.0  # exp() of more overflows
ESTIMATED = "estimated"

# reason -> what it means (the method text of a table quotes the ones it uses)
REASONS: dict[str, str] = {
    "no people": "nobody in the cell (with a positive weight)",
    "too few people": "fewer people than the method needs (two per group for an interval)",
    "no holders": "nobody in the cell holds a microcredential",
    "no non-holders": "everybody in the cell holds a microcredential",
    "no variation": "the covariate takes a single value among the people fitted",
    "separation": "a level or a combination of levels predicts holding (or rank) perfectly "
    "(Konis 2007 linear-programming check), so the odds ratio is infinite or holders and "
    "non-holders have no overlap to compare",
    "model did not fit": "the estimating equations have no finite solution or did not converge",
    "interval unbounded": "the 95 % interval runs past the largest representable number",
}


def not_estimable(reason: str) -> str:
    """The status text for ``reason`` (one of :data:`REASONS`)."""
    if reason not in REASONS:
        raise KeyError(f"unknown not-estimable reason {reason!r}; known: {sorted(REASONS)}")
    return f"not estimable: {reason}"


STATUS_VALUES: tuple[str, ...] = (ESTIMATED, *(not_estimable(r) for r in REASONS))


class NotEstimable(ValueError):
    """The data cannot support the estimate; ``reason`` is a key of :data:`REASONS`."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        self.status = not_estimable(reason)
        super().__init__(f"{self.status}{': ' + detail if detail else ''}")


def status_method(reasons: Iterable[str]) -> str:
    """The sentence a table's method adds about its status column.

    It names the reasons the table *can* give, not the ones it did: a note counting
    not-estimable rows would tell what a suppressed status cell hides.
    """
    listed = "; ".join(f"'{r}': {REASONS[r]}" for r in reasons)
    return (
        "The status column reads 'estimated', or 'not estimable: <reason>' where the data "
        f"cannot support the figures, which are then left empty ({listed})."
    )


def _counts(df: pd.DataFrame, column: str) -> np.ndarray:
    """A count column as numbers (a table without rows may lack the column)."""
    if column not in df:
        return np.zeros(len(df))
    return df[column].fillna(0).to_numpy(dtype=float)


def share_status(df: pd.DataFrame, denominator: str, reason: str = "no people") -> pd.Series:
    """Status of a share: estimable once somebody is in the ``denominator`` column."""
    out = pd.Series(ESTIMATED, index=df.index, dtype=object)
    out[_counts(df, denominator) == 0] = not_estimable(reason)
    return out


COMPARISON_REASONS = ("no people", "no holders", "no non-holders", "too few people")


def comparison_status(
    df: pd.DataFrame, holders: str, non_holders: str, min_each: int = 1
) -> pd.Series:
    """Status of a holders-versus-non-holders contrast: both groups need ``min_each`` people."""
    h, n = _counts(df, holders), _counts(df, non_holders)
    out = pd.Series(ESTIMATED, index=df.index, dtype=object)
    out[(h < min_each) | (n < min_each)] = not_estimable("too few people")
    out[n == 0] = not_estimable("no non-holders")
    out[h == 0] = not_estimable("no holders")
    out[(h == 0) & (n == 0)] = not_estimable("no people")
    return out


def with_status(table: AnalysisTable, status: pd.Series, reasons: Iterable[str]) -> AnalysisTable:
    """``table`` with its status column, and its method saying what the reasons mean.

    The status is declared as depending on the table's counts, so the release hides it
    wherever it hides them: "no holders" beside a suppressed count would give it away.
    """
    unknown = set(status) - set(STATUS_VALUES)
    if unknown:
        raise ValueError(f"table {table.name!r}: status values outside the vocabulary: {unknown}")
    table.data[STATUS_COLUMN] = status.to_numpy(dtype=object) if len(status) else []
    if table.count_columns:
        table.dependent[STATUS_COLUMN] = list(table.count_columns)
    table.method = f"{table.method} {status_method(reasons)}"
    return table


def safe_exp(log_value: float, lower: float, upper: float) -> tuple[float, float, float, str]:
    """(odds ratio, lower, upper, status) from a log-odds estimate and its interval.

    An interval that runs past what a float can hold is reported as not estimable
    rather than clipped: a clipped bound would look like a finding.
    """
    values = (log_value, lower, upper)
    if any(not math.isfinite(v) for v in values):
        return (math.nan, math.nan, math.nan, not_estimable("model did not fit"))
    if max(abs(v) for v in values) > _MAX_LOG:
        return (math.nan, math.nan, math.nan, not_estimable("interval unbounded"))
    return (math.exp(log_value), math.exp(lower), math.exp(upper), ESTIMATED)


@dataclass(frozen=True)
class Separation:
    """A separating direction: which coefficients are infinite, and along which direction."""

    infinite: np.ndarray  # bool per design column (constant included)
    direction: np.ndarray  # in the design's own units; perfectly predicted rows have margin ≥ 1

    def perfect(self, y: np.ndarray, X: np.ndarray) -> np.ndarray:
        """The rows of ``X`` whose outcome the direction predicts perfectly."""
        s = np.where(np.asarray(y, dtype=bool), 1.0, -1.0)
        return s * (np.asarray(X, dtype=float) @ self.direction) > 0.5


def separating_direction(y: np.ndarray, X: np.ndarray, tol: float = 1e-6) -> Separation | None:
    """Konis's linear program on (distinct) rows: the separation, or None when the MLE exists.

    ``X`` includes the constant. Each round maximises ``Σ s_i·x_i'd`` subject to
    ``s_i·x_i'd ≥ 0`` with ``d`` in a box (Konis 2007), over the rows no earlier round
    predicted perfectly; an optimum is a vertex and can leave some separable rows at a
    zero margin, so the rounds go on until none is found, and their directions are
    added (the earlier ones scaled up so their rows stay strictly predicted). Columns
    are scaled to unit range first so one tolerance suits dummies and years alike.
    Solved with HiGHS through scipy, on the distinct rows the caller passes (a few
    thousand for a categorical design; it grows with the rows, so callers cap them).
    """
    y = np.asarray(y, dtype=bool)
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.size == 0:
        return None
    n, p = X.shape
    scale = np.abs(X).max(axis=0)
    scale[scale == 0] = 1.0
    A = np.where(y, 1.0, -1.0)[:, None] * (X / scale)
    perfect = np.zeros(n, dtype=bool)
    total = np.zeros(p)
    for _ in range(p + 1):
        rest = A[~perfect]
        if not len(rest):
            break
        res = linprog(
            c=-rest.sum(axis=0),
            A_ub=-rest,
            b_ub=np.zeros(len(rest)),
            bounds=[(-1.0, 1.0)] * p,
            method="highs",
        )
        if res.status != 0:
            break
        d = np.where(np.abs(res.x) > tol, res.x, 0.0)
        new = (A @ d > tol) & ~perfect
        if not new.any():
            break
        if perfect.any():  # keep the rows found so far strictly predicted
            old, now = A[perfect] @ total, A[perfect] @ d
            total = total * (1.0 + max(0.0, float(np.max(-now / old)))) + d
        else:
            total = d
        perfect |= new
    if not perfect.any():
        return None
    total = total / float(np.min(A[perfect] @ total))  # perfectly predicted rows: margin ≥ 1
    return Separation(infinite=np.abs(total) > 0, direction=total / scale)
