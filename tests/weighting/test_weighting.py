"""Raking reproduces the margins; diagnostics and variances match hand computations."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from microcred.analysis.weighting import (
    design_effect,
    kish_ess,
    rake,
    trim_weights,
    weighted_proportion,
)
from microcred.config import StudyConfig, WeightingConfig


def _two_by_two():
    # sample cells: (a,x)=2, (a,y)=1, (b,x)=1, (b,y)=2  (odds ratio 4)
    f = pd.DataFrame({"r": ["a", "a", "a", "b", "b", "b"], "c": ["x", "x", "y", "x", "y", "y"]})
    m = {
        ("r",): pd.DataFrame({"r": ["a", "b"], "population": [50, 40]}),
        ("c",): pd.DataFrame({"c": ["x", "y"], "population": [60, 30]}),
    }
    return f, m


def test_hand_computed_two_by_two():
    """Hand computation: raking keeps the sample odds ratio (4) and fits the margins.

    The table [[40, 10], [20, 20]] has rows 50/40, columns 60/30 and odds ratio
    40*20/(10*20) = 4, so it is the raking solution; per-person weights are the
    cell total over the cell's sample count: (a,x) 40/2=20, (a,y) 10/1=10,
    (b,x) 20/1=20, (b,y) 20/2=10. Kish ESS = 90² / (2·400 + 100 + 400 + 2·100)
    = 8100/1500 = 5.4; deff = 1 + CV² = 1 + 25/225 = 10/9.
    """
    f, m = _two_by_two()
    res = rake(f, m, WeightingConfig(trim_upper=100, tolerance=1e-10, max_iter=500))
    np.testing.assert_allclose(res.weights, [20, 20, 10, 20, 10, 10], rtol=1e-8)
    d = res.diagnostics
    assert d["converged"] and d["max_margin_error"] <= 1e-10 and d["iterations"] > 1
    assert d["ess"] == pytest.approx(5.4)
    assert d["deff"] == pytest.approx(10 / 9)
    assert kish_ess(res.weights) == pytest.approx(5.4)
    assert design_effect(res.weights) == pytest.approx(len(f) / 5.4)


def test_agrees_with_samplics():
    """Raking and the linearised SE agree with samplics (archived, slow to import)."""
    rng = np.random.default_rng(3)
    n = 400
    f = pd.DataFrame(
        {
            "prov": rng.choice(["ON", "QC", "BC", "AB"], n, p=[0.5, 0.2, 0.2, 0.1]),
            "edu": rng.choice(["bachelor", "master", "college"], n, p=[0.5, 0.3, 0.2]),
        }
    )
    m = {
        ("prov",): pd.DataFrame(
            {"prov": ["AB", "BC", "ON", "QC"], "population": [120, 150, 400, 330]}
        ),
        ("edu",): pd.DataFrame(
            {"edu": ["bachelor", "college", "master"], "population": [450, 300, 250]}
        ),
    }
    ours = rake(f, m, WeightingConfig(trim_upper=100, tolerance=1e-9, max_iter=1000)).weights
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from samplics.estimation import TaylorEstimator
        from samplics.utils.types import PopParam
        from samplics.weighting import SampleWeight

        theirs = SampleWeight().rake(
            samp_weight=np.ones(n),
            margins={"prov": f.prov.to_numpy(), "edu": f.edu.to_numpy()},
            control={
                "prov": dict(zip(m[("prov",)].prov, m[("prov",)].population, strict=True)),
                "edu": dict(zip(m[("edu",)].edu, m[("edu",)].population, strict=True)),
            },
            tol=1e-12,
            ctrl_tol=1e-12,
            max_iter=1000,
        )
        y = (f.edu == "master").to_numpy().astype(int)
        est = TaylorEstimator(PopParam.prop, ciprop_method="logit")
        est.estimate(y=y, samp_weight=ours, stratum=f.prov)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    p, se, lo, hi = weighted_proportion(y, ours, strata=f.prov.to_numpy())
    k = next(k for k in est.point_est if float(k) == 1.0)
    assert (p, se, lo, hi) == pytest.approx(
        (est.point_est[k], est.stderror[k], est.lower_ci[k], est.upper_ci[k]), rel=1e-6
    )


def test_joint_margin_and_default_config_reproduce_margins():
    rng = np.random.default_rng(11)
    n = 3000
    f = pd.DataFrame(
        {
            "noc2021": rng.choice(["21211", "21231", "21232"], n, p=[0.2, 0.5, 0.3]),
            "province": rng.choice(["ON", "QC", "BC"], n, p=[0.6, 0.1, 0.3]),
            "education_level": rng.choice(
                ["bachelor", "master", "doctorate"], n, p=[0.5, 0.4, 0.1]
            ),
        }
    )
    cells = pd.MultiIndex.from_product([["21211", "21231", "21232"], ["ON", "QC", "BC"]])
    pop1 = pd.DataFrame(list(cells), columns=["noc2021", "province"])
    pop1["population"] = rng.integers(1000, 20000, len(pop1))
    total = pop1.population.sum()
    pop2 = pd.DataFrame(
        {"education_level": ["bachelor", "master", "doctorate"], "population": [0.55, 0.35, 0.10]}
    )
    pop2["population"] = pop2.population * total
    res = rake(f, {("noc2021", "province"): pop1, ("education_level",): pop2}, StudyConfig())
    d = res.diagnostics
    assert d["converged"] and d["max_margin_error"] <= StudyConfig().weighting.tolerance
    got = f.assign(w=res.weights).groupby(["noc2021", "province"]).w.sum()
    want = pop1.set_index(["noc2021", "province"]).population
    np.testing.assert_allclose(got.loc[want.index], want, rtol=1e-5)
    assert res.weights.max() <= StudyConfig().weighting.trim_upper * res.weights.mean() * 1.01
    names = [t.name for t in res.tables]
    assert names == [
        "weighting_diagnostics",
        "weighting_margin_noc2021_province",
        "weighting_margin_education_level",
    ]
    assert all(t.section == "weighting" for t in res.tables)
    margin_table = res.tables[1].data
    assert (margin_table.relative_error.abs() < 1e-5).all()


def test_unknown_values_get_their_anchors_unknown_cell_not_weight_zero():
    """Hand computation of the unknown-cell rule on a NOC × education margin.

    NOC A: 4 people, 1 unknown education → u = 1/4: bachelor 60·¾ = 45 over 2 people
    (22.5 each), master 40·¾ = 30, unknown cell 100·¼ = 25. NOC B: 4 people, 2 unknown and
    1 doctorate (not in the population) → u = ¾: master 20·¼ = 5, unknown cell 50·¾ = 37.5
    over 3 people (12.5 each); B's bachelor cell (7.5) has no sample and is uncovered.
    Only an unknown or unpopulated NOC (the anchor) leaves a person unweighted.
    """
    f = pd.DataFrame(
        {
            "noc2021": ["A", "A", "A", "A", "B", "B", "B", "B", "C", None],
            "education_level": ["bachelor", "bachelor", "master", "unknown", "master", None,
                                "unknown", "doctorate", "master", "master"],
        }
    )  # fmt: skip
    pop = pd.DataFrame(
        {
            "noc2021": ["A", "A", "B", "B"],
            "education_level": ["bachelor", "master", "bachelor", "master"],
            "population": [60, 40, 30, 20],
        }
    )
    cfg = WeightingConfig(trim_upper=100, min_cell_sample=1)
    res = rake(f, {("noc2021", "education_level"): pop}, cfg)
    np.testing.assert_allclose(
        res.weights, [22.5, 22.5, 30, 25, 5, 12.5, 12.5, 12.5, 0, 0], rtol=1e-6
    )
    assert list(res.in_frame) == [True] * 8 + [False, False]
    d = res.diagnostics
    assert d["out_of_frame"] == {
        "noc2021×education_level: noc2021 absent from population": 1,
        "noc2021×education_level: noc2021 unknown": 1,
    }
    assert d["unknown_cell"] == {"noc2021×education_level": 4}
    summary = res.tables[0].data.set_index("statistic").value
    assert summary["weighted in the unknown cell — noc2021×education_level"] == 4
    cells = res.tables[1].data.set_index(["noc2021", "education_level"])
    assert cells.loc[("A", "unknown"), "sample_n"] == 1
    assert cells.loc[("B", "unplaced (doctorate, unknown)"), "sample_n"] == 3
    assert cells.loc[("B", "unplaced (doctorate, unknown)"), "target"] == pytest.approx(37.5)
    pooled = res.tables[1].cells["sample_n"].groups
    assert pooled == {
        "education_level": {"unplaced (doctorate, unknown)": ["doctorate", "unknown"]}
    }


def test_small_cells_are_pooled_within_their_occupation_so_sparse_margins_converge():
    """One person in (N, MB) and one in (N, doctorate) whose other cells disagree: the two
    margins ask for contradictory weights and IPF cannot converge; pooling the cells
    with fewer than 3 people within the occupation makes the margins consistent."""
    f = pd.DataFrame(
        {
            "noc2021": ["N"] * 12,
            "province": ["ON"] * 6 + ["QC"] * 5 + ["MB"],
            "education_level": ["bachelor"] * 5 + ["master"] * 6 + ["doctorate"],
        }
    )
    pop_p = pd.DataFrame(
        {"noc2021": ["N"] * 3, "province": ["ON", "QC", "MB"], "population": [500, 300, 200]}
    )
    pop_e = pd.DataFrame(
        {"noc2021": ["N"] * 3, "education_level": ["bachelor", "master", "doctorate"],
         "population": [450, 450, 100]}
    )  # fmt: skip
    margins = {("noc2021", "province"): pop_p, ("noc2021", "education_level"): pop_e}
    with pytest.warns(RuntimeWarning, match="did not converge"):
        sparse = rake(f, margins, WeightingConfig(trim_upper=100, min_cell_sample=1))
    assert not sparse.diagnostics["converged"]
    res = rake(f, margins, WeightingConfig(trim_upper=100, min_cell_sample=3))
    d = res.diagnostics
    assert d["converged"] and d["max_margin_error"] < 1e-6
    # MB (1 person) pools with the smallest other cell, QC: 6 people carry QC+MB's 500;
    # doctorate (1) pools with bachelor (5, smaller than master): they carry 450 + 100
    w = res.weights
    assert w[6:].sum() == pytest.approx(500, rel=1e-5)
    assert w[:5].sum() + w[11] == pytest.approx(550, rel=1e-5)
    assert d["pooled_cell"] == {"noc2021×province": 6, "noc2021×education_level": 6}
    prov = res.tables[1].data
    assert list(prov["province"]) == ["ON", "pooled (MB, QC)"]
    assert res.tables[1].cells["sample_n"].groups == {"province": {"pooled (MB, QC)": ["MB", "QC"]}}


def test_one_variable_margin_unknown_cell_keeps_the_observed_share():
    f = pd.DataFrame({"province": ["ON", "ON", "QC", None, "YT", "QC", "ON", "ON"]})
    m = {("province",): pd.DataFrame({"province": ["ON", "QC"], "population": [120, 30]})}
    res = rake(f, m, WeightingConfig(trim_upper=100))
    assert res.in_frame.all()
    # 2 of 8 unplaced: their cell gets 150·2/8 = 37.5, ON 120·¾ = 90 over 4, QC 22.5 over 2
    np.testing.assert_allclose(
        res.weights, [22.5, 22.5, 11.25, 18.75, 18.75, 11.25, 22.5, 22.5], rtol=1e-6
    )
    assert res.diagnostics["out_of_frame"] == {}
    assert res.diagnostics["unknown_cell"] == {"province": 2}


def test_population_cell_without_sample_is_reported_as_uncovered():
    f = pd.DataFrame({"province": ["ON"] * 5 + ["QC"] * 5})
    m = {("province",): pd.DataFrame({"province": ["ON", "QC", "NU"], "population": [60, 30, 10]})}
    res = rake(f, m, WeightingConfig(trim_upper=100))
    assert res.diagnostics["population_uncovered_share"]["province"] == pytest.approx(0.1)
    assert res.weights.sum() == pytest.approx(90)


def test_trimming_caps_and_preserves_total():
    w = np.array([1.0] * 9 + [91.0])
    t, n_capped = trim_weights(w, cap_ratio=3.0)
    assert n_capped == 1
    assert t.sum() == pytest.approx(w.sum())
    assert t.max() <= 3.0 * t.mean() + 1e-9


def test_weighted_proportion_equal_weights_matches_closed_form():
    """With equal weights the linearised SE is sqrt(p(1-p)/(n-1))."""
    y = np.array([1, 0, 1, 0, 0, 1, 0, 0, 0, 1] * 3, dtype=float)
    p, se, lo, hi = weighted_proportion(y, np.full(len(y), 2.5))
    assert p == pytest.approx(0.4)
    assert se == pytest.approx(np.sqrt(0.4 * 0.6 / (len(y) - 1)))
    assert lo < p < hi


def test_weighted_proportion_unequal_weights_matches_linearisation():
    """Hand formula: z_i = w_i (y_i - p) / Σw, var = n/(n-1) Σ (z_i - z̄)², logit interval."""
    from scipy import stats

    y = np.array([1, 0, 1, 1, 0, 0, 1, 0, 0, 0], dtype=float)
    w = np.array([1, 2, 1, 3, 1, 2, 1, 1, 2, 1], dtype=float)
    p, se, lo, hi = weighted_proportion(y, w)
    p_hand = (w * y).sum() / w.sum()
    z = w * (y - p_hand) / w.sum()
    se_hand = np.sqrt(len(y) / (len(y) - 1) * np.sum((z - z.mean()) ** 2))
    assert p == pytest.approx(p_hand) and se == pytest.approx(se_hand)
    q = stats.t.ppf(0.975, len(y) - 1)
    logit = np.log(p_hand / (1 - p_hand))
    half = q * se_hand / (p_hand * (1 - p_hand))
    assert lo == pytest.approx(1 / (1 + np.exp(-(logit - half))), rel=1e-6)
    assert hi == pytest.approx(1 / (1 + np.exp(-(logit + half))), rel=1e-6)
    # zero weights (out of frame) are excluded, not counted as zeros
    p2, se2, _, _ = weighted_proportion(np.append(y, 1.0), np.append(w, 0.0))
    assert (p2, se2) == pytest.approx((p, se))


def test_weighted_proportion_stratified():
    """Stratified: var = Σ_h n_h/(n_h-1) Σ_i (z_hi - z̄_h)²."""
    y = np.array([1, 0, 1, 1, 0, 0, 1, 0, 0, 0], dtype=float)
    w = np.array([1, 2, 1, 3, 1, 2, 1, 1, 2, 1], dtype=float)
    s = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    _, se, _, _ = weighted_proportion(y, w, strata=s)
    p = (w * y).sum() / w.sum()
    z = w * (y - p) / w.sum()
    var = sum(
        (s == h).sum() / ((s == h).sum() - 1) * np.sum((z[s == h] - z[s == h].mean()) ** 2)
        for h in (0, 1)
    )
    assert se == pytest.approx(np.sqrt(var))


def test_nobody_in_frame_still_reports_why():
    f = pd.DataFrame({"noc2021": [None, "unknown", "99999"], "province": ["ON"] * 3})
    pop = pd.DataFrame({"noc2021": ["21211"], "province": ["ON"], "population": [10]})
    with pytest.warns(RuntimeWarning, match="nobody is weighted"):
        res = rake(f, {("noc2021", "province"): pop}, WeightingConfig())
    assert (res.weights == 0).all() and not res.diagnostics["converged"]
    summary = res.tables[0].data.set_index("statistic").value
    assert summary["persons weighted (in frame)"] == 0
    assert summary["not weighted — noc2021×province: noc2021 unknown"] == 2
    assert summary["not weighted — noc2021×province: noc2021 absent from population"] == 1


def test_a_cap_the_margins_cannot_hold_is_flagged_not_hidden():
    # one person stands for a whole population cell: raking needs a weight far above a 2x cap
    f = pd.DataFrame({"r": ["a"] * 9 + ["b"]})
    m = {("r",): pd.DataFrame({"r": ["a", "b"], "population": [50, 50]})}
    with pytest.warns(RuntimeWarning, match="cap"):
        res = rake(f, m, WeightingConfig(trim_upper=2.0))
    d = res.diagnostics
    assert d["trim_cap_held"] is False and d["max_weight_ratio"] > 2.0
    stats = dict(zip(res.tables[0].data["statistic"], res.tables[0].data["value"], strict=True))
    assert stats["trim cap held (1 = yes)"] == 0
    f2, m2 = _two_by_two()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert rake(f2, m2, WeightingConfig(trim_upper=100)).diagnostics["trim_cap_held"]


def test_a_binding_cap_is_met_by_capped_raking_with_the_margins_exact():
    """Raked freely, the 10 people with c = y weigh 27.0 (a) and 30.75 (b), 3.08× the mean
    of 10. Capped at 3× the mean (30), the only solution gives all ten 30 (300 = the y
    population), and the x people of a and b 440/60 and 260/30."""
    f = pd.DataFrame(
        {"r": ["a"] * 62 + ["b"] * 38, "c": ["x"] * 60 + ["y"] * 2 + ["x"] * 30 + ["y"] * 8}
    )
    m = {
        ("r",): pd.DataFrame({"r": ["a", "b"], "population": [500, 500]}),
        ("c",): pd.DataFrame({"c": ["x", "y"], "population": [700, 300]}),
    }
    free = rake(f, m, WeightingConfig(trim_upper=100, tolerance=1e-10, max_iter=1000))
    assert free.diagnostics["max_weight_ratio"] == pytest.approx(3.075, abs=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = rake(f, m, WeightingConfig(trim_upper=3.0, tolerance=1e-10, max_iter=1000))
    d = res.diagnostics
    assert d["trim_cap_held"] and d["converged"] and d["max_margin_error"] <= 1e-10
    assert d["trimmed"] == 10 and d["max_weight_ratio"] <= 3.0 + 1e-9
    want = np.r_[[440 / 60] * 60, [30.0] * 2, [260 / 30] * 30, [30.0] * 8]
    np.testing.assert_allclose(res.weights, want, rtol=1e-8)
    # below 3x no weights meet both: the margins win and the failure is flagged
    with pytest.warns(RuntimeWarning, match="margins win"):
        tight = rake(f, m, WeightingConfig(trim_upper=2.5, tolerance=1e-10, max_iter=1000))
    assert tight.diagnostics["trim_cap_held"] is False
    np.testing.assert_allclose(tight.weights, free.weights, rtol=1e-8)


def test_effective_sample_size_is_reported_per_study_group():
    f, m = _two_by_two()
    f = f.assign(
        occupation_group=["DS", "DS", "SW", "SW", "SW", None],
        in_study=[True, True, True, True, False, False],
    )
    res = rake(f, m, WeightingConfig(trim_upper=100, tolerance=1e-10, max_iter=500))
    w = res.weights
    by = res.diagnostics["ess_by_group"]
    assert set(by) == {"DS", "SW"}
    assert by["DS"] == pytest.approx(kish_ess(w[:2]))
    assert by["SW"] == pytest.approx(kish_ess(w[2:4]))  # the out-of-study SW is not counted
    stats = set(res.tables[0].data["statistic"])
    assert {"Kish effective sample size — DS", "Kish effective sample size — SW"} <= stats
