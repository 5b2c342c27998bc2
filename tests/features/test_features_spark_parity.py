"""The same features on Spark as on DuckDB (opt-in: starting Spark takes minutes)."""

from __future__ import annotations

import os
import shutil

import pytest
from test_features_person import CFG, _inputs

from microcred.engine import Engine, EngineSettings
from microcred.features import build_person_features

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(
        os.environ.get("MICROCRED_SPARK_TESTS") != "1" or shutil.which("java") is None,
        reason="set MICROCRED_SPARK_TESTS=1 (needs pyspark and Java)",
    ),
]


def test_spark_and_duckdb_agree():
    pytest.importorskip("pyspark")
    tables, coded = _inputs()
    duck = build_person_features(Engine(), tables, coded, CFG)
    spark = build_person_features(Engine(EngineSettings(name="spark")), tables, coded, CFG)
    assert spark.person_features.equals(duck.person_features)
    assert spark.credentials_enriched.equals(duck.credentials_enriched)
    order = [("person_id", "ascending"), ("skill", "ascending")]  # person_skills is unordered
    assert spark.person_skills.sort_by(order).equals(duck.person_skills.sort_by(order))
