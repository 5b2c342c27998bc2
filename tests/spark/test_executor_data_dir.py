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


class _Context:
    def __init__(self, master: str) -> None:
        self.master = master
        self.archives: list[str] = []

    def addArchive(self, path: str) -> None:  # noqa: N802 - SparkContext's name
        self.archives.append(path)


class _Session:
    def __init__(self, context: _Context | None) -> None:
        self._context = context

    @property
    def sparkContext(self) -> _Context:  # noqa: N802 - SparkSession's name
        if self._context is None:
            raise RuntimeError("[JVM_ATTRIBUTE_NOT_SUPPORTED] Spark Connect")
        return self._context


def _spark_engine(session: _Session, data_dir: str = "auto") -> engine_mod.Engine:
    """A spark Engine around a stand-in session (its JVM is not what these tests are about)."""
    e = object.__new__(engine_mod.Engine)
    e.settings = engine_mod.EngineSettings(name="spark", spark_data_dir=data_dir)
    e.name = "spark"
    e.spark = session
    e._shipped = {}
    e._ship_folders = []
    return e


def _data_dir(tmp_path: Path) -> DataDir:
    (tmp_path / "data" / "reference").mkdir(parents=True)
    (tmp_path / "data" / "reference" / "x.csv").write_text("a\n")
    return DataDir(tmp_path / "data")


def test_a_cluster_master_ships_the_reference_folder_once(tmp_path: Path) -> None:
    context = _Context("spark://10.0.0.1:7077")
    e = _spark_engine(_Session(context))
    dd = _data_dir(tmp_path)
    first, again = e.executor_data_dir(dd), e.executor_data_dir(dd)
    assert isinstance(first, ShippedDataDir) and again is first
    assert len(context.archives) == 1
    with zipfile.ZipFile(context.archives[0]) as zf:
        assert zf.namelist() == ["reference/x.csv"]
    e.close()  # the driver's copy of the archive goes with the engine
    assert not Path(context.archives[0]).exists()


def test_a_local_master_ships_nothing_and_a_path_is_used_as_given(tmp_path: Path) -> None:
    context = _Context("local[2]")
    dd = _data_dir(tmp_path)
    assert _spark_engine(_Session(context)).executor_data_dir(dd) is dd
    mounted = _spark_engine(_Session(context), "/dbfs/ref").executor_data_dir(dd)
    assert isinstance(mounted, ExecutorDataDir) and mounted.executor_root == "/dbfs/ref"
    assert context.archives == []


def test_a_session_without_context_asks_for_a_path(tmp_path: Path) -> None:
    from microcred.errors import UserError

    with pytest.raises(UserError, match="--spark-data-dir PATH"):
        _spark_engine(_Session(None)).executor_data_dir(_data_dir(tmp_path))


def test_the_master_comes_from_spark_defaults_without_starting_a_jvm(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PYSPARK_GATEWAY_PORT", raising=False)
    monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path))
    assert engine_mod._configured_master() is None
    (tmp_path / "spark-defaults.conf").write_text(
        "# site defaults\nspark.executor.memory 4g\nspark.master   yarn\n"
    )
    assert engine_mod._configured_master() == "yarn"
