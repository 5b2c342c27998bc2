"""``microcred run``'s Spark options reach the engine settings; a bad one is a one-line error."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from microcred.cli import app
from microcred.commands.run import _engine


def test_spark_options_become_engine_settings() -> None:
    s = _engine(
        "spark",
        None,
        None,
        "spark://127.0.0.1:7077",
        ["spark.executor.memory=2g", "spark.executorEnv.MICROCRED_CACHE=/mnt/c=1"],
        "/dbfs/ref",
    )
    assert (s.name, s.spark_master, s.spark_data_dir) == (
        "spark",
        "spark://127.0.0.1:7077",
        "/dbfs/ref",
    )
    # only the first "=" splits: values may hold more
    assert s.extra == {
        "spark.executor.memory": "2g",
        "spark.executorEnv.MICROCRED_CACHE": "/mnt/c=1",
    }
    assert _engine("spark", None, None, None).spark_master is None  # spark-submit's, or local[2]


def test_a_spark_conf_without_value_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    result = CliRunner().invoke(
        app,
        ["run", "--source", "parquet", "--input", str(tmp_path / "in"), "--out"]
        + [str(tmp_path / "out"), "--engine", "spark", "--spark-conf", "spark.executor.memory"],
    )
    assert result.exit_code == 2, result.output
    lines = [x for x in result.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "--spark-conf 'spark.executor.memory' is not KEY=VALUE" in lines[0]
    assert not (tmp_path / "out").exists()
