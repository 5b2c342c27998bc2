"""Variance that matches the raked weights: linearisation with calibration residuals."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from microcred.analysis.stats import (
    calibration_residuals,
    linearised_variance,
    mean_ci,
    proportion,
    stratified_difference_linearised,
)
from microcred.analysis.weighting import rake, weighted_proportion
from microcred.config import WeightingConfig


def test_without_cells_it_is_the_taylor_variance_of_a_weighted_share():
    rng = np.random.default_rng(1)
    y = rng.random(300) < 0.3
    w = rng.uniform(1, 5, 300)
    p = float(np.sum(w * y) / w.sum())
    var = linearised_variance((y - p) / w.sum(), w)
    assert np.sqrt(var) == pytest.approx(weighted_proportion(y, w)[1], rel=1e-12)


def test_residuals_remove_what_the_cells_explain():
    """A variable constant within the raking cells of two crossing margins (an additive
    function of the two) is fitted exactly: nothing is left, so no variance."""
    rng = np.random.default_rng(2)
    r = rng.integers(0, 4, 500)
    c = rng.integers(0, 3, 500)
    u = np.array([0.1, -0.4, 0.3, 0.0])[r] + np.array([1.0, -2.0, 0.5])[c]
    w = rng.uniform(1, 3, 500)
    e = calibration_residuals(u, w, np.column_stack([r, c]))
    assert np.abs(e).max() < 1e-8
    assert linearised_variance(u, w, np.column_stack([r, c])) < 1e-14
    # the residuals are orthogonal to every cell (weighted): the normal equations hold
    noisy = u + rng.normal(0, 1, 500)
    e = calibration_residuals(noisy, w, np.column_stack([r, c]))
    for codes in (r, c):
        assert np.abs(np.bincount(codes, weights=w * e)).max() < 1e-8


def _population(rng: np.random.Generator, size: int) -> pd.DataFrame:
    region = rng.choice(["a", "b", "c", "d"], size, p=[0.4, 0.3, 0.2, 0.1])
    edu = rng.choice(["college", "bachelor", "master"], size, p=[0.3, 0.5, 0.2])
    logit = (
        -2.0
        + pd.Series(region).map({"a": 0.0, "b": 0.8, "c": -0.5, "d": 1.2}).to_numpy()
        + pd.Series(edu).map({"college": -0.7, "bachelor": 0.0, "master": 1.5}).to_numpy()
    )
    y = rng.random(size) < 1 / (1 + np.exp(-logit))
    domain = rng.random(size) < 0.3  # e.g. holders: cuts across every raking cell
    x = 5 + 3 * y + rng.gamma(2.0, 2.0, size)  # a skewed measure related to y
    return pd.DataFrame({"region": region, "edu": edu, "y": y, "domain": domain, "x": x})


def test_calibrated_intervals_cover_the_population_share_95_percent():
    """300 samples of 1,500 drawn with unequal, cell-dependent probabilities from a fixed
    population of 60,000, raked to the population's region and education counts: the
    calibrated intervals of the share, of a domain's share and of a mean cover the
    population value in 92-98 % of samples (±2.3 points is 3 binomial SEs at 300), while
    Kish's interval, which ignores calibration, is wider."""
    rng = np.random.default_rng(20261205)
    pop = _population(rng, 60_000)
    margins = {
        ("region",): pop.groupby("region").size().rename("population").reset_index(),
        ("edu",): pop.groupby("edu").size().rename("population").reset_index(),
    }
    truth = {
        "share": pop.y.mean(),
        "domain": pop.y[pop.domain].mean(),
        "mean": pop.x.mean(),
    }
    pi = (
        pop.region.map({"a": 1.0, "b": 2.0, "c": 1.0, "d": 3.0})
        * pop.edu.map({"college": 0.6, "bachelor": 1.0, "master": 2.0})
    ).to_numpy()
    pi = pi / pi.sum() * 1500
    cfg = WeightingConfig(trim_upper=100, tolerance=1e-9, max_iter=200)
    hits = {k: 0 for k in truth}
    widths = {"calibrated": 0.0, "kish": 0.0}
    draws = 300
    for _ in range(draws):
        s = pop[rng.random(len(pop)) < pi].reset_index(drop=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            w = rake(s[["region", "edu"]], margins, cfg).weights
        cells = np.column_stack([pd.factorize(s.region)[0], pd.factorize(s.edu)[0]])
        y = s.y.to_numpy()
        p = proportion(y, w, cells)
        assert p.method == "wilson-calibrated"
        hits["share"] += p.lower <= truth["share"] <= p.upper
        dom = proportion(y, w, cells, domain=s.domain.to_numpy())
        hits["domain"] += dom.lower <= truth["domain"] <= dom.upper
        m = mean_ci(s.x.to_numpy(), w, cells)
        hits["mean"] += m.lower <= truth["mean"] <= m.upper
        kish = proportion(y, w)
        widths["calibrated"] += p.upper - p.lower
        widths["kish"] += kish.upper - kish.lower
    coverage = {k: v / draws for k, v in hits.items()}
    assert all(0.92 <= c <= 0.98 for c in coverage.values()), coverage
    assert widths["kish"] > 1.05 * widths["calibrated"]


def test_stratified_linearised_difference_finds_a_planted_difference_and_covers_zero():
    """Holders and non-holders differ in occupation mix; within occupation the measure
    differs by +2 (planted) or 0. The stratified estimator recovers both, and with equal
    weights in one stratum its variance is the two-sample one."""
    rng = np.random.default_rng(5)
    n = 4000
    occ = rng.integers(0, 3, n)
    held = rng.random(n) < np.array([0.1, 0.3, 0.6])[occ]
    base = np.array([10.0, 20.0, 30.0])[occ] + rng.normal(0, 3, n)
    for planted in (2.0, 0.0):
        x = base + planted * held
        d, lo, hi = stratified_difference_linearised(x, held, occ)
        assert lo <= planted <= hi and abs(d - planted) < 0.4
        pooled = x[held].mean() - x[~held].mean()
        assert pooled > planted + 3  # the pooled difference is confounded by occupation
    one = np.zeros(n, dtype=np.int64)
    d, lo, hi = stratified_difference_linearised(base, held, one)
    se = (hi - lo) / 2 / 1.959964
    want = np.sqrt(base[held].var() / held.sum() + base[~held].var() / (~held).sum())
    assert d == pytest.approx(base[held].mean() - base[~held].mean())
    assert se == pytest.approx(want, rel=0.01)
    # an unknown measure leaves the person out, not counted as 0
    x = base.copy()
    x[:10] = np.nan
    d_nan = stratified_difference_linearised(x, held, occ)[0]
    keep = np.arange(n) >= 10
    assert d_nan == pytest.approx(
        stratified_difference_linearised(base[keep], held[keep], occ[keep])[0]
    )


def test_q_values_are_computed_over_the_publishable_rows_only():
    """A row with a count primary suppression hides (1 .. min_cell − 1) gets no p- or
    q-value and does not enter the family; with rounding nothing is hidden."""
    from statsmodels.stats.multitest import multipletests

    from microcred.analysis.holders import with_q_values
    from microcred.config import StudyConfig

    df = pd.DataFrame(
        {
            "definition": ["a", "a", "a", "a", "b"],
            "holders": [50, 3, 0, 40, 20],
            "non_holders": [100, 90, 80, 10, 30],
            "p_value": [0.01, 0.001, 0.04, 0.03, 0.5],
        }
    )
    cfg = StudyConfig()  # min_cell 10, suppression
    out = with_q_values(df, ["holders", "non_holders"], cfg)
    assert np.isnan(out.loc[1, "p_value"]) and np.isnan(out.loc[1, "q_value"])
    want = multipletests([0.01, 0.04, 0.03], method="fdr_bh")[1]
    np.testing.assert_allclose(out.loc[[0, 2, 3], "q_value"], want)
    assert out.loc[4, "q_value"] == pytest.approx(0.5)  # its own family
    assert list(out.columns).index("q_value") == list(out.columns).index("p_value") + 1
    rounding = cfg.model_copy(
        update={"disclosure": cfg.disclosure.model_copy(update={"method": "rounding"})}
    )
    out = with_q_values(df, ["holders", "non_holders"], rounding)
    want = multipletests([0.01, 0.001, 0.04, 0.03], method="fdr_bh")[1]
    np.testing.assert_allclose(out.loc[[0, 1, 2, 3], "q_value"], want)


def test_study_frame_hands_the_raking_cells_to_weighted_estimates_only():
    from microcred.analysis.frame import StudyFrame
    from microcred.analysis.uptake import share_row
    from microcred.config import StudyConfig

    rng = np.random.default_rng(8)
    n = 400
    df = pd.DataFrame(
        {
            "in_study": True,
            "weight": rng.uniform(1, 4, n),
            "weighting_cell_0": rng.integers(0, 3, n),
            "weighting_cell_1": rng.integers(0, 2, n),
            "y": rng.random(n) < 0.2,
        }
    )
    weighted = StudyFrame(df, StudyConfig(), weighted=True)
    cells = weighted.cells(df)
    assert cells is not None and cells.shape == (n, 2)
    np.testing.assert_array_equal(cells[:, 1], df["weighting_cell_1"])
    row = share_row(df["y"].to_numpy(), weighted.weights(df), cells)
    assert row["interval"] == "wilson-calibrated"
    unweighted = StudyFrame(df, StudyConfig(), weighted=False)
    assert unweighted.cells(df) is None
    assert share_row(df["y"].to_numpy(), unweighted.weights(df))["interval"] == "wilson"
