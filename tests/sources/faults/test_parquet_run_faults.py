"""`microcred run --source parquet` on ids that cannot join: one line, exit 2, never n = 0."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from microcred.cli import app


def test_run_refuses_int64_persons_against_other_text_ids_in_one_line(
    tmp_path, monkeypatch
) -> None:
    root = tmp_path / "in"
    root.mkdir()
    pq.write_table(
        pa.table({"person_id": pa.array([1, 2], pa.int64()), "source": ["s", "s"]}),
        root / "persons.parquet",
    )
    pq.write_table(
        pa.table({"person_id": ["p1", "p2"], "position_idx": pa.array([0, 0], pa.int32())}),
        root / "positions.parquet",
    )
    monkeypatch.setenv("MICROCRED_PSEUDONYM_KEY", "0123456789abcdef0123456789abcdef")
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--source",
            "parquet",
            "--input",
            str(root),
            "--out",
            str(tmp_path / "out"),
            "--quiet",
        ],
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "none of its 2 rows has a person_id found in persons.parquet" in " ".join(
        result.output.split()
    )
    assert not (tmp_path / "out" / "manifest.json").exists()
