"""Regression guard on the repository's labelled skills set, and pickling for workers."""

from __future__ import annotations

import pickle
from pathlib import Path

import pyarrow as pa

from microcred.coding.skills import SkillCoder
from microcred.evaluation.skills import evaluate_skills

EVAL = Path(__file__).resolve().parents[3] / "eval" / "skills"


def test_labelled_set_accuracy_does_not_regress(skill_coder: SkillCoder) -> None:
    report = evaluate_skills(EVAL / "labelled.csv", skill_coder)
    assert report.n >= 100
    assert report.accuracy >= 0.95
    assert report.unknown_kept == 1.0


def test_coder_pickles_for_workers(skill_coder: SkillCoder) -> None:
    clone = pickle.loads(pickle.dumps(skill_coder))
    skills = pa.array(["MS Excel", "Kubernetess", "Curling"])
    assert clone.code(skills).equals(skill_coder.code(skills))
