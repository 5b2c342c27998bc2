"""release_tables: the only way out — protected, marked released, written byte-identically."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from microcred.analysis.result import AnalysisTable
from microcred.config import StudyConfig
from microcred.release import release_tables, write_table


def _tables() -> list[AnalysisTable]:
    df = pd.DataFrame(
        {
            "occupation": ["Data scientists"] * 3 + ["Software professionals"] * 3,
            "province": ["ON", "QC", "Total"] * 2,
            "holders": [4, 31, 35, 120, 77, 197],
            "n": [140, 90, 230, 3100, 1800, 4900],
        }
    )
    df["share"] = df.holders / df.n
    df["upper"] = df.share + 1 / 3  # a float with many digits
    uptake = AnalysisTable(
        "uptake_by_province", "Uptake", "uptake", "m", df, ["holders", "n"],
        {"share": ["holders", "n"], "upper": ["holders", "n"]}, ["occupation", "province"],
    )  # fmt: skip
    diag = AnalysisTable(
        "weighting_diagnostics", "Diag", "weighting", "m",
        pd.DataFrame({"statistic": ["ess", "deff"], "value": [812.25, 1.4]}), [], {}, ["statistic"],
    )  # fmt: skip
    return [uptake, diag]


def test_release_is_deterministic_and_protective(tmp_path):
    cfg = StudyConfig.model_validate({"disclosure": {"rounding_base": 5}})
    a = release_tables(_tables(), cfg, tmp_path / "a", seed=3)
    b = release_tables(_tables(), cfg, tmp_path / "b", seed=3)
    files = sorted(
        p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    assert [str(f) for f in files] == [
        "tables/_structure.json",  # the linkage the disclosure audit reads
        "tables/uptake_by_province.csv",
        "tables/uptake_by_province.parquet",
        "tables/weighting_diagnostics.csv",
        "tables/weighting_diagnostics.parquet",
    ]
    for f in files:
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()
    assert a.manifest_entries == b.manifest_entries
    entry = next(e for e in a.manifest_entries if e["table"] == "uptake_by_province")
    digest = hashlib.sha256((tmp_path / "a" / files[1]).read_bytes()).hexdigest()
    assert entry["files"]["tables/uptake_by_province.csv"] == digest
    assert entry["primary_suppressed"] == 1 and entry["complementary_suppressed"] >= 3
    assert all(t.released for t in a.tables)
    up = next(t for t in a.tables if t.name == "uptake_by_province").data
    ds_on = up[(up.occupation == "Data scientists") & (up.province == "ON")].iloc[0]
    assert np.isnan(ds_on.holders) and np.isnan(ds_on.share) and "holders" in ds_on.suppressed
    assert (up.holders.dropna() % 5 == 0).all()
    text = (tmp_path / "a" / "tables" / "uptake_by_province.csv").read_text()
    sw_total = 197 / 4900 + 1 / 3
    assert f",{sw_total:.10g}," in text and f"{sw_total:.12g}" not in text  # stable %.10g
    assert a.privacy["dp"] == {"enabled": False}
    assert a.privacy["disclosure"]["min_cell"] == 10


def test_unreleased_tables_are_not_written(tmp_path):
    with pytest.raises(ValueError, match="has not been through release"):
        write_table(_tables()[0], tmp_path)


def test_duplicate_names_refused(tmp_path):
    t = _tables()
    with pytest.raises(ValueError, match="unique"):
        release_tables([t[0], t[0]], StudyConfig(), tmp_path, seed=1)


def test_tables_folder_can_be_given_directly(tmp_path):
    res = release_tables(_tables(), StudyConfig(), tmp_path / "tables", seed=1)
    assert (tmp_path / "tables" / "uptake_by_province.csv").exists()
    assert not (tmp_path / "tables" / "tables").exists()
    assert "tables/uptake_by_province.csv" in res.manifest_entries[0]["files"]
