"""Fits on merged identical rows give the person-level answers (they exist to be fast at scale)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.tools.numdiff import approx_fprime

from microcred.analysis.models import (
    GroupedOrderedModel,
    ordinal_holder_effect,
    row_groups,
    weighted_logit,
)
from microcred.analysis.skills import _scores, index_skills


def _people(n: int, seed: int) -> tuple[np.ndarray, pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "band=5-9": rng.integers(0, 2, n).astype(float),
            "prov=QC": (rng.integers(0, 4, n) == 1).astype(float),
            "years": rng.integers(0, 40, n) / 4.0,  # continuous: many distinct rows
        }
    )
    eta = -1.5 + 0.6 * X["band=5-9"] - 0.4 * X["prov=QC"] + 0.03 * X["years"]
    y = rng.random(n) < 1 / (1 + np.exp(-eta.to_numpy()))
    return y, X, rng.gamma(2.0, 1.0, n)


@pytest.mark.parametrize("weighted", [False, True])
def test_grouped_logit_equals_person_level_glm_with_hc1(weighted):
    y, X, w = _people(3000, 7)
    w = w if weighted else None
    wn = np.ones(len(y)) if w is None else w * len(y) / w.sum()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.GLM(
            y.astype(float),
            sm.add_constant(X),
            family=sm.families.Binomial(),
            var_weights=wn,
        ).fit(cov_type="HC1")
    fit = weighted_logit(y, X, w)
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(fit.bse.to_numpy(), ref.bse.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(fit.conf_int().to_numpy(), ref.conf_int().to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(
        fit.predict(sm.add_constant(X)), ref.predict(sm.add_constant(X)), rtol=1e-9
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from([0.0, 0.5, -1.0])), min_size=1, max_size=60
    )
)
def test_row_groups_number_identical_rows_alike_in_row_order(rows):
    a = np.array(rows, dtype=float)
    g = row_groups(a)
    distinct = sorted(set(map(tuple, a.tolist())))
    assert g.tolist() == [distinct.index(tuple(r)) for r in a.tolist()]


def _ordinal_data(n: int = 4000, seed: int = 11):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.integers(0, 2, n).astype(float), "yrs": rng.integers(0, 30, n) / 2})
    t = rng.random(n) < 0.3
    latent = 0.4 * t + 0.8 * X["a"] + 0.1 * X["yrs"] + rng.logistic(size=n)
    rank = np.digitize(latent, [0.5, 1.5, 2.5, 3.5, 4.5]).astype(float)
    return rank, t, X


def test_grouped_ordinal_matches_ordered_model_on_people():
    rank, t, X = _ordinal_data()
    mine = ordinal_holder_effect(rank, t, X)
    exog = pd.concat([pd.Series(t.astype(float), name="holder"), X], axis=1)
    endog = pd.Series(pd.Categorical(rank.astype(int), ordered=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = OrderedModel(endog, exog, distr="logit").fit(method="bfgs", disp=False, maxiter=500)
    assert mine.estimate == pytest.approx(ref.params["holder"], abs=1e-4)
    assert mine.se == pytest.approx(ref.bse["holder"], rel=1e-3)
    assert mine.estimate > 0.2  # the planted effect is 0.4


def test_grouped_ordinal_score_is_the_derivative_of_its_likelihood():
    rank, t, X = _ordinal_data(800, 3)
    exog = pd.concat([pd.Series(t.astype(float), name="holder"), X], axis=1)
    endog = pd.Series(pd.Categorical(rank.astype(int), ordered=True))
    freq = np.random.default_rng(0).integers(1, 4, len(rank)).astype(float)
    model = GroupedOrderedModel(endog, exog, freq)
    params = np.r_[0.3, 0.5, 0.05, 0.2, -0.5, 0.1, 0.0, 0.3]
    numeric = approx_fprime(params, model.loglike, centered=True)
    np.testing.assert_allclose(model.score(params), numeric, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(model.score(params), model.score_obs(params).sum(axis=0), rtol=1e-9)


def test_skill_counts_by_index_equal_a_plain_groupby():
    rng = np.random.default_rng(2)
    persons = pd.DataFrame({"person_id": [f"p{i:03d}" for i in range(200)]})
    pairs = {(f"p{rng.integers(0, 230):03d}", f"skill{rng.integers(0, 15)}") for _ in range(900)}
    ps = pd.DataFrame(sorted(pairs), columns=["person_id", "skill"])
    people = persons.iloc[::2]  # a subgroup, as the analyses pass
    is_holder = rng.random(len(people)) < 0.3
    got = _scores(people, index_skills(persons, pa.Table.from_pandas(ps)), is_holder, 3)
    hold = set(people["person_id"][is_holder])
    sk = ps[ps["person_id"].isin(set(people["person_id"]))]
    want = (
        sk.assign(h=sk["person_id"].isin(hold))
        .groupby(["skill", "h"])["person_id"]
        .nunique()
        .unstack(fill_value=0)
    )
    want = want[want.sum(axis=1) >= 3]
    got = got.set_index("skill").sort_index()
    assert got.index.tolist() == want.index.tolist()
    assert got["holders_listing"].tolist() == want[True].tolist()
    assert got["non_holders_listing"].tolist() == want[False].tolist()


def test_levels_without_weighted_people_join_the_reference_instead_of_breaking_the_fit():
    """Raking can give a cell zero weight; the level then has no information left."""
    y, X, w = _people(2000, 5)
    X = X.assign(**{"prov=YT": 0.0})
    X.loc[X.index[:40], "prov=YT"] = 1.0
    w[:40] = 0.0  # everyone at that level weighs nothing
    fit = weighted_logit(y, X, w)
    assert fit.dropped == ("prov=YT",)
    assert "prov=YT" not in fit.params.index
    p = fit.predict(sm.add_constant(X, has_constant="add"))  # full design: matched by name
    assert p.shape == (2000,) and np.isfinite(p).all()
