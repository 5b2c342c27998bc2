"""The DP query plan: budget conversion, shares, noise scales, charging before drawing."""

from __future__ import annotations

import numpy as np
import pytest

from microcred.config import StudyConfig, load_config
from microcred.errors import ConfigError
from microcred.release.dp import BudgetExceededError
from microcred.release.dp_plan import (
    build_plan,
    epsilon_of,
    holder_statuses,
    rho_of,
    status_index,
)


def _cfg(**dp) -> StudyConfig:
    return StudyConfig.model_validate({"dp": {"enabled": True, **dp}})


def test_epsilon_delta_converts_to_rho_and_back():
    rho = rho_of(1.0, 1e-6)
    assert epsilon_of(rho, 1e-6) == pytest.approx(1.0, abs=1e-6)
    # at least the textbook bound ε = ρ + 2√(ρ ln 1/δ) allows (OpenDP's conversion is tighter)
    textbook = (np.sqrt(np.log(1e6) + 1) - np.sqrt(np.log(1e6))) ** 2
    assert rho >= textbook


def test_shares_split_the_budget_and_sigma_matches_rho():
    plan = build_plan(_cfg(total={"rho": 0.1}))
    assert plan.rho_total == 0.1
    assert [e.estimand for e in plan.estimands][0] == "uptake_by_group"
    assert plan.rho_planned == pytest.approx(0.1)
    head = plan.estimand("uptake_by_group")
    assert head is not None and head.rho == pytest.approx(0.06)
    (block,) = head.blocks
    assert block.sigma == pytest.approx(1 / np.sqrt(2 * 0.06), rel=1e-9)
    comp = plan.estimand("holders_vs_non_holders")
    assert comp is not None and len(comp.blocks) == 3  # one histogram per compared variable
    assert sum(b.rho for b in comp.blocks) == pytest.approx(comp.rho)


def test_measure_charges_once_and_refuses_past_the_budget():
    plan = build_plan(_cfg(total={"rho": 0.1}))
    b = plan.block("uptake_by_group")
    noisy = plan.measure("uptake_by_group", np.full(b.cells, 100))
    assert noisy.shape == (b.cells,) and noisy.dtype.kind == "i"
    assert plan.spent == pytest.approx(0.06, rel=1e-9)
    with pytest.raises(BudgetExceededError, match="already measured"):
        plan.measure("uptake_by_group", np.full(b.cells, 100))
    plan.spent = 0.09  # as if most of the budget went elsewhere
    with pytest.raises(BudgetExceededError, match="needs ρ"):
        plan.measure("uptake_by_noc", np.zeros(plan.block("uptake_by_noc").cells))


def test_nested_definitions_make_structural_zeros():
    cfg = _cfg()
    # narrow's types are a subset of broad's: (broad no, narrow yes) cannot happen
    assert holder_statuses(cfg) == [(False, False), (True, False), (True, True)]
    flags = np.array([[False, False], [True, False], [True, True], [False, True]])
    assert status_index(cfg, flags).tolist() == [0, 1, 2, 2]  # closed under the implication


def test_old_fields_migrate_or_fail_clearly(tmp_path):
    assert _cfg(epsilon_total=0.5).dp.total.epsilon == 0.5
    with pytest.raises(ValueError, match="epsilon_per_release is no longer used"):
        _cfg(epsilon_total=0.5, epsilon_per_release=0.05)
    with pytest.raises(ValueError, match="add up to 1.2"):
        _cfg(
            plan=[
                {"estimand": "uptake_by_group", "share": 0.7},
                {"estimand": "uptake_by_noc", "share": 0.5},
            ]
        )
    old = tmp_path / "study.yaml"
    old.write_text("dp:\n  enabled: true\n  epsilon_total: 1.0\n  epsilon_per_release: 0.05\n")
    with pytest.raises(ConfigError, match="epsilon_per_release is no longer used"):
        load_config(old)


def test_expected_errors_follow_the_noise_scales():
    from microcred.release.dp_accuracy import expected_errors

    cfg = _cfg(total={"rho": 0.1})
    plan = build_plan(cfg)
    small = expected_errors(cfg, plan, 5_000, 0.4, 0.3)
    large = expected_errors(cfg, plan, 100_000, 0.4, 0.3)
    head = {(r.estimand, r.cell): r for r in small}
    head_l = {(r.estimand, r.cell): r for r in large}
    key = ("uptake_by_group", "Data scientists")
    # count errors do not depend on the cohort; share errors shrink as 1 / n
    assert head[key].count_error95 == pytest.approx(head_l[key].count_error95)
    assert head[key].share_error95 == pytest.approx(20 * head_l[key].share_error95, rel=0.01)
    # one NOC, one group: group and NOC measurements both inform it, so it beats the NOC
    # alone (σ of the NOC block), and a 4-NOC group's count is noisier than a 1-NOC one
    noc_sigma = plan.block("uptake_by_noc").sigma
    assert head[key].count_error95 < 1.96 * np.sqrt(2) * noc_sigma
    assert (
        head[("uptake_by_group", "Software professionals")].count_error95 > head[key].count_error95
    )


def test_release_plan_command_prints_every_estimand(tmp_path):
    from typer.testing import CliRunner

    from microcred.cli import app

    cfg = tmp_path / "study.yaml"
    cfg.write_text("dp:\n  enabled: true\n  total: {epsilon: 1.0, delta: 1.0e-6}\n")
    res = CliRunner().invoke(app, ["release", "plan", "--config", str(cfg), "--profiles", "20000"])
    assert res.exit_code == 0, res.output
    for name in ("uptake_by_group", "uptake_by_noc", "holders_vs_non_holders", "21211"):
        assert name in res.output
    assert "ε=1, δ=1e-06" in res.output
