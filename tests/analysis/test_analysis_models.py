"""Adjusted models: weights matter, balance improves, the ordinal model finds the sign."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from microcred.analysis.models import (
    balance,
    ipw_weights,
    ordinal_holder_effect,
    seniority_verdict,
    tost_p,
    weighted_difference,
    weighted_logit,
)


def _binary_data(n: int = 400, seed: int = 3) -> tuple[np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, size=n).astype(float)
    y = rng.random(n) < 1 / (1 + np.exp(-(-1 + 0.8 * x)))
    return y, pd.DataFrame({"x": x})


def test_glm_uses_weights_unlike_logit():
    y, X = _binary_data()
    w = np.ones(len(y))
    base = weighted_logit(y, X, w).params["x"]
    w2 = w.copy()
    w2[(X["x"] == 1).to_numpy() & y] = 2.0  # up-weight holders with x = 1
    doubled = weighted_logit(y, X, w2).params["x"]
    assert doubled > base + 0.1
    # the unweighted Logit cannot see the weights at all: same estimate as w = 1
    logit = sm.Logit(y.astype(float), sm.add_constant(X)).fit(disp=False).params["x"]
    assert logit == pytest.approx(base, abs=1e-6)


def _confounded(n: int, effect: float, seed: int) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    years = rng.gamma(2.0, 4.0, size=n)
    band = (years > 8).astype(float)
    treated = rng.random(n) < 1 / (1 + np.exp(-(0.5 - 0.12 * years)))
    latent = 0.4 * years + effect * treated + rng.logistic(size=n)
    rank = np.clip(np.floor(latent / 1.5), 0, 5)
    X = pd.DataFrame({"years": years, "band": band})
    return treated, rank, X


def test_propensity_weighting_improves_balance():
    t, _, X = _confounded(800, 0.0, seed=11)
    w, ps = ipw_weights(t, X)
    assert ps.min() >= 0.01 and ps.max() <= 0.99
    b = balance(t, X, None, w)
    assert (b["smd_before"].abs() > 0.2).all()  # confounded
    assert (b["smd_after"].abs() < b["smd_before"].abs() / 3).all()
    assert (b["smd_after"].abs() < 0.15).all()  # trimming at the 99th percentile costs a little


def test_weighted_difference_recovers_a_mean_difference():
    rng = np.random.default_rng(5)
    t = rng.random(2000) < 0.5
    y = 1.0 + 0.5 * t + rng.normal(size=2000)
    e = weighted_difference(y, t, np.ones(2000))
    assert e.lower < 0.5 < e.upper
    assert e.estimate == pytest.approx(y[t].mean() - y[~t].mean())


def test_ordinal_model_recovers_effect_sign():
    t, rank, X = _confounded(500, 2.0, seed=2)
    up = ordinal_holder_effect(rank, t, X)
    assert up.estimate > 0 and up.lower > 0
    t, rank, X = _confounded(500, -2.0, seed=2)
    assert ordinal_holder_effect(rank, t, X).upper < 0


def test_tost_and_verdict():
    assert tost_p(0.0, 0.02, 0.1) < 0.001
    assert tost_p(0.0, 0.2, 0.1) > 0.3
    holds = seniority_verdict(0.01, -0.03, 0.05, tost_p(0.01, 0.02, 0.1))
    assert holds.startswith("'No seniority difference' holds")
    unsure = seniority_verdict(0.05, -0.3, 0.4, tost_p(0.05, 0.18, 0.1))
    assert "cannot rule out" in unsure
    assert "more senior" in seniority_verdict(0.5, 0.2, 0.8, 0.9)
    assert "less senior" in seniority_verdict(-0.5, -0.8, -0.2, 0.9)
    assert "could not be estimated" in seniority_verdict(float("nan"), 0, 0, 0)


def test_separating_level_is_set_aside_and_zero_weights_do_not_break_intervals():
    y, X = _binary_data(n=300, seed=9)
    X = X.assign(rare=0.0)
    X.loc[X.index[:5], "rare"] = 1.0
    y = y.copy()
    y[:5] = False  # the rare level has no holders: perfect separation
    w = np.ones(len(y))
    w[10:20] = 0.0  # raking can give zero weights
    res = weighted_logit(y, X, w)
    assert res.separated == ("rare",) and list(res.params.index) == ["const", "x"]
    assert res.perfect[:5].all() and res.perfect.sum() == 5
    assert np.isfinite(res.conf_int().to_numpy()).all()
    assert res.nobs == len(y) - 10 - 5


def test_ame_of_a_saturated_model_is_the_weighted_difference_in_shares():
    from microcred.analysis.models import average_marginal_effect

    y, X = _binary_data(n=2000, seed=5)
    rng = np.random.default_rng(1)
    w = rng.uniform(0.5, 2.0, size=len(y))
    res = weighted_logit(y, X.rename(columns={"x": "g=b"}), w)
    ame, se = average_marginal_effect(res, X.rename(columns={"x": "g=b"}), w, ["g=b"], "g=b")
    at = X["x"].to_numpy() == 1
    want = np.average(y[at], weights=w[at]) - np.average(y[~at], weights=w[~at])
    assert ame == pytest.approx(want, abs=1e-6)  # one binary covariate: the model is saturated
    assert 0.005 < se < 0.05


def test_ame_and_its_se_match_statsmodels_for_a_binary_covariate():
    from microcred.analysis.models import average_marginal_effect

    rng = np.random.default_rng(9)
    n = 5000
    X = pd.DataFrame({"a=yes": rng.integers(0, 2, n).astype(float), "z": rng.normal(size=n)})
    eta = -1.2 + 0.9 * X["a=yes"] + 0.5 * X["z"]
    y = rng.random(n) < 1 / (1 + np.exp(-eta.to_numpy()))
    res = weighted_logit(y, X, np.ones(n))
    ame, se = average_marginal_effect(res, X, np.ones(n), ["a=yes"], "a=yes")
    fit = sm.Logit(y.astype(float), sm.add_constant(X)).fit(disp=False, cov_type="HC0")
    marg = fit.get_margeff(at="overall", dummy=True)
    assert ame == pytest.approx(float(marg.margeff[0]), rel=1e-6)
    assert se == pytest.approx(float(marg.margeff_se[0]), rel=0.02)


def test_holding_model_publishes_ames_in_points_and_q_values():
    from analysis_fakes import CONFIG, simulate

    from microcred.analysis import run_analyses

    # holding is planted 0.5 logits higher without formal digital training (reference "yes")
    tables = {t.name: t.data for t in run_analyses(simulate(n=4000, seed=11), CONFIG)}
    ors = tables["models_holding_odds_ratios"]
    est = ors[ors["ame_pp"].notna()]
    assert len(est) and (est["ame_lower"] <= est["ame_pp"]).all()
    assert (est["ame_pp"] <= est["ame_upper"]).all()
    assert ((est["odds_ratio"] > 1) == (est["ame_pp"] > 0)).all()  # same direction
    assert (est["q_value"] >= est["p_value"] - 1e-12).all() and (est["q_value"] <= 1).all()
    no = est[(est["variable"] == "formal_digital_training") & (est["level"] == "no")]
    assert len(no) and (no["ame_pp"] > 2).all() and (no["ame_lower"] > 0).all()
