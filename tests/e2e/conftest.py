"""One synthetic demo run shared by the end-to-end tests of a worker (it is the expensive part)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

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


@pytest.fixture(scope="session", autouse=True)
def _pseudonym_key() -> None:
    os.environ.setdefault("MICROCRED_PSEUDONYM_KEY", E2E_KEY)


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


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    base = tmp_path_factory.mktemp("e2e")
    cohort = synth.generate(E2E_PROFILES, seed=E2E_SEED, data_dir=DataDir())
    written = synth.write(cohort, "jsonl", base / "input")
    opts = run_options(written, base / "run", cohort)
    return DemoRun(cohort, written, run(opts), opts)
