"""A whole run in DP mode: only the plan's tables leave it, the manifest, report and log carry
no count outside the budget, and a second run on the same input is refused by the ledger."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from e2e_support import run_options

from microcred import synth
from microcred.config import StudyConfig
from microcred.datadir import DataDir
from microcred.pipeline import run
from microcred.release.dp_ledger import LedgerExhaustedError


def test_dp_run_publishes_only_what_the_budget_paid_for(tmp_path):
    cohort = synth.generate(400, seed=5, data_dir=DataDir())
    written = synth.write(cohort, "jsonl", tmp_path / "input")
    cfg = StudyConfig.model_validate(
        {"seed": 5, "dp": {"enabled": True, "ledger_dir": str(tmp_path / "ledger")}}
    )
    opts = replace(run_options(written, tmp_path / "run", cohort), config=cfg)
    result = run(opts)
    out = result.out_dir
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    dp = manifest["privacy"]["dp"]
    assert sorted(p.stem for p in (out / "tables").glob("*.parquet")) == sorted(
        dp["published_tables"]
    )
    assert dp["rho_spent"] <= dp["rho_total"] * (1 + 1e-9)
    assert manifest["input"]["combined_sha256"] == dp["ledger"]["input_sha256"]
    # counts made outside the DP plan are withheld from the manifest, the report and the log
    for key in ("row_accounting", "rows", "tables", "coding", "weighting"):
        assert str(manifest[key]).startswith("withheld"), key
    for entry in manifest["releases"]:
        assert set(entry["dp"]["from_measurements"]) <= {m["block"] for m in dp["measurements"]}
    log = (out / "run.log").read_text(encoding="utf-8")
    assert '"event": "accounting"' not in log and '"event": "coding"' not in log
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "outside its privacy budget" in report
    assert "coverage_row_accounting" in dp["left_out"]
    # the same input again: the default plan spends the whole budget, so it is refused
    again = replace(opts, out_dir=tmp_path / "again")
    with pytest.raises(LedgerExhaustedError, match="DP budget of this input is spent"):
        run(again)
