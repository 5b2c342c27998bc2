"""Property-based fuzzing of the LinkedIn reader with CSV bytes and zip bytes (hypothesis).

Whatever the bytes, reading ends in a batch whose accounting balances, or (only for an
input unreadable as a whole) in one one-line :class:`SourceError`; never anything else.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from linkedin_kit import FULL, export_zip, write_export, zip_bytes

from microcred.limits import IngestConfig
from microcred.pseudonym import Pseudonymizer
from microcred.sources import SourceError, read_source

KEY = Pseudonymizer(b"fuzz-tests-key-0123456789abcdef!")
SMALL = IngestConfig(max_file_bytes=1 << 16, max_cell_chars=64, max_records=50, max_depth=3)
NAMES = sorted(FULL) + ["Connections.csv", "Education.csv", "Messages.csv"]
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

csv_text = st.lists(
    st.sampled_from(list('abcZ09 ,;\t"\n\r\x00é€Ω-:/') + ["Name", "Title", "Jan 2021"]),
    max_size=200,
).map("".join)
csv_bytes = st.one_of(
    st.binary(max_size=400),
    csv_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
    csv_text.map(lambda t: t.encode("utf-16")),
    csv_text.map(lambda t: t.encode("cp1252", "replace")),
)


def _read_ok(path: Path, ingest: IngestConfig | None = None) -> int:
    """Persons read; a SourceError must be one line. Anything else propagates (= a crash)."""
    try:
        batch = read_source("linkedin-export", path, KEY, settings=ingest)
    except SourceError as exc:
        assert "\n" not in str(exc)
        return -1
    batch.check_accounting()
    return batch.tables["persons"].num_rows


@FUZZ
@given(name=st.sampled_from(NAMES), data=csv_bytes, small=st.booleans())
def test_fuzzed_csv_file_never_crashes(name: str, data: bytes, small: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cohort"
        write_export(root / "good", {"Skills.csv": "Name\nPython\n"})
        write_export(root / "fuzzed", {**FULL, name: data})
        assert _read_ok(root, SMALL if small else None) >= 1  # the good export is always read


@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes_as_zip(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.zip"
        path.write_bytes(data)
        _read_ok(path)


@FUZZ
@given(
    flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), max_size=6),
    cut=st.one_of(st.none(), st.integers(0, 10**6)),
    nested=st.booleans(),
)
def test_mutated_zip_never_crashes(
    flips: list[tuple[int, int]], cut: int | None, nested: bool
) -> None:
    data = bytearray(export_zip("top/"))
    for pos, xor in flips:
        data[pos % len(data)] ^= xor
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cohort"
        write_export(root / "good", {"Skills.csv": "Name\nPython\n"})
        if nested:
            (root / "outer.zip").write_bytes(zip_bytes({"inner.zip": bytes(data)}))
        else:
            (root / "mutated.zip").write_bytes(bytes(data))
        assert _read_ok(root, SMALL) >= 1
        alone = Path(tmp) / "alone.zip"
        alone.write_bytes(bytes(data))
        _read_ok(alone, SMALL)
