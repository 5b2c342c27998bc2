"""Removing a registry line removes that coder from a run, with no other edit."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from microcred import schema
from microcred.coding import base
from microcred.coding.stage import code_all
from microcred.config import StudyConfig
from microcred.datadir import DataDir
from microcred.engine import Engine
from microcred.features.person import build_person_features
from microcred.progress import StageProgress


def _staged(tmp_path: Path) -> dict[str, Path]:
    rows = {
        "persons": {"person_id": ["p1", "p2"], "source": ["jsonl", "jsonl"]},
        "positions": {
            "person_id": ["p1", "p2"],
            "position_idx": pa.array([0, 0], pa.int32()),
            "title": ["Senior Data Scientist", "Software Developer"],
        },
        "educations": {
            "person_id": ["p1"],
            "education_idx": pa.array([0], pa.int32()),
            "degree": ["Data Science Bootcamp"],
        },
        "credentials": {
            "person_id": ["p2"],
            "credential_idx": pa.array([0], pa.int32()),
            "name": ["AWS Certified Solutions Architect"],
        },
        "skills": {"person_id": ["p1", "p2"], "skill": ["Python", "Java"]},
    }
    tmp_path.mkdir(parents=True)
    files = {}
    for name, cols in rows.items():
        files[name] = tmp_path / f"{name}.parquet"
        pq.write_table(schema.conform(pa.table(cols), schema.CANONICAL[name]), files[name])
    return files


def _run(tmp_path: Path) -> tuple[dict[str, pa.Table], list[dict], pa.Table]:
    engine = Engine()
    try:
        files = _staged(tmp_path)
        config = StudyConfig()
        coded, summary = code_all(engine, files, DataDir(), config, StageProgress(quiet=True))
        features = build_person_features(engine, files, coded, config)
    finally:
        engine.close()
    return coded, summary, features.person_features


@pytest.mark.parametrize("removed", ["skills", "education", "seniority"])
def test_removing_a_registry_line_removes_the_coder(
    removed: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full, full_summary, full_features = _run(tmp_path / "full")
    gone = next(c for c in base.registered() if c.name == removed)
    lines = tuple(e for e in base.REGISTRY if base.coder_class(e) is not gone)
    monkeypatch.setattr(base, "REGISTRY", lines)
    coded, summary, features = _run(tmp_path / "less")

    assert gone.output in full and gone.output not in coded
    assert set(coded) == set(full) - {gone.output}
    assert [r["coder"] for r in summary] == [
        r["coder"] for r in full_summary if r["coder"] != gone.label
    ]
    by_person = features.to_pylist()
    if removed == "skills":
        # skills are still listed, but none is coded, so none counts as digital
        assert sum(r["n_digital_skills"] or 0 for r in full_features.to_pylist()) == 2
        assert all(not r["n_digital_skills"] for r in by_person)
    elif removed == "seniority":
        # the labels come only from the seniority coder: without it every one is unknown
        assert [r["seniority"] for r in full_features.to_pylist()] == ["senior", "unknown"]
        assert {r["seniority"] for r in by_person} == {"unknown"}
        assert all(r["seniority_rank"] is None for r in by_person)
    else:
        # no education coded: levels unknown, and the bootcamp listed under education
        # is no longer added to the credentials
        assert {r["education_level"] for r in by_person} <= {None, "unknown"}
        assert sum(r["n_credentials"] for r in by_person) < sum(
            r["n_credentials"] for r in full_features.to_pylist()
        )
    assert features.column("noc2021").equals(full_features.column("noc2021"))
