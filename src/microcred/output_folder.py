"""A run's output folder as a transaction: staged, checked, then published whole or not at all.

Why: an agency signs off a folder only if it is the complete, checked release. So a run
never writes into ``--out`` directly. It

1. takes a lock on ``--out`` (and on the restricted folder), so a second run into the same
   folder stops at once with one line naming the run that holds it; the lock is an
   ``fcntl.flock`` on ``.lock``, which the kernel drops when its process dies, so a lock
   left by a killed run is stale by construction and is simply taken over;
2. refuses a non-empty ``--out`` unless ``overwrite`` is given;
3. writes the release into ``--out/.staging-<id>/`` and the restricted, person-level
   outputs into ``<restricted>/.staging-<id>/`` (both owner-only, 0700);
4. after the checks (disclosure audit, personal-data gate) ran on the staging folder,
   *commits*: removes the old ``manifest.json`` first (from then on the folder holds no
   release), replaces the old files, and writes the new ``manifest.json`` last, atomically,
   with the sha256 of every released file.

A folder is a release only when its ``manifest.json`` lists every file in it with a
matching sha256 (:func:`verify_release`). Whatever moment a run is killed at, ``--out``
holds the previous complete release, no release (no manifest), or the new complete one.
A failed check removes the staging folders, so nothing of that run is published.

Restricted outputs (canonical and coded person-level tables, quarantine, per-file
accounting, audit details) go to a separate folder, by default the sibling
``<out>.restricted/``, never inside ``--out``: the release folder can be copied out whole.
Every directory there is 0700 and every file 0600.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
from pathlib import Path
from typing import Any

from microcred.errors import UserError
from microcred.manifest import file_sha256
from microcred.run_layout import (
    LOCK,
    MANIFEST,
    RESTRICTED_INDEX,
    RESTRICTED_SUFFIX,
    RUN_LOG,
    STAGING_PREFIX,
    RunLayout,
    default_restricted_dir,
)

_OWNER_DIR = 0o700
_OWNER_FILE = 0o600
# what a run writes at the top of each folder (more comes from the manifest / index):
# ``--overwrite`` replaces these and nothing else, so a mistaken ``--out ~`` deletes nothing
# ("canonical" and "coded": versions before the restricted folder wrote them into --out; an
# overwrite removes them from the release folder)
RELEASE_ENTRIES = frozenset(
    {"tables", "figures", "report.html", "report.pdf", "release.xlsx", MANIFEST}
    | {"canonical", "coded"}
)
RESTRICTED_ENTRIES = frozenset(
    {"canonical", "coded", "audit", "accounting.parquet", RESTRICTED_INDEX}
)


class OutputRefused(UserError):
    """An expected refusal to start (folder locked or not empty): one line saying what to do.

    A :class:`UserError`: the command line prints it as one line and exits with code 2.
    """


class OutputLocked(OutputRefused):
    """Another run holds the folder's lock."""


def _is_internal(name: str) -> bool:
    """The lock, the run log and the staging folders of (possibly killed) runs: not part of
    any release (the log is written while the release is swapped, and outlives a failed run)."""
    return name in (LOCK, RUN_LOG) or name.startswith(STAGING_PREFIX)


def _visible_entries(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if not _is_internal(p.name))


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class FolderLock:
    """An exclusive, non-blocking ``flock`` on ``folder/.lock`` holding the owner's pid.

    Why flock: the kernel releases it when the holder dies (even by SIGKILL), so a lock
    file left behind never blocks a later run; the pid in it only names the holder in
    the error message. The file is removed on release; an acquirer checks it still
    locks the file at that path, so it never holds a lock on an unlinked file.
    """

    def __init__(self, folder: Path):
        self.path = Path(folder) / LOCK
        self._fd: int | None = None

    def acquire(self) -> None:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, _OWNER_FILE)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                raise OutputLocked(
                    f"{self.path.parent}: another run{self._holder()} is writing here; "
                    "wait for it to finish or choose another folder"
                ) from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the holder removed the file as we opened it: try again
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def _holder(self) -> str:
        try:
            pid = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return ""
        return f" (pid {pid})" if pid.isdigit() else ""

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        os.close(self._fd)
        self._fd = None


def _owner_only(root: Path) -> None:
    """0700 on every directory and 0600 on every file under ``root`` (and on ``root``)."""
    os.chmod(root, _OWNER_DIR)
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            os.chmod(Path(dirpath) / d, _OWNER_DIR)
        for f in filenames:
            os.chmod(Path(dirpath) / f, _OWNER_FILE)


def released_files(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` by POSIX relative path (sorted), manifest excluded."""
    files: dict[str, str] = {}
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        if rel != MANIFEST and not _is_internal(rel.split("/", 1)[0]):
            files[rel] = file_sha256(path)
    return files


def verify_release(out: Path) -> list[str]:
    """Why ``out`` is not a complete release ([] when it is one).

    A release is a ``manifest.json`` whose ``files`` lists every file in the folder
    (lock and staging folders aside) with its sha256.
    """
    out = Path(out)
    manifest_path = out / MANIFEST
    if not manifest_path.is_file():
        return [f"{manifest_path}: missing (the folder holds no release)"]
    try:
        listed = json.loads(manifest_path.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError, TypeError) as exc:
        return [f"{manifest_path}: unreadable or without 'files' ({exc})"]
    found = released_files(out)
    problems = [
        f"{out / rel}: not listed in the manifest" for rel in sorted(set(found) - set(listed))
    ]
    for rel, digest in sorted(listed.items()):
        if rel not in found:
            problems.append(f"{out / rel}: listed in the manifest but missing")
        elif found[rel] != digest:
            problems.append(f"{out / rel}: sha256 differs from the manifest")
    return problems


def _run_entries(folder: Path, restricted: bool) -> set[str]:
    """Top-level names an earlier run wrote in ``folder`` (defaults + its manifest / index)."""
    if restricted:
        names = set(RESTRICTED_ENTRIES)
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError, AttributeError):
            index = json.loads((folder / RESTRICTED_INDEX).read_text(encoding="utf-8"))
            names.update(str(n) for n in index["entries"])
        return names
    names = set(RELEASE_ENTRIES)
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError, AttributeError):
        files = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]
        names.update(str(rel).split("/", 1)[0] for rel in files)
    return names


class OutputTransaction:
    """Staging folders for one run, published by :meth:`commit` or dropped by :meth:`abort`.

    Use as a context manager: leaving it by an exception aborts (stagings removed), and
    the locks are always released.
    """

    def __init__(
        self,
        out: Path,
        restricted: Path | None = None,
        overwrite: bool = False,
        inputs: tuple[Path, ...] = (),
        layout: RunLayout | None = None,
    ):
        """``inputs``: the run's input files/folders, which may not overlap either folder
        (``overwrite`` would delete them, and a rerun would read its own outputs).
        ``layout``: the run's paths (else made from ``out`` and ``restricted``)."""
        self.layout = layout or RunLayout.create(out, restricted)
        self.out = self.layout.out
        self.inputs = tuple(Path(p).absolute() for p in inputs)
        self.restricted = self.layout.restricted
        self.overwrite = overwrite
        self.run_id = self.layout.run_id
        self.staging = self.layout.staging
        self.restricted_staging = self.layout.restricted_staging
        self._locks: list[FolderLock] = []
        self.committed = False

    # ---- opening ----------------------------------------------------------------------
    def begin(self) -> OutputTransaction:
        out, restricted = self.out, self.restricted
        if out == restricted or out in restricted.parents or restricted in out.parents:
            raise OutputRefused(
                f"restricted folder {restricted} and release folder {out} must not contain "
                "each other; choose a restricted folder outside --out"
            )
        for folder in (out, restricted):
            if folder.exists() and not folder.is_dir():
                raise OutputRefused(f"{folder} exists and is not a folder; choose a folder path")
            for given in self.inputs:
                if given == folder or folder in given.parents or given in folder.parents:
                    raise OutputRefused(
                        f"output folder {folder} and input {given} overlap; "
                        "write the outputs outside the input (and the input outside them)"
                    )
        try:
            self._open(out, private=False)
            self._open(restricted, private=True)
            self.staging.mkdir(mode=_OWNER_DIR)
            self.restricted_staging.mkdir(mode=_OWNER_DIR)
        except BaseException:
            self.abort()
            self._release_locks()
            raise
        return self

    def _open(self, folder: Path, private: bool) -> None:
        """Create, lock, clear stale stagings; refuse when non-empty without ``overwrite``,
        and with it when the folder holds anything a run did not write."""
        folder.mkdir(parents=True, exist_ok=True)
        lock = FolderLock(folder)
        lock.acquire()
        self._locks.append(lock)
        for stale in folder.glob(f"{STAGING_PREFIX}*"):  # left by a killed run: we hold the lock
            _remove(stale)
        entries = _visible_entries(folder)
        if entries and not self.overwrite:
            raise OutputRefused(
                f"{folder} is not empty (an earlier run's files?); pass --overwrite to replace "
                "its contents, or choose an empty folder"
            )
        ours = _run_entries(folder, restricted=private)
        foreign = [p.name for p in entries if p.name not in ours]
        if foreign:
            raise OutputRefused(
                f"{folder} holds files no microcred run wrote ({', '.join(foreign[:3])}); "
                "--overwrite replaces only a run's outputs: move them away or choose another folder"
            )
        if private:
            os.chmod(folder, _OWNER_DIR)

    def __enter__(self) -> OutputTransaction:
        return self.begin()

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if not self.committed:
                self.abort()
        finally:
            self._release_locks()

    # ---- closing ----------------------------------------------------------------------
    def stage_manifest(self, manifest: dict[str, Any]) -> dict[str, Any]:
        """Write ``manifest`` plus the sha256 of every staged file into the staging folder.

        Why before the checks: the personal-data gate then scans the very bytes that
        :meth:`commit` publishes. Returns the manifest as written.
        """
        manifest = {**manifest, "files": released_files(self.staging)}
        data = json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n"
        self.layout.staged_manifest.write_text(data, encoding="utf-8")
        return manifest

    def commit(self) -> None:
        """Publish the staged release, ``manifest.json`` last (see :meth:`stage_manifest`).

        The restricted folder is swapped in first (it is never published). Then the old
        manifest goes (the folder stops being a release), the old files go, the staged
        ones are renamed in, and the staged manifest is renamed into place: one atomic step.
        """
        staged_manifest = self.layout.staged_manifest
        if not staged_manifest.is_file():
            raise RuntimeError(f"{self.staging}: no staged manifest; call stage_manifest first")
        entries = sorted(p.name for p in self.restricted_staging.iterdir())
        index = {"run_id": self.run_id, "entries": entries}
        self.layout.restricted_index.write_text(json.dumps(index, indent=2) + "\n")
        _owner_only(self.restricted_staging)
        self._swap_in(self.restricted_staging, self.restricted)
        for path in self.staging.rglob("*"):
            if path.is_file():
                _fsync_file(path)
        with contextlib.suppress(FileNotFoundError):
            self.layout.manifest.unlink()
        _fsync_dir(self.out)
        self._swap_in(self.staging, self.out, keep=MANIFEST)
        os.replace(staged_manifest, self.layout.manifest)
        _remove(self.staging)
        _fsync_dir(self.out)
        self.committed = True

    @staticmethod
    def _swap_in(staging: Path, folder: Path, keep: str | None = None) -> None:
        """Replace ``folder``'s visible entries by ``staging``'s (all but ``keep``)."""
        for old in _visible_entries(folder):
            _remove(old)
        for new in sorted(staging.iterdir()):
            if new.name != keep:
                os.replace(new, folder / new.name)
        if keep is None:
            _remove(staging)
        _fsync_dir(folder)

    def abort(self) -> None:
        """Drop both staging folders: nothing of a failed run is published."""
        for staging in (self.staging, self.restricted_staging):
            with contextlib.suppress(OSError):
                _remove(staging)

    def _release_locks(self) -> None:
        for lock in reversed(self._locks):
            lock.release()
        self._locks.clear()


def _fsync_file(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


__all__ = [
    "LOCK",
    "MANIFEST",
    "RESTRICTED_SUFFIX",
    "STAGING_PREFIX",
    "FolderLock",
    "OutputLocked",
    "OutputRefused",
    "OutputTransaction",
    "default_restricted_dir",
    "released_files",
    "verify_release",
]
