"""The only module that knows which relational backend is live.

Stages receive an :class:`Engine` and express their relational work in ibis;
DuckDB is the embedded default, Spark (through ibis's PySpark backend) is for
data that outgrows one machine.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from microcred.datadir import DataDir
from microcred.errors import UserError

DEFAULT_MEMORY_LIMIT = "2GB"


@dataclass
class EngineSettings:
    name: str = "duckdb"  # duckdb | spark
    # DuckDB's buffer pool (it spills past it). DuckDB's own default, 80 % of RAM, lets one
    # run hold gigabytes of cached intermediates it no longer needs; 2GB kept a million
    # profiles at the same speed. Raise it on big machines; None means DuckDB's default.
    memory_limit: str | None = DEFAULT_MEMORY_LIMIT
    temp_directory: str | None = None  # DuckDB spill directory
    threads: int | None = None
    # None: the master spark-submit or spark-defaults.conf gives, else local[2]
    spark_master: str | None = None
    spark_session: Any = None  # an existing SparkSession (a notebook's), for clusters
    # where executors find the reference data: "auto" ships the driver's reference/ folder
    # as an archive unless the master is local; "ship" always ships it; any other value is
    # a path every executor can read (a shared mount such as /dbfs/... or NFS)
    spark_data_dir: str = "auto"
    extra: dict[str, str] = field(default_factory=dict)  # Spark configuration (--spark-conf)


class Engine:
    """A live ibis backend plus the few helpers stages need to move Arrow tables in and out."""

    def __init__(self, settings: EngineSettings | None = None):
        self.settings = settings or EngineSettings()
        self.name = self.settings.name
        if self.name == "duckdb":
            self.con = self._duckdb()
        elif self.name == "spark":
            self.con = self._spark()
        else:
            raise ValueError(f"unknown engine {self.name!r}; use duckdb or spark")
        self._n = 0

    def _duckdb(self) -> Any:
        con = ibis.duckdb.connect()
        raw = con.con
        s = self.settings
        if s.memory_limit:
            raw.execute(f"SET memory_limit='{s.memory_limit}'")
        tmp = s.temp_directory or os.path.join(tempfile.gettempdir(), "microcred-duckdb")
        raw.execute(f"SET temp_directory='{tmp}'")
        if s.threads:
            raw.execute(f"SET threads={int(s.threads)}")
        raw.execute("SET preserve_insertion_order=true")
        return con

    def _spark(self) -> Any:
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # pragma: no cover - depends on extra
            raise RuntimeError("the spark engine needs the extra: uv sync --extra spark") from exc
        s = self.settings
        session = s.spark_session
        if session is None:
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
            master = s.spark_master or _configured_master() or "local[2]"
            builder = (
                SparkSession.builder.master(master)
                .appName("microcred")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.session.timeZone", "UTC")
                .config(
                    "spark.sql.warehouse.dir",
                    os.path.join(tempfile.gettempdir(), "microcred-spark-warehouse"),
                )
                .config("spark.sql.shuffle.partitions", "8")
                .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            )
            if _is_local(master):
                # local mode needs no network: keep the driver on the loopback interface. On a
                # cluster the executors must reach the driver, so Spark picks its address.
                os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
                builder = builder.config("spark.driver.host", "127.0.0.1").config(
                    "spark.driver.bindAddress", "127.0.0.1"
                )
            for k, v in s.extra.items():
                builder = builder.config(k, v)
            session = builder.getOrCreate()
        self.spark = session
        self._shipped: dict[Path, ShippedDataDir] = {}
        self._ship_folders: list[Path] = []
        return ibis.pyspark.connect(session)

    def executor_data_dir(self, data_dir: Any) -> Any:
        """The reference-data folder as the coders' loaders should name it.

        On DuckDB (and local Spark) coders load in this machine's processes, so the driver's
        folder is returned unchanged. On a Spark cluster the executors may not see it: by
        default (``spark_data_dir="auto"``) its ``reference/`` folder is zipped once and
        shipped with ``SparkContext.addArchive``; each executor unpacks it and the returned
        :class:`ShippedDataDir` resolves to that copy inside a task. With a path instead,
        executors read the reference data there (a mount every node has).
        """
        if self.name != "spark":
            return data_dir
        mode = self.settings.spark_data_dir
        if mode not in ("auto", "ship"):
            return ExecutorDataDir(mode, DataDir(data_dir).root)
        try:
            context = self.spark.sparkContext
        except Exception as exc:  # Spark Connect sessions have no SparkContext
            raise UserError(
                "this Spark session cannot ship the reference data to its executors",
                "put the data folder where every executor can read it and pass "
                "--spark-data-dir PATH (docs/spark.md)",
            ) from exc
        if mode == "auto" and _is_local(context.master):
            return data_dir
        root = DataDir(data_dir).require().root.resolve()
        if root not in self._shipped:
            folder = Path(tempfile.mkdtemp(prefix="microcred-ship-"))  # removed by close()
            archive = _zip_reference(root, folder)
            context.addArchive(str(archive))
            self._shipped[root] = ShippedDataDir(archive.name, root)
            self._ship_folders.append(folder)
        return self._shipped[root]

    # ---- moving data ----------------------------------------------------------------

    def table(self, data: pa.Table | Path, name: str | None = None) -> ibis.Table:
        """Register an Arrow table (or a Parquet file) with the backend; return it as an ibis table.

        A Parquet file is scanned by DuckDB from disk, so a run need not hold its largest
        inputs in memory; Spark reads it on the driver (a cluster's executors may not see
        a local path).
        """
        self._n += 1
        # not "t<n>": ibis aliases subqueries t0, t1, … in the SQL it writes, and a
        # registered table of the same name was read as the alias (a binder error)
        name = name or f"mc_table{self._n}"
        if isinstance(data, Path):
            if self.name == "duckdb":
                return self.con.read_parquet(data, table_name=name)
            import pyarrow.parquet as pq

            data = pq.read_table(data)
        if self.name == "spark":
            # a temporary view: nothing is written to a warehouse directory
            self.spark.createDataFrame(data).createOrReplaceTempView(name)
            return self.con.table(name)
        # DuckDB scans the Arrow table in place (a view, no copy): loading a copy into
        # DuckDB's own storage cost more than every query over it
        self.con.con.register(name, data)
        return self.con.table(name)

    def to_arrow(self, expr: ibis.Table) -> pa.Table:
        return self.con.to_pyarrow(expr)

    def to_parquet(self, expr: ibis.Table, path: Path, target: pa.Schema, keys: list[str]) -> int:
        """Write ``expr`` ordered by ``keys`` to ``path`` (conformed to ``target``); return its rows.

        DuckDB streams the ordered result (spilling to disk if it must), so the table is
        never whole in memory; Spark collects it on the driver and sorts it there, since a
        distributed collect does not promise order. Later columns break ties, so the order
        (and the file's bytes) are the same on every run.
        """
        from microcred.arrowsort import sort_by_keys
        from microcred.parquetsink import ParquetSink

        order = keys + [c for c in target.names if c not in keys]
        tmp = path.with_name(path.name + ".part")
        with ParquetSink(tmp, target) as sink:
            if self.name == "duckdb":
                sql = self.con.compile(expr.select(*target.names).order_by(order))
                reader = self.con.con.sql(sql).to_arrow_reader(1 << 17)
                for batch in reader:
                    sink.write(pa.Table.from_batches([batch]).cast(target))
            else:
                sink.write(
                    sort_by_keys(self.to_arrow(expr.select(*target.names)).cast(target), order)
                )
        tmp.replace(path)
        return sink.rows

    def sort_parquet(self, path: Path, keys: list[str], target: pa.Schema) -> None:
        """Rewrite the Parquet file at ``path`` in ascending order of ``keys``."""
        copy = path.with_name(path.name + ".unsorted")
        path.replace(copy)
        try:
            self.to_parquet(self.table(copy), path, target, keys)
        finally:
            copy.unlink(missing_ok=True)

    # ---- coders ----------------------------------------------------------------------

    def code_distinct(self, inputs: pa.Table, loader: Callable[[], Any]) -> pa.Table:
        """Run a coder over distinct inputs: in process on DuckDB, as Arrow UDFs on Spark executors.

        ``inputs`` holds the columns the coder reads; ``loader`` must be picklable (e.g.
        ``coding.base.loader_for``): each Spark Python worker loads the coder once and codes
        its Arrow batches.
        """
        if self.name != "spark" or inputs.num_rows == 0:
            return loader().code(inputs)
        from pyspark.sql.pandas.types import from_arrow_schema

        probe = loader().code(inputs.slice(0, 1))
        key = f"{id(loader)}-{probe.schema}"
        fn = _arrow_coder_udf(loader, key)
        parts = max(2, min(64, inputs.num_rows // 50_000 + 1))
        df = self.spark.createDataFrame(inputs).repartition(parts)
        out = df.mapInArrow(fn, from_arrow_schema(probe.schema)).toArrow()
        keys = [(c, "ascending") for c in inputs.column_names]
        return out.cast(probe.schema).sort_by(keys)

    def release(self) -> None:
        """Forget every registered and cached table, so the backend gives back their memory.

        Why: after the features stage nothing relational is left to do, and DuckDB would
        otherwise keep its buffers (gigabytes at a million profiles) to the end of the run.
        """
        if self.name == "duckdb":
            self.con.disconnect()
            self.con = self._duckdb()
            return
        self.spark.catalog.clearCache()
        for t in self.spark.catalog.listTables():
            if t.isTemporary:
                self.spark.catalog.dropTempView(t.name)

    def close(self) -> None:
        if self.name == "duckdb":
            self.con.disconnect()
            return
        import shutil

        for folder in self._ship_folders:  # the shipped archives' copies on the driver
            shutil.rmtree(folder, ignore_errors=True)
        self._ship_folders.clear()


_WORKER_CODERS: dict[str, Any] = {}


def _is_local(master: str) -> bool:
    return master == "local" or master.startswith("local[")


def _configured_master() -> str | None:
    """The master spark-submit (or spark-defaults.conf) set, so ``run`` does not override it.

    Under spark-submit (or a pyspark shell) the JVM is already up and its configuration holds
    the master; otherwise only ``spark-defaults.conf`` can name one, and it is read as a file,
    so the JVM is not started before the engine knows whether to pin it to the loopback.
    """
    if os.environ.get("PYSPARK_GATEWAY_PORT"):
        from pyspark import SparkConf

        master = SparkConf().get("spark.master", None)
        return str(master) if master else None
    conf_dir = os.environ.get("SPARK_CONF_DIR") or (
        os.path.join(os.environ["SPARK_HOME"], "conf") if os.environ.get("SPARK_HOME") else None
    )
    defaults = Path(conf_dir) / "spark-defaults.conf" if conf_dir else None
    if defaults is None or not defaults.is_file():
        return None
    for line in defaults.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2 and parts[0] == "spark.master":
            return parts[1].strip()
    return None


def _zip_reference(root: Path, folder: Path) -> Path:
    """``root/reference`` zipped (paths relative to ``root``) into ``folder``; its path.

    Only ``reference/`` is shipped: it is all the coders read (samples stay behind).
    """
    import zipfile

    archive = folder / "microcred-data.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted((root / "reference").rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(root).as_posix())
    return archive


def _in_spark_task() -> bool:
    try:
        from pyspark import TaskContext
    except ImportError:  # pragma: no cover - depends on extra
        return False
    return TaskContext.get() is not None


class ExecutorDataDir(DataDir):
    """A reference-data folder at one path on executors and another on the driver.

    Why: a loader is pickled on the driver and unpickled in an executor's Python worker;
    ``root`` is read where the coder loads, so each side finds its own copy.
    """

    def __init__(self, executor_root: str | Path, driver_root: Path):  # noqa: D107
        self.executor_root = str(executor_root)
        self.driver_root = driver_root

    @property
    def root(self) -> Path:  # type: ignore[override]
        return Path(self.executor_root) if _in_spark_task() else self.driver_root


class ShippedDataDir(ExecutorDataDir):
    """The reference data shipped as a Spark archive: its unpacked copy inside a task."""

    @property
    def root(self) -> Path:  # type: ignore[override]
        if not _in_spark_task():
            return self.driver_root
        from pyspark import SparkFiles

        return Path(SparkFiles.get(self.executor_root))


def _arrow_coder_udf(
    loader: Callable[[], Any], key: str
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The function Spark ships to executors: load the coder once per worker, code each batch."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        coder = _WORKER_CODERS.get(key)
        if coder is None:
            coder = _WORKER_CODERS[key] = loader()
        for batch in batches:
            yield from coder.code(pa.Table.from_batches([batch])).to_batches()

    return run
