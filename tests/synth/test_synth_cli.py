"""``microcred synth`` writes data, truth and margins."""

from __future__ import annotations

from typer.testing import CliRunner

import microcred.commands.synth  # noqa: F401 - registers `synth` (without importing every stage)
from microcred.cli_app import app


def test_synth_command(tmp_path):
    result = CliRunner().invoke(
        app,
        ["synth", "--profiles", "50", "--seed", "3", "--format", "jsonl", "--out", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "profiles.jsonl").read_text(encoding="utf-8").count("\n") == 50
    assert (tmp_path / "truth" / "parameters.json").is_file()
    assert (tmp_path / "margins" / "98100404.csv").is_file()


def test_synth_command_rejects_unknown_format(tmp_path):
    result = CliRunner().invoke(
        app, ["synth", "--profiles", "5", "--format", "xml", "--out", str(tmp_path)]
    )
    assert result.exit_code != 0
