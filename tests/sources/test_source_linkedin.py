"""LinkedIn "Download your data" exports: folders, zips, cohorts, encodings, broken copies."""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from microcred.pseudonym import Pseudonymizer
from microcred.sources import SourceBatch, SourceError, read_source

COHORT = "linkedin_cohort"


def _read(path: Path, pseudonymize: Pseudonymizer) -> SourceBatch:
    return read_source("linkedin-export", path, pseudonymize)


def _by_person(table: pa.Table, person_id: str) -> list[dict]:
    return [r for r in table.to_pylist() if r["person_id"] == person_id]


def _zip_folder(folder: Path, target: Path, inner_prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w") as zf:
        for f in sorted(folder.iterdir()):
            zf.write(f, inner_prefix + f.name)
    return target


@pytest.fixture
def cohort(tmp_path: Path, fixtures: Path) -> Path:
    root = tmp_path / "cohort"
    shutil.copytree(fixtures / COHORT, root)
    return root


def test_cohort_folder_reads_every_export(fixtures: Path, pseudonymize: Pseudonymizer) -> None:
    batch = _read(fixtures / COHORT, pseudonymize)
    amelie, jordan = pseudonymize("amelie_export"), pseudonymize("jordan_export")
    persons = {r["person_id"]: r for r in batch.tables["persons"].to_pylist()}
    assert persons[amelie] | {"person_id": None} == {
        "person_id": None,
        "source": "linkedin-export",
        "country": "CA",
        "province": "QC",
        "profile_language": "fr",
        "industry": "Services financiers",
    }
    assert (persons[jordan]["province"], persons[jordan]["profile_language"]) == ("ON", "en")

    positions = _by_person(batch.tables["positions"], amelie)
    assert [p["position_idx"] for p in positions] == [0, 1, 2]
    first = positions[0]
    assert (first["title"], first["company"], first["province"]) == (
        "Scientifique des données principale",
        "Banque Fictive",
        "QC",
    )
    assert (first["start_date"], first["start_precision"], first["end_date"]) == (
        date(2022, 3, 1),
        "month",
        None,
    )
    assert first["is_current"] is True
    assert positions[1]["is_current"] is False
    assert positions[2]["start_precision"] == "year"

    jordan_positions = _by_person(batch.tables["positions"], jordan)
    assert [p["province"] for p in jordan_positions] == ["ON", "ON", "BC"]  # GTA, Ottawa, Vancouver
    assert batch.tables["quarantine"].num_rows == 0
    batch.check_accounting()


def test_aliases_and_extra_columns(fixtures: Path, pseudonymize: Pseudonymizer) -> None:
    """jordan_export uses Company/Start Date/Issuing Organization/Credential ID + extra columns."""
    batch = _read(fixtures / COHORT, pseudonymize)
    creds = _by_person(batch.tables["credentials"], pseudonymize("jordan_export"))
    aws, ckad = creds
    assert aws["authority"] == "Amazon Web Services (AWS)"
    assert (aws["url_host"], aws["has_url"], aws["has_credential_id"]) == (
        "credly.com/badges",
        True,
        True,
    )
    assert (aws["issued_date"], aws["expires_date"]) == (date(2022, 11, 1), date(2025, 11, 1))
    assert (ckad["has_url"], ckad["has_credential_id"], ckad["url_host"]) == (False, False, None)
    assert ckad["issued_precision"] == "year"
    titles = [
        p["company"] for p in _by_person(batch.tables["positions"], pseudonymize("jordan_export"))
    ]
    assert titles == ["Northwind Fictional", "Contoso Fictional", "Fabrikam Fictional"]


def test_education_degree_split(fixtures: Path, pseudonymize: Pseudonymizer) -> None:
    batch = _read(fixtures / COHORT, pseudonymize)
    edu = _by_person(batch.tables["educations"], pseudonymize("jordan_export"))
    assert (edu[0]["degree"], edu[0]["field"]) == (
        "Bachelor of Applied Science - BASc",
        "Computer Engineering",
    )
    assert (edu[1]["degree"], edu[1]["field"]) == ("Certificate", None)
    edu_fr = _by_person(batch.tables["educations"], pseudonymize("amelie_export"))
    assert (edu_fr[1]["degree"], edu_fr[1]["field"]) == ("Baccalauréat", "Mathématiques")


def test_learning_completed_items_become_credentials(
    fixtures: Path, pseudonymize: Pseudonymizer
) -> None:
    batch = _read(fixtures / COHORT, pseudonymize)
    amelie = pseudonymize("amelie_export")
    learning = _by_person(batch.tables["learning"], amelie)
    assert [(r["title"], r["completed"]) for r in learning] == [
        ("Apprendre Python", True),
        ("Power BI : les fondamentaux", False),
    ]
    assert learning[0]["completed_date"] == date(2021, 4, 3)
    creds = _by_person(batch.tables["credentials"], amelie)
    from_learning = [c for c in creds if c["origin"] == "learning"]
    assert [(c["name"], c["authority"]) for c in from_learning] == [
        ("Apprendre Python", "LinkedIn Learning")
    ]
    assert len({c["credential_idx"] for c in creds}) == len(creds) == 3


def test_skills_deduplicated_and_connections_counted_not_stored(
    fixtures: Path, pseudonymize: Pseudonymizer
) -> None:
    batch = _read(fixtures / COHORT, pseudonymize)
    skills = [r["skill"] for r in _by_person(batch.tables["skills"], pseudonymize("amelie_export"))]
    assert sorted(skills) == ["Apprentissage automatique", "Python", "SQL"]
    accounts = {a.file: a for a in batch.accounting}
    connections = accounts["amelie_export/Connections.csv"]
    assert (connections.rows_read, connections.rows_ingested) == (2, 2)  # past the preamble
    assert accounts["amelie_export/Skills.csv"].rows_read == 4


def test_zip_exports_match_folders(
    tmp_path: Path, fixtures: Path, pseudonymize: Pseudonymizer
) -> None:
    """A zip per person (flat or with a top folder inside) reads like the folder, same ids."""
    root = tmp_path / "zips"
    root.mkdir()
    _zip_folder(fixtures / COHORT / "amelie_export", root / "amelie_export.zip")
    _zip_folder(fixtures / COHORT / "jordan_export", root / "jordan_export.zip", "Basic_Export/")
    from_zips = _read(root, pseudonymize)
    from_dirs = _read(fixtures / COHORT, pseudonymize)
    for name in ("persons", "positions", "educations", "credentials", "skills", "learning"):
        assert from_zips.tables[name].equals(from_dirs.tables[name]), name
    files = {a.file for a in from_zips.accounting}
    assert "jordan_export.zip/Basic_Export/Positions.csv" in files


def test_single_export_folder_and_zip(
    tmp_path: Path, fixtures: Path, pseudonymize: Pseudonymizer
) -> None:
    one = _read(fixtures / COHORT / "jordan_export", pseudonymize)
    assert one.tables["persons"].column("person_id").to_pylist() == [pseudonymize("jordan_export")]
    z = _zip_folder(fixtures / COHORT / "jordan_export", tmp_path / "jordan_export.zip")
    assert _read(z, pseudonymize).tables["positions"].equals(one.tables["positions"])


def test_bom_and_cp1252_files(cohort: Path, pseudonymize: Pseudonymizer) -> None:
    export = cohort / "amelie_export"
    positions = (export / "Positions.csv").read_text(encoding="utf-8")
    (export / "Positions.csv").write_bytes(b"\xef\xbb\xbf" + positions.encode("utf-8"))
    education = (export / "Education.csv").read_text(encoding="utf-8")
    (export / "Education.csv").write_bytes(education.encode("cp1252"))
    batch = _read(cohort, pseudonymize)
    accounts = {a.file: a for a in batch.accounting}
    assert accounts["amelie_export/Positions.csv"].encoding == "utf-8-sig"
    assert accounts["amelie_export/Education.csv"].encoding == "cp1252"
    amelie = pseudonymize("amelie_export")
    assert _by_person(batch.tables["positions"], amelie)[0]["company"] == "Banque Fictive"
    schools = [e["school"] for e in _by_person(batch.tables["educations"], amelie)]
    assert schools == ["Université Laval", "Université de Sherbrooke"]
    assert batch.tables["quarantine"].num_rows == 0


def test_mixed_encoding_file_decodes_each_line(cohort: Path, pseudonymize: Pseudonymizer) -> None:
    path = cohort / "jordan_export" / "Skills.csv"
    path.write_bytes("Name\nPython\nRéseautique\n".encode() + "Génie logiciel\n".encode("cp1252"))
    batch = _read(cohort, pseudonymize)
    skills = {r["skill"] for r in _by_person(batch.tables["skills"], pseudonymize("jordan_export"))}
    assert {"Réseautique", "Génie logiciel"} <= skills
    account = next(a for a in batch.accounting if a.file == "jordan_export/Skills.csv")
    assert account.encoding.startswith("utf-8+cp1252")


def test_broken_rows_are_quarantined_and_accounting_balances(
    cohort: Path, pseudonymize: Pseudonymizer
) -> None:
    export = cohort / "jordan_export"
    with (export / "Positions.csv").open("a", encoding="utf-8") as fh:
        fh.write(",,,,,,\n\n")  # empty cells and a blank line: not records
        fh.write("Initech Fictional,QA Analyst,,Toronto,Agust 2014,2015,Full-time\n")  # bad date
        fh.write('Globex Fictional,"Intern\n')  # truncated last row (unterminated quote)
    with (export / "Education.csv").open("a", encoding="utf-8") as fh:
        fh.write("Seneca College,2009\n")  # wrong column count
    (export / "Skills.csv").write_bytes(b"\x00\x01\x02binary\x00")  # not text at all
    (cohort / "amelie_export" / "Profile.csv").unlink()  # missing file

    batch = _read(cohort, pseudonymize)
    batch.check_accounting()
    q = {(r["file"], r["row"]): r for r in batch.tables["quarantine"].to_pylist()}

    bad_date = q[("jordan_export/Positions.csv", 4)]
    assert bad_date["field"] == "Start Date" and "Agust 2014" in bad_date["reason"]
    assert bad_date["action"] == "row_dropped"
    truncated = q[("jordan_export/Positions.csv", 5)]
    assert "wrong column count" in truncated["reason"]
    assert "column count" in q[("jordan_export/Education.csv", 3)]["reason"]
    assert "binary" in q[("jordan_export/Skills.csv", None)]["reason"]
    missing = q[("amelie_export/Profile.csv", None)]
    assert missing["action"] == "field_nulled" and "missing file" in missing["reason"]

    accounts = {a.file: a for a in batch.accounting}
    pos = accounts["jordan_export/Positions.csv"]
    assert (pos.rows_read, pos.rows_ingested, pos.rows_quarantined) == (5, 3, 2)
    assert accounts["jordan_export/Skills.csv"].rows_quarantined == 1
    # The good rows are still there; the person without Profile.csv is still a person.
    jordan = pseudonymize("jordan_export")
    assert len(_by_person(batch.tables["positions"], jordan)) == 3
    amelie = _by_person(batch.tables["persons"], pseudonymize("amelie_export"))[0]
    assert (amelie["country"], amelie["industry"]) == (None, None)


def test_broken_exports_inside_a_cohort_do_not_kill_it(
    cohort: Path, pseudonymize: Pseudonymizer
) -> None:
    (cohort / "corrupt.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    stray = cohort / "not_an_export"
    stray.mkdir()
    (stray / "Skills.csv").write_text("Name\nPython\n", encoding="utf-8")
    shutil.copytree(cohort / "jordan_export", cohort / "batch2" / "jordan_export")
    _zip_folder(cohort / "jordan_export", cohort / "jordan_export.zip")  # duplicate identity

    batch = _read(cohort, pseudonymize)
    batch.check_accounting()
    q = {r["file"]: r for r in batch.tables["quarantine"].to_pylist() if r["row"] is None}
    assert "cannot open zip" in q["corrupt.zip"]["reason"]
    skipped = {a.file: a.skipped_reason for a in batch.accounting if a.skipped_reason}
    assert "duplicate export: 'jordan_export' read" in skipped["jordan_export.zip/Positions.csv"]
    assert "same files as 'jordan_export'" in skipped["batch2/jordan_export/Positions.csv"]
    ids = set(batch.tables["persons"].column("person_id").to_pylist())
    assert ids == {  # a Skills.csv alone is a (partial) export
        pseudonymize("amelie_export"),
        pseudonymize("jordan_export"),
        pseudonymize("not_an_export"),
    }


def test_unreadable_single_input_is_a_clear_error(
    tmp_path: Path, pseudonymize: Pseudonymizer
) -> None:
    bad = tmp_path / "someone.zip"
    bad.write_bytes(b"garbage")
    with pytest.raises(SourceError, match="someone.zip"):
        _read(bad, pseudonymize)
    with pytest.raises(SourceError, match="nowhere"):
        _read(tmp_path / "nowhere", pseudonymize)
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="no LinkedIn export"):
        _read(tmp_path / "empty", pseudonymize)
    text = tmp_path / "Positions.txt"
    text.write_text("x")
    with pytest.raises(SourceError, match="Positions.txt"):
        _read(text, pseudonymize)


def test_reading_is_deterministic(fixtures: Path, pseudonymize: Pseudonymizer) -> None:
    a = _read(fixtures / COHORT, pseudonymize)
    b = _read(fixtures / COHORT, pseudonymize)
    for name, table in a.tables.items():
        assert table.equals(b.tables[name]), name
