"""The seniority coder: labels with provenance, its own word lists, no coverage row."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa

from microcred import schema
from microcred.coding.base import CoderSettings, in_coverage
from microcred.coding.seniority.coder import (
    LEXICON_OPTION,
    METHOD_NONE,
    METHOD_WORDS,
    TAXONOMY_VERSION,
    WORDS_CONFIDENCE,
    SeniorityCoder,
)
from microcred.coding.seniority.rules import DATA_DIR, LEXICON_FILE


def _code(coder: SeniorityCoder, titles: list[str | None]) -> list[dict]:
    return coder.code(pa.table({"title": pa.array(titles, pa.string())})).to_pylist()


def test_labels_carry_method_version_and_confidence() -> None:
    rows = _code(SeniorityCoder.load(), ["Senior Data Scientist", "Data Scientist", None])
    assert [r["seniority"] for r in rows] == ["senior", "unknown", "unknown"]
    assert [r["coding_method"] for r in rows] == [METHOD_WORDS, METHOD_NONE, METHOD_NONE]
    assert [r["seniority_confidence"] for r in rows] == [WORDS_CONFIDENCE, None, None]
    assert {r["taxonomy_version"] for r in rows} == {TAXONOMY_VERSION}


def test_the_arrow_rules_agree_with_the_python_rules() -> None:
    coder = SeniorityCoder.load()
    titles = [
        "Senior Manager, Finance",
        "Gestionnaire de projet",
        "VP Engineering",
        "Développeuse principale",
        "Chef d'équipe",
        "Intern",
        "  ",
    ]
    got = [r["seniority"] for r in _code(coder, titles)]
    assert got == [coder.rules.level_of(t) for t in titles]


def test_an_edited_word_list_changes_labels_and_fingerprint(tmp_path: Path) -> None:
    folder = shutil.copytree(DATA_DIR, tmp_path / "lex")
    lex = folder / LEXICON_FILE
    lex.write_text(lex.read_text().replace("  entry:\n", "  entry:\n    - rookie\n"))
    settings = CoderSettings(options={LEXICON_OPTION: str(folder)})
    edited = SeniorityCoder.load(None, settings)
    assert [r["seniority"] for r in _code(edited, ["Rookie Analyst"])] == ["entry"]
    assert [r["seniority"] for r in _code(SeniorityCoder.load(), ["Rookie Analyst"])] == ["unknown"]
    assert edited.fingerprint() != SeniorityCoder.load().fingerprint()


def test_schema_and_no_coverage_row() -> None:
    assert SeniorityCoder.load().output_schema().equals(schema.SENIORITY_CODED)
    assert in_coverage(SeniorityCoder) is False
