"""Confidence recalibration on real-style titles (``recalibration.py``, ``data/recalibration.json``)."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pytest

from microcred.coding.occupation import OccupationCoder
from microcred.coding.occupation.lexicon import DATA
from microcred.coding.occupation.recalibration import (
    FORMAT,
    RECALIBRATION_FILE,
    Recalibration,
    fit_platt,
    load_recalibration,
)


def test_shipped_maps_are_well_formed_and_increasing() -> None:
    doc = json.loads((DATA / RECALIBRATION_FILE).read_text(encoding="utf-8"))
    assert doc["format"] == FORMAT
    assert set(doc["methods"]) == {"naive-bayes"}  # the lookups keep their fixed confidences
    assert set(doc["not_mapped"]) == {"curated-lexicon", "exact-example"}
    assert all(m["n"] > 30 for m in doc["methods"].values())
    assert not any("holdout" in s or "frozen" in s for s in doc["fitted_on"])
    recal = load_recalibration()
    assert recal is not None
    raw = np.linspace(0.01, 0.99, 50)
    for method in ("naive-bayes",):
        out = recal(method, raw)
        assert np.all(np.diff(out) > 0) and np.all((out > 0) & (out < 1))


def test_platt_fit_recovers_a_known_map_and_handles_a_constant_score() -> None:
    rng = np.random.default_rng(3)
    raw = rng.uniform(0.05, 0.95, 4000)
    truth = Recalibration({"m": (0.5, -0.4)})("m", raw)
    right = rng.random(4000) < truth
    a, b = fit_platt(raw, right)
    assert a == pytest.approx(0.5, abs=0.15) and b == pytest.approx(-0.4, abs=0.15)
    a, b = fit_platt(np.full(9, 0.95), np.ones(9, dtype=bool))  # lexicon: always right
    assert a == 0.0 and 0.9 < Recalibration({"m": (a, b)})("m", np.array([0.95]))[0] < 1.0


def test_unfitted_method_is_left_alone() -> None:
    raw = np.array([0.2, 0.7])
    assert Recalibration({})("naive-bayes", raw).tolist() == raw.tolist()


def test_coder_applies_the_maps_and_alternatives_stay_a_distribution(
    coder: OccupationCoder,
) -> None:
    titles = pa.array(["Software Engineer", "Glazier", "Hairstylists", "Accountnt", "Welder"])
    on = coder.code(titles).to_pylist()
    saved = coder.recalibration
    try:
        coder.recalibration = None
        off = coder.code(titles).to_pylist()
    finally:
        coder.recalibration = saved
    assert [r["coding_method"] for r in on] == [r["coding_method"] for r in off]
    changed = 0
    for a, b in zip(on, off, strict=True):
        if a["noc2021_confidence"] is None:
            continue
        expected = saved(a["coding_method"], np.array([b["noc2021_confidence"]]))[0]
        assert a["noc2021_confidence"] == pytest.approx(expected, abs=2e-3)
        changed += a["noc2021_confidence"] != b["noc2021_confidence"]
        total = sum(float(x.split(":")[1]) for x in a["noc2021_alternatives"].split(";"))
        assert total <= 1.0 + 1e-3
    assert changed >= 2
