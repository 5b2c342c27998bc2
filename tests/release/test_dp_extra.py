"""opendp is the optional ``dp`` extra: a run without DP never imports it, and DP turned
on without it fails with one line naming the extra."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from microcred.analysis.result import AnalysisTable
from microcred.config import StudyConfig
from microcred.errors import UserError


def _python(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` where ``import opendp`` fails, as on an install without the extra."""
    prelude = "import sys; sys.modules['opendp'] = None\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_release_without_dp_does_not_import_opendp() -> None:
    done = _python(
        """
        import microcred.pipeline, microcred.release, microcred.stages.release
        assert "microcred.release.dp" not in sys.modules
        print("ok")
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_dp_on_without_the_extra_names_it(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "opendp", None)
    monkeypatch.delitem(sys.modules, "microcred.release.dp", raising=False)
    from microcred.release import release_tables

    table = AnalysisTable(
        "uptake", "Uptake", "uptake", "m",
        pd.DataFrame({"group": ["a", "b"], "n": [40, 50]}), ["n"], {}, ["group"],
    )  # fmt: skip
    cfg = StudyConfig.model_validate({"dp": {"enabled": True}})
    with pytest.raises(UserError) as caught:
        release_tables([table], cfg, tmp_path, seed=1)
    line = caught.value.one_line()
    assert "\n" not in line and "opendp" in line and "uv sync --extra dp" in line
    assert not (tmp_path / "tables").exists()  # nothing written
