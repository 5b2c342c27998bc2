"""The codebook and release.xlsx of a whole run cover every released table and column."""

from __future__ import annotations

import pandas as pd
from e2e_support import DemoRun
from python_calamine import CalamineWorkbook

from microcred.tabular import read_table


def test_codebook_covers_every_released_column(demo_run: DemoRun) -> None:
    out = demo_run.result.out_dir
    releases = demo_run.result.manifest["releases"]
    released = {(e["table"], c) for e in releases for c in e["columns"]}
    codebook = pd.read_csv(out / "tables" / "codebook.csv", encoding="utf-8-sig", dtype=str)
    described = codebook.dropna(subset=["definition", "unit", "universe", "suppression"])
    assert released == set(zip(described["table"], described["column"], strict=True))
    assert len(codebook) == len(released)
    counts = codebook[codebook.role == "count"]
    assert set(counts.type) == {"integer"} and counts.suppression.str.contains("fewer than").all()


def test_workbook_has_a_readme_the_codebook_and_every_table(demo_run: DemoRun) -> None:
    out = demo_run.result.out_dir
    tables = sorted(e["table"] for e in demo_run.result.manifest["releases"])
    book = CalamineWorkbook.from_path(str(out / "release.xlsx"))
    assert book.sheet_names[:2] == ["README", "codebook"]
    assert book.sheet_names[2:] == [t[:31] for t in tables]
    uptake = read_table(out / "release.xlsx", sheet="uptake_by_group")
    csv = pd.read_csv(out / "tables" / "uptake_by_group.csv", encoding="utf-8-sig", dtype=str)
    assert uptake["holders"].to_pylist() == [None if pd.isna(v) else v for v in csv["holders"]]
    assert not any(v and v.endswith(".0") for v in csv["holders"].dropna())
