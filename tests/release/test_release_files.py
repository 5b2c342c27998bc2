"""Release files for people: integer counts, Excel-safe CSVs, the codebook and release.xlsx."""

from __future__ import annotations

import codecs

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook

from microcred.analysis.result import AnalysisTable
from microcred.config import StudyConfig
from microcred.release import release_tables
from microcred.release.codebook import codebook_records
from microcred.release.workbook import sheet_names, write_release_files
from microcred.tabular import read_table


def _uptake() -> AnalysisTable:
    df = pd.DataFrame(
        {
            "occupation_group": ["Data scientists", "Software professionals", "Total"],
            "province": ["QC", "QC", "QC"],
            "n": [140, 3100, 3240],
            "holders": [4, 120, 124],
            "share": [4 / 140, 120 / 3100, 124 / 3240],
        }
    )
    return AnalysisTable(
        "uptake_by_group", "Uptake", "uptake", "m", df, ["n", "holders"],
        {"share": ["n", "holders"]}, ["occupation_group", "province"],
    )  # fmt: skip


def _long_named() -> AnalysisTable:
    df = pd.DataFrame({"noc2021": ["21211", "21232"], "sample_n": [30, 50], "target": [1.5, 2.5]})
    return AnalysisTable(
        "weighting_margin_noc2021_province_extra", "Margin", "weighting", "m", df,
        ["sample_n"], {}, ["noc2021"],
    )  # fmt: skip


@pytest.fixture
def released(tmp_path):
    cfg = StudyConfig()
    result = release_tables([_uptake(), _long_named()], cfg, tmp_path / "run" / "tables", seed=1)
    return cfg, result.tables, tmp_path / "run"


def test_counts_are_integers_and_csvs_open_in_excel(released) -> None:
    _cfg, _tables, run = released
    raw = (run / "tables" / "uptake_by_group.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "occupation_group,province,n,holders,share,suppressed"
    # 4 holders is below the minimum cell: blank, with the suppressed column saying so
    assert lines[1].startswith("Data scientists,QC,140,,,")
    assert "holders" in lines[1].rsplit(",", 1)[1]
    # published counts are whole numbers (which cells are complements is disclosure's choice)
    holders = [line.split(",")[3] for line in lines[1:]]
    assert any(h.isdigit() for h in holders) and all(h.isdigit() or h == "" for h in holders)
    assert ".0," not in raw.decode("utf-8-sig")
    parquet = read_table(run / "tables" / "uptake_by_group.parquet")
    assert [str(v) if v is not None else "" for v in parquet["holders"].to_pylist()] == holders


def test_codebook_describes_every_column_with_its_rule(released) -> None:
    cfg, tables, _run = released
    records = codebook_records(tables, cfg.disclosure.min_cell)
    by = {(r["table"], r["column"]): r for r in records}
    assert set(by) == {(t.name, str(c)) for t in tables for c in t.data.columns}
    holders = by[("uptake_by_group", "holders")]
    assert holders["role"] == "count" and holders["type"] == "integer"
    assert holders["unit"] == "persons" and "fewer than 10 people" in holders["suppression"]
    share = by[("uptake_by_group", "share")]
    assert share["role"] == "derived" and "n, holders" in share["suppression"]
    assert by[("uptake_by_group", "province")]["suppression"] == "Never suppressed."
    assert by[("uptake_by_group", "suppressed")]["role"] == "status"
    assert all(r["definition"] and r["universe"] for r in records)


def test_release_files_are_written_and_deterministic(released, tmp_path) -> None:
    cfg, tables, run = released
    records, paths = write_release_files(tables, cfg, run)
    assert [p.relative_to(run).as_posix() for p in paths] == ["tables/codebook.csv", "release.xlsx"]
    codebook = pd.read_csv(run / "tables" / "codebook.csv", encoding="utf-8-sig")
    assert len(codebook) == len(records)
    book = CalamineWorkbook.from_path(str(run / "release.xlsx"))
    assert book.sheet_names == [
        "README",
        "codebook",
        "uptake_by_group",
        "weighting_margin_noc2021_provin",  # Excel's 31 characters
    ]
    readme = read_table(run / "release.xlsx", sheet="README").to_pylist()
    assert any("weighting_margin_noc2021_province_extra" in r["text"] for r in readme)
    sheet = read_table(run / "release.xlsx", sheet="weighting_margin_noc2021_provin")
    assert sheet["noc2021"].to_pylist() == ["21211", "21232"]
    assert sheet["sample_n"].to_pylist() == ["30", "50"]
    first = (run / "release.xlsx").read_bytes()
    write_release_files(tables, cfg, run)
    assert (run / "release.xlsx").read_bytes() == first


def test_unreleased_tables_are_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match="not been through release"):
        write_release_files([_uptake()], StudyConfig(), tmp_path)


def test_sheet_names_are_unique_and_short() -> None:
    names = ["a" * 40, "a" * 35, "README", "b"]
    sheets = sheet_names(names)
    assert len(set(sheets.values())) == 4 and all(len(s) <= 31 for s in sheets.values())
    assert sheets["README"] != "README"
