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
    negatives of the coded status against the reviewer's (effective, so possibly
    fractional, counts when the review sample is weighted)."""

    tp: float
    fn: float
    fp: float
    tn: float

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


# ---- corrected uptake for the published tables ---------------------------------------------

VALIDATION_SAMPLE = "validation_sample"
BIAS_ANALYSIS = "probabilistic_bias_analysis"
NO_CORRECTION = "none"


@dataclass(frozen=True)
class Correction:
    """A corrected share with its interval and the method that made it (a released column)."""

    share: float
    lower: float
    upper: float
    method: str


NOT_CORRECTED = Correction(float("nan"), float("nan"), float("nan"), NO_CORRECTION)


def _kish(w: np.ndarray) -> float:
    s2 = float(np.sum(w**2))
    return float(np.sum(w)) ** 2 / s2 if s2 > 0 else 0.0


def validated_share(
    y: np.ndarray, w: np.ndarray | None, validation: ValidationCounts, seed: int, draws: int = 4000
) -> Correction:
    """Rogan–Gladen with person-level sensitivity and specificity from a reviewed sample.

    A weighted share enters as (share × n_eff) successes of Kish's n_eff, so the Monte Carlo
    carries its sampling error at the design's effective size.
    """
    n = len(y)
    if n == 0:
        return Correction(float("nan"), float("nan"), float("nan"), VALIDATION_SAMPLE)
    if w is None:
        k, m = float(np.sum(y)), float(n)
    else:
        m = _kish(w)
        k = float(np.sum(w * y) / np.sum(w)) * m if m > 0 else 0.0
    if m <= 0:
        return Correction(float("nan"), float("nan"), float("nan"), VALIDATION_SAMPLE)
    c = corrected_share(k, m, validation, draws=draws, seed=seed)  # type: ignore[arg-type]
    return Correction(c.corrected, c.lower, c.upper, VALIDATION_SAMPLE)


def _person_truth_probability(
    a: np.ndarray, b: np.ndarray, pi: np.ndarray, se: np.ndarray, sp: np.ndarray
) -> np.ndarray:
    """P(a person holds ≥ 1 true microcredential) given ``a`` credentials coded micro and ``b``
    coded not: 1 − (1 − PPV)^a (1 − FOR)^b, with the credential-level predictive values at
    true credential prevalence ``pi``. Shapes broadcast (draws × person types)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = pi * se + (1 - pi) * (1 - sp)
        neg = pi * (1 - se) + (1 - pi) * sp
        ppv = np.where(pos > 0, pi * se / np.where(pos > 0, pos, 1.0), 0.0)
        fom = np.where(neg > 0, pi * (1 - se) / np.where(neg > 0, neg, 1.0), 0.0)
    return 1.0 - (1.0 - ppv) ** a * (1.0 - fom) ** b


def bias_analysis_share(
    n_micro: np.ndarray,
    n_credentials: np.ndarray,
    w: np.ndarray | None,
    confusion: ValidationCounts,
    seed: int,
    draws: int = 4000,
    level: float = 0.95,
) -> Correction:
    """Probabilistic bias analysis of person-level uptake from credential-level confusion counts.

    Why not Rogan–Gladen on persons: the coder's rates are per credential, and a person with
    no credential cannot be a false positive, so person-level specificity is not the
    credential one. Instead each draw takes the coder's sensitivity and specificity from their
    Beta posteriors (Jeffreys), corrects the coded-micro share among the group's credentials
    to the true credential prevalence (Rogan–Gladen), and turns each person's coded counts
    (a micro, b not) into the probability of truly holding one (predictive values). People
    are grouped by (a, b); the group's mix is drawn from a Dirichlet at Kish's effective size
    (the sampling error). Estimate and interval: the median and percentiles of the draws
    (the usual summary of a probabilistic bias analysis; the plug-in value is biased upward
    by the few negatives of the evaluation set). Assumes credential errors are independent
    within a person and the frozen-split rates transport to this source; the recovery
    benchmark measures what the first assumption costs when true microcredentials cluster
    in holders (docs/analysis-methods.md).
    """
    a_all = np.asarray(n_micro, dtype=np.int64)
    b_all = np.maximum(np.asarray(n_credentials, dtype=np.int64) - a_all, 0)
    n = len(a_all)
    if n == 0:
        return Correction(float("nan"), float("nan"), float("nan"), BIAS_ANALYSIS)
    wt = np.ones(n) if w is None else np.asarray(w, dtype=float)
    if wt.sum() <= 0:
        return Correction(float("nan"), float("nan"), float("nan"), BIAS_ANALYSIS)
    pairs, inv = np.unique(np.stack([a_all, b_all], axis=1), axis=0, return_inverse=True)
    a, b = pairs[:, 0].astype(float), pairs[:, 1].astype(float)
    f = np.bincount(inv.ravel(), weights=wt, minlength=len(pairs)) / wt.sum()
    v = confusion

    def share(freq: np.ndarray, se: np.ndarray, sp: np.ndarray) -> np.ndarray:
        micro, creds = freq @ a, freq @ (a + b)
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(creds > 0, micro / np.where(creds > 0, creds, 1.0), 0.0)
        pi = rogan_gladen(c, se, sp)
        pi = np.where(np.isnan(pi), c, pi)  # a coder no better than chance: leave as coded
        q = _person_truth_probability(a, b, pi[..., None], se[..., None], sp[..., None])
        return np.sum(freq * q, axis=-1)

    rng = np.random.default_rng(seed)
    se = rng.beta(v.tp + 0.5, v.fn + 0.5, draws)
    sp = rng.beta(v.tn + 0.5, v.fp + 0.5, draws)
    alpha = f * _kish(wt) + 0.5 / len(f)
    g = rng.gamma(np.broadcast_to(alpha, (draws, len(f))))
    freq = g / g.sum(axis=1, keepdims=True)
    est = share(freq, se, sp)
    tail = (1.0 - level) / 2.0
    lo, hi = np.quantile(est, [tail, 1.0 - tail])
    point = float(np.median(est))
    return Correction(point, float(lo), float(hi), BIAS_ANALYSIS)


def published_confusion() -> dict:
    """The credential coder's machine-readable confusion counts (frozen-split evaluation)."""
    import json
    from importlib.resources import files

    path = files("microcred.coding.credentials") / "data" / "confusion.json"
    return json.loads(path.read_text(encoding="utf-8"))
