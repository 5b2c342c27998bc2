"""Uptake corrected for misclassified holder status (Rogan–Gladen), with intervals that carry
the validation sample's uncertainty.

Why: a coder that misses some microcredentials (sensitivity < 1) or calls a few ordinary
courses microcredentials (specificity < 1) biases the observed share, and that bias does not
shrink with the sample: at 100k profiles the naive interval is narrow around the wrong value.
Given sensitivity and specificity measured on a hand-reviewed sample (or a coder's published
confusion counts, then labelled a probabilistic bias analysis), the Rogan–Gladen estimator
removes the bias; its interval is a Monte Carlo over the three sources of error (the observed
share, and the validation sample's sensitivity and specificity), drawn from their Beta
posteriors under Jeffreys priors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ValidationCounts:
    """Hand-reviewed classifications: true positives, false negatives, false positives, true
    negatives of the coded status against the reviewer's."""

    tp: int
    fn: int
    fp: int
    tn: int

    @property
    def sensitivity(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else float("nan")

    @property
    def specificity(self) -> float:
        return self.tn / (self.tn + self.fp) if self.tn + self.fp else float("nan")


@dataclass(frozen=True)
class CorrectedShare:
    observed: float
    corrected: float
    lower: float
    upper: float
    sensitivity: float
    specificity: float
    share_draws_clipped: float  # draws where the correction left [0, 1] (then clipped)


def rogan_gladen(observed: np.ndarray | float, se: np.ndarray | float, sp: np.ndarray | float):
    """(observed + sp − 1) / (se + sp − 1), clipped to [0, 1]; NaN when se + sp ≤ 1
    (a classifier no better than chance cannot be inverted)."""
    obs, se_, sp_ = np.asarray(observed, float), np.asarray(se, float), np.asarray(sp, float)
    den = se_ + sp_ - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(den > 0, (obs + sp_ - 1.0) / den, np.nan)
    return np.clip(raw, 0.0, 1.0)


def corrected_share(
    successes: int,
    n: int,
    validation: ValidationCounts,
    draws: int = 4000,
    seed: int = 0,
    level: float = 0.95,
) -> CorrectedShare:
    """Rogan–Gladen corrected share of ``successes`` of ``n`` with a Monte Carlo interval.

    Each draw takes the true-positive rate and the true-negative rate from Beta(k + ½,
    n − k + ½) of the validation counts and the observed share from Beta(x + ½, n − x + ½),
    and corrects it; the interval is the draws' percentiles. Seeded: same input, same output.
    """
    if n <= 0:
        raise ValueError("corrected_share needs n > 0")
    rng = np.random.default_rng(seed)
    v = validation
    obs = rng.beta(successes + 0.5, n - successes + 0.5, draws)
    se = rng.beta(v.tp + 0.5, v.fn + 0.5, draws)
    sp = rng.beta(v.tn + 0.5, v.fp + 0.5, draws)
    den = se + sp - 1.0
    raw = np.where(den > 0, (obs + sp - 1.0) / np.where(den > 0, den, 1.0), np.nan)
    clipped = float(np.mean((raw < 0) | (raw > 1) | np.isnan(raw)))
    corr = np.clip(raw, 0.0, 1.0)
    alpha = (1.0 - level) / 2.0
    lo, hi = np.nanquantile(corr, [alpha, 1.0 - alpha])
    point = float(rogan_gladen(successes / n, v.sensitivity, v.specificity))
    return CorrectedShare(
        observed=successes / n,
        corrected=point,
        lower=float(lo),
        upper=float(hi),
        sensitivity=v.sensitivity,
        specificity=v.specificity,
        share_draws_clipped=clipped,
    )


def credential_counts(confusion: dict, definition: str) -> ValidationCounts:
    """The credential coder's published confusion counts for a definition's is_micro flag
    (``coding/credentials/data/confusion.json``, measured on the frozen test split).

    These are credential-level rates: applied to persons they are a probabilistic bias
    analysis, to be labelled as such, not a validation of holder status.
    """
    try:
        c = confusion["is_micro"][definition]
        return ValidationCounts(tp=int(c["tp"]), fn=int(c["fn"]), fp=int(c["fp"]), tn=int(c["tn"]))
    except KeyError as exc:
        raise KeyError(f"confusion counts have no is_micro entry for {definition!r}") from exc
