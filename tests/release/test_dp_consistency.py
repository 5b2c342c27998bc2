"""TopDown-style post-processing: non-negative integers, children sum to parents, exact
without noise, and least squares uses every level."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.release.dp_consistency import (
    Level,
    least_squares,
    project_simplex,
    round_keeping_sum,
    topdown,
    within_total,
)


def _tree(
    groups_of_leaves: list[int], leaf: np.ndarray | None, grp: np.ndarray | None, s=(2.0, 3.0)
):
    members = np.asarray(groups_of_leaves)
    return [
        Level("all", np.zeros(len(members), dtype=int)),
        Level("group", members, grp, s[0] if grp is not None else None),
        Level("noc", np.arange(len(members)), leaf, s[1] if leaf is not None else None),
    ]


def _sum_by(members: np.ndarray, x: np.ndarray, nodes: int) -> np.ndarray:
    out = np.zeros((nodes, x.shape[1]), dtype=x.dtype)
    np.add.at(out, members, x)
    return out


def _dense(labels: list[int]) -> list[int]:
    """Group labels renumbered 0..k-1 (every group has a leaf)."""
    order = sorted(set(labels))
    return [order.index(v) for v in labels]


trees = st.lists(st.integers(0, 3), min_size=1, max_size=8).map(_dense)


@settings(max_examples=60, deadline=None)
@given(
    groups=trees,
    cols=st.integers(1, 3),
    seed=st.integers(0, 10_000),
    scale=st.sampled_from([0.0, 1.0, 30.0]),
)
def test_outputs_are_consistent_non_negative_integers(groups, cols, seed, scale):
    rng = np.random.default_rng(seed)
    members = np.asarray(groups)
    truth = rng.integers(0, 40, size=(len(members), cols))
    ng = int(members.max()) + 1
    leaf = truth + rng.normal(0, scale, truth.shape)
    grp = _sum_by(members, truth, ng) + rng.normal(0, scale, (ng, cols))
    levels = _tree(groups, leaf, grp)
    root, g, n = topdown(levels, least_squares(levels))
    for arr in (root, g, n):
        assert arr.dtype.kind == "i" and (arr >= 0).all()
    np.testing.assert_array_equal(_sum_by(members, n, ng), g)  # NOCs add up to their group
    np.testing.assert_array_equal(g.sum(axis=0, keepdims=True), root)  # groups add up to all
    if scale == 0.0:  # no noise: every level exactly the truth
        np.testing.assert_array_equal(n, truth)
        np.testing.assert_array_equal(g, _sum_by(members, truth, ng))


def test_least_squares_combines_levels_by_their_variance():
    # two leaves in one group; leaf measurements 10 and 20 (σ=1), group measured 36 (σ=1)
    levels = _tree([0, 0], np.array([[10.0], [20.0]]), np.array([[36.0]]), s=(1.0, 1.0))
    est = least_squares(levels)
    # GLS: the 6 surplus is shared: the group estimate moves 2/3 of the way to 36
    g, var = est.of(levels[1])
    assert g[0, 0] == pytest.approx(30 + 6 * 2 / 3)
    assert var[0] == pytest.approx(2 / 3)  # two leaf draws (var 2) combined with one (var 1)
    # group not measured: the sum of the leaves, its variance the sum of theirs
    only_leaves = _tree([0, 0], np.array([[10.0], [20.0]]), None, s=(1.0, 1.0))
    g2, var2 = least_squares(only_leaves).of(only_leaves[1])
    assert g2[0, 0] == pytest.approx(30) and var2[0] == pytest.approx(2.0)


def test_unidentified_leaves_are_refused():
    levels = _tree([0, 0], None, np.array([[36.0]]))
    with pytest.raises(ValueError, match="do not identify"):
        least_squares(levels)


@settings(max_examples=100, deadline=None)
@given(
    x=st.lists(st.floats(-50, 50, allow_nan=False), min_size=1, max_size=10),
    total=st.integers(0, 200),
)
def test_simplex_projection_and_rounding_keep_the_total(x, total):
    z = project_simplex(np.array(x), total)
    assert (z >= 0).all() and z.sum() == pytest.approx(total, abs=1e-6)
    r = round_keeping_sum(z, total)
    assert (r >= 0).all() and r.sum() == total
    assert np.abs(r - z).max() < 1 + 1e-9


def test_margin_within_fixed_totals():
    noisy = np.array([[5.0, -3.0], [7.0, 40.0], [-2.0, 12.0]])
    out = within_total(noisy, np.array([10, 50]))
    assert out.sum(axis=0).tolist() == [10, 50] and (out >= 0).all()
    assert out[2, 0] == 0  # a negative estimate stays at zero
