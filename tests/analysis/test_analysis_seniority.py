"""The designed seniority estimator: Rubin's rules, imputation, and recovery on synthetic cohorts."""

from __future__ import annotations

import math

import numpy as np

from microcred import synth
from microcred.analysis.seniority import (
    DETECTED,
    EQUIVALENT,
    estimate_seniority,
    impute_ranks,
    rubin,
    seniority_design,
    seniority_frame,
    verdict,
)
from microcred.config import StudyConfig
from microcred.datadir import DataDir
from microcred.synth.seniority_truth import planted_seniority_effect, seniority_truth_frame


def test_rubin_adds_between_imputation_variance():
    same = rubin([0.1, 0.1, 0.1], [0.04, 0.04, 0.04])
    assert math.isclose(same.se, 0.2) and math.isinf(same.df)
    spread = rubin([0.0, 0.2], [0.01, 0.01])
    assert math.isclose(spread.se**2, 0.01 + 1.5 * 0.02)
    assert spread.lower < 0.1 < spread.upper


def test_imputation_keeps_known_ranks_and_draws_within_holder_cells():
    rank = np.array([1, 1, 1, 1, 1, np.nan, 4, 4, 4, 4, 4, np.nan])
    cell = np.array([0] * 6 + [1] * 6)
    (done,) = impute_ranks(rank, [cell], np.random.default_rng(0), 1)
    assert done[5] == 1 and done[11] == 4
    assert (done[~np.isnan(rank)] == rank[~np.isnan(rank)]).all()


def _estimate(beta: float, seed: int):
    cfg = StudyConfig()
    with planted_seniority_effect(beta):
        cohort = synth.generate(5000, seed=seed, data_dir=DataDir())
    df = seniority_truth_frame(cohort, cfg)
    cov = seniority_frame(df, cfg.reference_date)
    dz = seniority_design(cov)
    return estimate_seniority(
        df["seniority_rank"].to_numpy(float), df["holder_broad"].to_numpy(bool), cov, dz.X,
        None, imputations=10, margin=0.25, margin_senior=0.05, seed=seed,
    )  # fmt: skip


def test_planted_seniority_effect_is_detected_and_the_null_is_equivalent():
    planted = _estimate(1.0, seed=41)
    assert planted.rank.lower > 0
    assert verdict(planted.rank.lower, planted.rank.upper, planted.rank_equivalence_p) == DETECTED
    null = _estimate(0.0, seed=41)
    assert null.rank.lower < 0 < null.rank.upper
    assert verdict(null.rank.lower, null.rank.upper, null.rank_equivalence_p) == EQUIVALENT
    assert null.bound_low[0] < null.rank.estimate < null.bound_high[0]
