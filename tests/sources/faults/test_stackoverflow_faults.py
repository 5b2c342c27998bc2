"""Named fault cases for the Stack Overflow survey CSV: one response is one row, always counted."""

from __future__ import annotations

from pathlib import Path

import pytest
from door_checks import assert_books_balance, dropped, nulled

from microcred.sources import SourceError, read_source

HEADER = "ResponseId,Age,EdLevel,Employment,WorkExp,LearnCode,YearsCode,DevType,Country,Industry"
GOOD = "1,25-34 years old,NA,Employed,6,Books,7,Data scientist,Canada,Fintech"


def survey(tmp_path: Path, pseudonymize, rows: list[str], header: str = HEADER):
    path = tmp_path / "survey_results_public.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    batch = read_source("stackoverflow", path, pseudonymize)
    assert_books_balance(batch)
    (acct,) = batch.accounting
    return batch, (acct.rows_read, acct.rows_ingested, acct.rows_quarantined)


SO_DROPS = {
    "duplicate_response_id": (
        "1,35-44 years old,NA,Employed,3,NA,3,Student,Canada,NA",
        "duplicate",
    ),
    "missing_response_id": (",35-44 years old,NA,Employed,3,NA,3,Student,Canada,NA", "missing"),
    "blank_response_id": ("   ,35-44 years old,NA,Employed,3,NA,3,Student,Canada,NA", "missing"),
}


@pytest.mark.parametrize("case", sorted(SO_DROPS))
def test_a_response_without_a_usable_id_is_quarantined(tmp_path, pseudonymize, case) -> None:
    row, why = SO_DROPS[case]
    batch, counts = survey(tmp_path, pseudonymize, [GOOD, row])
    assert counts == (2, 1, 1)
    (drop,) = dropped(batch)
    assert drop["row"] == 2 and why in drop["reason"]


@pytest.mark.parametrize(
    "case,years_code",
    [("years_text", "ten"), ("years_negative", "-3"), ("years_huge_exponent", "1e400")],
)
def test_unreadable_years_are_nulled_and_the_response_kept(
    tmp_path, pseudonymize, case, years_code
) -> None:
    row = f"2,25-34 years old,NA,Employed,6,Books,{years_code},Student,Canada,NA"
    batch, counts = survey(tmp_path, pseudonymize, [GOOD, row])
    assert counts == (2, 2, 0)
    (note,) = nulled(batch)
    assert note["field"] == "YearsCode" and note["reason"].startswith("not a number of years")


def test_a_short_row_is_read_with_what_it_has(tmp_path, pseudonymize) -> None:
    batch, counts = survey(tmp_path, pseudonymize, [GOOD, "2,25-34 years old"])
    assert sum(counts[1:]) == counts[0] == 2


def test_no_response_id_column_is_one_line(tmp_path, pseudonymize) -> None:
    path = tmp_path / "survey_results_public.csv"
    path.write_text("Age,Country\n25,Canada\n")
    with pytest.raises(SourceError, match="no ResponseId column"):
        read_source("stackoverflow", path, pseudonymize)


def test_an_empty_folder_is_one_line(tmp_path, pseudonymize) -> None:
    with pytest.raises(SourceError, match="no survey_results_public"):
        read_source("stackoverflow", tmp_path, pseudonymize)


def test_a_header_only_file_reads_nothing(tmp_path, pseudonymize) -> None:
    _, counts = survey(tmp_path, pseudonymize, [])
    assert counts == (0, 0, 0)
