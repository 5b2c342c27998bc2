"""Where an input's files are: folders, zips, zips inside zips and folders, read under caps.

Why: people hand over a cohort as a folder of exports, one zip of many exports, a zip of
zips, a folder of zips, or with links and copies lying around. This module turns any of
those into one flat list of files per container, each with

* ``display`` — the path a user can find it by, relative to the input root
  (``cohort.zip/alice/Profile.csv``, ``zips/bob.zip/Skills.csv``), used in the accounting;
* ``logical`` — the path as if every zip were unpacked in place: a zip stands for a folder
  named by its stem, and a zip whose members all sit under one top folder stands for that
  folder (so ``bob/``, ``bob.zip`` and ``bob.zip`` holding ``bob/`` are the same thing).

Folders are walked with ``os.scandir``; symbolic links are followed only when they stay
inside the input root and lead somewhere not read yet (loops and second routes to the same
folder or file are listed, not followed). Zip members are inflated in chunks and refused as
soon as a cap (:class:`~microcred.limits.IngestConfig`) is passed, so a bomb is
never inflated whole. ``zipfile`` is used for reading: it is the standard, well-kept
implementation; the checks it lacks (encryption, methods it cannot inflate, ratio) are here.
"""

from __future__ import annotations

import lzma
import os
import stat
import struct
import tempfile
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from microcred.limits import IngestConfig
from microcred.sources.batch import SourceError

CHUNK = 1 << 20
RATIO_FLOOR = 1 << 20  # the ratio cap applies once this many bytes are inflated
SPOOL_IN_MEMORY = 8 << 20  # a nested zip up to this size stays in memory, larger ones spill
_READ_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,
    RuntimeError,
    OSError,
    EOFError,
    ValueError,
    KeyError,
    zlib.error,
    lzma.LZMAError,
    struct.error,
)
_SUPPORTED = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_METHOD_NAMES = {9: "Deflate64", 93: "Zstandard", 95: "XZ", 96: "JPEG", 97: "WavPack", 98: "PPMd"}
_IGNORED = {"__macosx", "thumbs.db", "desktop.ini"}


class Unreadable(Exception):
    """One file cannot be read (encrypted, unsupported, corrupt, over a cap): the reason."""


@dataclass(frozen=True)
class Member:
    """One file of the input, on disk or inside a (nested) zip."""

    display: str
    logical: tuple[str, ...]
    read: Callable[[], bytes]

    @property
    def name(self) -> str:
        return self.logical[-1]


@dataclass(frozen=True)
class Notice:
    """Something found but not read: quarantined (unreadable) or skipped on purpose."""

    display: str
    reason: str
    unreadable: bool


@dataclass
class Listing:
    """Files of one container (one folder of the input, or one zip), and what was not read."""

    members: list[Member] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


@dataclass
class _Budget:
    """Bytes still allowed to be inflated from zips in this input."""

    remaining: int


def _ignored(name: str) -> bool:
    return name.startswith(".") or name.lower() in _IGNORED


def walk_input(root: Path, limits: IngestConfig) -> Iterator[Listing]:
    """Listings: one per folder of the input (breadth first), then one per zip inside.

    Raises :class:`SourceError` only when the input as a whole cannot be read (missing,
    not a folder or zip, a zip that does not open). A zip is open only while its listing
    is being consumed, so a cohort of thousands of zips holds one at a time.
    """
    budget = _Budget(limits.max_total_bytes)
    if root.is_dir():
        yield from _disk(root, limits, budget)
        return
    if not root.exists():
        raise SourceError(f"{root}: no such file or directory")
    if not root.is_file() or root.suffix.lower() != ".zip":
        raise SourceError(f"{root}: expected a folder or a .zip file")
    try:
        zf = zipfile.ZipFile(root)
    except _READ_ERRORS as exc:
        raise SourceError(f"{root}: cannot open zip: {exc}") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            raise SourceError(
                f"{root}: {len(infos)} zip members, over ingest.max_members="
                f"{limits.max_members}; unpack it or raise the cap"
            )
        yield from _zip(zf, infos, root.name, (), 1, limits, budget)


# ---- folders ------------------------------------------------------------------------------


class _DiskWalk:
    """A breadth-first walk of the input folder, one listing per folder.

    Breadth first, so of two copies of an export the one nearer the root is met first,
    and one folder at a time, so a cohort of a million folders is never listed whole.
    """

    def __init__(self, root: Path, limits: IngestConfig) -> None:
        self.limits = limits
        self.root_real = os.path.realpath(root)
        self.seen_dirs: dict[str, str] = {self.root_real: "the input root"}
        self.seen_files: dict[tuple[int, int], str] = {}
        self.queue: deque[tuple[str, tuple[str, ...]]] = deque([(str(root), ())])
        self.links: deque[tuple[tuple[str, ...], str]] = deque()
        self.zips: list[tuple[tuple[str, ...], str]] = []

    def listings(self) -> Iterator[Listing]:
        # Links last, so a folder or file is known by its real path before any route to it.
        while self.queue or self.links:
            listing = Listing()
            if self.queue:
                self.scan(listing, *self.queue.popleft())
            else:
                self.follow(listing, *self.links.popleft())
            if listing.members or listing.notices:
                yield listing

    def add_file(
        self, listing: Listing, parts: tuple[str, ...], path: str, file_id: tuple[int, int]
    ) -> None:
        display = "/".join(parts)
        first = self.seen_files.setdefault(file_id, display)
        if first != display:
            listing.notices.append(Notice(display, f"same file as {first}: read once", False))
        elif parts[-1].lower().endswith(".zip"):
            self.zips.append((parts, path))
        else:
            listing.members.append(Member(display, parts, _disk_reader(path, self.limits)))

    def scan(self, listing: Listing, folder: str, rel: tuple[str, ...]) -> None:
        try:
            device = os.stat(folder).st_dev  # with DirEntry.inode() (free), a file's identity
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            reason = f"cannot list folder: {exc.strerror}"
            listing.notices.append(Notice("/".join(rel) or ".", reason, True))
            return
        for entry in entries:
            if _ignored(entry.name):
                continue
            parts = rel + (entry.name,)
            try:
                if entry.is_symlink():
                    self.links.append((parts, entry.path))
                elif entry.is_dir(follow_symlinks=False):
                    self.enter(listing, parts, entry.path, os.path.realpath(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    self.add_file(listing, parts, entry.path, (device, entry.inode()))
                else:
                    reason = "not a regular file or folder: not read"
                    listing.notices.append(Notice("/".join(parts), reason, False))
            except OSError as exc:
                listing.notices.append(Notice("/".join(parts), f"cannot read: {exc}", True))

    def enter(self, listing: Listing, parts: tuple[str, ...], path: str, real: str) -> None:
        if real in self.seen_dirs:
            reason = (
                f"folder already read as {self.seen_dirs[real]} (link loop or second route): "
                "not followed"
            )
            listing.notices.append(Notice("/".join(parts), reason, False))
            return
        self.seen_dirs[real] = "/".join(parts)
        self.queue.append((path, parts))

    def follow(self, listing: Listing, parts: tuple[str, ...], path: str) -> None:
        display = "/".join(parts)
        target = os.path.realpath(path)
        try:
            inside = os.path.commonpath([target, self.root_real]) == self.root_real
        except ValueError:
            inside = False
        if not inside:
            reason = "symbolic link out of the input root: not followed"
        elif not os.path.exists(target):
            reason = "broken symbolic link: not followed"
        elif os.path.isdir(target):
            return self.enter(listing, parts, target, target)
        elif os.path.isfile(target):
            st = os.stat(target)
            return self.add_file(listing, parts, target, (st.st_dev, st.st_ino))
        else:
            reason = "link to something not a regular file: not followed"
        listing.notices.append(Notice(display, reason, False))
        return None


def _disk(root: Path, limits: IngestConfig, budget: _Budget) -> Iterator[Listing]:
    walk = _DiskWalk(root, limits)
    yield from walk.listings()
    for parts, path in sorted(walk.zips):
        display = "/".join(parts)
        logical = parts[:-1] + (PurePosixPath(parts[-1]).stem,)
        yield from _open_zip(path, display, logical, 1, limits, budget)


def _disk_reader(path: str, limits: IngestConfig) -> Callable[[], bytes]:
    def read() -> bytes:
        try:
            with open(path, "rb") as fh:
                # the size first: read(cap + 1) would allocate a cap-sized buffer every time
                small = os.fstat(fh.fileno()).st_size <= limits.max_file_bytes
                data = fh.read() if small else b""
        except OSError as exc:
            raise Unreadable(f"cannot read file: {exc.strerror or exc}") from None
        if not small or len(data) > limits.max_file_bytes:
            raise Unreadable(
                f"file larger than ingest.max_file_bytes={limits.max_file_bytes}: "
                "split it or raise the cap"
            )
        return data

    return read


# ---- zips ---------------------------------------------------------------------------------


def _open_zip(
    source: str | IO[bytes],
    display: str,
    logical: tuple[str, ...],
    depth: int,
    limits: IngestConfig,
    budget: _Budget,
) -> Iterator[Listing]:
    """Listings of a zip that is not the input itself: any failure is a notice, not an error."""
    if depth > limits.max_depth:
        reason = f"zip nested deeper than ingest.max_depth={limits.max_depth}: not opened"
        yield Listing(notices=[Notice(display, reason, True)])
        return
    try:
        zf = zipfile.ZipFile(source)
    except _READ_ERRORS as exc:
        yield Listing(notices=[Notice(display, f"cannot open zip: {exc}", True)])
        return
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_members:
            reason = (
                f"{len(infos)} zip members, over ingest.max_members={limits.max_members}: "
                "not opened"
            )
            yield Listing(notices=[Notice(display, reason, True)])
            return
        yield from _zip(zf, infos, display, logical, depth, limits, budget)


def _zip(
    zf: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    display: str,
    prefix: tuple[str, ...],
    depth: int,
    limits: IngestConfig,
    budget: _Budget,
) -> Iterator[Listing]:
    listing = Listing()
    files: list[tuple[zipfile.ZipInfo, tuple[str, ...]]] = []
    for info in infos:
        if info.is_dir():
            continue
        parts = tuple(
            p for p in info.filename.replace("\\", "/").split("/") if p not in ("", ".", "..")
        )
        if not parts or any(_ignored(p) for p in parts):
            continue
        files.append((info, parts))
    tops = {parts[0] for _, parts in files}
    strip = 1 if len(tops) == 1 and all(len(parts) > 1 for _, parts in files) else 0
    nested: list[tuple[zipfile.ZipInfo, tuple[str, ...]]] = []
    for info, parts in files:
        logical = prefix + parts[strip:]
        if parts[-1].lower().endswith(".zip"):
            nested.append((info, logical[:-1] + (PurePosixPath(parts[-1]).stem,)))
        else:
            member_display = f"{display}/{info.filename}"
            reader = _member_reader(zf, info, limits, budget)
            listing.members.append(Member(member_display, logical, reader))
    yield listing
    for info, logical in nested:
        inner_display = f"{display}/{info.filename}"
        try:
            spool = _spool(zf, info, limits, budget)
        except Unreadable as exc:
            yield Listing(notices=[Notice(inner_display, str(exc), True)])
            continue
        with spool:
            yield from _open_zip(spool, inner_display, logical, depth + 1, limits, budget)


def _check_member(info: zipfile.ZipInfo) -> None:
    if info.flag_bits & 0x1:
        raise Unreadable("encrypted zip member: ask for a copy without a password")
    if info.compress_type not in _SUPPORTED:
        method = _METHOD_NAMES.get(info.compress_type, str(info.compress_type))
        raise Unreadable(
            f"unsupported zip compression method {method}: re-zip it with the standard "
            "(Deflate) method"
        )
    if stat.S_ISLNK(info.external_attr >> 16):
        raise Unreadable("symbolic link inside a zip: not followed")


def _inflate(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    cap: int,
    limits: IngestConfig,
    sink: Callable[[bytes], object],
) -> int:
    """Stream a member's bytes into ``sink``; stops at the first cap passed. Returns the size."""
    _check_member(info)
    compressed = max(info.compress_size, 1)
    total = 0
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(CHUNK):
                total += len(chunk)
                if total > cap:
                    raise Unreadable(
                        f"inflates past {cap} bytes (ingest.max_file_bytes or "
                        "ingest.max_total_bytes): not read further"
                    )
                if total > RATIO_FLOOR and total / compressed > limits.max_compression_ratio:
                    raise Unreadable(
                        f"compression ratio over ingest.max_compression_ratio="
                        f"{limits.max_compression_ratio:g} (zip bomb?): not read further"
                    )
                sink(chunk)
    except Unreadable:
        raise
    except _READ_ERRORS as exc:
        raise Unreadable(f"corrupt zip member: {exc}") from None
    return total


def _member_reader(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: IngestConfig, budget: _Budget
) -> Callable[[], bytes]:
    def read() -> bytes:
        chunks: list[bytes] = []
        cap = min(limits.max_file_bytes, budget.remaining)
        size = _inflate(zf, info, cap, limits, chunks.append)
        budget.remaining -= size
        return b"".join(chunks)

    return read


def _spool(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: IngestConfig, budget: _Budget
) -> IO[bytes]:
    """A nested zip's bytes in a seekable spool (memory, then a temporary file)."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (caller closes)
    try:
        _inflate(zf, info, budget.remaining, limits, spool.write)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool


__all__ = ["Listing", "Member", "Notice", "Unreadable", "walk_input"]
