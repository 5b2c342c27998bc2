"""Statistical disclosure control for released tables.

Why: a table of small counts can single out a person ("the one data scientist in
Yukon who holds a bootcamp certificate"). Every released ``AnalysisTable`` goes
through :func:`protect_table`, which applies, per count column:

1. **primary suppression** — cells with 1 .. ``min_cell - 1`` persons are hidden.
   Zero cells are *not* sensitive (an empty cell discloses nothing about a
   person) and are published, following Statistics Canada practice;
2. **complementary suppression** — further cells are hidden so that no
   suppressed cell can be recomputed from the published cells and the row,
   column and grand totals (see below);
3. **dependent suppression** — every derived column (percentage, interval,
   mean) built on a hidden count is hidden too (``AnalysisTable.dependent``);
4. optional **unbiased random rounding** of the published counts to a base
   (e.g. 5), seeded per table so that reruns are byte-identical.

Hidden cells become NaN and the row's ``suppressed`` column lists the columns
hidden in that row (``;``-joined, sorted; empty when nothing is hidden) — the
report renders them as ``x``, Statistics Canada's symbol.

Complementary suppression. A table with dims ``(row, col)`` is viewed as the
full grid of interior cells plus its row totals, column totals and grand
total. Sign-flipping the total row/column turns every line into a zero-sum
relation, so the unknown (hidden) cells form edges of a bipartite graph
between line nodes, and the set of hidden values consistent with the published
ones is the cycle space of that graph: a hidden cell is uniquely determined
exactly when its edge is a *bridge*. The greedy rule below removes every
bridge by hiding the cheapest path (Dijkstra, cost = cell value, zero cells
and totals made expensive) that closes a cycle through it. Totals are assumed
published even when the table does not carry them (they are usually
recoverable from another table), which is the conservative choice.
One-dimensional tables are the special case with a single row. Tables with
more than two dims are split into 2-D layers over the last two dims.
"""

from __future__ import annotations

import hashlib
import heapq
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from microcred.analysis.result import AnalysisTable

SUPPRESSED_COLUMN = "suppressed"
SUPPRESSED_SYMBOL = "x"
TOTAL_LABELS = frozenset({"total", "all"})

_ZERO_COST = 1e9  # hiding a zero protects little against bounds; use only when nothing else works
_TOTAL_COST = 1e6  # prefer interior cells over totals


def is_total_label(value: object) -> bool:
    """Whether a dimension value marks a marginal total row ("Total", "All", case-insensitive)."""
    return isinstance(value, str) and value.strip().lower() in TOTAL_LABELS


@dataclass
class DisclosureReport:
    """What was hidden in one table (for the manifest and the report's privacy section)."""

    table: str
    primary: int = 0
    complementary: int = 0
    dependent: int = 0
    rounded: bool = False
    rounding_base: int | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "primary_suppressed": self.primary,
            "complementary_suppressed": self.complementary,
            "dependent_suppressed": self.dependent,
            "rounding_base": self.rounding_base if self.rounded else None,
        }


# ---------------------------------------------------------------------------------------------
# complementary suppression on a 2-D grid


def _find_bridges(n_nodes: int, edges: list[tuple[int, int]]) -> list[int]:
    """Indices of edges that are bridges of the (multi)graph (iterative Tarjan)."""
    adj: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for k, (a, b) in enumerate(edges):
        adj[a].append((b, k))
        adj[b].append((a, k))
    disc = [-1] * n_nodes
    low = [0] * n_nodes
    bridges: list[int] = []
    timer = 0
    for root in range(n_nodes):
        if disc[root] != -1:
            continue
        disc[root] = low[root] = timer
        timer += 1
        stack: list[tuple[int, int, int]] = [(root, -1, 0)]  # node, parent edge, next adj index
        while stack:
            node, pedge, i = stack[-1]
            if i < len(adj[node]):
                stack[-1] = (node, pedge, i + 1)
                nxt, k = adj[node][i]
                if k == pedge:
                    continue
                if disc[nxt] == -1:
                    disc[nxt] = low[nxt] = timer
                    timer += 1
                    stack.append((nxt, k, 0))
                else:
                    low[node] = min(low[node], disc[nxt])
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > disc[parent]:
                        bridges.append(pedge)
    return sorted(bridges)


def _cheapest_cycle_path(
    cost: np.ndarray, avail: np.ndarray, hidden: np.ndarray, r: int, c: int
) -> list[tuple[int, int]] | None:
    """Cells on the cheapest row-col path from row ``r`` to column ``c`` avoiding cell (r, c).

    Nodes are rows 0..R-1 and columns R..R+C-1; an available cell (i, j) is an edge
    of weight 0 if already hidden, else its cost.
    """
    n_rows, n_cols = cost.shape
    n = n_rows + n_cols
    dist = [np.inf] * n
    prev: list[tuple[int, tuple[int, int]] | None] = [None] * n
    dist[r] = 0.0
    heap = [(0.0, r)]
    target = n_rows + c
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        if u == target:
            break
        if u < n_rows:
            neighbours = [(u, j, n_rows + j) for j in range(n_cols)]
        else:
            neighbours = [(i, u - n_rows, i) for i in range(n_rows)]
        for i, j, v in neighbours:
            if (i, j) == (r, c) or not avail[i, j]:
                continue
            w = 0.0 if hidden[i, j] else float(cost[i, j])
            if d + w < dist[v]:
                dist[v] = d + w
                prev[v] = (u, (i, j))
                heapq.heappush(heap, (d + w, v))
    if not np.isfinite(dist[target]):
        return None
    cells = []
    node = target
    while node != r:
        p = prev[node]
        assert p is not None
        node, cell = p
        cells.append(cell)
    return cells


def protect_grid(values: np.ndarray, hidden: np.ndarray, avail: np.ndarray) -> np.ndarray:
    """Complementary suppression on a full grid that includes totals.

    ``values``/``hidden``/``avail`` have shape (R+1, C+1): the last row and column
    are the totals. ``avail`` marks cells that exist in the table and so can be
    hidden (a total the table does not carry is taken as published). Returns the
    new hidden mask, in which no hidden cell is a bridge, i.e. none is determined
    by the published cells and the totals. Cells that cannot be protected (no
    available cycle) are reported by the caller via :func:`determined_cells`.
    """
    hidden = hidden.copy()
    n_rows, n_cols = values.shape
    cost = np.where(values == 0, _ZERO_COST, values.astype(float) + 1.0)
    cost[-1, :] += _TOTAL_COST
    cost[:, -1] += _TOTAL_COST
    unfixable: set[tuple[int, int]] = set()
    while True:
        cells = [(int(i), int(j)) for i, j in zip(*np.nonzero(hidden), strict=True)]
        edges = [(i, n_rows + j) for i, j in cells]
        bridges = [cells[k] for k in _find_bridges(n_rows + n_cols, edges)]
        todo = [b for b in bridges if b not in unfixable]
        if not todo:
            return hidden
        r, c = todo[0]
        path = _cheapest_cycle_path(cost, avail, hidden, r, c)
        if path is None:
            unfixable.add((r, c))
            continue
        for i, j in path:
            hidden[i, j] = True


def determined_cells(hidden: np.ndarray) -> list[tuple[int, int]]:
    """Hidden cells of a (R+1, C+1) grid with totals that the published cells determine."""
    n_rows, n_cols = hidden.shape
    cells = [(int(i), int(j)) for i, j in zip(*np.nonzero(hidden), strict=True)]
    edges = [(i, n_rows + j) for i, j in cells]
    return [cells[k] for k in _find_bridges(n_rows + n_cols, edges)]


# ---------------------------------------------------------------------------------------------
# applying it to an AnalysisTable


def _layer_grid(
    layer: pd.DataFrame, col: str, row_dim: str, col_dim: str
) -> tuple[np.ndarray, np.ndarray, dict[tuple[int, ...], object]]:
    """Lay one count column of a 2-D layer out as a (R+1, C+1) grid with totals last.

    Returns (values, available, grid cell -> data row index). Totals the table does
    not carry are computed from the interior and treated as published.
    """
    row_keys = sorted({v for v in layer[row_dim] if not is_total_label(v)}, key=str)
    col_keys = sorted({v for v in layer[col_dim] if not is_total_label(v)}, key=str)
    ri = {k: i for i, k in enumerate(row_keys)}
    ci = {k: j for j, k in enumerate(col_keys)}
    shape = (len(row_keys) + 1, len(col_keys) + 1)
    values = np.zeros(shape)
    avail = np.zeros(shape, dtype=bool)
    where: dict[tuple[int, ...], object] = {}
    for idx, rv, cv, v in zip(
        layer.index, layer[row_dim], layer[col_dim], layer[col].to_numpy(dtype=float), strict=True
    ):
        i = len(row_keys) if is_total_label(rv) else ri[rv]
        j = len(col_keys) if is_total_label(cv) else ci[cv]
        if np.isnan(v):
            continue
        values[i, j] = v
        avail[i, j] = True
        where[(i, j)] = idx
    interior = values[:-1, :-1]
    for i in range(shape[0] - 1):
        if not avail[i, -1]:
            values[i, -1] = interior[i].sum()
    for j in range(shape[1] - 1):
        if not avail[-1, j]:
            values[-1, j] = interior[:, j].sum()
    if not avail[-1, -1]:
        values[-1, -1] = interior.sum()
    return values, avail, where


def protect_line(values: np.ndarray, hidden: np.ndarray, avail: np.ndarray) -> np.ndarray:
    """Complementary suppression on one line ``x_1 + ... + x_k = total`` (total last).

    With one linear relation, the hidden cells are undetermined exactly when two or
    more of its terms are hidden; so a lone hidden cell gets the cheapest partner
    (smallest non-zero cell, then zero cells, the total last).
    """
    hidden = hidden.copy()
    if hidden.sum() != 1:
        return hidden
    cost = np.where(values == 0, _ZERO_COST, values.astype(float) + 1.0)
    cost[-1] += _TOTAL_COST
    cost[hidden | ~avail] = np.inf
    if np.isfinite(cost).any():
        hidden[int(np.argmin(cost))] = True
    return hidden


def _suppress_column(
    data: pd.DataFrame, col: str, dims: list[str], min_cell: int, complementary: bool
) -> tuple[set[int], int, int, list[str]]:
    """Row indices hidden in ``col``: (hidden, n_primary, n_complementary, notes)."""
    counts = data[col].to_numpy(dtype=float)
    primary_mask = (counts >= 1) & (counts < min_cell)
    primary = set(data.index[primary_mask])
    if not complementary or not primary:
        return primary, len(primary), 0, []
    hidden_rows = set(primary)
    notes: list[str] = []
    # missing dim values are a category of their own (NaN never equals itself in a lookup)
    data = data.assign(**{d: data[d].astype(object).where(data[d].notna(), "<NA>") for d in dims})
    line_dim = dims[-1] if dims else None
    layer_dims = dims[:-2] if len(dims) >= 2 else []
    layers = (
        [g for _, g in data.groupby(layer_dims, sort=True, dropna=False)] if layer_dims else [data]
    )
    for layer in layers:
        keys = layer[dims[-2:]] if dims else None
        if keys is not None and keys.duplicated().any():
            raise ValueError(
                f"column {col!r}: dims {dims} do not identify the rows uniquely "
                f"(first duplicate: {keys[keys.duplicated()].iloc[0].tolist()}); "
                "add the distinguishing column to dims"
            )
        if len(dims) >= 2:
            values, avail, where = _layer_grid(layer, col, dims[-2], dims[-1])
            hidden = np.zeros(values.shape, dtype=bool)
            for cell, idx in where.items():
                hidden[cell] = idx in primary
            if not hidden.any():
                continue
            new_hidden = protect_grid(values, hidden, avail)
            unsafe = bool(determined_cells(new_hidden))
        else:
            is_tot = (
                np.array([is_total_label(v) for v in layer[line_dim]])
                if line_dim
                else np.zeros(len(layer), dtype=bool)
            )
            vals = layer[col].to_numpy(dtype=float)
            ok = ~np.isnan(vals)
            inner_idx = list(layer.index[ok & ~is_tot])
            tot_idx = list(layer.index[ok & is_tot])
            inner_vals = vals[ok & ~is_tot]
            total = vals[ok & is_tot][0] if tot_idx else inner_vals.sum()
            values = np.append(inner_vals, total)
            avail = np.append(np.ones(len(inner_idx), dtype=bool), bool(tot_idx))
            where = {(k,): idx for k, idx in enumerate(inner_idx)}
            if tot_idx:
                where[(len(inner_idx),)] = tot_idx[0]
            hidden = np.array([where.get((k,)) in primary for k in range(len(values))])
            if not hidden.any():
                continue
            new_hidden = protect_line(values, hidden, avail)
            unsafe = bool(new_hidden.sum() == 1)
        for cell, idx in where.items():
            if new_hidden[cell]:
                hidden_rows.add(idx)
        if unsafe:
            notes.append(
                f"{col}: a suppressed cell could not be protected by complementary suppression "
                "within the table; its totals must not be published elsewhere"
            )
    return hidden_rows, len(primary), len(hidden_rows) - len(primary), notes


def _stable_seed(seed: int, name: str, col: str) -> int:
    digest = hashlib.sha256(f"{seed}:{name}:{col}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def random_round(values: np.ndarray, base: int, rng: np.random.Generator) -> np.ndarray:
    """Unbiased random rounding: v is rounded up to the next multiple of ``base`` with
    probability (v mod base)/base, else down; multiples of ``base`` and NaN are kept."""
    out = values.astype(float).copy()
    ok = ~np.isnan(out)
    v = out[ok]
    rem = np.mod(v, base)
    up = rng.random(v.shape) < rem / base
    out[ok] = v - rem + np.where(up, base, 0)
    return out


def suppression_plan(
    table: AnalysisTable, min_cell: int = 10, complementary: bool = True
) -> tuple[dict[str, set[int]], DisclosureReport]:
    """Rows hidden per count column (primary and within-table complementary) and the report.

    The linked-table step (:mod:`microcred.release.linked`) may add complements from
    other tables before :func:`apply_suppression` hides them.
    """
    data = table.data.reset_index(drop=True)
    report = DisclosureReport(table=table.name)
    missing = [c for c in [*table.count_columns, *table.dims] if c not in data.columns]
    if missing and len(data) == 0:  # an empty table discloses nothing; release it as it is
        return {}, report
    if missing:
        raise ValueError(f"table {table.name!r}: declared columns {missing} are not in its data")
    hidden_by_col: dict[str, set[int]] = {}
    for col in table.count_columns:
        rows, n_primary, n_comp, notes = _suppress_column(
            data, col, list(table.dims), min_cell, complementary
        )
        hidden_by_col[col] = rows
        report.primary += n_primary
        report.complementary += n_comp
        report.notes.extend(notes)
    return hidden_by_col, report


def _with_dependents(
    table: AnalysisTable, data: pd.DataFrame, hidden: dict[str, set[int]], report: DisclosureReport
) -> dict[str, set[int]]:
    """``hidden`` plus, per derived column, the rows where a count it is built on is hidden."""
    hidden_by_col = {c: set(r) for c, r in hidden.items()}
    for dep, bases in table.dependent.items():
        if dep not in data.columns:
            continue
        rows = set().union(*(hidden_by_col.get(b, set()) for b in bases)) if bases else set()
        hidden_by_col[dep] = hidden_by_col.get(dep, set()) | rows
        report.dependent += len(rows)
    return hidden_by_col


def _blank_hidden(data: pd.DataFrame, hidden_by_col: dict[str, set[int]]) -> list[list[str]]:
    """Blank the hidden cells of ``data`` in place; return, per row, the columns blanked."""
    flags: list[list[str]] = [[] for _ in range(len(data))]
    for col in sorted(hidden_by_col):
        col_rows = sorted(hidden_by_col[col])
        if col_rows:
            if pd.api.types.is_numeric_dtype(data[col]) or data[col].isna().all():
                data[col] = data[col].astype(float)
                data.loc[col_rows, col] = np.nan
            else:  # a text column built on the counts (an estimate's status) is hidden too
                data[col] = data[col].astype(object)
                data.loc[col_rows, col] = None
            for r in col_rows:
                flags[r].append(col)
    return flags


def apply_suppression(
    table: AnalysisTable,
    hidden: dict[str, set[int]],
    report: DisclosureReport,
    min_cell: int = 10,
    rounding_base: int | None = None,
    seed: int = 0,
) -> AnalysisTable:
    """A copy of ``table`` with the ``hidden`` count cells and every figure built on them hidden."""
    data = table.data.reset_index(drop=True).copy()
    if not set(table.count_columns) <= set(data.columns) and len(data) == 0:
        return replace(table, data=data, notes=[*table.notes], released=False)
    hidden_by_col = _with_dependents(table, data, hidden, report)
    flags = _blank_hidden(data, hidden_by_col)
    if rounding_base and rounding_base > 1:
        for col in table.count_columns:
            rng = np.random.default_rng(_stable_seed(seed, table.name, col))
            data[col] = random_round(data[col].to_numpy(dtype=float), rounding_base, rng)
        report.rounded = True
        report.rounding_base = rounding_base
    if table.count_columns or table.dependent:
        data[SUPPRESSED_COLUMN] = [";".join(f) for f in flags]
    notes = list(table.notes)
    if report.primary:
        notes.append(
            f"Cells with fewer than {min_cell} persons are suppressed ({SUPPRESSED_SYMBOL}), "
            "as are cells that would let them be recomputed from this or any other released "
            "table, and figures derived from them."
        )
    if report.rounded:
        notes.append(f"Counts are randomly rounded to a multiple of {report.rounding_base}.")
    notes.extend(report.notes)
    return replace(table, data=data, notes=notes, released=False)


def protect_table(
    table: AnalysisTable,
    min_cell: int = 10,
    complementary: bool = True,
    rounding_base: int | None = None,
    seed: int = 0,
) -> tuple[AnalysisTable, DisclosureReport]:
    """A protected copy of ``table`` (input untouched) and a report of what was hidden.

    Table by table only: the release links tables through
    :func:`microcred.release.linked.repair` on top of this.
    """
    hidden, report = suppression_plan(table, min_cell, complementary)
    out = apply_suppression(table, hidden, report, min_cell, rounding_base, seed)
    return out, report
