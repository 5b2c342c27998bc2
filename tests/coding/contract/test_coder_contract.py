"""Every registered coder keeps the ``coding.base.Coder`` contract (parametrised over REGISTRY)."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from microcred import schema
from microcred.coding import base
from microcred.coding.base import Coder, CoderSettings, loader_for, registered
from microcred.datadir import DataDir

CLASSES = registered()
IDS = [c.name for c in CLASSES]

#: a realistic value and a nonsense value per column a coder may read
SAMPLES: dict[str, tuple[str, str]] = {
    "title": ("Senior Data Scientist", "zzqx vlorp"),
    "degree": ("Bachelor of Science", "zzqx vlorp"),
    "field": ("Computer Science", "zzqx vlorp"),
    "name": ("AWS Certified Solutions Architect", "zzqx vlorp"),
    "authority": ("Amazon Web Services", "zzqx vlorp"),
    "url_host": ("credly.com", None),
    "skill": ("Python", "zzqx vlorp"),
}


def _changed_settings(name: str, tmp_path: Path) -> CoderSettings:
    """Settings that must change ``name``'s output (so its fingerprint). A new coder adds one."""
    if name == "occupation":
        return CoderSettings.with_coding(occupation_min_confidence=0.6)
    if name == "credentials":
        return CoderSettings.with_coding(credential_min_confidence=0.8)
    if name in ("education", "skills", "seniority"):  # shipped lexicons: an edited copy
        if name == "education":
            from microcred.coding.education import DATA_DIR as shipped
            from microcred.coding.education.coder import LEXICON_OPTION as option
        elif name == "seniority":
            from microcred.coding.seniority.coder import LEXICON_OPTION as option
            from microcred.coding.seniority.rules import DATA_DIR as shipped
        else:
            from microcred.coding.skills import LEXICON_DIR as shipped

            option = "lexicon_dir"
        lex = shutil.copytree(shipped, tmp_path / name)
        first = sorted(lex.glob("*.yaml"))[0]
        first.write_text(first.read_text() + "\n# an analyst's edit\n")
        return CoderSettings(options={option: str(lex)})
    raise AssertionError(f"coder {name!r}: say in _changed_settings which setting changes it")


@pytest.fixture(scope="module")
def loaded() -> dict[str, Any]:
    return {}


def _coder(cls: type[Coder], loaded: dict[str, Any]) -> Any:
    if cls.name not in loaded:
        loaded[cls.name] = cls.load(DataDir(), CoderSettings())
    return loaded[cls.name]


def _batch(cls: type[Coder], which: int) -> pa.Table:
    return pa.table({c: pa.array([SAMPLES[c][which]], pa.string()) for c in cls.reads})


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_class_attributes_describe_the_coder(cls: type[Coder]) -> None:
    assert cls.name and cls.version and cls.label and cls.output
    table = schema.CANONICAL[cls.source_table]
    assert set(cls.reads) <= set(table.names), (cls.reads, table.names)
    assert all(a in {c.name for c in CLASSES} for a in cls.after)
    assert isinstance(base.in_coverage(cls), bool)


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_load_gives_a_coder_whose_schema_starts_with_what_it_reads(
    cls: type[Coder], loaded: dict[str, Any]
) -> None:
    coder = _coder(cls, loaded)
    assert isinstance(coder, Coder)
    out_schema = coder.output_schema()
    assert out_schema.names[: len(cls.reads)] == list(cls.reads)
    assert cls.unknown[0] in out_schema.names
    assert cls.confidence_column is None or cls.confidence_column in out_schema.names


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_one_output_row_per_input_row_in_order(cls: type[Coder], loaded: dict[str, Any]) -> None:
    coder = _coder(cls, loaded)
    batch = pa.concat_tables([_batch(cls, 1), _batch(cls, 0), _batch(cls, 1), _batch(cls, 0)])
    out = coder.code(batch)
    assert out.schema.equals(coder.output_schema())
    assert out.num_rows == batch.num_rows
    for column in cls.reads:
        assert out[column].to_pylist() == batch[column].to_pylist()
    assert coder.code(batch.slice(0, 0)).num_rows == 0


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_nonsense_is_unknown_and_a_real_value_is_coded(
    cls: type[Coder], loaded: dict[str, Any]
) -> None:
    coder = _coder(cls, loaded)
    column, value = cls.unknown
    assert coder.code(_batch(cls, 1))[column].to_pylist() == [value]
    assert coder.code(_batch(cls, 0))[column].to_pylist() != [value]


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_fingerprint_is_stable_and_follows_settings(
    cls: type[Coder], loaded: dict[str, Any], tmp_path: Path
) -> None:
    key = cls.fingerprint_for(DataDir(), CoderSettings())
    assert (
        key == cls.fingerprint_for(DataDir(), CoderSettings()) == _coder(cls, loaded).fingerprint()
    )
    assert cls.fingerprint_for(DataDir(), _changed_settings(cls.name, tmp_path)) != key


@pytest.mark.parametrize("cls", CLASSES, ids=IDS)
def test_the_loader_pickles_and_codes_alike(cls: type[Coder], loaded: dict[str, Any]) -> None:
    load = pickle.loads(pickle.dumps(loader_for(cls, DataDir(), CoderSettings())))
    batch = pa.concat_tables([_batch(cls, 0), _batch(cls, 1)])
    assert load().code(batch).equals(_coder(cls, loaded).code(batch))


def test_registered_coders_come_after_the_ones_they_need() -> None:
    order = [c.name for c in registered()]
    for i, cls in enumerate(registered()):
        assert all(order.index(a) < i for a in cls.after if a in order)
    assert [c.name for c in registered(base.REGISTRY[::-1])].index("credentials") > [
        c.name for c in registered(base.REGISTRY[::-1])
    ].index("education")
