"""Statistics Canada reader, label mapping, margins and the WDS download (local server)."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from microcred.sources.statcan import (
    StatCanDownloadError,
    StatCanError,
    download_table,
    load_margins,
    map_age,
    map_education,
    map_geography,
    map_noc,
    margins_from_table,
    product_id,
    read_statcan_table,
)

FIX = Path(__file__).parent / "fixtures"


def test_label_mapping():
    assert map_noc("21211 Data scientists") == ("21211", "unit_group", False)
    assert map_noc("Data scientists [21211]") == ("21211", "unit_group", False)
    assert map_noc("2121 Mathematicians, statisticians, actuaries and data scientists")[2] is True
    assert map_noc(
        "Total - Occupation - Unit group - National Occupational Classification (NOC) 2021"
    )[2]
    assert map_noc("Professional occupations in natural and applied sciences [21]") == (
        "21",
        "major",
        True,
    )
    assert map_education("Bachelor's degree") == ("bachelor", False)
    assert map_education("College, CEGEP or other non-university certificate or diploma") == (
        "college",
        False,
    )
    assert map_education("Master's degree") == ("master", False)
    assert map_education("Earned doctorate") == ("doctorate", False)
    assert map_education("Bachelor's degree or higher") == (None, True)
    assert map_education("Something new") == (None, False)  # unknown, never guessed
    assert map_age("25 to 34 years") == ("25-34", (25, 35))
    assert map_age("65 years and over")[0] == "65+"
    assert map_geography("Ontario", "2021A000235") == ("ON", "province")
    assert map_geography("Canada", "2021A000011124") == ("CA", "canada")
    assert map_geography("Québec", "") == ("QC", "province")
    assert map_geography("Toronto (CMA), Ontario", "2021S0503535") == (None, "other")
    assert product_id("98-10-0404-01") == "98100404"
    with pytest.raises(ValueError):
        product_id("98-10")


def test_read_standard_layout_with_metadata():
    t = read_statcan_table(FIX / "98100404.csv")
    assert t.attrs["title"].startswith("Fixture in the layout of table 98-10-0404-01")
    assert {"noc2021", "education_level", "age_band", "province", "value"} <= set(t.columns)
    assert set(t.province.dropna()) == {"CA", "ON", "QC", "BC"}
    ds = t[
        (t.noc2021 == "21211") & t.education_level_total & t.age_band_total & (t.province == "ON")
    ]
    assert len(ds) == 1 and ds.value.iloc[0] > 0
    # aggregates: "25 to 64 years" contains the finer bands; "Bachelor's degree or higher" too
    assert t[t.age_band == "25-64"].age_band_aggregate.all()
    assert not (
        t[t.age_band == "25-54"].age_band_aggregate | t[t.age_band == "25-54"].age_band_total
    ).any()
    bhigher = t[t.education_level_label == "Bachelor's degree or higher"]
    assert bhigher.education_level_aggregate.all() and not bhigher.education_level_total.any()
    assert t[t.noc2021 == "2121"].noc2021_aggregate.all()
    # Statistics Canada's own suppression: no value, status x
    sup = t[t.status == "x"]
    assert len(sup) == 1 and np.isnan(sup.value.iloc[0])


def test_margins_are_consistent_with_published_totals():
    t = read_statcan_table(FIX / "98100404.csv")
    m = margins_from_table(t, ["noc2021", "province"])
    assert list(m.columns) == ["noc2021", "province", "population"]
    assert set(m.noc2021) == {"21211", "21231"} and set(m.province) == {"BC", "ON", "QC"}
    canada = t[(t.geo_level == "canada") & t.education_level_total & t.age_band_total]
    for code in ("21211", "21231"):
        want = canada[canada.noc2021 == code].value.iloc[0]
        assert m[m.noc2021 == code].population.sum() == want  # provinces add up to Canada
    e = margins_from_table(t, ["education_level"], filters={"noc2021": ["21211", "21231"]})
    assert list(e.education_level) == ["bachelor", "doctorate", "master", "no_postsecondary"]
    assert e.population.sum() <= canada[canada.noc2021.isin(["21211", "21231"])].value.sum()
    with pytest.raises(KeyError, match="gender"):
        margins_from_table(t, ["gender"])
    with pytest.raises(ValueError, match="no rows give a margin"):
        margins_from_table(t, ["noc2021"], filters={"noc2021": ["99999"]})


def test_census_pivot_layout_is_melted():
    t = read_statcan_table(FIX / "98100412.csv")
    assert set(t.gender.dropna()) == {"man", "woman"}
    assert len(t) == 12 * 3
    tot = t[t.gender_total].set_index(["geo", "education_level_label", "noc2021"]).value
    parts = t[~t.gender_total].groupby(["geo", "education_level_label", "noc2021"]).value.sum()
    pd.testing.assert_series_equal(tot.sort_index(), parts.sort_index(), check_names=False)
    assert (t.status == "E").sum() == 1


def test_lfs_scaling_and_latest_reference_date():
    t = read_statcan_table(FIX / "14100416.csv")
    canada_total = t[
        (t.ref_date == "2025")
        & (t.geo == "Canada")
        & t.noc2021_total
        & (t.noc2021_label.str.startswith("Total"))
    ]
    assert canada_total.value.iloc[0] == pytest.approx(21920.7 * 1000)
    assert set(t.noc2021.dropna()) == {"21"}


def test_bad_row_names_file_and_row(tmp_path):
    bad = tmp_path / "bad.csv"
    text = (FIX / "14100416.csv").read_text(encoding="utf-8-sig").splitlines()
    text[3] = text[3].rsplit(",", 2)[0]  # drop two fields
    bad.write_text("\n".join(text), encoding="utf-8")
    with pytest.raises(StatCanError, match=r"bad.csv: row 4 has"):
        read_statcan_table(bad)


# ---- download through a local Web Data Service -------------------------------------------------


def _make_zip(folder: Path) -> Path:
    z = folder / "98100404-eng.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.write(FIX / "98100404.csv", "98100404.csv")
        zf.write(FIX / "98100404_MetaData.csv", "98100404_MetaData.csv")
    return z


@pytest.fixture
def wds(tmp_path):
    """A local stand-in for the WDS: the JSON endpoint and the zip it points to."""
    served = tmp_path / "served"
    served.mkdir()
    zpath = _make_zip(served)
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            if self.path == "/t1/wds/rest/getFullTableDownloadCSV/98100404/en":
                body = json.dumps(
                    {"status": "SUCCESS", "object": f"{base}/n1/tbl/csv/98100404-eng.zip"}
                ).encode()
                ctype = "application/json"
            elif self.path == "/n1/tbl/csv/98100404-eng.zip":
                body, ctype = zpath.read_bytes(), "application/zip"
            else:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"{base}/t1/wds/rest", hits
    server.shutdown()
    server.server_close()


def test_download_caches_and_records_checksums(tmp_path, wds):
    base_url, hits = wds
    cache = tmp_path / "cache"
    first = download_table("98-10-0404-01", cache, base_url=base_url)
    assert not first.from_cache and first.zip_path.exists()
    side = json.loads((cache / "98-10-0404-01" / "download.json").read_text())
    assert side["checksums"]["98100404.csv"] == first.checksums["98100404.csv"]
    assert len(side["checksums"]["98100404-eng.zip"]) == 64
    n_hits = len(hits)
    again = download_table("98-10-0404-01", cache, base_url=base_url)
    assert again.from_cache and len(hits) == n_hits  # no network on a cache hit
    table = read_statcan_table(again.zip_path)
    assert table.attrs["title"].startswith("Fixture")
    # a corrupted cached file is fetched again
    first.zip_path.write_bytes(b"corrupt")
    fixed = download_table("98-10-0404-01", cache, base_url=base_url)
    assert not fixed.from_cache and len(hits) > n_hits


def test_download_offline_is_a_clear_error(tmp_path):
    with pytest.raises(StatCanDownloadError, match="Are you offline"):
        download_table("98-10-0404-01", tmp_path, base_url="http://127.0.0.1:9/none", timeout=2)


def test_cli_statcan_command(tmp_path, wds):
    import microcred.commands.statcan  # noqa: F401  (registers the command; the full CLI is slow to import)
    from microcred.cli_app import app

    base_url, _ = wds
    result = CliRunner().invoke(
        app,
        ["data", "statcan", "98-10-0404-01", "--cache-dir", str(tmp_path), "--base-url", base_url],
    )
    assert result.exit_code == 0, result.output
    assert "98100404" in result.output
    assert (tmp_path / "98-10-0404-01" / "download.json").exists()
    shutil.rmtree(tmp_path / "98-10-0404-01")
    offline = CliRunner().invoke(
        app,
        [
            "data",
            "statcan",
            "98-10-0404-01",
            "--cache-dir",
            str(tmp_path),
            "--base-url",
            "http://127.0.0.1:9/x",
        ],
    )
    assert offline.exit_code != 0


def test_load_margins_picks_a_table_per_margin(tmp_path):
    for name in ("98100404.csv", "98100404_MetaData.csv", "98100412.csv"):
        shutil.copy(FIX / name, tmp_path / name)
    got = load_margins(
        tmp_path, [["noc2021", "province"], ["education_level"]], filters={"noc2021": ["21211"]}
    )
    assert list(got) == [("noc2021", "province"), ("education_level",)]
    # the first table (98100404) has education too; filtered to data scientists there
    t = read_statcan_table(FIX / "98100404.csv")
    want = margins_from_table(t, ["education_level"], filters={"noc2021": ["21211"]})
    pd.testing.assert_frame_equal(got[("education_level",)], want)
    with pytest.raises(KeyError, match="labour"):
        load_margins(tmp_path, [["labour_force_status"]])
