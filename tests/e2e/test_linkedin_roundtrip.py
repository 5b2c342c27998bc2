"""synth --format linkedin-export → run --source linkedin-export: counts and codes match the truth,
and deliberately broken copies are quarantined with reasons while the accounting balances."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from e2e_support import E2E_KEY, run_options

from microcred import synth
from microcred.datadir import DataDir
from microcred.pipeline import run
from microcred.pseudonym import Pseudonymizer
from microcred.sources import read_source

N = 300


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("li")
    cohort = synth.generate(N, seed=5, data_dir=DataDir())
    return cohort, synth.write(cohort, "linkedin-export", base / "input")


def test_round_trip_counts_and_codes_match_truth(exports, tmp_path: Path) -> None:
    cohort, written = exports
    result = run(run_options(written, tmp_path / "run", cohort))
    rows = result.manifest["rows"]
    assert rows["read"] == rows["ingested"] + rows["quarantined"] + rows["skipped"]
    restricted = result.restricted_dir
    persons = pq.read_table(restricted / "canonical" / "persons.parquet").to_pandas()
    persons = persons[persons["source"] == "linkedin-export"]
    assert len(persons) == N

    pz = Pseudonymizer(E2E_KEY.encode())
    truth_pos = pq.read_table(written.truth_dir / "positions.parquet").to_pandas()
    truth_pos["person_id"] = truth_pos["source_identity"].map(pz)
    positions = pq.read_table(restricted / "canonical" / "positions.parquet").to_pandas()
    assert len(positions) == len(truth_pos)
    titles = pq.read_table(restricted / "coded" / "titles_coded.parquet").to_pandas()[
        ["title", "noc2021"]
    ]
    coded = positions.merge(titles, on="title", how="left").merge(
        truth_pos, on=["person_id", "position_idx"], how="inner", validate="one_to_one"
    )
    assert len(coded) == len(truth_pos)
    agreement = (coded["noc2021"] == coded["true_noc2021"]).mean()
    assert agreement >= 0.85, agreement

    truth_cred = pq.read_table(written.truth_dir / "credentials.parquet").to_pandas()
    truth_cred["person_id"] = truth_cred["source_identity"].map(pz)
    creds = pq.read_table(restricted / "canonical" / "credentials.parquet").to_pandas()
    ccoded = pq.read_table(restricted / "coded" / "credentials_coded.parquet").to_pandas()
    creds = creds.merge(
        ccoded[["name", "authority", "url_host", "credential_type"]],
        on=["name", "authority", "url_host"],
        how="left",
    )
    certs = creds[creds["origin"] == "certifications"].merge(
        truth_cred[truth_cred["origin"] == "certifications"],
        on=["person_id", "credential_idx"],
        how="inner",
    )
    assert len(certs) == (truth_cred["origin"] == "certifications").sum()
    type_agreement = (certs["credential_type"] == certs["true_credential_type"]).mean()
    assert type_agreement >= 0.85, type_agreement


def _break_copies(src: Path, dst: Path) -> dict[str, str]:
    """Copy the exports and damage a few in the ways real files are damaged."""
    shutil.copytree(src, dst)
    folders = sorted(p for p in dst.iterdir() if p.is_dir())
    damage = {}
    pos = folders[0] / "Positions.csv"  # a truncated last row
    text = pos.read_text(encoding="utf-8")
    pos.write_text(text.rstrip("\n").rsplit(",", 3)[0] + "\n", encoding="utf-8")
    damage[folders[0].name] = "truncated"
    pos = folders[1] / "Positions.csv"  # a date that is not a date
    lines = pos.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    lines[1] = ",".join(cells[:-2] + ["Smarch 2019", cells[-1]])
    pos.write_text("\n".join(lines) + "\n", encoding="utf-8")
    damage[folders[1].name] = "bad date"
    for f in folders[2].glob("*.csv"):  # a Latin-1 export
        f.write_bytes(f.read_text(encoding="utf-8").encode("cp1252", errors="replace"))
    damage[folders[2].name] = "latin-1"
    (folders[3] / "Positions.csv").unlink()  # missing files
    (folders[3] / "Profile.csv").unlink()
    damage[folders[3].name] = "missing files"
    (dst / "not-an-export.zip").write_bytes(b"PK\x03\x04 this is not a zip")
    damage["not-an-export.zip"] = "bad zip"
    return damage


def test_broken_copies_are_quarantined_and_accounted(exports, tmp_path: Path) -> None:
    _, written = exports
    damage = _break_copies(written.input_path, tmp_path / "broken")
    batch = read_source("linkedin-export", tmp_path / "broken", Pseudonymizer(E2E_KEY.encode()))
    q = batch.tables["quarantine"].to_pandas()
    assert not q.empty and q["reason"].str.len().gt(0).all()
    files = " ".join(q["file"])
    for name, kind in damage.items():
        if kind != "latin-1":
            assert name in files, (name, kind)
    for acc in batch.accounting:
        assert acc.balanced, acc  # read = ingested + quarantined + skipped
    persons = batch.tables["persons"].num_rows
    assert N - 2 <= persons <= N  # the missing-files export and the bad zip are not people


def test_garbage_jsonl_lines_are_quarantined(tmp_path: Path) -> None:
    cohort = synth.generate(200, seed=9, data_dir=DataDir())
    written = synth.write(cohort, "jsonl", tmp_path / "in")
    lines = written.input_path.read_text(encoding="utf-8").splitlines()
    lines.insert(10, "{not json at all")
    lines.insert(20, json.dumps(["a", "list", "not", "a", "person"]))
    lines.insert(30, "")
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    batch = read_source("jsonl", broken, Pseudonymizer(E2E_KEY.encode()))
    acc = batch.accounting[0]
    assert batch.tables["persons"].num_rows == 200  # rows also count each list entry
    assert acc.rows_quarantined == 2
    assert acc.rows_read == acc.rows_ingested + acc.rows_quarantined
    q = pd.DataFrame(batch.tables["quarantine"].to_pylist())
    assert {11, 21} <= set(q["row"])
