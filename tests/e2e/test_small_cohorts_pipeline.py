"""The whole study runs to a report on synthetic cohorts of 1, 10 and 100 profiles."""

from __future__ import annotations

import pandas as pd
import pytest

from microcred.analysis.estimability import STATUS_COLUMN, STATUS_VALUES
from microcred.datadir import DataDir
from microcred.demo import run_demo


@pytest.mark.parametrize("profiles", [1, 10, 100])
def test_a_tiny_cohort_runs_to_a_report_with_not_estimable_rows_where_due(profiles, tmp_path):
    result = run_demo(
        profiles=profiles, out=tmp_path, seed=profiles, data_dir=DataDir(), quiet=True
    )
    assert result.report_path is not None and result.report_path.is_file()
    rows = result.manifest["rows"]
    assert rows["read"] == rows["ingested"] + rows["quarantined"] + rows["skipped"]
    statuses: set[str] = set()
    carried = 0
    for path in sorted((result.out_dir / "tables").glob("*.parquet")):
        df = pd.read_parquet(path)
        if STATUS_COLUMN in df:
            carried += 1
            shown = set(df[STATUS_COLUMN].dropna())  # a hidden status is a suppressed cell
            assert shown <= set(STATUS_VALUES), path.name
            statuses |= shown
    assert carried, "no table carries a status column"
    # a status built on hidden counts is hidden too; the tiniest cohorts show "not estimable"
    assert statuses or profiles >= 100
    not_estimable = {s for s in statuses if s.startswith("not estimable")}
    if profiles == 1:  # one person leaves most comparisons without data
        assert not_estimable
    html = result.report_path.read_text(encoding="utf-8")
    assert all(s in html for s in not_estimable)
