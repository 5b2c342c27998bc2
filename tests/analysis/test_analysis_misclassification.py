"""Rogan–Gladen correction: unbiased where the naive share is not, intervals that cover."""

from __future__ import annotations

import math

import numpy as np
import pytest

from microcred.analysis.misclassification import (
    ValidationCounts,
    corrected_share,
    rogan_gladen,
)


def test_rogan_gladen_inverts_a_known_classifier():
    true, se, sp = 0.034, 0.85, 0.995
    observed = true * se + (1 - true) * (1 - sp)
    assert float(rogan_gladen(observed, se, sp)) == pytest.approx(true)
    assert float(rogan_gladen(0.001, se, sp)) == 0.0  # below the false-positive floor: clipped
    assert math.isnan(float(rogan_gladen(0.5, 0.5, 0.4)))  # no better than chance


def test_corrected_interval_covers_where_the_naive_one_does_not():
    """200 replications of 100k profiles, true uptake 3.4 %, a coder missing 15 % of holders
    and a validation sample of 400 holders and 1,000 non-holders."""
    rng = np.random.default_rng(2023)
    true, se, sp, n = 0.034, 0.85, 0.997, 100_000
    naive_cover = corrected_cover = 0
    estimates = []
    reps = 200
    for r in range(reps):
        holders = rng.binomial(n, true)
        coded = rng.binomial(holders, se) + rng.binomial(n - holders, 1 - sp)
        tp = rng.binomial(400, se)
        tn = rng.binomial(1000, sp)
        v = ValidationCounts(tp=tp, fn=400 - tp, fp=1000 - tn, tn=tn)
        res = corrected_share(coded, n, v, draws=2000, seed=r)
        estimates.append(res.corrected)
        corrected_cover += res.lower <= true <= res.upper
        p = coded / n
        half = 1.96 * math.sqrt(p * (1 - p) / n)
        naive_cover += p - half <= true <= p + half
    assert naive_cover / reps < 0.2  # the naive interval is narrow around the wrong value
    assert 0.90 <= corrected_cover / reps <= 0.995
    assert abs(np.mean(estimates) - true) < 0.001  # unbiased to a tenth of a point


def test_same_seed_same_interval_and_bad_input():
    v = ValidationCounts(tp=90, fn=10, fp=2, tn=998)
    a = corrected_share(300, 10_000, v, seed=5)
    assert a == corrected_share(300, 10_000, v, seed=5)
    assert a.lower < a.corrected < a.upper
    with pytest.raises(ValueError, match="n > 0"):
        corrected_share(0, 0, v)


def test_published_credential_confusion_counts_load_per_definition():
    import json
    from importlib.resources import files

    from microcred.analysis.misclassification import credential_counts

    doc = json.loads(
        files("microcred.coding.credentials").joinpath("data/confusion.json").read_text()
    )
    for definition in ("broad", "narrow"):
        v = credential_counts(doc, definition)
        assert v.tp + v.fn + v.fp + v.tn == doc["n"]
        assert 0.5 < v.sensitivity <= 1 and 0.5 < v.specificity <= 1
    with pytest.raises(KeyError, match="nope"):
        credential_counts(doc, "nope")
