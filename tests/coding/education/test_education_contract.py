"""The education coder keeps the ``Coder`` contract of ``coding.base``."""

from __future__ import annotations

import pickle

import pyarrow as pa

from microcred.coding.base import REGISTRY, Coder, CoderSettings, coder_class, loader_for
from microcred.coding.education import EducationCoder


def test_registered_and_a_coder() -> None:
    assert coder_class("microcred.coding.education.coder:EducationCoder") is EducationCoder
    assert "microcred.coding.education.coder:EducationCoder" in REGISTRY
    coder = EducationCoder.load(None, CoderSettings())
    assert isinstance(coder, Coder)
    assert coder.fingerprint() == EducationCoder.fingerprint_for(None, CoderSettings())


def test_output_follows_the_declared_schema_and_reads() -> None:
    coder = EducationCoder.load(None, CoderSettings())
    batch = pa.table({c: ["BSc", None] for c in EducationCoder.reads})
    out = coder.code(batch)
    assert out.schema == coder.output_schema()
    assert out.column_names[: len(EducationCoder.reads)] == list(EducationCoder.reads)
    column, value = EducationCoder.unknown
    assert out[column].to_pylist() == ["bachelor", value]


def test_loader_is_picklable() -> None:
    load = pickle.loads(pickle.dumps(loader_for(EducationCoder, None, CoderSettings())))
    assert load().fingerprint() == EducationCoder.fingerprint_for()
