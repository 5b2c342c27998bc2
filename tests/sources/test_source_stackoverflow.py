"""Stack Overflow Developer Survey: persons + survey tables, year parsing, bad rows."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from microcred.datadir import DataDir
from microcred.pseudonym import Pseudonymizer
from microcred.sources import read_source
from microcred.sources.stackoverflow import learned_online_or_cert, years

SAMPLE = "samples/stackoverflow_2025/survey_results_public_first1000.csv"
HEADER = "ResponseId,MainBranch,Age,EdLevel,Employment,WorkExp,LearnCode,YearsCode,DevType,Country,Industry"


@pytest.mark.parametrize(
    ("text", "value"),
    [("7", 7.0), ("12.5", 12.5), ("Less than 1 year", 0.5), ("More than 50 years", 51.0)]
    + [("NA", None), ("", None), (None, None)],
)
def test_years(text: str | None, value: float | None) -> None:
    assert years(text) == value


def test_learned_online_or_cert() -> None:
    assert learned_online_or_cert(
        "Books;Online Courses or Certification (includes all media types)"
    )
    assert learned_online_or_cert("Online Courses or Certification;School") is True
    assert learned_online_or_cert("Books / Physical media;School") is False
    assert learned_online_or_cert("NA") is None and learned_online_or_cert("") is None


def test_small_survey_file(tmp_path: Path, pseudonymize: Pseudonymizer) -> None:
    rows = [
        '1,I am a developer by profession,25-34 years old,"Bachelor’s degree (B.A., B.S., B.Eng., etc.)",Employed,'
        '6,"Books;Online Courses or Certification (includes all media types)",Less than 1 year,'
        '"Data scientist",Canada,Fintech',
        "2,I code primarily as a hobby,18-24 years old,NA,Student,NA,NA,More than 50 years,"
        "Student,United States of America,NA",
        "3,truncated row,25-34 years old",
        "4,I am a developer by profession,35-44 years old,NA,Employed,ten,NA,10,"
        '"Developer, back-end",Atlantis,NA',
        "1,duplicate id,25-34 years old,NA,Employed,3,NA,3,Student,Canada,NA",
    ]
    path = tmp_path / "survey_results_public.csv"
    path.write_text("\ufeff" + HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    batch = read_source("stackoverflow", path, pseudonymize)
    (account,) = batch.accounting
    assert (account.rows_read, account.rows_ingested, account.rows_quarantined) == (5, 3, 2)
    survey = {r["person_id"]: r for r in batch.tables["survey"].to_pylist()}
    first = survey[pseudonymize("stackoverflow:survey_results_public:1")]
    assert first == first | {
        "country": "CA",
        "education_raw": "Bachelor’s degree (B.A., B.S., B.Eng., etc.)",
        "years_code": 0.5,
        "years_work": 6.0,
        "dev_type": "Data scientist",
        "age_band": "25-34 years old",
        "employment": "Employed",
        "learned_online_or_cert": True,
    }
    second = survey[pseudonymize("stackoverflow:survey_results_public:2")]
    assert (second["years_code"], second["years_work"], second["education_raw"]) == (
        51.0,
        None,
        None,
    )
    assert second["learned_online_or_cert"] is None and second["country"] == "US"
    fourth = survey[pseudonymize("stackoverflow:survey_results_public:4")]
    assert (fourth["years_work"], fourth["country"]) == (None, None)
    q = {(r["row"], r["action"]): r for r in batch.tables["quarantine"].to_pylist()}
    assert "column count" in q[(3, "row_dropped")]["reason"]
    assert q[(5, "row_dropped")]["reason"] == "duplicate ResponseId"
    assert q[(4, "field_nulled")]["field"] == "WorkExp"
    persons = {r["person_id"]: r for r in batch.tables["persons"].to_pylist()}
    assert persons[first["person_id"]]["industry"] == "Fintech"
    assert persons[second["person_id"]]["industry"] is None
    assert set(persons) == set(survey)


def test_real_sample(pseudonymize: Pseudonymizer) -> None:
    path = DataDir().root / SAMPLE
    if not path.exists():
        pytest.skip("Stack Overflow sample not in the data directory")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        raw = list(csv.DictReader(fh))
    batch = read_source("stackoverflow", path, pseudonymize)
    survey = batch.tables["survey"]
    assert survey.num_rows == len(raw) == batch.tables["persons"].num_rows
    canada = sum(r["Country"] == "Canada" for r in raw)
    assert survey.column("country").to_pylist().count("CA") == canada
    answered = [r for r in raw if r["LearnCode"] != "NA"]
    online = sum("Online Courses or Certification" in r["LearnCode"] for r in answered)
    flags = survey.column("learned_online_or_cert").to_pylist()
    assert (flags.count(True), flags.count(None)) == (online, len(raw) - len(answered))
