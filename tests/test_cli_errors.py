"""Expected errors print one line saying what to do, exit 2, and never a traceback (--debug shows it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import Field
from typer.testing import CliRunner

from microcred.cli import app
from microcred.config import StudyConfig, _Strict, load_config
from microcred.configfile import read_yaml, validation_problems
from microcred.errors import ConfigError, UserError

KEY = "cli-errors-test-key-0123456789abcdef"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    (tmp_path / "in").mkdir()
    return tmp_path


def _run(runner: CliRunner, args: list[str], env: dict[str, str | None] | None = None):
    return runner.invoke(app, args, env={"MICROCRED_PSEUDONYM_KEY": KEY, **(env or {})})


def _one_error_line(result, *needles: str) -> str:
    """The result failed the expected way: exit 2, one 'error:' line with the hint, no traceback."""
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _run_args(inputs: Path, *extra: str) -> list[str]:
    return ["run", "--source", "jsonl", "--input", str(inputs / "in"), "--out", str(inputs / "out"), *extra]  # fmt: skip


def test_a_typo_in_the_study_yaml_names_file_line_and_the_nearest_key(runner, inputs):
    cfg = inputs / "study.yaml"
    cfg.write_text("seed: 3\noccupatons:\n  - name: Data\n    noc2021: ['21211']\n")
    line = _one_error_line(
        _run(runner, _run_args(inputs, "--config", str(cfg))),
        f"{cfg}:2:",
        "'occupatons'",
        "did you mean 'occupations'?",
    )
    assert "extra inputs" not in line.lower()


def test_every_problem_of_a_configuration_gets_its_own_line_in_file_order(runner, inputs):
    cfg = inputs / "study.yaml"
    cfg.write_text("disclosure:\n  min_cel: 5\n  rounding_base: five\nsede: 1\n")
    result = _run(runner, _run_args(inputs, "--config", str(cfg)))
    assert result.exit_code == 2 and "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert [line.removeprefix(f"error: {cfg}:").split(":")[0] for line in lines] == ["2", "3", "4"]
    assert "did you mean 'min_cell'?" in lines[0]
    assert "disclosure.rounding_base" in lines[1] and "'five'" in lines[1]
    assert "did you mean 'seed'?" in lines[2]


def test_broken_yaml_names_the_line(runner, inputs):
    cfg = inputs / "study.yaml"
    cfg.write_text("seed: 3\noccupations: [a,\n  b: 2\n")
    _one_error_line(
        _run(runner, _run_args(inputs, "--config", str(cfg))), "not valid YAML", str(cfg)
    )


def test_a_key_set_twice_is_reported_not_silently_overwritten(inputs):
    cfg = inputs / "study.yaml"
    cfg.write_text("seed: 3\nseed: 4\n")
    with pytest.raises(ConfigError, match=r"study\.yaml:2: seed: set twice"):
        load_config(cfg)


def test_an_unknown_noc_code_is_refused_with_the_nearest_valid_code(runner, inputs):
    cfg = inputs / "study.yaml"
    cfg.write_text("occupations:\n  - name: Data\n    noc2021:\n      - '21211'\n      - '21299'\n")
    _one_error_line(
        _run(runner, _run_args(inputs, "--config", str(cfg))),
        f"{cfg}:5:",
        "occupations[0].noc2021[1]",
        "'21299' is not a NOC 2021 unit group",
        "did you mean '212",
    )


def test_a_missing_configuration_file(runner, inputs):
    _one_error_line(
        _run(runner, _run_args(inputs, "--config", str(inputs / "nope.yaml"))),
        "configuration file not found",
        "--config",
    )


def test_a_short_key(runner, inputs):
    _one_error_line(
        _run(runner, _run_args(inputs), env={"MICROCRED_PSEUDONYM_KEY": "abc"}),
        "key too short",
        "secrets.token_hex",
    )
    assert not (inputs / "out").exists()  # stopped before any work


def test_a_missing_key(runner, inputs):
    _one_error_line(
        _run(runner, _run_args(inputs), env={"MICROCRED_PSEUDONYM_KEY": None}),
        "no pseudonymisation key",
        "MICROCRED_PSEUDONYM_KEY",
    )


def test_a_missing_key_file(runner, inputs):
    missing = inputs / "no.key"
    _one_error_line(
        _run(runner, _run_args(inputs, "--key-file", str(missing)), env={"MICROCRED_PSEUDONYM_KEY": None}),
        "key file not found",
        "--key-file",
    )  # fmt: skip


def test_a_missing_input(runner, inputs):
    args = [
        "run",
        "--source",
        "jsonl",
        "--input",
        str(inputs / "absent"),
        "--out",
        str(inputs / "o"),
    ]
    _one_error_line(_run(runner, args), "--input not found", "check the --input path")


def test_an_unknown_source_lists_the_sources_and_the_nearest(runner, inputs):
    args = ["run", "--source", "jsnl", "--input", str(inputs / "in"), "--out", str(inputs / "o")]
    _one_error_line(_run(runner, args), "did you mean 'jsonl'?", "linkedin-export", "parquet")


def test_a_missing_data_dir(runner, inputs):
    _one_error_line(
        _run(runner, _run_args(inputs, "--data-dir", str(inputs / "no-data"))),
        "reference data folder not found",
        "--data-dir",
        "MICROCRED_DATA_DIR",
    )


def test_debug_shows_the_traceback_of_the_same_error(runner, inputs):
    result = _run(runner, ["--debug", *_run_args(inputs)], env={"MICROCRED_PSEUDONYM_KEY": "abc"})
    assert result.exit_code == 2
    assert "Traceback" in result.stderr, result.stderr
    assert "ShortKeyError" in result.stderr, result.stderr
    assert result.stderr.splitlines()[-1].startswith("error: pseudonymisation key too short")


def test_another_command_benefits_too(runner, tmp_path):
    result = runner.invoke(app, ["synth", "--format", "jsnl", "--out", str(tmp_path / "s")])
    _one_error_line(result, "unknown --format 'jsnl'", "did you mean 'jsonl'?")


# ---- the validation is generic over the schema -------------------------------------------


class _IngestSettings(_Strict):
    max_cell_bytes: int = 1_000_000


class _ExtendedConfig(StudyConfig):
    """What another engineer adding one settings section does to StudyConfig."""

    ingest: _IngestSettings = Field(default_factory=_IngestSettings)


def test_a_section_added_to_the_schema_gets_typo_suggestions_without_a_hand_kept_list(tmp_path):
    from pydantic import ValidationError

    cfg = tmp_path / "study.yaml"
    cfg.write_text("ingest:\n  max_cel_bytes: 10\n")
    raw, lines = read_yaml(cfg)
    with pytest.raises(ValidationError) as exc:
        _ExtendedConfig.model_validate(raw)
    (problem,) = validation_problems(exc.value, _ExtendedConfig, lines, cfg)
    assert problem.startswith(f"{cfg}:2: unknown setting 'ingest.max_cel_bytes'")
    assert "did you mean 'max_cell_bytes'?" in problem


def test_user_errors_carry_their_hint_and_the_defaults_still_load():
    err = UserError("input not found: x", "check the path")
    assert err.lines() == ["error: input not found: x — check the path"]
    assert load_config(None) == StudyConfig()


def test_the_installed_command_prints_one_line_and_no_traceback(inputs):
    """Through a real process: what a user at a terminal sees."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "MICROCRED_PSEUDONYM_KEY": KEY}
    args = ["run", "--source", "jsnl", "--input", str(inputs / "in"), "--out", str(inputs / "o")]
    plain = subprocess.run(
        [sys.executable, "-m", "microcred.cli", *args], capture_output=True, text=True, env=env
    )
    assert plain.returncode == 2 and "Traceback" not in plain.stderr
    assert plain.stderr.strip().splitlines() == [plain.stderr.strip()]
    assert plain.stderr.startswith("error: unknown --source 'jsnl'")
    debug = subprocess.run(
        [sys.executable, "-m", "microcred.cli", "--debug", *args],
        capture_output=True,
        text=True,
        env=env,
    )
    assert debug.returncode == 2 and "Traceback (most recent call last)" in debug.stderr


def test_a_bad_option_value_of_any_command_is_one_line_too(runner, tmp_path):
    missing = tmp_path / "absent.csv"
    args = ["link", "encode", str(missing), "--out", str(tmp_path / "x"), "--secret-file", "s"]
    _one_error_line(runner.invoke(app, args), "does not exist", "microcred link encode --help")
    _one_error_line(
        runner.invoke(app, ["run", "--source", "jsonl", "--out", str(tmp_path)]),
        "Missing option '--input'",
        "microcred run --help",
    )
