"""Differential privacy: budget enforced, ledger sums, noise scale matches ε."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from microcred.analysis.result import AnalysisTable
from microcred.release.dp import BudgetExceededError, PrivacyAccountant, dp_table


def test_budget_is_enforced_and_nothing_drawn_past_it():
    acc = PrivacyAccountant(epsilon_total=0.3, epsilon_per_release=0.1)
    for k in range(3):
        acc.count(f"c{k}", 100)
    assert acc.spent == pytest.approx(0.3)
    with pytest.raises(BudgetExceededError, match=r"needs ε=0.1 but only .* total budget ε=0.3"):
        acc.count("one too many", 100)
    assert len(acc.releases) == 3
    assert acc.spent == pytest.approx(0.3)


def test_ledger_sums_over_kinds_and_goes_to_manifest():
    acc = PrivacyAccountant(epsilon_total=1.0, epsilon_per_release=0.1)
    acc.count("n", list(range(50)))
    acc.proportion("p", [True] * 30 + [False] * 70, epsilon=0.2)
    acc.mean("m", [1.0, 2.0, 3.0] * 20, bounds=(0.0, 5.0), epsilon=0.3)
    acc.table_counts("t", np.array([10, 20, 30]), epsilon=0.15)
    man = acc.manifest()
    assert man["epsilon_spent"] == pytest.approx(sum(r["epsilon"] for r in man["releases"]))
    assert man["epsilon_spent"] == pytest.approx(0.75)
    assert [r["name"] for r in man["releases"]] == ["n", "p", "m", "t"]


def test_noise_scale_matches_epsilon_and_error_bound_holds():
    eps = 0.5
    acc = PrivacyAccountant(epsilon_total=1e6, epsilon_per_release=eps)
    draws = np.array([acc.count("c", 1000).value for _ in range(600)]) - 1000
    rel = acc.releases[0]
    assert rel.noise_scale == pytest.approx(1 / eps)
    # Laplace(b): mean |noise| = b; the 95 % bound covers ~95 % of draws
    assert np.mean(np.abs(draws)) == pytest.approx(1 / eps, rel=0.2)
    assert 0.9 < np.mean(np.abs(draws) <= rel.error95) <= 1.0
    # halving ε doubles the scale
    assert acc.count("c2", 10, epsilon=eps / 2).noise_scale == pytest.approx(2 / eps)


def test_proportion_and_mean_are_close_with_large_epsilon():
    acc = PrivacyAccountant(epsilon_total=100, epsilon_per_release=20)
    p = acc.proportion("p", [True] * 300 + [False] * 700)
    # the noise is unseeded (OpenDP draws from the OS): 3x the 95 % error fails 1 run in ~8,000
    assert abs(p.value - 0.3) <= 3 * p.error95 + 1e-9
    m = acc.mean("m", list(np.linspace(0, 10, 1001)), bounds=(0, 10))
    assert abs(m.value - 5.0) <= 3 * m.error95 + 1e-9
    assert m.sensitivity == 10


def _uptake_table() -> AnalysisTable:
    df = pd.DataFrame(
        {
            "province": ["AB", "BC", "ON", "QC"],
            "holders": [40, 55, 120, 80],
            "n": [400, 500, 1200, 900],
        }
    )
    df["share"] = df.holders / df.n
    df["lower"] = df.share - 0.01
    return AnalysisTable(
        "uptake_by_province", "t", "uptake", "", df, ["holders", "n"],
        {"share": ["holders", "n"], "lower": ["holders", "n"]}, ["province"],
    )  # fmt: skip


def test_dp_table_rederives_ratios_and_drops_intervals():
    acc = PrivacyAccountant(epsilon_total=1.0, epsilon_per_release=0.2)
    out, rels = dp_table(_uptake_table(), acc)
    assert acc.spent == pytest.approx(0.2)
    assert [r.epsilon for r in rels] == [pytest.approx(0.1)] * 2
    assert out.data["lower"].isna().all()
    np.testing.assert_allclose(out.data.share, out.data.holders / out.data.n)
    assert (out.data.holders_dp_error95 == rels[0].error95).all()
    assert any("Not released under differential privacy" in n for n in out.notes)
