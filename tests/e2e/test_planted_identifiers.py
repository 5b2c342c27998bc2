"""`microcred run` on real-layout exports with planted personal data publishes none of it.

Checked independently of the gate (a plain case-insensitive search of every released
file, PNG text chunks and Parquet values included), so a gate that missed something
would not hide it: 0 planted identifiers in any released file, figure, report or
manifest, and 0 CSV cells that start a formula.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from planted_exports import PLANTED, PLANTED_TOKENS, WRITERS
from typer.testing import CliRunner

from microcred.cli import app
from microcred.release.cells import is_formula_like
from microcred.release.pii_gate import RESTRICTED_DIRS, png_text


def _released_files(out: Path) -> list[Path]:
    return sorted(
        p
        for p in out.rglob("*")
        if p.is_file() and p.relative_to(out).parts[0] not in RESTRICTED_DIRS
    )


def _text_of(path: Path) -> str:
    if path.suffix == ".png":
        return "\n".join(f"{k} {v}" for k, v in png_text(path.read_bytes()))
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        values = [str(v) for c in table.columns for v in c.to_pylist() if v is not None]
        meta = {k.decode(): v.decode("utf-8", "replace") for k, v in (table.schema.metadata or {}).items()}  # fmt: skip
        return "\n".join([*table.column_names, *values, *meta.values()])
    return path.read_bytes().decode("utf-8", "replace")


def _leaks(text: str) -> list[str]:
    folded = " ".join(text.casefold().split())
    words = set(re.findall(r"[^\W_]+", folded))
    hits = [p for p in PLANTED if " ".join(p.casefold().split()) in folded]
    return hits + [t for t in PLANTED_TOKENS if t in words]


@pytest.mark.parametrize("source", sorted(WRITERS))
def test_planted_personal_data_never_reaches_a_released_file(tmp_path, source):
    input_path = WRITERS[source](tmp_path / "input")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["run", "--source", source, "--input", str(input_path), "--out", str(out), "--quiet"],
    )
    assert result.exit_code == 0, result.output
    released = _released_files(out)
    names = {p.relative_to(out).as_posix() for p in released}
    assert "manifest.json" in names and "report.html" in names
    assert any(n.startswith("tables/top_providers") for n in names)
    leaks = {p.relative_to(out).as_posix(): _leaks(_text_of(p)) for p in released}
    assert {k: v for k, v in leaks.items() if v} == {}
    for path in out.glob("tables/*.csv"):
        with path.open(newline="", encoding="utf-8") as fh:
            cells = [c for row in csv.reader(fh) for c in row]
        assert not [c for c in cells if is_formula_like(c)], path.name
    # the issuers people typed (their own names, employers, formulas) are one "Other" row
    providers = pq.read_table(out / "tables" / "top_providers.parquet").column("provider")
    assert "Other (not in catalogue)" in providers.to_pylist()
