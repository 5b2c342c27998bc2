"""Disclosure control: small cells hidden, and no hidden cell recoverable from totals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.linalg import null_space

from microcred.analysis.result import AnalysisTable
from microcred.release.disclosure import SUPPRESSED_COLUMN, protect_table, random_round

MIN_CELL = 10


def _table_2d(grid: np.ndarray, with_totals: bool = True) -> AnalysisTable:
    rows = []
    n_r, n_c = grid.shape
    for i in range(n_r):
        for j in range(n_c):
            rows.append({"occ": f"o{i}", "prov": f"p{j}", "n": int(grid[i, j])})
        if with_totals:
            rows.append({"occ": f"o{i}", "prov": "Total", "n": int(grid[i].sum())})
    if with_totals:
        for j in range(n_c):
            rows.append({"occ": "Total", "prov": f"p{j}", "n": int(grid[:, j].sum())})
        rows.append({"occ": "Total", "prov": "Total", "n": int(grid.sum())})
    df = pd.DataFrame(rows)
    df["pct"] = 100 * df["n"] / df["n"].max()
    return AnalysisTable(
        name="t",
        title="t",
        section="uptake",
        method="",
        data=df,
        count_columns=["n"],
        dependent={"pct": ["n"]},
        dims=["occ", "prov"],
    )


def _undetermined(full: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """For each hidden cell of a (R+1, C+1) grid with totals: is it NOT uniquely determined?

    Sets up the linear system of every row and column relation (interior sums equal
    the totals), moves published cells to the right-hand side, and checks whether the
    null space of the hidden-cell coefficient matrix moves each hidden coordinate.
    """
    n_r, n_c = full.shape
    idx = {cell: k for k, cell in enumerate(zip(*np.nonzero(hidden), strict=True))}
    equations = []
    for i in range(n_r):  # row i: sum_j<C x_ij - x_iC = 0
        eq = np.zeros(len(idx))
        for j in range(n_c):
            if (i, j) in idx:
                eq[idx[(i, j)]] = -1.0 if j == n_c - 1 else 1.0
        equations.append(eq)
    for j in range(n_c):
        eq = np.zeros(len(idx))
        for i in range(n_r):
            if (i, j) in idx:
                eq[idx[(i, j)]] = -1.0 if i == n_r - 1 else 1.0
        equations.append(eq)
    a = np.array(equations)
    ns = null_space(a) if a.size else np.eye(len(idx))
    free = np.abs(ns).max(axis=1) > 1e-9 if ns.size else np.zeros(len(idx), dtype=bool)
    return free


def _hidden_grid(released: pd.DataFrame, n_r: int, n_c: int) -> np.ndarray:
    hidden = np.zeros((n_r + 1, n_c + 1), dtype=bool)
    for occ, prov, n in released[["occ", "prov", "n"]].itertuples(index=False):
        i = n_r if occ == "Total" else int(occ[1:])
        j = n_c if prov == "Total" else int(prov[1:])
        hidden[i, j] = np.isnan(n)
    return hidden


def test_primary_suppression_hides_small_cells_and_keeps_zeros():
    grid = np.array([[3, 50, 0], [40, 60, 20], [30, 25, 45]])
    out, report = protect_table(_table_2d(grid), min_cell=MIN_CELL)
    df = out.data
    cell = df[(df.occ == "o0") & (df.prov == "p0")]
    assert np.isnan(cell.n.iloc[0]) and np.isnan(cell.pct.iloc[0])
    assert cell[SUPPRESSED_COLUMN].iloc[0] == "n;pct"
    zero = df[(df.occ == "o0") & (df.prov == "p2")]
    assert zero.n.iloc[0] == 0 or np.isnan(zero.n.iloc[0])
    assert report.primary == 1
    assert report.complementary >= 3  # a lone cell needs a rectangle at least
    assert report.dependent >= 4


def test_input_table_untouched():
    t = _table_2d(np.array([[3, 50], [40, 60]]))
    before = t.data.copy()
    protect_table(t, min_cell=MIN_CELL)
    pd.testing.assert_frame_equal(t.data, before)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(2, 5).flatmap(
        lambda r: st.integers(2, 5).flatmap(
            lambda c: st.lists(
                st.one_of(st.integers(0, 12), st.integers(0, 200)), min_size=r * c, max_size=r * c
            ).map(lambda v: np.array(v).reshape(r, c))
        )
    ),
    st.booleans(),
)
def test_no_suppressed_cell_is_recoverable_2d(grid, with_totals):
    """Totals are known to the attacker even when the table does not carry them."""
    out, _ = protect_table(_table_2d(grid, with_totals), min_cell=MIN_CELL)
    hidden = _hidden_grid(out.data, *grid.shape)
    full = np.zeros((grid.shape[0] + 1, grid.shape[1] + 1))
    full[:-1, :-1] = grid
    full[:-1, -1] = grid.sum(1)
    full[-1, :-1] = grid.sum(0)
    full[-1, -1] = grid.sum()
    small = (full >= 1) & (full < MIN_CELL)
    if not with_totals:
        small[-1, :] = small[:, -1] = False  # totals not in the table: nothing to suppress
    assert hidden[small].all(), "every small cell is suppressed"
    if hidden.any():
        assert _undetermined(full, hidden).all(), f"a hidden cell is recoverable:\n{grid}\n{hidden}"
    # published values are the true ones
    pub = out.data.dropna(subset=["n"])
    assert (pub.n >= MIN_CELL).all() or (pub.n[pub.n < MIN_CELL] == 0).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=1, max_size=8), st.booleans())
def test_no_suppressed_cell_is_recoverable_1d(values, with_total):
    rows = [{"prov": f"p{k}", "n": v} for k, v in enumerate(values)]
    if with_total:
        rows.append({"prov": "Total", "n": sum(values)})
    t = AnalysisTable("t", "t", "uptake", "", pd.DataFrame(rows), ["n"], {}, ["prov"])
    out, _ = protect_table(t, min_cell=MIN_CELL)
    truth = np.array([r["n"] for r in rows], dtype=float)
    hidden = out.data.n.isna().to_numpy()
    assert hidden[(truth >= 1) & (truth < MIN_CELL)].all()
    # one relation: sum(cells) - total = 0, the total known even when the table omits it.
    # The hidden terms are undetermined iff there are none or at least two of them.
    a = np.array([[1.0] * len(values) + ([-1.0] if with_total else [])])[:, hidden]
    if hidden.any() and not hidden.all():
        ns = null_space(a)
        assert ns.size and (np.abs(ns).max(axis=1) > 1e-9).all(), f"recoverable: {values}"
    if hidden.sum() == 1:  # only when the table has no other cell to hide with it: then say so
        assert len(rows) == 1 and any("could not be protected" in n for n in out.notes)


def test_three_dims_are_protected_layer_by_layer():
    rows = []
    for layer, grid in (("broad", [[3, 50], [40, 60]]), ("narrow", [[20, 30], [40, 60]])):
        for i in range(2):
            for j in range(2):
                rows.append({"definition": layer, "occ": f"o{i}", "prov": f"p{j}", "n": grid[i][j]})
    t = AnalysisTable(
        "t3", "t", "uptake", "", pd.DataFrame(rows), ["n"], {}, ["definition", "occ", "prov"]
    )
    out, _ = protect_table(t, min_cell=MIN_CELL)
    broad = out.data[out.data.definition == "broad"]
    narrow = out.data[out.data.definition == "narrow"]
    assert broad.n.isna().sum() == 4  # 2x2 with known totals: the whole layer must go
    assert narrow.n.isna().sum() == 0


def test_duplicate_dims_are_refused():
    df = pd.DataFrame({"prov": ["ON", "ON"], "n": [3, 40]})
    t = AnalysisTable("dup", "t", "uptake", "", df, ["n"], {}, ["prov"])
    with pytest.raises(ValueError, match="do not identify the rows uniquely"):
        protect_table(t)


def test_random_rounding_is_seeded_unbiased_and_on_base():
    values = np.arange(0, 2000, dtype=float) % 23
    a = random_round(values, 5, np.random.default_rng(1))
    b = random_round(values, 5, np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    assert (a % 5 == 0).all()
    assert (np.abs(a - values) < 5).all()
    assert abs(a.mean() - values.mean()) < 0.3  # unbiased
    t = _table_2d(np.array([[30, 51], [42, 67]]))
    r1, _ = protect_table(t, rounding_base=5, seed=7)
    r2, _ = protect_table(t, rounding_base=5, seed=7)
    pd.testing.assert_frame_equal(r1.data, r2.data)
    assert (r1.data.n % 5 == 0).all()


def test_missing_dim_values_are_a_category():
    df = pd.DataFrame({"prov": ["ON", None, "QC", "Total"], "n": [40, 3, 50, 93]})
    t = AnalysisTable("na", "t", "uptake", "", df, ["n"], {}, ["prov"])
    out, report = protect_table(t, min_cell=MIN_CELL)
    assert np.isnan(out.data.n.iloc[1]) and report.primary == 1 and report.complementary == 1


def test_empty_table_passes_but_missing_columns_in_data_are_an_error():
    empty = AnalysisTable("e", "t", "uptake", "", pd.DataFrame(), ["n"], {}, ["prov"])
    out, report = protect_table(empty)
    assert out.data.empty and report.primary == 0
    bad = AnalysisTable("b", "t", "uptake", "", pd.DataFrame({"prov": ["ON"]}), ["n"], {}, ["prov"])
    with pytest.raises(ValueError, match=r"declared columns \['n'\]"):
        protect_table(bad)
