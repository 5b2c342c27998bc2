"""How a coder's loader names the reference data on a Spark executor (no JVM needed)."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import pytest

from microcred import engine as engine_mod
from microcred.datadir import DataDir
from microcred.engine import ExecutorDataDir, ShippedDataDir

pytest.importorskip("pyspark")


@pytest.fixture
def on_executor(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Pretend to be inside a Spark task whose SparkFiles root is ``tmp_path / "files"``."""
    from pyspark import SparkFiles

    root = tmp_path / "files"
    root.mkdir()
    monkeypatch.setattr(engine_mod, "_in_spark_task", lambda: True)
    monkeypatch.setattr(SparkFiles, "_is_running_on_worker", True)
    monkeypatch.setattr(SparkFiles, "_root_directory", str(root))
    return root


def test_outside_a_task_the_driver_folder_is_used(tmp_path: Path) -> None:
    shipped = ShippedDataDir("microcred-data.zip", tmp_path / "driver")
    mounted = ExecutorDataDir("/mnt/ref", tmp_path / "driver")
    assert DataDir(shipped).root == DataDir(mounted).root == tmp_path / "driver"


def test_a_pickled_loader_argument_resolves_to_the_executor_copy(
    on_executor: Path, tmp_path: Path
) -> None:
    shipped = pickle.loads(pickle.dumps(ShippedDataDir("microcred-data.zip", tmp_path / "drv")))
    assert DataDir(shipped).root == on_executor / "microcred-data.zip"
    mounted = pickle.loads(pickle.dumps(ExecutorDataDir("/mnt/ref", tmp_path / "drv")))
    assert DataDir(mounted).root == Path("/mnt/ref")


def test_the_archive_holds_reference_only_relative_to_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "reference" / "noc2021").mkdir(parents=True)
    (data / "reference" / "noc2021" / "structure.json").write_text("{}")
    (data / "samples").mkdir()
    (data / "samples" / "people.jsonl").write_text("{}")
    archive = engine_mod._zip_reference(data, tmp_path)
    with zipfile.ZipFile(archive) as zf:
        assert zf.namelist() == ["reference/noc2021/structure.json"]


def test_duckdb_gives_coders_the_driver_folder() -> None:
    from microcred.engine import Engine

    e = Engine()
    try:
        dd = DataDir("/some/where")
        assert e.executor_data_dir(dd) is dd
    finally:
        e.close()
