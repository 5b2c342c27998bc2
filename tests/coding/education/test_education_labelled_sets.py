"""Regression guard: the coder keeps its accuracy on the repository's hand-labelled dev set."""

from __future__ import annotations

import pickle
from pathlib import Path

import pyarrow as pa

from microcred.coding.education import EducationCoder
from microcred.evaluation.education import evaluate_education

EVAL = Path(__file__).resolve().parents[3] / "eval" / "education"


def test_dev_set_accuracy_does_not_regress() -> None:
    report = evaluate_education(EVAL / "dev.csv")
    assert report.n >= 60
    assert report.level_accuracy >= 0.95
    assert report.credential_recall == 1.0


def test_coder_pickles_for_workers() -> None:
    coder = EducationCoder.load()
    clone = pickle.loads(pickle.dumps(coder))
    batch = pa.table(
        {"degree": ["Maîtrise en informatique"], "field": pa.array([None], pa.string())}
    )
    assert clone.code(batch).equals(coder.code(batch))
