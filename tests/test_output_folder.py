"""The output folder as a transaction: lock, refusal, staging, commit order, restricted folder."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from microcred import output_folder
from microcred.output_folder import (
    MANIFEST,
    FolderLock,
    OutputLocked,
    OutputRefused,
    OutputTransaction,
    default_restricted_dir,
    verify_release,
)


def _publish(out: Path, content: str, overwrite: bool = False, extra: str | None = None) -> None:
    """A tiny release (two tables, a report) and a restricted table, committed."""
    with OutputTransaction(out, overwrite=overwrite) as tx:
        (tx.staging / "tables").mkdir()
        (tx.staging / "tables" / "a.csv").write_text(f"a,{content}\n")
        (tx.staging / "tables" / "b.csv").write_text(f"b,{content}\n")
        if extra:
            (tx.staging / extra).write_text(content)
        (tx.staging / "report.html").write_text(f"<p>{content}</p>")
        (tx.restricted_staging / "canonical").mkdir()
        (tx.restricted_staging / "canonical" / "persons.parquet").write_text(content)
        tx.stage_manifest({"run": content})
        tx.commit()


def _manifest(out: Path) -> dict:
    return json.loads((out / MANIFEST).read_text())


def test_commit_publishes_a_verified_release_and_a_private_restricted_folder(tmp_path) -> None:
    out = tmp_path / "out"
    _publish(out, "one")
    assert verify_release(out) == []
    m = _manifest(out)
    assert m["run"] == "one" and sorted(m["files"]) == [
        "report.html",
        "tables/a.csv",
        "tables/b.csv",
    ]
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "report.html", "tables"]
    restricted = default_restricted_dir(out)
    assert restricted == tmp_path / "out.restricted"
    assert (restricted / "canonical" / "persons.parquet").read_text() == "one"
    for p in [restricted, *restricted.rglob("*")]:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode == (0o700 if p.is_dir() else 0o600), p


def test_non_empty_out_is_refused_without_overwrite(tmp_path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputRefused, match="not empty.*--overwrite"):
        OutputTransaction(out).begin()
    assert (out / "notes.txt").read_text() == "mine"  # untouched
    assert not any(p.name.startswith(".") for p in out.iterdir())  # no lock, no staging left


def test_overwrite_replaces_every_old_file(tmp_path) -> None:
    out = tmp_path / "out"
    _publish(out, "one", extra="stale.txt")
    _publish(out, "two", overwrite=True)
    assert verify_release(out) == []
    assert not (out / "stale.txt").exists()
    assert (out / "tables" / "a.csv").read_text() == "a,two\n"


def test_verify_release_names_what_is_wrong(tmp_path) -> None:
    out = tmp_path / "out"
    _publish(out, "one")
    (out / "tables" / "a.csv").write_text("changed\n")
    (out / "planted.csv").write_text("x\n")
    problems = verify_release(out)
    assert any("a.csv: sha256 differs" in p for p in problems)
    assert any("planted.csv: not listed" in p for p in problems)
    (out / MANIFEST).unlink()
    assert verify_release(out) == [f"{out / MANIFEST}: missing (the folder holds no release)"]


def test_a_failed_run_publishes_nothing_and_keeps_the_old_release(tmp_path) -> None:
    out = tmp_path / "out"
    _publish(out, "one")
    before = _manifest(out)
    with (
        pytest.raises(RuntimeError, match="gate"),
        OutputTransaction(out, overwrite=True) as tx,
    ):
        (tx.staging / "tables").mkdir()
        (tx.staging / "tables" / "a.csv").write_text("leaky\n")
        tx.stage_manifest({"run": "two"})
        raise RuntimeError("personal-data gate found something")
    assert verify_release(out) == [] and _manifest(out) == before
    assert not list(out.glob(".staging-*")) and not (out / ".lock").exists()
    assert not list(default_restricted_dir(out).glob(".staging-*"))


class Killed(Exception):
    """Stands for SIGKILL at one filesystem step (nothing after it runs but the cleanup)."""


COMMIT_STEPS = 30  # more than the replace/unlink/rmdir calls of a run and its cleanup


@pytest.mark.parametrize("crash_at", range(COMMIT_STEPS))
def test_a_commit_stopped_at_any_step_leaves_the_old_release_or_none(
    tmp_path, monkeypatch, crash_at: int
) -> None:
    """Every filesystem step of a commit, stopped in turn: old complete, new complete, or none."""
    out = tmp_path / "out"
    _publish(out, "one", extra="old-only.txt")
    old = _manifest(out)
    calls = {"n": 0}

    def stopping(real):
        def step(*args, **kwargs):
            if calls["n"] == crash_at:
                raise Killed(f"step {crash_at}")
            calls["n"] += 1
            return real(*args, **kwargs)

        return step

    for name in ("replace", "unlink", "rmdir"):
        monkeypatch.setattr(output_folder.os, name, stopping(getattr(os, name)))
    monkeypatch.setattr(output_folder.shutil, "rmtree", stopping(output_folder.shutil.rmtree))
    with contextlib.suppress(Killed):
        _publish(out, "two", overwrite=True)
    monkeypatch.undo()
    problems = verify_release(out)
    if (out / MANIFEST).exists():
        assert problems == []
        assert _manifest(out)["run"] in ("one", "two")
        if _manifest(out)["run"] == "one":
            assert _manifest(out) == old
    else:
        assert problems == [f"{out / MANIFEST}: missing (the folder holds no release)"]


def test_a_second_run_into_a_locked_folder_stops_with_the_holder_pid(tmp_path) -> None:
    out = tmp_path / "out"
    with (
        OutputTransaction(out),
        pytest.raises(OutputLocked, match=rf"another run \(pid {os.getpid()}\)"),
    ):
        OutputTransaction(out, overwrite=True).begin()


def test_the_lock_of_a_killed_run_is_taken_over(tmp_path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from microcred.output_folder import FolderLock; "
            f"FolderLock({str(folder)!r}).acquire(); print('locked', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(OutputLocked, match=f"pid {holder.pid}"):
            FolderLock(folder).acquire()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert (folder / ".lock").exists()  # left behind by the killed holder
    deadline = time.monotonic() + 5
    lock = FolderLock(folder)
    while True:
        try:
            lock.acquire()
            break
        except OutputLocked:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    lock.release()
    assert not (folder / ".lock").exists()


def test_stale_staging_folders_are_cleared_and_do_not_count_as_content(tmp_path) -> None:
    out = tmp_path / "out"
    (out / ".staging-deadbeef" / "tables").mkdir(parents=True)
    (out / ".staging-deadbeef" / "tables" / "half.csv").write_text("x")
    _publish(out, "one")  # no --overwrite needed: a killed run's staging is not a release
    assert not (out / ".staging-deadbeef").exists() and verify_release(out) == []


def test_restricted_folder_inside_the_release_is_refused(tmp_path) -> None:
    out = tmp_path / "out"
    with pytest.raises(OutputRefused, match="must not contain each other"):
        OutputTransaction(out, restricted=out / "restricted").begin()


def test_the_crash_points_cover_a_whole_commit(tmp_path, monkeypatch) -> None:
    """A commit and its cleanup take fewer steps than the crash points tried above."""
    out = tmp_path / "out"
    _publish(out, "one", extra="old-only.txt")
    calls = {"n": 0}

    def counting(real):
        def step(*args, **kwargs):
            calls["n"] += 1
            return real(*args, **kwargs)

        return step

    for name in ("replace", "unlink", "rmdir"):
        monkeypatch.setattr(output_folder.os, name, counting(getattr(os, name)))
    monkeypatch.setattr(output_folder.shutil, "rmtree", counting(output_folder.shutil.rmtree))
    _publish(out, "two", overwrite=True)
    monkeypatch.undo()
    assert 5 < calls["n"] < COMMIT_STEPS


def test_demo_refuses_a_folder_that_is_not_a_demo_s(tmp_path) -> None:
    from microcred.demo import run_demo

    (tmp_path / "input").mkdir()  # a demo's own folder is fine…
    (tmp_path / "thesis.docx").write_text("…but this is not the demo's")
    with pytest.raises(OutputRefused, match=r"not a demo's \(thesis.docx\).*--overwrite"):
        run_demo(profiles=100, out=tmp_path, seed=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["input", "thesis.docx"]


def test_outputs_may_not_overlap_the_input(tmp_path) -> None:
    """With --overwrite, an input inside --out would be deleted; refuse before touching it."""
    data = tmp_path / "exports"
    (data / "person1").mkdir(parents=True)
    cases = [
        (data, None, data / "person1"),  # the input inside --out
        (data / "run", None, data),  # --out inside the input folder
        (tmp_path / "out", data / "r", data),  # the restricted folder inside the input
    ]
    for out, restricted, given in cases:
        with pytest.raises(OutputRefused, match="overlap"):
            OutputTransaction(out, restricted, overwrite=True, inputs=(given,)).begin()
    assert (data / "person1").is_dir() and not (data / ".lock").exists()
    with OutputTransaction(tmp_path / "out", inputs=(data,)):  # side by side is fine
        pass


def test_overwrite_replaces_only_what_a_run_wrote(tmp_path) -> None:
    """``--out ~ --overwrite`` by mistake must delete nothing: foreign files stop the run."""
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    (home / "thesis.docx").write_text("years of work")
    with pytest.raises(OutputRefused, match=r"no microcred run wrote \(thesis.docx\)"):
        OutputTransaction(home, overwrite=True).begin()
    with pytest.raises(OutputRefused, match=r"no microcred run wrote \(thesis.docx\)"):
        OutputTransaction(tmp_path / "out", restricted=home, overwrite=True).begin()
    assert (home / "thesis.docx").read_text() == "years of work"
    assert stat.S_IMODE(home.stat().st_mode) == 0o755  # not made private either
    out = tmp_path / "out"
    _publish(out, "one", extra="codebook.csv")  # listed in the manifest: a run's own file
    (default_restricted_dir(out) / "notes").mkdir()  # not a restricted entry: foreign
    with pytest.raises(OutputRefused, match=r"no microcred run wrote \(notes\)"):
        OutputTransaction(out, overwrite=True).begin()
    (default_restricted_dir(out) / "notes").rmdir()
    _publish(out, "two", overwrite=True)
    assert not (out / "codebook.csv").exists() and verify_release(out) == []


def test_a_release_folder_of_the_old_layout_is_cleaned_by_overwrite(tmp_path) -> None:
    """Earlier versions wrote person-level tables into --out: ``./dev demo`` reruns over them."""
    out = tmp_path / "run"
    for name in ("canonical", "coded", "tables"):
        (out / name).mkdir(parents=True)
        (out / name / "x.parquet").write_text("old")
    (out / MANIFEST).write_text('{"outputs": []}')  # no "files": an old manifest
    _publish(out, "new", overwrite=True)
    assert verify_release(out) == [] and not (out / "canonical").exists()
