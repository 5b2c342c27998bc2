"""examples/quickstart.ipynb runs top to bottom (in a temporary folder) and shows what it promises."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "quickstart.ipynb"


def test_quickstart_notebook_runs(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("MICROCRED_PSEUDONYM_KEY", "quickstart-test-key-0123456789abcdef")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    text = "\n".join(
        str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", ""))
        for cell in nb.cells
        if cell.cell_type == "code"
        for o in cell.outputs
    )
    assert "21211" in text  # Data Scientist coded in the first frame
    assert "mooc_certificate" in text and "vendor_certification" in text
    assert (tmp_path / "quickstart-out" / "run" / "release.xlsx").is_file()
    assert (tmp_path / "quickstart-out" / "run" / "tables" / "codebook.csv").is_file()
    assert not list(NOTEBOOK.parent.glob("quickstart-out"))  # nothing written beside the notebook
