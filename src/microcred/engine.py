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
    spark_master: str = "local[2]"
    spark_session: Any = None  # an existing SparkSession, for clusters
    extra: dict[str, str] = field(default_factory=dict)


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
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
            builder = (
                SparkSession.builder.master(s.spark_master)
                .appName("microcred")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.session.timeZone", "UTC")
                .config(
                    "spark.sql.warehouse.dir",
                    os.path.join(tempfile.gettempdir(), "microcred-spark-warehouse"),
                )
                .config("spark.sql.shuffle.partitions", "8")
                .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            )
            for k, v in s.extra.items():
                builder = builder.config(k, v)
            session = builder.getOrCreate()
        self.spark = session
        return ibis.pyspark.connect(session)

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


_WORKER_CODERS: dict[str, Any] = {}


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
