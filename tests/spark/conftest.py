"""The standalone cluster fixture: started once for the module that asks for it, always stopped.

Opt-in (``MICROCRED_SPARK_CLUSTER_TESTS=1``): the cluster test took 9–10.5 min on this 2-core
machine shared with other jobs, at the 10 minutes a CI test may take (docs/spark.md).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from spark_standalone import StandaloneCluster


@pytest.fixture(scope="module")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandaloneCluster]:
    if os.environ.get("MICROCRED_SPARK_CLUSTER_TESTS") != "1":
        pytest.skip("set MICROCRED_SPARK_CLUSTER_TESTS=1 to start a Spark standalone cluster")
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("a Spark cluster needs Java 17 on PATH")
    cluster = StandaloneCluster(tmp_path_factory.mktemp("spark-cluster"))
    # a model cache only the worker's processes use: what appears there was loaded on executors
    cluster.extra_env["MICROCRED_CACHE"] = str(cluster.base / "executor-cache")
    with cluster:
        yield cluster
