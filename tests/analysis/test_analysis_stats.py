"""Intervals and standardised differences against hand computations and published values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from microcred.analysis.stats import (
    kish_n,
    mean_ci,
    newcombe_diff,
    proportion,
    smd,
    trivial_weights,
    wilson,
)


def _wilson_by_hand(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize("k,n", [(0, 10), (3, 29), (34, 1000), (50, 50)])
def test_wilson_matches_hand_formula(k, n):
    assert wilson(k, n) == pytest.approx(_wilson_by_hand(k, n), abs=1e-12)


def test_unweighted_proportion_is_wilson():
    y = np.array([True] * 7 + [False] * 93)
    p = proportion(y)
    assert (p.n, p.successes, p.share, p.method) == (100, 7, 0.07, "wilson")
    assert (p.lower, p.upper) == pytest.approx(_wilson_by_hand(7, 100))


def test_weighted_proportion_uses_kish_effective_n():
    y = np.array([1, 0, 0, 1, 0, 0, 0, 0], dtype=bool)
    w = np.array([3.0, 1, 1, 1, 1, 1, 1, 1])
    p = proportion(y, w)
    assert p.share == pytest.approx(4 / 10)
    assert p.n_effective == pytest.approx(100 / 16)
    assert p.n == 8 and p.successes == 2  # counts stay unweighted for disclosure control
    assert (p.lower, p.upper) == pytest.approx(wilson(0.4 * 100 / 16, 100 / 16))
    assert kish_n(np.ones(5)) == pytest.approx(5)
    assert trivial_weights(np.full(4, 2.5)) and not trivial_weights(w)


def test_newcombe_matches_published_example():
    # Newcombe (1998), Statistics in Medicine 17:873-890, Table II example (56/70 vs 48/80):
    # method 10 gives 0.0524 to 0.3339.
    a, b = proportion(np.arange(70) < 56), proportion(np.arange(80) < 48)
    d, lo, hi = newcombe_diff(a.share, a.lower, a.upper, b.share, b.lower, b.upper)
    assert d == pytest.approx(0.2)
    assert (lo, hi) == pytest.approx((0.0524, 0.3339), abs=5e-4)


def test_smd_hand_computation_and_weights():
    x1, x0 = np.array([1.0, 2, 3]), np.array([2.0, 4, 6])
    v1, v0 = np.var(x1), np.var(x0)
    assert smd(x1, x0) == pytest.approx((2 - 4) / math.sqrt((v1 + v0) / 2))
    # a binary indicator: sqrt((p1(1-p1) + p0(1-p0)) / 2)
    b1, b0 = np.array([1.0, 1, 0, 0]), np.array([1.0, 0, 0, 0])
    assert smd(b1, b0) == pytest.approx(0.25 / math.sqrt((0.25 + 0.1875) / 2))
    # weighting the treated towards the control mean shrinks the SMD
    assert abs(smd(x1, x0, np.array([1.0, 1, 10]), None)) < abs(smd(x1, x0))


def test_mean_ci_is_a_t_interval():
    x = np.array([1.0, 2, 3, 4, 5])
    m = mean_ci(x)
    half = 2.7764451051977987 * np.std(x, ddof=1) / math.sqrt(5)
    assert (m.mean, m.lower, m.upper) == pytest.approx((3, 3 - half, 3 + half))


def test_stratified_difference_removes_a_difference_made_by_occupation_mix():
    from microcred.analysis.stats import stratified_difference

    rng = np.random.default_rng(4)
    n = 20000
    occ = rng.choice(["21211", "21232"], size=n, p=[0.5, 0.5])
    # holders are mostly data scientists; data scientists far more often have a master's;
    # within each occupation holding says nothing about the degree
    holder = rng.random(n) < np.where(occ == "21211", 0.30, 0.05)
    master = rng.random(n) < np.where(occ == "21211", 0.60, 0.20)
    pooled = master[holder].mean() - master[~holder].mean()
    d, lo, hi = stratified_difference(master, holder, occ)
    assert pooled > 0.15  # the naive comparison says holders have far more masters
    assert lo < 0 < hi and abs(d) < 0.03  # within occupations there is no difference
    # a real within-occupation difference is found
    master2 = master | (holder & (rng.random(n) < 0.3))
    d2, lo2, _ = stratified_difference(master2, holder, occ)
    assert lo2 > 0.05 and d2 == pytest.approx(
        np.average(
            [
                master2[holder & (occ == g)].mean() - master2[~holder & (occ == g)].mean()
                for g in ("21211", "21232")
            ],
            weights=[(holder & (occ == g)).sum() for g in ("21211", "21232")],
        )
    )


def test_stratified_difference_skips_strata_without_both_groups_and_empty_input():
    from microcred.analysis.stats import stratified_difference

    y = np.array([1, 0, 1, 1, 0, 0], bool)
    t = np.array([1, 0, 1, 1, 1, 1], bool)  # stratum "b" has holders only
    s = np.array(["a", "a", "a", "b", "b", "b"], object)
    d, lo, hi = stratified_difference(y, t, s)
    assert d == pytest.approx(1.0) and lo < d < hi  # only stratum "a": 2/2 vs 0/1
    assert all(math.isnan(v) for v in stratified_difference(y, t, np.array(list("abcdef"), object)))
