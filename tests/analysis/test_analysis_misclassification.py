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


def _credential_cohort(rng: np.random.Generator, n: int = 20_000):
    """Persons with Poisson credentials, 8 % truly micro, coded with se 0.9, sp 0.96."""
    k = rng.poisson(0.4, n)
    micro = rng.binomial(k, 0.08)
    coded = rng.binomial(micro, 0.9) + rng.binomial(k - micro, 0.04)
    return k, micro, coded


def test_bias_analysis_recovers_person_uptake_from_credential_level_rates():
    from microcred.analysis.misclassification import BIAS_ANALYSIS, bias_analysis_share

    rng = np.random.default_rng(7)
    confusion = ValidationCounts(tp=900, fn=100, fp=40, tn=960)
    errors, covered = [], 0
    for r in range(8):
        k, micro, coded = _credential_cohort(rng)
        truth, naive = (micro > 0).mean(), (coded > 0).mean()
        c = bias_analysis_share(coded, k, None, confusion, seed=r, draws=1000)
        assert c.method == BIAS_ANALYSIS
        assert naive - truth > 0.007  # false positives inflate the coded share
        errors.append(c.share - truth)
        covered += c.lower <= truth <= c.upper
    assert abs(np.mean(errors)) < 0.002
    assert covered >= 7
    # nobody lists a credential: nobody can be a holder, coded or corrected
    none = bias_analysis_share(np.zeros(50), np.zeros(50), None, confusion, seed=0)
    assert none.share == 0.0 and none.upper == 0.0


def test_validated_share_uses_the_weighted_share_at_its_effective_size():
    from microcred.analysis.misclassification import VALIDATION_SAMPLE, validated_share

    v = ValidationCounts(tp=180, fn=20, fp=3, tn=997)
    y = np.r_[np.ones(300), np.zeros(9700)].astype(bool)
    plain = validated_share(y, None, v, seed=1)
    assert plain.method == VALIDATION_SAMPLE
    assert plain.share == pytest.approx(float(rogan_gladen(0.03, 0.9, 0.997)))
    w = np.r_[np.full(300, 2.0), np.ones(9700)]  # holders weigh double
    weighted = validated_share(y, w, v, seed=1)
    assert weighted.share == pytest.approx(float(rogan_gladen(600 / 10_300, 0.9, 0.997)))
    assert weighted.upper - weighted.lower > plain.upper - plain.lower  # smaller n_eff


def test_uptake_table_labels_each_corrected_row_with_its_method():
    from microcred.analysis.frame import to_frame
    from microcred.analysis.uptake import uptake_by_group
    from microcred.config import StudyConfig

    cfg = StudyConfig()
    rng = np.random.default_rng(3)
    k, _, coded = _credential_cohort(rng, 4000)
    group = [g.name for g in cfg.occupations]
    import pyarrow as pa

    table = {
        "person_id": [f"p{i:05d}" for i in range(4000)],
        "in_study": [True] * 4000,
        "occupation_group": [group[i % len(group)] for i in range(4000)],
        "n_credentials": k,
    }
    for d in cfg.definition_names():
        table[f"holder_{d}"] = coded > 0
        table[f"n_micro_{d}"] = coded
    sf = to_frame(pa.table(table), cfg, weighted=False)
    confusion = {"is_micro": {"broad": {"tp": 320, "fn": 4, "fp": 5, "tn": 113}}}
    v = {"narrow": ValidationCounts(tp=90, fn=10, fp=2, tn=398)}
    df = uptake_by_group(sf, v, confusion).data.set_index(["definition", "occupation_group"])
    assert set(df.loc["broad", "correction_method"]) == {"probabilistic_bias_analysis"}
    assert set(df.loc["narrow", "correction_method"]) == {"validation_sample"}
    assert (df["share"] == (df["holders"] / df["n"])).all()  # the uncorrected share stays
    ok = df["corrected_lower"] <= df["corrected_share"]
    assert (ok & (df["corrected_share"] <= df["corrected_upper"])).all()
    bare = uptake_by_group(sf).data
    assert set(bare["correction_method"]) == {"none"} and bare["corrected_share"].isna().all()
