"""Every format synth writes reads back through ``sources.read_source`` with nothing lost."""

from __future__ import annotations

import pytest

from microcred import synth
from microcred.pseudonym import Pseudonymizer
from microcred.sources import read_source

KEY = b"synth-roundtrip-test-key-000000"


@pytest.fixture(scope="module")
def small():
    return synth.generate(150, 31)


@pytest.mark.parametrize("fmt", synth.FORMATS)
def test_format_reads_back_without_quarantine(small, tmp_path, fmt):
    res = synth.write(small, fmt, tmp_path)
    batch = read_source(fmt, res.input_path, Pseudonymizer(KEY))
    assert batch.tables["quarantine"].num_rows == 0
    for name in ("persons", "positions", "educations", "skills"):
        assert batch.tables[name].num_rows == small.tables[name].num_rows, (fmt, name)
    # LinkedIn exports may also list completed Learning items as credentials
    assert batch.tables["credentials"].num_rows >= small.tables["credentials"].num_rows
    titles = sorted(batch.tables["positions"]["title"].to_pylist())
    want = sorted(" ".join(t.split()) for t in small.tables["positions"]["title"].to_pylist())
    assert sum(a == b for a, b in zip(titles, want, strict=True)) / len(want) > 0.99
