"""Linked-table disclosure control and the audit: no suppressed cell is a subtraction away
from another table, and a deliberately leaky table is caught by name."""

from __future__ import annotations

import json
import math

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from microcred.analysis.frame import ALL_GROUPS
from microcred.analysis.result import AnalysisTable, CellSet
from microcred.cli import app
from microcred.config import StudyConfig
from microcred.release import release_tables
from microcred.release.audit import audit_release, audit_tables
from microcred.release.linked import DisclosureAuditError

CFG = StudyConfig()  # Data scientists: 21211; Software professionals: 21230/21231/21232/21234
SOFTWARE = ["21230", "21231", "21232", "21234"]
# holders per NOC: 21230 has 3 (a small cell); group and all-groups totals are published
NOC_HOLDERS = {"21211": 40, "21230": 3, "21231": 55, "21232": 61, "21234": 48}
NOC_N = {"21211": 400, "21230": 90, "21231": 500, "21232": 610, "21234": 480}


def _share_cells(occupation: str) -> dict[str, CellSet]:
    return {
        "n": CellSet({"occupation": occupation}),
        "holders": CellSet({"occupation": occupation, "holds:{definition}": "yes"}),
    }


def _by_noc() -> AnalysisTable:
    df = pd.DataFrame(
        {
            "definition": "broad",
            "noc2021": list(NOC_HOLDERS),
            "n": list(NOC_N.values()),
            "holders": list(NOC_HOLDERS.values()),
        }
    )
    df["share"] = df.holders / df.n
    return AnalysisTable(
        "uptake_by_noc", "t", "uptake", "m", df, ["n", "holders"],
        {"share": ["n", "holders"]}, ["definition", "noc2021"], cells=_share_cells("{noc2021}"),
    )  # fmt: skip


def _by_group() -> AnalysisTable:
    groups = {"Data scientists": ["21211"], "Software professionals": SOFTWARE}
    groups[ALL_GROUPS] = ["21211", *SOFTWARE]
    rows = [
        {
            "definition": "broad",
            "occupation_group": g,
            "n": sum(NOC_N[c] for c in codes),
            "holders": sum(NOC_HOLDERS[c] for c in codes),
        }
        for g, codes in groups.items()
    ]
    df = pd.DataFrame(rows)
    df["share"] = df.holders / df.n
    return AnalysisTable(
        "uptake_by_group", "t", "uptake", "m", df, ["n", "holders"],
        {"share": ["n", "holders"]}, ["definition", "occupation_group"],
        cells=_share_cells("{occupation_group}"),
    )  # fmt: skip


def test_per_table_suppression_alone_leaves_a_subtraction():
    """Why the linked model exists: within uptake_by_noc the small cell gets a partner,
    but the group total in the other table still pins it."""
    from microcred.release.disclosure import protect_table

    noc, _ = protect_table(_by_noc(), min_cell=10)
    data = noc.data
    assert math.isnan(data.loc[1, "holders"])  # 21230 hidden
    software_total = sum(NOC_HOLDERS[c] for c in SOFTWARE)  # published by uptake_by_group
    published = data.holders[data.noc2021.isin(SOFTWARE) & data.holders.notna()].sum()
    assert software_total - published == 3  # any partner sits outside the group


def test_release_protects_across_tables_and_the_audit_agrees(tmp_path):
    res = release_tables([_by_noc(), _by_group()], CFG, tmp_path, seed=1)
    noc = next(t for t in res.tables if t.name == "uptake_by_noc").data
    assert math.isnan(noc.loc[noc.noc2021 == "21230", "holders"].iloc[0])
    assert math.isnan(noc.loc[noc.noc2021 == "21230", "share"].iloc[0])
    result = audit_release(tmp_path / "tables", CFG)
    assert result.failures == []
    (cell,) = [r for r in result.intervals if r.count.row == 1 and r.count.column == "holders"]
    assert cell.width >= CFG.disclosure.protection_absolute
    assert {t["table"] for t in result.tables} == {"uptake_by_group", "uptake_by_noc"}
    report = json.loads((tmp_path / "audit" / "disclosure_audit.json").read_text())
    assert report["recoverable"] == 0 and report["cells_checked"] == len(result.intervals)
    structure = (tmp_path / "tables" / "_structure.json").read_text()
    assert "21230" in structure and "holds:broad" in structure


def _leak(tables_dir, name: str, column: str, row: int, value: float) -> None:
    """Publish a hidden count again, as a careless hand edit of a release would."""
    path = tables_dir / f"{name}.parquet"
    df = pq.read_table(path).to_pandas()
    df.loc[row, column] = value
    df.loc[row, "suppressed"] = ""
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path)


def test_the_audit_names_the_cell_of_a_leaky_table(tmp_path):
    release_tables([_by_noc(), _by_group()], CFG, tmp_path, seed=1)
    tables = tmp_path / "tables"
    noc = pq.read_table(tables / "uptake_by_noc.parquet").to_pandas()
    complements = [i for i in noc.index[noc.holders.isna()] if noc.noc2021[i] != "21230"]
    assert complements  # the release hid a partner for 21230
    for i in complements:  # publishing every partner makes 21230 a subtraction
        code = noc.noc2021[i]
        _leak(tables, "uptake_by_noc", "holders", i, NOC_HOLDERS[code])
    with pytest.raises(
        DisclosureAuditError, match=r"uptake_by_noc\.holders row 2 lies in \[3, 3\]"
    ):
        audit_release(tables, CFG)
    bad = audit_tables(tables).failures
    assert [(r.count.table, r.count.row, r.lower, r.upper) for r in bad] == [
        ("uptake_by_noc", 1, 3.0, 3.0)
    ]


def test_a_copy_of_a_hidden_count_in_another_table_is_a_leak(tmp_path):
    """The same person set published elsewhere (Data scientists = NOC 21211) is caught."""
    noc, group = _by_noc(), _by_group()
    noc.data.loc[0, "holders"] = 4  # 21211 now a small cell ...
    group.data.loc[0, "holders"] = 4  # ... and the same count in the group table
    group.data.loc[2, "holders"] = 4 + 3 + 55 + 61 + 48
    release_tables([noc, group], CFG, tmp_path, seed=1)
    grp = pq.read_table(tmp_path / "tables" / "uptake_by_group.parquet").to_pandas()
    assert math.isnan(grp.holders[0])  # hidden in both tables, not just where it was small
    assert audit_tables(tmp_path / "tables").failures == []
    _leak(tmp_path / "tables", "uptake_by_group", "holders", 0, 4)
    bad = audit_tables(tmp_path / "tables").failures
    assert ("uptake_by_noc", 0) in {(r.count.table, r.count.row) for r in bad}


def test_rounding_method_hides_nothing_and_rounds_copies_alike(tmp_path):
    cfg = StudyConfig.model_validate({"disclosure": {"method": "rounding", "rounding_base": 5}})
    res = release_tables([_by_noc(), _by_group()], cfg, tmp_path, seed=4)
    noc = next(t for t in res.tables if t.name == "uptake_by_noc").data
    grp = next(t for t in res.tables if t.name == "uptake_by_group").data
    assert not noc.holders.isna().any() and (noc.holders % 5 == 0).all()
    # Data scientists is NOC 21211: one count, one rounding
    assert noc.holders[noc.noc2021 == "21211"].iloc[0] == grp.holders[0]
    assert audit_tables(tmp_path / "tables").failures == []


def test_release_audit_command(tmp_path):
    release_tables([_by_noc(), _by_group()], CFG, tmp_path, seed=1)
    runner = CliRunner()
    ok = runner.invoke(app, ["release", "audit", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    assert "none can be worked out" in ok.output
    noc = pq.read_table(tmp_path / "tables" / "uptake_by_noc.parquet").to_pandas()
    for i in noc.index[noc.holders.isna()]:
        if noc.noc2021[i] != "21230":
            _leak(tmp_path / "tables", "uptake_by_noc", "holders", i, NOC_HOLDERS[noc.noc2021[i]])
    bad = runner.invoke(app, ["release", "audit", str(tmp_path)])
    assert bad.exit_code == 1
    assert "uptake_by_noc.holders row 2" in bad.output and "Traceback" not in bad.output
    missing = runner.invoke(app, ["release", "audit", str(tmp_path / "tables" / "..")])
    assert missing.exit_code == 1
    nothing = runner.invoke(app, ["release", "audit", str(tmp_path / "audit")])
    assert nothing.exit_code == 2 and "_structure.json" in nothing.output
