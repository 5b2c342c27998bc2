"""Shares from noisy counts, with 95 % intervals for sampling error plus DP noise.

Why: a share computed from DP counts is uncertain twice over — the people in the data are
a sample, and the counts carry known noise. The interval adds the two variances (delta
method for the ratio ``holders / n``):

* sampling: ``p (1 − p) / n`` (binomial);
* DP noise: with ``holders`` and ``non_holders = n − holders`` estimated with noise
  variances ``v_h`` and ``v_u`` (independent: disjoint cells), the ratio
  ``h / (h + u)`` has variance ``((1 − p)² v_h + p² v_u) / n²``; the rounding of the
  post-processed counts adds ``1/12`` to each.

The interval is ``p ± 1.96 √(total)``, clipped to [0, 1]. Its coverage over the sampling
and the noise together is checked by simulation in ``tests/release/test_dp_shares.py`` and
``bench/dp_accuracy.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from microcred.release.dp_plan import Z95

ROUNDING_VARIANCE = 1.0 / 12.0


@dataclass(frozen=True)
class ShareEstimate:
    share: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    dp_error95: np.ndarray  # 95 % half-width of the DP noise alone (sampling left out)
    se: np.ndarray  # standard error, sampling and DP noise together


def share_with_interval(
    holders: np.ndarray,
    non_holders: np.ndarray,
    var_holders: np.ndarray | float,
    var_non_holders: np.ndarray | float,
) -> ShareEstimate:
    """Share ``h / (h + u)`` of post-processed counts and its combined 95 % interval.

    Vectorised over any shape; an empty cell (``h + u == 0``) gives NaN.
    """
    h = np.asarray(holders, dtype=float)
    u = np.asarray(non_holders, dtype=float)
    n = h + u
    vh = np.asarray(var_holders, dtype=float) + ROUNDING_VARIANCE
    vu = np.asarray(var_non_holders, dtype=float) + ROUNDING_VARIANCE
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(n > 0, h / n, np.nan)
        dp_var = ((1 - p) ** 2 * vh + p**2 * vu) / n**2
        # a share of 0 or 1 has no binomial variance but is not known exactly: keep the
        # sampling term away from zero with the Agresti–Coull style p̃ = (h + 2) / (n + 4)
        pt = (h + 2) / (n + 4)
        sampling = pt * (1 - pt) / n
    se = np.sqrt(sampling + dp_var)
    half = Z95 * se
    return ShareEstimate(
        share=p,
        lower=np.clip(p - half, 0.0, 1.0),
        upper=np.clip(p + half, 0.0, 1.0),
        dp_error95=Z95 * np.sqrt(dp_var),
        se=se,
    )


def expected_share_error95(n: float, p: float, var_holders: float, var_non_holders: float) -> float:
    """The 95 % DP error of a share for a cell of ``n`` people and share ``p`` (planning)."""
    vh, vu = var_holders + ROUNDING_VARIANCE, var_non_holders + ROUNDING_VARIANCE
    return float(Z95 * np.sqrt(((1 - p) ** 2 * vh + p**2 * vu) / n**2))
