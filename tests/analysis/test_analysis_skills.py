"""Monroe et al. (2008) log-odds ratio with an informative Dirichlet prior, by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from microcred.analysis.skills import log_odds_dirichlet


def test_log_odds_matches_hand_computation():
    # toy corpus: words a, b, c; group i (holders) counts 8, 2, 0; group j 2, 6, 2
    y_i, y_j = np.array([8, 2, 0]), np.array([2, 6, 2])
    delta, var, z = log_odds_dirichlet(y_i, y_j)
    alpha = np.array([10, 8, 2])  # pooled counts as the prior
    a0, n_i, n_j = 20, 10, 10
    for w in range(3):
        a = alpha[w]
        want = math.log((y_i[w] + a) / (n_i + a0 - y_i[w] - a)) - math.log(
            (y_j[w] + a) / (n_j + a0 - y_j[w] - a)
        )
        want_var = 1 / (y_i[w] + a) + 1 / (y_j[w] + a)
        assert delta[w] == pytest.approx(want)
        assert var[w] == pytest.approx(want_var)
        assert z[w] == pytest.approx(want / math.sqrt(want_var))
    # "a" is over-represented in group i, "b" and "c" under-represented
    assert z[0] > 0 > z[1] and z[2] < 0


def test_symmetric_groups_give_zero():
    delta, _, z = log_odds_dirichlet(np.array([5, 5]), np.array([5, 5]))
    assert delta == pytest.approx([0, 0]) and z == pytest.approx([0, 0])


def test_custom_prior_shrinks_towards_zero():
    y_i, y_j = np.array([9, 1]), np.array([1, 9])
    weak = log_odds_dirichlet(y_i, y_j, prior=np.array([0.5, 0.5]))[0]
    strong = log_odds_dirichlet(y_i, y_j, prior=np.array([50.0, 50.0]))[0]
    assert abs(strong[0]) < abs(weak[0])


def test_fisher_bh_flags_planted_skills_and_few_null_ones():
    from microcred.analysis.skills import FDR, fisher_bh

    rng = np.random.default_rng(7)
    n_h, n_n = 400, 8000
    base = rng.uniform(0.02, 0.3, size=300)  # 300 skills listed at the same rate by both
    planted = np.array([0.10, 0.15, 0.20])  # 3 skills non-holders list at these rates...
    rates_h = np.concatenate([base, planted * 2.0])  # ...and holders twice as often
    rates_n = np.concatenate([base, planted])
    listing_h = rng.binomial(n_h, rates_h)
    listing_n = rng.binomial(n_n, rates_n)
    p, q = fisher_bh(listing_h, listing_n, n_h, n_n)
    assert p.shape == q.shape == (303,)
    assert (q >= p - 1e-12).all() and ((q >= 0) & (q <= 1)).all()
    flagged = q < FDR
    assert flagged[-3:].all()  # every planted difference found
    assert flagged[:-3].sum() <= 3  # false discoveries stay rare among 300 null skills
    # the shrunken z of the pooled-count prior alone flags fewer of the planted skills
    _, _, z = log_odds_dirichlet(listing_h, listing_n)
    assert (z[-3:] > 1.96).sum() < flagged[-3:].sum()


def test_fisher_bh_matches_scipy_and_statsmodels_on_a_small_family():
    from scipy.stats import fisher_exact
    from statsmodels.stats.multitest import multipletests

    from microcred.analysis.skills import fisher_bh

    h, n = np.array([9, 1, 5]), np.array([1, 9, 5])
    p, q = fisher_bh(h, n, 10, 10)
    want = [fisher_exact([[a, 10 - a], [b, 10 - b]])[1] for a, b in zip(h, n, strict=True)]
    assert p == pytest.approx(want)
    assert q == pytest.approx(multipletests(want, method="fdr_bh")[1])
    assert fisher_bh(np.zeros(0), np.zeros(0), 1, 1)[0].size == 0


def test_fisher_bh_family_is_the_publishable_skills_only():
    """A skill whose counts disclosure control hides gets no p- or q-value and leaves the
    family: the other q-values are BH over the rest alone."""
    from statsmodels.stats.multitest import multipletests

    from microcred.analysis.skills import fisher_bh

    h = np.array([30, 2, 25, 10])
    n = np.array([10, 40, 20, 12])
    p_all, _ = fisher_bh(h, n, 100, 100)
    ok = np.array([True, False, True, True])
    p, q = fisher_bh(h, n, 100, 100, publishable=ok)
    assert np.isnan(p[1]) and np.isnan(q[1])
    np.testing.assert_allclose(p[ok], p_all[ok])
    np.testing.assert_allclose(q[ok], multipletests(p_all[ok], method="fdr_bh")[1])
