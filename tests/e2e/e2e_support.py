"""Shared helpers of the end-to-end tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from microcred import synth
from microcred.config import StudyConfig
from microcred.datadir import DataDir
from microcred.demo import planted_identifiers, survey_sample
from microcred.pipeline import RunOptions, RunResult, run

E2E_KEY = "end-to-end-test-key-0123456789abcdef"
E2E_PROFILES = 3000
E2E_SEED = 11


@dataclass
class DemoRun:
    cohort: synth.SynthCohort
    written: synth.WriteResult
    result: RunResult
    options: RunOptions


def run_options(
    written: synth.WriteResult, out: Path, cohort: synth.SynthCohort, **kw
) -> RunOptions:
    return RunOptions(
        source={"jsonl": "jsonl", "parquet": "parquet", "linkedin-export": "linkedin-export"}[
            written.fmt
        ],
        input_path=written.input_path,
        out_dir=out,
        config=StudyConfig(seed=E2E_SEED),
        data_dir=DataDir(),
        survey_path=survey_sample(DataDir()),
        margins_path=written.margins_dir,
        planted=planted_identifiers(cohort),
        quiet=True,
        **kw,
    )


def make_demo_run(base: Path) -> DemoRun:
    cohort = synth.generate(E2E_PROFILES, seed=E2E_SEED, data_dir=DataDir())
    written = synth.write(cohort, "jsonl", base / "input")
    opts = run_options(written, base / "run", cohort)
    return DemoRun(cohort, written, run(opts), opts)
