"""Population margins parse back as Statistics Canada full-table CSVs and add up."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict

HEAD = ["REF_DATE", "GEO", "DGUID"]
TAIL = [
    "UOM",
    "UOM_ID",
    "SCALAR_FACTOR",
    "SCALAR_ID",
    "VECTOR",
    "COORDINATE",
    "VALUE",
    "STATUS",
    "SYMBOL",
    "TERMINATED",
    "DECIMALS",
]


def _rows(path):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_occupation_by_geography_adds_up(written):
    rows = _rows(written.margins_dir / "98100404.csv")
    cols = list(rows[0])
    assert cols[:3] == HEAD and cols[-11:] == TAIL
    occ_col = cols[3]
    assert occ_col.startswith(
        "Occupation - Unit group - National Occupational Classification (NOC) 2021 ("
    )
    by_geo = defaultdict(dict)
    for r in rows:
        by_geo[r["GEO"]][r[occ_col]] = int(r["VALUE"])
        assert r["UOM"] == "Number" and r["REF_DATE"] == "2021"
    assert {"Canada", "Ontario", "Quebec", "British Columbia"} <= set(by_geo)
    assert next(r["DGUID"] for r in rows if r["GEO"] == "Ontario") == "2021A000235"
    total = "Total - Occupation - Unit group - National Occupational Classification (NOC) 2021"
    for geo, cells in by_geo.items():
        assert cells[total] == sum(v for k, v in cells.items() if k != total), geo
    provinces = [g for g in by_geo if g != "Canada"]
    for occ in by_geo["Canada"]:
        assert by_geo["Canada"][occ] == sum(by_geo[g][occ] for g in provinces)
    assert "21211 Data scientists" in by_geo["Canada"]
    coords = [r["COORDINATE"] for r in rows]
    assert len(set(coords)) == len(coords)


def test_education_table_agrees_with_occupation_table(written):
    occ_rows = _rows(written.margins_dir / "98100404.csv")
    edu_rows = _rows(written.margins_dir / "98100412.csv")
    cols = list(edu_rows[0])
    edu_col, occ_col = cols[3], cols[4]
    assert edu_col.startswith("Highest certificate, diploma or degree (")
    occ_col1 = list(occ_rows[0])[3]
    want = {(r["GEO"], r[occ_col1]): int(r["VALUE"]) for r in occ_rows}
    totals = defaultdict(int)
    for r in edu_rows:
        if r[edu_col] != "Total - Highest certificate, diploma or degree":
            totals[(r["GEO"], r[occ_col])] += int(r["VALUE"])
    assert totals == want
    got_total = {
        (r["GEO"], r[occ_col]): int(r["VALUE"]) for r in edu_rows if r[edu_col].startswith("Total")
    }
    assert got_total == want


def test_metadata_and_zip(written):
    meta = (written.margins_dir / "98100404_MetaData.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(meta)))
    assert rows[0][:2] == ["Cube Title", "Product Id"] and rows[1][1] == "98100404"
    assert any(r[:2] == ["1", "Ontario"] for r in rows)
    assert "SYNTHETIC" in meta
    with zipfile.ZipFile(written.margins_dir / "98100404-eng.zip") as zf:
        assert sorted(zf.namelist()) == ["98100404.csv", "98100404_MetaData.csv"]
        assert zf.read("98100404.csv") == (written.margins_dir / "98100404.csv").read_bytes()


def test_sample_over_represents_relative_to_population(cohort, written):
    rows = _rows(written.margins_dir / "98100404.csv")
    occ_col = list(rows[0])[3]
    canada = {r[occ_col]: int(r["VALUE"]) for r in rows if r["GEO"] == "Canada"}
    pop_share = (
        canada["21211 Data scientists"]
        / canada[
            "Total - Occupation - Unit group - National Occupational Classification (NOC) 2021"
        ]
    )
    tp = cohort.truth["persons"].to_pandas()
    sample_share = (tp.true_noc2021 == "21211").mean()
    assert sample_share > 2 * pop_share
    # design weights recover the population share
    w = tp.design_weight
    assert abs((w * (tp.true_noc2021 == "21211")).sum() / w.sum() - pop_share) < 0.01
