"""A 300-person synthetic cohort read from every layout people hand it over in: same persons.

The cohort is written once per module by the synth writer (one export folder per person);
each test repackages it (one zip, zip of zips, folder of zips, certification-only exports)
and checks that every person is read once, with the same pseudonymous id and the same rows.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest

from microcred.pseudonym import Pseudonymizer
from microcred.sources import SourceBatch, read_source
from microcred.synth.cohort import generate
from microcred.synth.writers import write_linkedin_exports

N = 300
TABLES = ("persons", "positions", "educations", "credentials", "skills", "learning")
KEY = Pseudonymizer(b"layouts-tests-key-0123456789abcdef")


def _read(path: Path) -> SourceBatch:
    batch = read_source("linkedin-export", path, KEY)
    batch.check_accounting()
    return batch


def _zip_tree(folder: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                zf.write(f, prefix + f.relative_to(folder).as_posix())
    return target


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_linkedin_exports(generate(N, 7), tmp_path_factory.mktemp("synth") / "exports")


@pytest.fixture(scope="module")
def baseline(exports: Path) -> SourceBatch:
    return _read(exports)


def _assert_same(batch: SourceBatch, baseline: SourceBatch) -> None:
    assert batch.tables["persons"].num_rows == N
    for name in TABLES:
        assert batch.tables[name].equals(baseline.tables[name]), name


def test_folder_of_exports_reads_every_person(baseline: SourceBatch, exports: Path) -> None:
    ids = baseline.tables["persons"].column("person_id").to_pylist()
    assert len(set(ids)) == N
    assert set(ids) == {KEY(p.name) for p in exports.iterdir()}
    unused = {a.skipped_reason for a in baseline.accounting if a.file.endswith("PhoneNumbers.csv")}
    assert unused == {"LinkedIn file the study does not use"}  # listed with its rows


def test_one_zip_of_all_exports(baseline: SourceBatch, exports: Path, tmp_path: Path) -> None:
    _assert_same(_read(_zip_tree(exports, tmp_path / "cohort.zip")), baseline)
    # the same with the folder itself inside the zip ("Compress 'exports'")
    _assert_same(_read(_zip_tree(exports, tmp_path / "wrapped.zip", "exports/")), baseline)


def test_zip_of_zips(baseline: SourceBatch, exports: Path, tmp_path: Path) -> None:
    inner = tmp_path / "inner"
    inner.mkdir()
    for person in sorted(exports.iterdir()):
        _zip_tree(person, inner / f"{person.name}.zip", "Basic_LinkedInDataExport_01-12-2025/")
    _assert_same(_read(_zip_tree(inner, tmp_path / "all.zip")), baseline)


def test_folder_of_zips(baseline: SourceBatch, exports: Path, tmp_path: Path) -> None:
    folder = tmp_path / "zips"
    folder.mkdir()
    for person in sorted(exports.iterdir()):
        _zip_tree(person, folder / f"{person.name}.zip")
    _assert_same(_read(folder), baseline)


def test_certification_only_exports_are_one_person_each(
    baseline: SourceBatch, exports: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "certs"
    for person in sorted(exports.iterdir()):
        (folder / person.name).mkdir(parents=True)
        shutil.copy(person / "Certifications.csv", folder / person.name / "Certifications.csv")
    batch = _read(folder)
    assert batch.tables["persons"].num_rows == N
    assert batch.tables["credentials"].equals(
        baseline.tables["credentials"].filter(
            pa.compute.equal(baseline.tables["credentials"]["origin"], "certifications")
        )
    )
    missing = [r for r in batch.tables["quarantine"].to_pylist() if "missing file" in r["reason"]]
    assert len(missing) == N  # country and industry unknown, said once per person


def test_two_exports_in_one_zip_are_two_people(exports: Path, tmp_path: Path) -> None:
    a, b = sorted(exports.iterdir())[:2]
    pair = tmp_path / "pair"
    shutil.copytree(a, pair / a.name)
    shutil.copytree(b, pair / b.name)
    batch = _read(_zip_tree(pair, tmp_path / "pair.zip"))
    assert sorted(batch.tables["persons"].column("person_id").to_pylist()) == sorted(
        [KEY(a.name), KEY(b.name)]
    )


def test_learning_duplicates_of_certifications_counted_once(baseline: SourceBatch) -> None:
    creds = baseline.tables["credentials"].to_pylist()
    per_person = Counter((c["person_id"], c["name"].casefold()) for c in creds)
    assert max(per_person.values()) == 1  # no course counted as learning and as certification
    merged = sum(
        a.rows_skipped
        for a in baseline.accounting
        if a.skipped_reason == "duplicate of certification"
    )
    assert merged >= 1


def test_links_inside_the_cohort_do_not_multiply_people(
    baseline: SourceBatch, exports: Path, tmp_path: Path
) -> None:
    root = tmp_path / "linked"
    shutil.copytree(exports, root)
    first = sorted(root.iterdir())[0]
    os.symlink(".", root / "self")  # used to turn 300 persons into 12,300
    os.symlink(first.name, root / "zz_alias")  # a second route to one export
    (tmp_path / "outside").mkdir()
    shutil.copytree(first, tmp_path / "outside" / "stranger")
    os.symlink(tmp_path / "outside", root / "zz_out")  # never followed
    batch = _read(root)
    _assert_same(batch, baseline)
    reasons = {a.file: a.skipped_reason for a in batch.accounting if a.rows_read == 0}
    assert "already read as the input root" in reasons["self"]
    assert "already read as" in reasons["zz_alias"]
    assert "out of the input root" in reasons["zz_out"]


def test_same_input_same_tables_and_accounting(exports: Path, tmp_path: Path) -> None:
    root = tmp_path / "mixed"
    people = sorted(exports.iterdir())
    for person in people[:100]:
        shutil.copytree(person, root / "folders" / person.name)
    _zip_tree(exports, root / "all.zip")  # the same 100 again (duplicates) and 200 more
    a, b = _read(root), _read(root)
    assert a.tables["persons"].num_rows == N
    for name, table in a.tables.items():
        assert table.equals(b.tables[name]), name
    assert a.accounting_table().equals(b.accounting_table())
