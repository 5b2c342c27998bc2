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
