"""run.log, the step ETA and ``microcred status``: what a finished or failed run left behind."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from typer.testing import CliRunner

import microcred.pipeline as pipeline
from microcred.cli import app
from microcred.errors import InputError
from microcred.output_folder import OutputTransaction, verify_release
from microcred.pipeline import RunOptions, run
from microcred.progress import StageProgress, eta_text, expected_seconds
from microcred.run_layout import RunLayout
from microcred.runlog import LoggedRun, RunLog, step_history

PERSONAL = "jane.doe@example.com"


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_log_records_stages_steps_warnings_and_redacts_paths(tmp_path: Path) -> None:
    secret_input = tmp_path / f"{PERSONAL}.zip"
    log = RunLog(tmp_path / "run.log", redact={str(secret_input): "<input>"}).open()
    progress = StageProgress(quiet=True, log=log)
    with log.capturing_warnings(), log.stage("coding"), progress.step("coding titles", total=40):
        warnings.warn(f"could not read {secret_input}", UserWarning, stacklevel=1)
    log.finish(None)
    log.close()
    events = _lines(tmp_path / "run.log")
    kinds = [e["event"] for e in events]
    assert kinds == ["stage_start", "step_start", "warning", "step_end", "stage_end", "run_end"]
    assert events[2]["message"] == "could not read <input>"
    assert events[2]["stage"] == "coding" and events[2]["category"] == "UserWarning"
    assert events[3]["step"] == "coding titles" and events[3]["total"] == 40
    assert events[3]["status"] == "ok"
    assert PERSONAL not in (tmp_path / "run.log").read_text(encoding="utf-8")
    assert LoggedRun.read(tmp_path / "run.log").status == "ok"


def test_failure_records_stage_and_type_and_a_killed_run_is_incomplete(tmp_path: Path) -> None:
    path = tmp_path / "run.log"
    log = RunLog(path, redact={"/data/" + PERSONAL: "<input>"}).open()
    with pytest.raises(InputError), log.stage("sources"):
        raise InputError(f"/data/{PERSONAL} row 3: bad date", "fix it")
    log.finish(InputError("/data/" + PERSONAL + " row 3: bad date", "fix it"))
    log.close()
    run_ = LoggedRun.read(path)
    end = run_.first("run_end")
    assert run_.status == "failed"
    assert end["error_type"] == "InputError" and "<input> row 3" in end["error"]
    assert run_.all("stage_end")[0]["status"] == "failed"
    # an error that is not an expected one may quote data: its message is not kept
    log2 = RunLog(tmp_path / "other.log").open()
    log2.finish(ValueError(f"value {PERSONAL}"))
    log2.close()
    assert PERSONAL not in (tmp_path / "other.log").read_text(encoding="utf-8")
    # a killed run: no run_end, maybe a torn last line
    lines = path.read_text(encoding="utf-8").splitlines()[:-1]
    path.write_text("\n".join(lines) + '\n{"event": "step_st', encoding="utf-8")
    assert LoggedRun.read(path).status == "incomplete"


def test_eta_comes_from_the_previous_runs_step_timings(tmp_path: Path) -> None:
    path = tmp_path / "run.log"
    log = RunLog(path).open()
    log.step_end("coding titles", 100, 20.0, "ok")
    log.step_end("writing report", None, 5.0, "ok")
    log.step_end("running analyses", None, 9.0, "failed")
    log.close()
    history = step_history(path)
    assert set(history) == {"coding titles", "writing report"}  # failed steps say nothing
    assert expected_seconds(history, "coding titles", 200) == pytest.approx(40.0)
    assert expected_seconds(history, "writing report", None) == pytest.approx(5.0)
    assert expected_seconds(history, "running analyses", None) is None
    assert eta_text(40.0, 10.0) == "ETA 0:00:30"
    assert eta_text(None, 10.0) == "ETA –"
    assert eta_text(5.0, 10.0) == "ETA ~0:00:00"
    assert step_history(tmp_path / "missing.log") == {}


def test_status_of_a_complete_release_exits_zero(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with OutputTransaction(out) as tx:
        tx.staging.joinpath("report.html").write_text("<html></html>", encoding="utf-8")
        tx.stage_manifest({})
        log = RunLog(tx.layout.run_log).open()
        log.event("run_start", run_id=tx.run_id, source="jsonl", engine="duckdb", seed=1)
        with log.stage("sources"):
            log.event("accounting", rows={"read": 5, "ingested": 4, "quarantined": 1, "skipped": 0})
        tx.commit()
        log.finish(None)
        log.close()
    assert verify_release(out) == []  # run.log is not part of the release
    result = CliRunner().invoke(app, ["status", str(out)])
    assert result.exit_code == 0, result.output
    assert "ok after" in result.output and "sources" in result.output
    assert "rows read 5 = ingested 4 + quarantined 1 + skipped 0" in result.output
    assert "release: complete" in result.output


def test_status_without_a_log_is_one_error_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["status", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.count("error:") == 1 and "Traceback" not in result.output


def test_failed_run_leaves_a_log_status_reports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that fails in a stage: nothing published, run.log says where, status exits 1."""
    data = tmp_path / PERSONAL
    data.mkdir()
    (data / "people.jsonl").write_text("{}\n", encoding="utf-8")
    monkeypatch.setenv("MICROCRED_PSEUDONYM_KEY", "run-log-test-key-0123456789abcdef")

    def broken(inp):  # noqa: ANN001, ANN202
        raise InputError(f"{inp.input_path}/people.jsonl row 1: no id", "add ids")

    monkeypatch.setattr(pipeline, "read_sources", broken)
    out = tmp_path / "out"
    with pytest.raises(InputError):
        run(RunOptions(source="jsonl", input_path=data, out_dir=out, quiet=True))
    text = (out / "run.log").read_text(encoding="utf-8")
    assert PERSONAL not in text and str(tmp_path) not in text
    run_ = LoggedRun.read(out / "run.log")
    end = run_.first("run_end")
    assert (run_.status, end["failed_stage"], end["error_type"]) == (
        "failed",
        "sources",
        "InputError",
    )
    assert end["error"].startswith("<input>/people.jsonl row 1")
    result = CliRunner().invoke(app, ["status", str(out)])
    assert result.exit_code == 1
    assert "failed in sources: InputError" in result.output
    assert not (out / "manifest.json").exists()
    # the log of a failed run does not make the folder non-empty for the next run
    assert RunLayout.create(out).run_log == out / "run.log"
