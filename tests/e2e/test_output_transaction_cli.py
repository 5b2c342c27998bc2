"""``microcred run`` as a transaction, from the outside: killed runs, concurrent runs, refusals.

A small cohort keeps each run to a few seconds; the runs are real subprocesses so a
SIGKILL stops them wherever they are.
"""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from e2e_support import E2E_KEY

from microcred import synth
from microcred.datadir import DataDir
from microcred.output_folder import MANIFEST, verify_release
from microcred.pipeline import RunOptions, run
from microcred.runlog import LoggedRun

PROFILES = 150
STARTUP = 3.0  # seconds a CLI subprocess takes to import before it works
KILLS = 2  # random moments; every step of the commit itself is tried in test_output_folder
CLI = [str(Path(sys.executable).with_name("microcred"))]


def _run_args(written: synth.WriteResult, out: Path, *extra: str) -> list[str]:
    return [
        *CLI,
        "run",
        "--source",
        "jsonl",
        "--input",
        str(written.input_path),
        "--out",
        str(out),
        "--quiet",
        *extra,
    ]


def _env() -> dict[str, str]:
    return {**os.environ, "MICROCRED_PSEUDONYM_KEY": E2E_KEY}


@pytest.fixture(scope="module")
def released(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[synth.WriteResult, Path, dict, float]:
    """A small cohort and one complete release of it, made in process as ``run`` with the CLI's
    defaults would (with its wall time, a subprocess adds its start-up to it)."""
    base = tmp_path_factory.mktemp("tx")
    cohort = synth.generate(PROFILES, seed=3, data_dir=DataDir())
    written = synth.write(cohort, "jsonl", base / "input")
    out = base / "out"
    start = time.monotonic()
    run(RunOptions(source="jsonl", input_path=written.input_path, out_dir=out, quiet=True))
    return written, out, json.loads((out / MANIFEST).read_text()), time.monotonic() - start


def test_a_run_failing_the_gate_publishes_nothing(released) -> None:
    """The gate runs on the staged release: a finding leaves both folders exactly as they were."""
    from microcred.release.pii_gate import PersonalDataFound

    written, out, _, _ = released
    restricted = out.with_name(out.name + ".restricted")

    def state() -> dict[str, bytes]:
        return {
            p.relative_to(out.parent).as_posix(): p.read_bytes()
            for folder in (out, restricted)
            for p in folder.rglob("*")
            if p.is_file() and p != out / "run.log"  # the log records each run, failed too
        }

    before = state()
    assert f"{out.name}/{MANIFEST}" in before  # an earlier release is there to protect
    opts = RunOptions(
        source="jsonl",
        input_path=written.input_path,
        out_dir=out,
        quiet=True,
        overwrite=True,
        planted=("microcredentials",),  # a word every report carries: the gate must fire
    )
    with pytest.raises(PersonalDataFound):
        run(opts)
    assert state() == before
    ended = LoggedRun.read(out / "run.log").first("run_end")
    assert (ended["status"], ended["failed_stage"]) == ("failed", "gate")


@pytest.mark.slow
def test_killed_runs_leave_the_previous_release_or_none(released) -> None:
    """SIGKILL at random moments of a rerun; the first kill also checks a concurrent run stops."""
    written, out, baseline, wall = released
    rng = random.Random(20261204)
    for i in range(KILLS):
        proc = subprocess.Popen(
            _run_args(written, out, "--overwrite"),
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if i == 0:  # while it holds the folder, a second run must refuse at once
            deadline = time.monotonic() + 60
            while not (out / ".lock").exists() and proc.poll() is None:
                assert time.monotonic() < deadline
                time.sleep(0.05)
            second = subprocess.run(
                _run_args(written, out, "--overwrite"), env=_env(), capture_output=True, text=True
            )
            assert second.returncode == 2
            assert f"another run (pid {proc.pid}) is writing here" in second.stderr
            assert "Traceback" not in second.stderr
        time.sleep(rng.uniform(1.0, wall + STARTUP))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        problems = verify_release(out)
        if (out / MANIFEST).exists():
            assert problems == [], problems
            manifest = json.loads((out / MANIFEST).read_text())
            # the old release, or the new one of the same input: the same tables either way
            assert {k: v for k, v in manifest["files"].items() if k.startswith("tables/")} == {
                k: v for k, v in baseline["files"].items() if k.startswith("tables/")
            }
        else:
            assert problems == [f"{out / MANIFEST}: missing (the folder holds no release)"]
        visible = {
            p.relative_to(out).as_posix()
            for p in out.rglob("*")
            if p.is_file() and not p.relative_to(out).parts[0].startswith(".")
        }
        # nothing but release files (and the run log, which is no part of a release)
        assert visible - {MANIFEST, "run.log"} <= set(baseline["files"])


def test_a_non_empty_out_is_refused_in_one_line(released, tmp_path) -> None:
    written, out, _, _ = released
    target = tmp_path / "mine"
    target.mkdir()
    (target / "thesis.docx").write_text("keep me")
    done = subprocess.run(_run_args(written, target), env=_env(), capture_output=True, text=True)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "not empty" in lines[0] and "--overwrite" in lines[0]
    assert sorted(p.name for p in target.iterdir()) == ["thesis.docx"]
    restricted = out.with_name(out.name + ".restricted")
    assert stat.S_IMODE(restricted.stat().st_mode) == 0o700
    assert not (out / "canonical").exists() and (restricted / "canonical").is_dir()
