"""The disclosure audit on whole pipeline runs: nothing suppressed can be worked out.

The shared demo run (3,000 profiles) and one small cohort (250 profiles, where small
cells abound) are audited from their written files; bench/disclosure_audit.py does the
same for twenty cohorts of 200-5,000 profiles.
"""

from __future__ import annotations

import json

from e2e_support import E2E_SEED, DemoRun, run_options

from microcred import synth
from microcred.datadir import DataDir
from microcred.pipeline import run
from microcred.release.audit import audit_tables


def _check(run_dir, restricted_dir) -> None:
    result = audit_tables(run_dir / "tables")
    assert result.failures == []
    checked = {t["table"] for t in result.tables if t["counts"]}
    assert {"uptake_by_noc", "uptake_by_group", "holders_vs_non_holders"} <= checked
    assert sum(t["suppressed"] for t in result.tables) > 0  # the audit had work to do
    # the run's own audit report describes suppressed cells: it stays in the restricted folder
    assert not (run_dir / "audit").exists()
    report = json.loads((restricted_dir / "audit" / "disclosure_audit.json").read_text())
    assert report["recoverable"] == 0 and report["cells_checked"] == len(result.intervals)
    # every hidden cell either has a wide interval or is provably not a small cell
    for r in result.intervals:
        assert r.width >= r.required - 1e-6 or r.lower >= r.min_cell - 1e-6


def test_demo_release_has_no_recoverable_cell(demo_run: DemoRun) -> None:
    _check(demo_run.result.out_dir, demo_run.result.restricted_dir)


def test_small_cohort_release_has_no_recoverable_cell(tmp_path) -> None:
    cohort = synth.generate(250, seed=E2E_SEED + 1, data_dir=DataDir())
    written = synth.write(cohort, "parquet", tmp_path / "input")
    res = run(run_options(written, tmp_path / "run", cohort))
    _check(res.out_dir, res.restricted_dir)
    structure = (res.out_dir / "tables" / "_structure.json").read_text()
    for planted in run_options(written, tmp_path / "x", cohort).planted:
        assert planted not in structure
