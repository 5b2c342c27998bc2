"""``microcred run --engine spark --spark-master spark://…`` on a real standalone cluster.

The cluster (one master, one worker, 1 core) runs on the loopback interface; the run is a
separate process, as a user would start it. Its released tables must be the DuckDB run's,
byte for byte, and the coders must have run on the executor with the reference data
Spark shipped there (not on the driver, not from the driver's folder).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from spark_standalone import StandaloneCluster

from microcred import synth
from microcred.datadir import DataDir

pytestmark = pytest.mark.spark

PROFILES = 1500
SEED = 5
TIMEOUT_S = 900


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> synth.WriteResult:
    cohort = synth.generate(PROFILES, seed=SEED, data_dir=DataDir())
    return synth.write(cohort, "parquet", tmp_path_factory.mktemp("cohort"))


def _run(cohort: synth.WriteResult, out: Path, *engine: str) -> dict:
    args = ["run", "--source", "parquet", "--input", str(cohort.input_path), "--out", str(out)]
    args += ["--margins", str(cohort.margins_dir), "--quiet", *engine]
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"}  # the driver on loopback, like the cluster
    proc = subprocess.run(
        [sys.executable, "-m", "microcred.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT_S,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return json.loads((out / "manifest.json").read_text())


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def test_cluster_run_releases_the_duckdb_tables(
    spark_cluster: StandaloneCluster, cohort: synth.WriteResult, tmp_path: Path
) -> None:
    duck = _run(cohort, tmp_path / "duckdb", "--engine", "duckdb")
    spark = _run(
        cohort,
        tmp_path / "spark",
        *("--engine", "spark", "--spark-master", spark_cluster.url),
        *("--spark-conf", "spark.executor.memory=512m", "--spark-conf", "spark.executor.cores=1"),
    )
    assert (duck["engine"], spark["engine"]) == ("duckdb", "spark")

    duck_tables = _hashes(tmp_path / "duckdb" / "tables")
    spark_tables = _hashes(tmp_path / "spark" / "tables")
    assert any(name.endswith(".csv") for name in duck_tables)
    assert any(name.endswith(".parquet") for name in duck_tables)
    assert spark_tables == duck_tables  # every released table (CSV and Parquet), byte for byte

    # the occupation coder was trained (and cached) by a process of the worker: only the
    # worker's environment points MICROCRED_CACHE there, the driver never does
    trained = list((spark_cluster.base / "executor-cache" / "occupation").glob("*/*"))
    assert trained, "no coder loaded on an executor"
    # and the reference data reached the executor as the archive the driver shipped
    shipped = list(
        (spark_cluster.base / "work").glob("app-*/*/microcred-data.zip/reference/noc2021/*.json")
    )
    assert shipped, "the reference data were not shipped to the executor"
