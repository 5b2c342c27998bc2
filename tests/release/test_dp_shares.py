"""Shares from noisy counts: the interval covers the true share over sampling and DP noise."""

from __future__ import annotations

import numpy as np
import pytest

from microcred.release.dp_shares import share_with_interval


def _coverage(
    n: int, p: float, sigma: float, reps: int = 600, seed: int = 3
) -> tuple[float, float]:
    """Coverage of the combined interval, and of one that ignores the DP noise."""
    rng = np.random.default_rng(seed)
    h = rng.binomial(n, p, size=reps)  # sampling: the people in the data
    u = n - h
    # DP noise as the release draws it (discrete Gaussian ≈ rounded normal), clipped at zero
    hn = np.maximum(np.rint(h + rng.normal(0, sigma, reps)), 0)
    un = np.maximum(np.rint(u + rng.normal(0, sigma, reps)), 0)
    est = share_with_interval(hn, un, sigma**2, sigma**2)
    cover = np.mean((est.lower <= p) & (p <= est.upper))
    naive = share_with_interval(hn, un, 0.0, 0.0)  # sampling only (rounding term aside)
    naive_cover = np.mean((naive.lower <= p) & (p <= naive.upper))
    return float(cover), float(naive_cover)


@pytest.mark.parametrize(
    ("n", "p", "sigma"),
    [(400, 0.3, 6.0), (2000, 0.15, 6.0), (150, 0.5, 20.0), (8000, 0.05, 9.0)],
)
def test_interval_covers_the_truth_about_95_percent(n, p, sigma):
    cover, _ = _coverage(n, p, sigma)
    assert 0.92 <= cover <= 0.98


def test_ignoring_the_dp_noise_would_undercover():
    cover, naive = _coverage(150, 0.5, 20.0)
    assert naive < 0.85 < cover


def test_share_is_the_ratio_and_empty_cells_are_nan():
    est = share_with_interval(np.array([30, 0]), np.array([70, 0]), 4.0, 4.0)
    assert est.share[0] == pytest.approx(0.3)
    assert np.isnan(est.share[1])
    assert est.lower[0] < 0.3 < est.upper[0]
    assert 0 < est.dp_error95[0] < est.upper[0] - est.share[0]
