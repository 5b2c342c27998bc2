"""Named fault cases for bulk JSONL and JSON Resume: no crash, every row accounted for.

Each case is an input a vendor or a résumé tool really hands over (or a hostile one);
each asserts what happens to it (ingested, quarantined with a reason, a field nulled)
and that the books balance.
"""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import pytest
from door_checks import assert_books_balance, column, dropped, nulled, write_lines

from microcred.dates import DatePolicy
from microcred.pseudonym import Pseudonymizer
from microcred.sources import SourceError, read_source
from microcred.sources.jsonl import read_jsonl
from microcred.sources.jsonresume import read_jsonresume


def jsonl(tmp_path: Path, pseudonymize: Pseudonymizer, lines: list, **options):
    write_lines(tmp_path / "people.jsonl", lines)
    batch = read_source("jsonl", tmp_path / "people.jsonl", pseudonymize, **options)
    assert_books_balance(batch)
    return batch


def account(batch):
    (acct,) = batch.accounting
    return acct.rows_read, acct.rows_ingested, acct.rows_quarantined, acct.rows_skipped


# ---------------------------------------------------------------- whole lines dropped

LINE_DROPS = {
    "invalid_json": ("{not json", "invalid JSON"),
    "truncated_object": ('{"id": "a", "skills": ["x"', "invalid JSON"),
    "array_line": ("[1, 2, 3]", "not a JSON object: got list"),
    "string_line": ('"just text"', "not a JSON object: got str"),
    "number_line": ("42", "not a JSON object: got int"),
    "null_line": ("null", "not a JSON object: got NoneType"),
    "nan_literal": ('{"id": NaN}', "invalid JSON"),
    "number_overflowing_double": ('{"id": "x", "n": 1e400}', "invalid JSON"),
    "nesting_2000_deep": ("[" * 2000 + "]" * 2000, "invalid JSON"),
    "invalid_utf8": (b'{"id": "\xff\xfe"}', "invalid JSON"),
}


@pytest.mark.parametrize("case", sorted(LINE_DROPS))
def test_a_bad_line_is_one_quarantined_row(tmp_path, pseudonymize, case) -> None:
    line, reason = LINE_DROPS[case]
    batch = jsonl(tmp_path, pseudonymize, [{"id": "ok"}, line])
    assert account(batch) == (2, 1, 1, 0)
    (drop,) = dropped(batch)
    assert drop["row"] == 2 and drop["reason"].startswith(reason)
    assert batch.table("persons").num_rows == 1


def test_duplicate_person_id_keeps_the_first(tmp_path, pseudonymize) -> None:
    batch = jsonl(tmp_path, pseudonymize, [{"id": "a", "skills": ["R"]}, {"id": "a"}])
    assert account(batch) == (3, 2, 1, 0)
    (drop,) = dropped(batch)
    assert (drop["row"], drop["field"]) == (2, "id") and "duplicate" in drop["reason"]


def test_integer_and_text_id_are_the_same_person(tmp_path, pseudonymize) -> None:
    batch = jsonl(tmp_path, pseudonymize, [{"id": 7}, {"id": "7"}])
    assert account(batch) == (2, 1, 1, 0)
    assert column(batch, "persons", "person_id") == [pseudonymize("7")]


@pytest.mark.parametrize(
    "case,value", [("bool_id", True), ("float_id", 7.5), ("huge_int_id", 2**62 * 4)]
)
def test_an_unusable_id_falls_back_to_file_and_line(tmp_path, pseudonymize, case, value) -> None:
    batch = jsonl(tmp_path, pseudonymize, [{"id": value}])
    assert account(batch) == (1, 1, 0, 0)
    assert column(batch, "persons", "person_id") == [pseudonymize("people.jsonl:1")]


def test_blank_lines_and_a_bom_are_not_rows(tmp_path, pseudonymize) -> None:
    path = tmp_path / "people.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": "a"}\n\n   \n{"id": "b"}\n')
    batch = read_source("jsonl", path, pseudonymize)
    assert_books_balance(batch)
    assert account(batch) == (2, 2, 0, 0)


def test_empty_file_reads_nothing(tmp_path, pseudonymize) -> None:
    batch = jsonl(tmp_path, pseudonymize, [])
    assert account(batch) == (0, 0, 0, 0)


# ---------------------------------------------------------------- entries are rows


def test_each_entry_is_a_row(tmp_path, pseudonymize) -> None:
    record = {
        "id": "a",
        "experience": [{"title": "Dev"}, {"title": "Analyst"}],
        "education": [{"school": "UdeM"}],
        "certifications": [{"name": "AWS SAA"}],
        "licenses": [{"name": "PMP"}],
        "skills": ["SQL", {"name": "Python"}],
    }
    batch = jsonl(tmp_path, pseudonymize, [record])
    assert account(batch) == (8, 8, 0, 0)
    assert batch.table("credentials").num_rows == 2


ENTRY_DROPS = {
    "position_is_string": ({"experience": ["Dev"]}, "experience[0]", "got str"),
    "position_is_null": ({"experience": [None]}, "experience[0]", "got NoneType"),
    "position_is_list": ({"experience": [[{"title": "x"}]]}, "experience[0]", "got list"),
    "education_is_number": ({"education": [3]}, "education[0]", "got int"),
    "certification_is_bool": ({"certifications": [True]}, "certifications[0]", "got bool"),
    "skill_is_number": ({"skills": [12]}, "skills[0]", "got int"),
    "skill_is_nested_list": ({"skills": [["a", ["b"]]]}, "skills[0]", "got list"),
    "deeply_nested_entry": (
        {"experience": [json.loads("[" * 500 + "]" * 500)]},
        "experience[0]",
        "got list",
    ),
}


@pytest.mark.parametrize("case", sorted(ENTRY_DROPS))
def test_a_bad_entry_is_quarantined_and_the_person_kept(tmp_path, pseudonymize, case) -> None:
    extra, path, why = ENTRY_DROPS[case]
    batch = jsonl(tmp_path, pseudonymize, [{"id": "a", **extra}])
    assert account(batch) == (2, 1, 1, 0)
    (drop,) = dropped(batch)
    assert (drop["row"], drop["field"]) == (1, path)
    assert drop["reason"] == f"entry not an object: {why}"
    assert batch.table("persons").num_rows == 1


@pytest.mark.parametrize(
    "case,value",
    [("list_is_string", "Dev at Acme"), ("list_is_object", {"title": "x"}), ("list_is_number", 3)],
)
def test_a_list_of_the_wrong_type_is_a_nulled_field(tmp_path, pseudonymize, case, value) -> None:
    batch = jsonl(tmp_path, pseudonymize, [{"id": "a", "experience": value}])
    assert account(batch) == (1, 1, 0, 0)
    (note,) = nulled(batch)
    assert note["field"] == "experience" and note["reason"].startswith("expected a list")


def test_skills_as_a_comma_string_are_split(tmp_path, pseudonymize) -> None:
    batch = jsonl(tmp_path, pseudonymize, [{"id": "a", "skills": "SQL, Python"}])
    assert sorted(column(batch, "skills", "skill")) == ["Python", "SQL"]
    assert account(batch) == (1, 1, 0, 0)


@pytest.mark.parametrize(
    "case,value",
    [
        ("title_number", 123),
        ("title_object", {"name": {"deeper": 1}}),
        ("title_list", [None, ""]),
        ("title_bool", False),
        ("title_huge_float", 1e300),
    ],
)
def test_text_of_the_wrong_type_never_crashes(tmp_path, pseudonymize, case, value) -> None:
    record = {"id": "a", "experience": [{"title": value, "company": value, "location": value}]}
    batch = jsonl(tmp_path, pseudonymize, [record])
    assert account(batch) == (2, 2, 0, 0)
    assert batch.table("positions").num_rows == 1


def test_person_facts_of_the_wrong_type_never_crash(tmp_path, pseudonymize) -> None:
    record = {"id": "a", "location": [1, 2], "country": 5, "region": {"x": 1}, "industry": [[]]}
    batch = jsonl(tmp_path, pseudonymize, [record])
    assert account(batch) == (1, 1, 0, 0)
    assert column(batch, "persons", "country") == [None]


# ---------------------------------------------------------------- dates at the door

DATE_NULLS = {
    "month_1e10": ({"year": 2019, "month": 1e10}, "date part out of range"),
    "year_1e10": ({"year": 1e10}, "date part out of range"),
    "month_fraction": ({"year": 2019, "month": 2.5}, "non-numeric date part"),
    "month_text": ({"year": 2019, "month": "août"}, "non-numeric date part"),
    "month_13": ({"year": 2019, "month": 13}, "impossible date"),
    "day_32": ({"year": 2019, "month": 1, "day": 32}, "impossible date"),
    "year_as_list": ({"year": [2019]}, "non-numeric date part"),
    "date_float": (2019.5, "not a date"),
    "date_bool": (True, "not a date"),
    "date_list": (["2019"], "not a date"),
    "date_garbage_text": ("last spring", "unrecognised date"),
    "date_megabyte_text": ("2019" * 100_000, "unrecognised date"),
}


@pytest.mark.parametrize("case", sorted(DATE_NULLS))
def test_an_unreadable_date_is_nulled(tmp_path, pseudonymize, case) -> None:
    value, reason = DATE_NULLS[case]
    record = {"id": "a", "experience": [{"title": "Dev", "start": value, "end": "2020"}]}
    batch = jsonl(tmp_path, pseudonymize, [record])
    assert account(batch) == (2, 2, 0, 0)
    (note,) = nulled(batch)
    assert note["field"] == "experience[0].start" and note["reason"].startswith(reason)
    assert column(batch, "positions", "start_date") == [None]
    assert column(batch, "positions", "end_date") == [date(2020, 1, 1)]


def test_end_before_start_nulls_the_end(tmp_path, pseudonymize) -> None:
    record = {"id": "a", "experience": [{"title": "Dev", "start": "2021-05", "end": "2019"}]}
    batch = jsonl(tmp_path, pseudonymize, [record])
    (note,) = nulled(batch)
    assert (note["row"], note["field"]) == (1, "positions.end_date")
    assert note["reason"] == "date order: positions.end_date before positions.start_date"
    assert column(batch, "positions", "start_date") == [date(2021, 5, 1)]
    assert column(batch, "positions", "end_date") == [None]
    assert account(batch) == (2, 2, 0, 0)


def test_an_end_in_the_start_year_is_not_before_it(tmp_path, pseudonymize) -> None:
    record = {"id": "a", "experience": [{"start": "2019-06", "end": "2019"}]}
    batch = jsonl(tmp_path, pseudonymize, [record])
    assert nulled(batch) == []
    assert column(batch, "positions", "end_date") == [date(2019, 1, 1)]


def test_education_end_before_start_nulls_the_end(tmp_path, pseudonymize) -> None:
    record = {"id": "a", "education": [{"school": "X", "start": "2015", "end": "2010"}]}
    batch = jsonl(tmp_path, pseudonymize, [record])
    (note,) = nulled(batch)
    assert note["field"] == "educations.end_date"


def test_expiry_before_issue_nulls_the_expiry(tmp_path, pseudonymize) -> None:
    record = {"id": "a", "certifications": [{"name": "AWS", "issued": "2022", "expires": "2020"}]}
    batch = jsonl(tmp_path, pseudonymize, [record])
    (note,) = nulled(batch)
    assert note["field"] == "credentials.expires_date"
    assert column(batch, "credentials", "issued_date") == [date(2022, 1, 1)]


@pytest.mark.parametrize(
    "case,value,field",
    [
        ("start_1930", "1930", "positions.start_date"),
        ("start_2090", "2090-01", "positions.start_date"),
        ("end_2050", "2050", "positions.end_date"),
    ],
)
def test_an_implausible_date_is_nulled(tmp_path, pseudonymize, case, value, field) -> None:
    key = "start" if field.endswith("start_date") else "end"
    record = {"id": "a", "experience": [{"title": "Dev", key: value}]}
    batch = jsonl(tmp_path, pseudonymize, [record])
    (note,) = nulled(batch)
    assert note["field"] == field and note["reason"].startswith("date out of range")
    assert account(batch) == (2, 2, 0, 0)


def test_an_expiry_years_ahead_is_kept(tmp_path, pseudonymize) -> None:
    record = {"id": "a", "certifications": [{"name": "CISSP", "issued": "2024", "expires": "2035"}]}
    batch = jsonl(tmp_path, pseudonymize, [record])
    assert nulled(batch) == []
    assert column(batch, "credentials", "expires_date") == [date(2035, 1, 1)]


def test_the_date_range_is_configurable(tmp_path, pseudonymize) -> None:
    record = {"id": "a", "experience": [{"title": "Dev", "start": "1960"}]}
    policy = DatePolicy(date(1970, 1, 1), date(2030, 12, 31))
    batch = jsonl(tmp_path, pseudonymize, [record], dates=policy)
    (note,) = nulled(batch)
    assert note["reason"] == "date out of range: before 1970-01-01"


# ---------------------------------------------------------------- caps and damaged files


def test_a_cell_over_the_cap_is_nulled(tmp_path, pseudonymize) -> None:
    record = {"id": "a", "experience": [{"title": "x" * 5000, "company": "Acme"}]}
    batch = jsonl(tmp_path, pseudonymize, [record], max_cell_chars=1000)
    (note,) = nulled(batch)
    assert note["field"] == "positions.title" and note["reason"].startswith("cell too large")
    assert column(batch, "positions", "company") == ["Acme"]


def test_a_line_over_the_cap_is_quarantined_unparsed(tmp_path, pseudonymize) -> None:
    lines = [{"id": "a"}, {"id": "b", "skills": ["x" * 4000]}, {"id": "c"}]
    batch = jsonl(tmp_path, pseudonymize, lines, max_line_bytes=1000)
    assert account(batch) == (3, 2, 1, 0)
    (drop,) = dropped(batch)
    assert drop["row"] == 2 and drop["reason"] == "line too large: over 1000 bytes"


def test_records_past_the_cap_are_skipped_with_the_reason(tmp_path, pseudonymize) -> None:
    batch = jsonl(tmp_path, pseudonymize, [{"id": str(i)} for i in range(5)], max_records=2)
    assert account(batch) == (5, 2, 0, 3)
    assert "record cap" in batch.accounting[0].skipped_reason


def test_a_truncated_gzip_keeps_what_was_read(tmp_path, pseudonymize) -> None:
    data = gzip.compress(b"".join(b'{"id": "%d"}\n' % i for i in range(5000)))
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.jsonl.gz").write_bytes(data[: len(data) // 2])
    (root / "b.jsonl").write_text('{"id": "b"}\n')
    batch = read_source("jsonl", root, pseudonymize)
    assert_books_balance(batch)
    a = next(x for x in batch.accounting if x.file == "a.jsonl.gz")
    assert a.rows_quarantined == 1 and 0 < a.rows_ingested < 5000


def test_a_gz_name_on_plain_text_alone_is_one_line_error(tmp_path, pseudonymize) -> None:
    (tmp_path / "a.jsonl.gz").write_text('{"id": "a"}\n')
    with pytest.raises(SourceError, match="a.jsonl.gz: cannot read"):
        read_jsonl(tmp_path / "a.jsonl.gz", pseudonymize)


# ---------------------------------------------------------------- JSON Resume


def resumes(tmp_path: Path, pseudonymize, files: dict[str, str | bytes], **options):
    root = tmp_path / "resumes"
    root.mkdir(exist_ok=True)
    for name, content in files.items():
        data = content if isinstance(content, bytes) else content.encode()
        (root / name).write_bytes(data)
    batch = read_source("jsonresume", root, pseudonymize, **options)
    assert_books_balance(batch)
    return batch, {a.file: a for a in batch.accounting}


FULL_RESUME = {
    "basics": {"name": "Jane Doe", "location": {"countryCode": "CA", "region": "Ontario"}},
    "work": [
        {"position": "Dev", "name": "Acme", "startDate": "2019-01", "endDate": "2021-02"},
        {"position": "Lead", "name": "Beta", "startDate": "2021-03"},
        {"position": "Intern", "name": "Gamma", "startDate": "2017"},
    ],
    "education": [{"institution": "UdeM", "studyType": "BSc", "area": "CS"}, {"institution": "X"}],
    "certificates": [{"name": "AWS SAA", "issuer": "Amazon", "date": "2022-05"}],
    "skills": [{"name": "Cloud", "keywords": ["AWS"]}, {"name": "Data"}],
}


def test_jsonresume_counts_each_entry(tmp_path, pseudonymize) -> None:
    batch, accts = resumes(tmp_path, pseudonymize, {"jane.json": json.dumps(FULL_RESUME)})
    a = accts["jane.json"]
    assert (a.rows_read, a.rows_ingested, a.rows_quarantined) == (9, 9, 0)  # 1 + 3 + 2 + 1 + 2
    assert batch.table("positions").num_rows == 3


def test_jsonresume_bad_entry_is_its_own_row(tmp_path, pseudonymize) -> None:
    resume = {**FULL_RESUME, "work": [*FULL_RESUME["work"], "freelance"]}
    batch, accts = resumes(tmp_path, pseudonymize, {"jane.json": json.dumps(resume)})
    a = accts["jane.json"]
    assert (a.rows_read, a.rows_ingested, a.rows_quarantined) == (10, 9, 1)
    (drop,) = dropped(batch)
    assert drop["field"] == "work[3]"


def test_jsonresume_nulled_fields_are_reported(tmp_path, pseudonymize) -> None:
    resume = {"work": [{"position": "Dev", "startDate": "someday", "endDate": "2019"}]}
    batch, _ = resumes(tmp_path, pseudonymize, {"a.json": json.dumps(resume)})
    (note,) = nulled(batch)
    assert (note["file"], note["field"]) == ("a.json", "work[0].startDate")


def test_jsonresume_end_before_start(tmp_path, pseudonymize) -> None:
    resume = {"work": [{"position": "Dev", "startDate": "2020-01-01", "endDate": "2019-12-31"}]}
    batch, _ = resumes(tmp_path, pseudonymize, {"a.json": json.dumps(resume)})
    (note,) = nulled(batch)
    assert note["reason"].startswith("date order")


RESUME_DROPS = {
    "top_level_array": ("[]", "not a JSON object: got list"),
    "top_level_string": ('"resume"', "not a JSON object: got str"),
    "invalid_json": ('{"basics": ', "invalid JSON"),
    "nesting_100k_deep": ("[" * 100_000 + "]" * 100_000, "invalid JSON"),
    "integer_of_5000_digits": ('{"n": ' + "9" * 5000 + "}", "invalid JSON"),
    "empty_file": ("", "invalid JSON"),
}


@pytest.mark.parametrize("case", sorted(RESUME_DROPS))
def test_an_unreadable_resume_in_a_folder_is_one_row(tmp_path, pseudonymize, case) -> None:
    content, reason = RESUME_DROPS[case]
    files = {"good.json": json.dumps(FULL_RESUME), "bad.json": content}
    batch, accts = resumes(tmp_path, pseudonymize, files)
    bad = accts["bad.json"]
    assert (bad.rows_read, bad.rows_quarantined) == (1, 1)
    (drop,) = dropped(batch)
    assert reason in drop["reason"]
    assert accts["good.json"].rows_ingested == 9


def test_an_unreadable_single_resume_is_one_line_error(tmp_path, pseudonymize) -> None:
    path = tmp_path / "cv.json"
    path.write_text("[]")
    with pytest.raises(SourceError, match="cv.json: not a JSON Resume file"):
        read_source("jsonresume", path, pseudonymize)


def test_a_resume_over_the_size_cap_is_quarantined(tmp_path, pseudonymize) -> None:
    big = {**FULL_RESUME, "summary": "x" * 5000}
    files = {"big.json": json.dumps(big), "small.json": json.dumps({"skills": ["SQL"]})}
    batch, accts = resumes(tmp_path, pseudonymize, files, max_file_bytes=2000)
    assert accts["big.json"].rows_quarantined == 1
    assert "file too large" in dropped(batch)[0]["reason"]


def test_resumes_past_the_cap_are_skipped(tmp_path, pseudonymize) -> None:
    files = {f"{i}.json": "{}" for i in range(4)}
    batch, accts = resumes(tmp_path, pseudonymize, files, max_records=1)
    assert sum(a.rows_skipped for a in accts.values()) == 3
    assert batch.table("persons").num_rows == 1


def test_a_utf16_resume_is_read(tmp_path, pseudonymize) -> None:
    data = json.dumps({"work": [{"position": "Développeuse"}]}).encode("utf-16")
    batch, _ = resumes(tmp_path, pseudonymize, {"a.json": data})
    assert column(batch, "positions", "title") == ["Développeuse"]


@pytest.mark.parametrize(
    "case,resume",
    [
        ("basics_is_string", {"basics": "Jane"}),
        ("location_is_list", {"basics": {"location": ["Toronto"]}}),
        ("keywords_not_a_list", {"skills": [{"name": "Data", "keywords": "SQL"}]}),
        ("work_is_object", {"work": {"position": "Dev"}}),
        ("empty_object", {}),
    ],
)
def test_resume_shapes_of_the_wrong_type_never_crash(tmp_path, pseudonymize, case, resume) -> None:
    batch = read_jsonresume(_write(tmp_path / "a.json", resume), pseudonymize)
    assert_books_balance(batch)
    assert batch.table("persons").num_rows == 1


def _write(path: Path, resume: dict) -> Path:
    path.write_text(json.dumps(resume))
    return path


def test_caps_come_from_the_study_configuration(tmp_path: Path) -> None:
    """`ingest:` caps reach the JSON readers: a tight line cap quarantines a long line."""
    from microcred.config import StudyConfig
    from microcred.limits import IngestConfig

    f = tmp_path / "p.jsonl"
    long_title = "x" * 5000
    f.write_text(
        '{"id": "a", "experience": [{"title": "Data scientist"}]}\n'
        f'{{"id": "b", "experience": [{{"title": "{long_title}"}}]}}\n',
        encoding="utf-8",
    )
    cfg = StudyConfig(ingest=IngestConfig(max_line_bytes=1000, max_persons=5))
    options = {k: v for k, v in cfg.ingest.options_for("jsonl").items() if k != "settings"}
    batch = read_source("jsonl", f, Pseudonymizer(b"k" * 32), **options)
    batch.check_accounting()
    assert batch.table("persons").num_rows == 1
    reasons = batch.table("quarantine").column("reason").to_pylist()
    assert any("1000" in r or "line" in r for r in reasons)
    assert cfg.ingest.options_for("parquet")["max_records"] == cfg.ingest.max_table_rows
