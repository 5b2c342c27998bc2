"""The same pipeline on Spark (local mode, loopback only) releases the same tables as on DuckDB."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from e2e_support import run_options

from microcred import synth
from microcred.datadir import DataDir
from microcred.engine import EngineSettings
from microcred.pipeline import run

pyspark = pytest.importorskip("pyspark")
pytestmark = pytest.mark.spark

PROFILES = 5000


def _java_available() -> bool:
    return shutil.which("java") is not None or bool(os.environ.get("JAVA_HOME"))


@pytest.mark.skipif(
    not _java_available(), reason="Spark needs Java 17 (not found on PATH or JAVA_HOME)"
)
def test_duckdb_and_spark_release_identical_tables(tmp_path: Path) -> None:
    cohort = synth.generate(PROFILES, seed=21, data_dir=DataDir())
    written = synth.write(cohort, "parquet", tmp_path / "input")
    duck = run(
        run_options(written, tmp_path / "duckdb", cohort, engine=EngineSettings(name="duckdb"))
    )
    spark = run(
        run_options(
            written,
            tmp_path / "spark",
            cohort,
            engine=EngineSettings(name="spark", spark_master="local[2]"),
        )
    )
    assert spark.manifest["engine"] == "spark"
    names = sorted(p.name for p in (duck.out_dir / "tables").glob("*.csv"))
    assert names and names == sorted(p.name for p in (spark.out_dir / "tables").glob("*.csv"))
    for name in names:
        a = (duck.out_dir / "tables" / name).read_bytes()
        b = (spark.out_dir / "tables" / name).read_bytes()
        assert a == b, name
