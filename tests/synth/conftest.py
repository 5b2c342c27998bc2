"""One cohort generated per test session (generation is the slow part; tests only read it)."""

from __future__ import annotations

import pytest

from microcred import synth

N = 3000
SEED = 11


@pytest.fixture(scope="session")
def cohort() -> synth.SynthCohort:
    return synth.generate(N, SEED)


@pytest.fixture(scope="session")
def written(cohort, tmp_path_factory) -> synth.WriteResult:
    return synth.write(cohort, "parquet", tmp_path_factory.mktemp("synth-parquet"))
