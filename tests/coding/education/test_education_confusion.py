"""``microcred eval education FILE --confusion-out PATH`` writes a well-formed confusion matrix."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from microcred.cli import app

ROOT = Path(__file__).resolve().parents[3]


def test_confusion_file_is_written_and_well_formed(tmp_path: Path) -> None:
    out = tmp_path / "confusion.json"
    labelled = ROOT / "eval" / "education" / "dev3.csv"
    result = CliRunner().invoke(
        app, ["eval", "education", str(labelled), "--confusion-out", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text(encoding="utf-8"))
    labels, matrix = data["labels"], data["matrix"]
    assert "bachelor" in labels and "not_education" in labels and "unknown" in labels
    assert len(matrix) == len(labels) and all(len(r) == len(labels) for r in matrix)
    assert sum(map(sum, matrix)) == data["n"] == 148
    bachelor = labels.index("bachelor")
    assert matrix[bachelor][bachelor] > 0
