"""Bulk person JSONL: vendor key variants, nested date shapes, garbage lines, accounting."""

from __future__ import annotations

import gzip
import shutil
from datetime import date
from pathlib import Path

import pytest

from microcred.pseudonym import Pseudonymizer
from microcred.sources import SourceError, read_source

FILE = "vendor_profiles.jsonl"


def _rows(table, person_id):
    return [r for r in table.to_pylist() if r["person_id"] == person_id]


def test_vendor_shapes_map_to_canonical_rows(fixtures: Path, pseudonymize: Pseudonymizer) -> None:
    batch = read_source("jsonl", fixtures / FILE, pseudonymize)
    persons = {r["person_id"]: r for r in batch.tables["persons"].to_pylist()}
    priya, p1002 = pseudonymize("vend-0001"), pseudonymize("1002")
    marc, no_id = pseudonymize("marc-fictif-42"), pseudonymize(f"{FILE}:9")
    assert set(persons) == {priya, p1002, marc, pseudonymize("vend-0004"), no_id}
    assert (persons[priya]["country"], persons[priya]["province"]) == ("CA", "BC")
    assert persons[priya]["industry"] == "Information Technology & Services"
    assert (persons[p1002]["country"], persons[p1002]["province"]) == ("CA", "ON")
    assert (persons[marc]["province"], persons[marc]["profile_language"]) == ("QC", "fr")
    assert persons[pseudonymize("vend-0004")]["province"] == "QC"
    assert persons[no_id]["province"] == "AB"

    pos = _rows(batch.tables["positions"], priya)
    assert [(p["title"], p["company"], p["is_current"]) for p in pos] == [
        ("Data Scientist", "Fictional Analytics Inc.", True),
        ("Junior Data Analyst", "Maple Leaf Fictional", False),
    ]
    assert (pos[1]["start_date"], pos[1]["start_precision"]) == (date(2018, 6, 1), "day")
    assert (pos[1]["end_date"], pos[1]["end_precision"]) == (date(2021, 2, 1), "month")
    assert pos[1]["province"] == "BC"

    pos = _rows(batch.tables["positions"], p1002)
    assert [(p["title"], p["company"]) for p in pos] == [
        ("sr. software engineer", "Northwind Fictional"),
        ("Software Developer", "Contoso Fictional"),
    ]
    assert pos[0]["is_current"] is True and pos[0]["start_precision"] == "day"

    edu = _rows(batch.tables["educations"], priya)[0]
    assert (edu["school"], edu["degree"], edu["field"]) == (
        "Simon Fraser University",
        "Master of Science",
        "Statistics",
    )
    cred = _rows(batch.tables["credentials"], priya)[0]
    assert (cred["url_host"], cred["has_url"], cred["has_credential_id"], cred["origin"]) == (
        "credential.net",  # the path is the person's id: dropped
        True,
        True,
        "certifications",
    )
    cred = _rows(batch.tables["credentials"], p1002)[0]
    assert (cred["authority"], cred["origin"], cred["has_credential_id"]) == (
        "Amazon Web Services",
        "certificates",
        None,  # no credential id key at all: unknown, not "no"
    )
    assert _rows(batch.tables["credentials"], marc)[0]["has_credential_id"] is False
    skills = [r["skill"] for r in _rows(batch.tables["skills"], priya)]
    assert skills == ["Python", "R", "TensorFlow"]
    skills = [r["skill"] for r in _rows(batch.tables["skills"], pseudonymize("vend-0004"))]
    assert skills == ["Power BI", "SQL", "Tableau"]


def test_bad_lines_quarantined_with_line_numbers(
    fixtures: Path, pseudonymize: Pseudonymizer
) -> None:
    batch = read_source("jsonl", fixtures / FILE, pseudonymize)
    (account,) = batch.accounting
    # 9 lines, 4 dropped whole; the 5 persons and their 18 list entries are rows too,
    # one entry of which (line 9's experience[1], not an object) is quarantined on its own
    assert (account.rows_read, account.rows_ingested, account.rows_quarantined) == (28, 23, 5)
    q = batch.tables["quarantine"].to_pylist()
    dropped = {(r["row"], r["field"]): r["reason"] for r in q if r["action"] == "row_dropped"}
    assert set(dropped) == {(6, None), (7, None), (8, "id"), (10, None), (9, "experience[1]")}
    assert dropped[6, None].startswith("invalid JSON")
    assert dropped[10, None].startswith("invalid JSON")
    assert "not a JSON object" in dropped[7, None] and "duplicate" in dropped[8, "id"]
    assert dropped[9, "experience[1]"] == "entry not an object: got str"
    nulled = {(r["row"], r["field"]) for r in q if r["action"] == "field_nulled"}
    assert nulled == {
        (4, "positions[1].start"),  # "Agust 2019"
        (5, "experience"),  # not a list
        (9, "experience[0].start"),  # month 13
    }
    # the person with a bad start date keeps the position, with the date nulled
    marc = [r for r in batch.tables["positions"].to_pylist() if r["title"] == "Stagiaire"][0]
    assert (marc["start_date"], marc["end_date"]) == (None, date(2019, 12, 1))
    assert all(r["file"] == FILE for r in q)


def test_folder_of_files_and_gzip(
    tmp_path: Path, fixtures: Path, pseudonymize: Pseudonymizer
) -> None:
    root = tmp_path / "delivery"
    (root / "part2").mkdir(parents=True)
    shutil.copy(fixtures / FILE, root / "part1.jsonl")
    lines = [
        '{"id": "g-1", "experience": [{"title": "Analyste", "start": "mai 2021"}]}',
        '{"id": "g-2", "skills": ["Excel"]}',
    ]
    with gzip.open(root / "part2" / "more.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    (root / "README.txt").write_text("ignored")
    batch = read_source("jsonl", root, pseudonymize)
    assert [a.file for a in batch.accounting] == ["part1.jsonl", "part2/more.jsonl.gz"]
    assert batch.table("persons").num_rows == 7
    assert batch.totals()["rows_ingested"] == 23 + 4  # part1's persons and entries, then 2 + 2
    assert pseudonymize("g-1") in batch.tables["persons"].column("person_id").to_pylist()


def test_truncated_gzip_keeps_lines_before_the_damage(
    tmp_path: Path, pseudonymize: Pseudonymizer
) -> None:
    lines = [f'{{"id": "t-{i}", "skills": ["Python", "SQL"]}}' for i in range(3000)]
    data = gzip.compress(("\n".join(lines) + "\n").encode())
    root = tmp_path / "d"
    root.mkdir()
    (root / "a.jsonl.gz").write_bytes(data[: len(data) // 2])
    (root / "b.jsonl").write_text(lines[0].replace("t-0", "b-0") + "\n")
    batch = read_source("jsonl", root, pseudonymize)
    account = next(a for a in batch.accounting if a.file == "a.jsonl.gz")
    persons = batch.table("persons").num_rows - 1  # b.jsonl's one person
    assert 0 < persons < 3000 and account.rows_quarantined == 1
    assert account.rows_ingested == persons * 3  # each person and its two skills
    reasons = batch.tables["quarantine"].column("reason").to_pylist()
    assert any("unreadable after line" in r for r in reasons)


def test_missing_input_is_a_clear_error(tmp_path: Path, pseudonymize: Pseudonymizer) -> None:
    with pytest.raises(SourceError, match="no .jsonl"):
        read_source("jsonl", tmp_path, pseudonymize)
    with pytest.raises(SourceError, match="missing.jsonl"):
        read_source("jsonl", tmp_path / "missing.jsonl", pseudonymize)
