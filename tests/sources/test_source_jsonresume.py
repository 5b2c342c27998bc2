"""JSON Resume files: the shipped sample, a folder cohort, broken files."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from microcred.datadir import DataDir
from microcred.pseudonym import Pseudonymizer
from microcred.sources import SourceError, read_source


def test_shipped_sample(pseudonymize: Pseudonymizer) -> None:
    sample = DataDir().root / "samples/jsonresume/sample.resume.json"
    if not sample.exists():
        pytest.skip("JSON Resume sample not in the data directory")
    batch = read_source("jsonresume", sample, pseudonymize)
    (person,) = batch.tables["persons"].to_pylist()
    assert person["person_id"] == pseudonymize("sample.resume.json")
    assert (person["country"], person["province"]) == ("US", None)
    (pos,) = batch.tables["positions"].to_pylist()
    assert (pos["title"], pos["company"], pos["country"]) == ("CEO/President", "Pied Piper", "US")
    assert (pos["start_date"], pos["start_precision"]) == (date(2013, 12, 1), "day")
    (edu,) = batch.tables["educations"].to_pylist()
    assert (edu["school"], edu["degree"], edu["field"]) == (
        "University of Oklahoma",
        "Bachelor",
        "Information Technology",
    )
    skills = set(batch.tables["skills"].column("skill").to_pylist())
    assert {"Web Development", "HTML", "Compression", "GIF"} <= skills


def test_folder_cohort_with_a_broken_file(fixtures: Path, pseudonymize: Pseudonymizer) -> None:
    batch = read_source("jsonresume", fixtures / "jsonresume", pseudonymize)
    batch.check_accounting()
    (person,) = batch.tables["persons"].to_pylist()
    assert person["person_id"] == pseudonymize("camille_fictive.json")
    assert (person["country"], person["province"]) == ("CA", "QC")
    creds = batch.tables["credentials"].to_pylist()
    assert [(c["name"], c["authority"], c["url_host"]) for c in creds] == [
        ("Professional Scrum Master I", "Scrum.org", "scrum.org/certificates"),
        ("Google Cloud Associate Cloud Engineer", "Google Cloud", None),
    ]
    assert creds[0]["issued_date"] == date(2021, 11, 20)
    assert creds[1]["issued_date"] is None and creds[1]["origin"] == "certificates"
    assert creds[0]["has_credential_id"] is None  # JSON Resume has no such field: unknown
    positions = batch.tables["positions"].to_pylist()
    assert [p["is_current"] for p in positions] == [True, False]
    assert positions[0]["province"] == "QC"
    q = {(r["file"], r["action"]): r for r in batch.tables["quarantine"].to_pylist()}
    assert "unreadable JSON Resume" in q[("broken.json", "row_dropped")]["reason"]
    nulled = q[("camille_fictive.json", "field_nulled")]
    assert nulled["field"] == "certificates[1].date" and "not a date" in nulled["reason"]


def test_single_broken_file_is_a_clear_error(
    tmp_path: Path, fixtures: Path, pseudonymize: Pseudonymizer
) -> None:
    target = tmp_path / "broken.json"
    shutil.copy(fixtures / "jsonresume" / "broken.json", target)
    with pytest.raises(SourceError, match="broken.json"):
        read_source("jsonresume", target, pseudonymize)
