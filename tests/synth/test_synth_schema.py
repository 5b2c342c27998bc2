"""The canonical tables have the canonical schemas and keys."""

from __future__ import annotations

import re

import pyarrow.compute as pc
import pyarrow.parquet as pq

from microcred import schema

N = 3000  # tests/synth/conftest.py


def test_tables_match_canonical_schemas(cohort):
    assert sorted(cohort.tables) == sorted(schema.CANONICAL)
    for name, table in cohort.tables.items():
        assert table.schema.equals(schema.CANONICAL[name]), name
    assert cohort.tables["quarantine"].num_rows == 0
    assert cohort.tables["persons"].num_rows == N


def test_person_ids_are_source_identities(cohort):
    ids = cohort.tables["persons"]["person_id"].to_pylist()
    assert ids[0] == "syn-0000001" and ids[-1] == f"syn-{N:07d}"
    assert all(re.fullmatch(r"syn-\d{7}", i) for i in ids)
    assert len(set(ids)) == N


def test_child_keys_unique_and_point_to_persons(cohort):
    ids = set(cohort.tables["persons"]["person_id"].to_pylist())
    for name, idx in (
        ("positions", "position_idx"),
        ("educations", "education_idx"),
        ("credentials", "credential_idx"),
        ("learning", "learning_idx"),
    ):
        t = cohort.tables[name]
        keys = list(zip(t["person_id"].to_pylist(), t[idx].to_pylist(), strict=True))
        assert len(keys) == len(set(keys)), name
        assert set(t["person_id"].to_pylist()) <= ids, name
        # indices run 0..k-1 within a person
        firsts = {}
        for pid, i in keys:
            firsts.setdefault(pid, []).append(i)
        assert all(sorted(v) == list(range(len(v))) for v in firsts.values()), name


def test_parquet_files_read_back_identical(cohort, written):
    for name, table in cohort.tables.items():
        back = pq.read_table(written.input_path / f"{name}.parquet")
        assert back.equals(table), name


def test_no_personal_data_in_canonical_tables(cohort):
    emails = set(cohort.pii["email"].to_pylist())
    last_urls = set(cohort.pii["profile_url"].to_pylist())
    for name, table in cohort.tables.items():
        for col in table.column_names:
            if table[col].type == "string":
                values = set(pc.drop_null(table[col]).to_pylist())
                assert not values & emails, (name, col)
                assert not values & last_urls, (name, col)
