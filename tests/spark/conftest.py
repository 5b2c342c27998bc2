"""The standalone cluster fixture: started once for the module that asks for it, always stopped."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from spark_standalone import StandaloneCluster


@pytest.fixture(scope="module")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandaloneCluster]:
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("a Spark cluster needs Java 17 on PATH")
    cluster = StandaloneCluster(tmp_path_factory.mktemp("spark-cluster"))
    # a model cache only the worker's processes use: what appears there was loaded on executors
    cluster.extra_env["MICROCRED_CACHE"] = str(cluster.base / "executor-cache")
    with cluster:
        yield cluster
