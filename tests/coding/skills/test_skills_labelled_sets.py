"""Regression guard on the repository's labelled skills set, and pickling for workers."""

from __future__ import annotations

import pickle
from pathlib import Path

import pandas as pd
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


def test_typed_lists_ambiguous_names_and_noun_forms(skill_coder: SkillCoder) -> None:
    """Lists split, ".NET" and "Rust" guarded, typos corrected, ESCO reached from noun forms."""
    from microcred.text.skill_lists import split_skill_list

    assert split_skill_list("C/C++") == ["C", "C++"]
    assert split_skill_list("HTML, CSS, JavaScript") == ["HTML", "CSS", "JavaScript"]
    assert split_skill_list("PL/SQL") == ["PL/SQL"]
    assert split_skill_list("CI/CD pipelines") == ["CI/CD pipelines"]
    assert split_skill_list("A/B Testing") == ["A/B Testing"]
    batch = pa.table(
        {
            "skill": [
                ".NET",
                "Rust",
                "Rust",
                "Pyhton",
                "Time Management",
                "Gestion du temps",
                "Tensorflow 2.0",
                "Scale",
                "Go",
            ],
            "context": ["", "C++; Linux", "", "", "", "", "", "", "Yoga; Cooking"],
        }
    )
    got = skill_coder.code(batch).to_pydict()
    assert got["skill_label"] == [
        "Microsoft .NET Framework",
        "Rust programming language",
        None,  # alone, "Rust" may be corrosion
        "Python",
        "manage time",
        "manage time",
        "TensorFlow",
        None,  # one letter from Scala, but a word: never read as a typo
        None,  # a context without technologies does not make "Go" a language
    ]
    assert got["coding_method"][1] == "guarded:context"
    assert got["coding_method"][3] == "fuzzy"


def test_eval_writes_confusion_json(skill_coder: SkillCoder, tmp_path: Path) -> None:
    import json

    from microcred.evaluation.skills import write_confusion

    df = pd.DataFrame(
        {
            "skill": ["C/C++", "Rust", "Hard working", "Negotiation"],
            "expected_label": ["C | C++", "", "", "negotiate compromise"],
            "digital": ["true", "", "", "false"],
            "context": ["", "", "", ""],
        }
    )
    report = evaluate_skills(df, skill_coder)
    assert report.rates["label right (rows with a label)"].k == 2
    out = write_confusion(report, tmp_path / "confusion.json")
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["label"] == {
        "right": 2,
        "wrong": 0,
        "abstained": 0,
        "unknown_kept": 2,
        "unknown_coded": 0,
    }
    assert doc["digital"]["classes"] == ["digital", "not_digital"]
    assert doc["digital"]["matrix"] == [[1, 0], [0, 1]]
    assert sum(doc["label"].values()) == doc["n"] == 4


def test_one_concept_per_row_files_are_scored_per_string(skill_coder: SkillCoder) -> None:
    # the frozen split's layout: "C/C++" labelled twice, one expected concept per row
    rows = pd.DataFrame(
        {
            "skill": ["C/C++", "C/C++", "Curling"],
            "expected_label": ["C", "C++", ""],
            "is_digital": ["yes", "yes", "no"],
            "context": ["", "", ""],
        }
    )
    report = evaluate_skills(rows, skill_coder)
    assert report.n == 2  # one scored row per (skill, context)
    right = report.rates["label right (rows with a label)"]
    assert (right.k, right.n) == (1, 1)  # both concepts coded: the string is right once
    assert report.rates["digital flag right"].n == 2
