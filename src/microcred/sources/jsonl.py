"""Bulk person JSONL (one person a line), the shape licensed profile vendors deliver.

Input is a ``.jsonl`` / ``.ndjson`` file (optionally ``.gz``) or a folder of them.
Each non-blank line is a person: a line that is not a JSON object, or whose person id
was already seen, is dropped to quarantine with its line number; each entry of the
person's lists is an accounting row too, and a bad nested field is nulled and logged
(see :mod:`microcred.sources.jsonperson`).
Identity for the pseudonym is the vendor id (``id``, ``person_id``,
``public_identifier``, ...) or, failing that, ``<file>:<line>``.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from microcred.dates import DatePolicy
from microcred.pseudonym import Pseudonymizer
from microcred.sources.batch import FileAccount, SourceBatch, SourceError
from microcred.sources.builder import MAX_CELL_CHARS, ReadContext
from microcred.sources.jsonperson import JSONL_KEYS, identity_of, map_person

_loads: Callable[[bytes], Any]
try:  # orjson is ~3x faster; optional, the standard library is the fallback
    import orjson

    _loads = orjson.loads
    _JSONError: tuple[type[Exception], ...] = (orjson.JSONDecodeError, UnicodeDecodeError)
except ImportError:  # pragma: no cover - depends on the environment
    _loads = json.loads
    # ValueError: an integer of over 4300 digits; RecursionError: nesting deeper than Python's stack
    _JSONError = (json.JSONDecodeError, UnicodeDecodeError, ValueError, RecursionError)

SOURCE = "jsonl"
SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")


def find_files(root: Path) -> list[tuple[Path, str]]:
    """(path, display name relative to the root) for every JSONL file, in path order."""
    if root.is_file():
        return [(root, root.name)]
    if not root.is_dir():
        raise SourceError(f"{root}: no such file or directory")
    files = [
        p
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name.lower().endswith(SUFFIXES) and not p.name.startswith(".")
    ]
    if not files:
        raise SourceError(f"{root}: no {', '.join(SUFFIXES)} files found")
    return [(p, p.relative_to(root).as_posix()) for p in files]


# Default caps (keyword arguments of read_jsonl; the run configuration can set them).
MAX_RECORDS = 50_000_000  # person lines read per source; the rest are counted as skipped
MAX_LINE_BYTES = 16 << 20  # one person line; a longer one is quarantined without being parsed
_BOM = b"\xef\xbb\xbf"
_TOO_LONG = object()  # marks a line that was longer than the cap (its bytes are discarded)


def _lines(path: Path, max_bytes: int) -> Iterator[bytes | object]:
    """Each line's bytes, or ``_TOO_LONG`` for a line over ``max_bytes`` (read past in chunks).

    A file of one 5 GB line must not be held in memory: lines are read with a size limit.
    """
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as fh:
        while True:
            raw = fh.readline(max_bytes + 1)
            if not raw:
                return
            if len(raw) <= max_bytes or raw.endswith(b"\n"):
                yield raw
                continue
            while raw and not raw.endswith(b"\n"):  # discard the rest of the long line
                raw = fh.readline(1 << 20)
            yield _TOO_LONG


def read_jsonl(
    path: str | Path,
    pseudonymize: Pseudonymizer,
    *,
    dates: DatePolicy | None = None,
    max_records: int = MAX_RECORDS,
    max_line_bytes: int = MAX_LINE_BYTES,
    max_cell_chars: int = MAX_CELL_CHARS,
) -> SourceBatch:
    """Read a JSONL file or folder of them into a :class:`SourceBatch`.

    A row is a person line plus one per entry of its position, education, credential and
    skill lists (see :mod:`microcred.sources.jsonperson`); a line that is dropped whole
    (invalid JSON, not an object, duplicate id, over ``max_line_bytes``) is one row. Lines
    after the first ``max_records`` person lines are counted and skipped, with the reason.
    """
    root = Path(path)
    files = find_files(root)
    ctx = ReadContext(SOURCE, pseudonymize, dates, max_cell_chars)
    q = ctx.quarantine
    seen: set[str] = set()
    persons = 0
    for file_path, display in files:
        acct = ctx.account(display, encoding="utf-8")
        line_no = 0
        capped = 0
        try:
            for line_no, raw in enumerate(_lines(file_path, max_line_bytes), start=1):  # noqa: B007
                if raw is _TOO_LONG:
                    acct.rows_read += 1
                    q.drop(acct, line_no, None, f"line too large: over {max_line_bytes} bytes")
                    continue
                assert isinstance(raw, bytes)
                if line_no == 1 and raw.startswith(_BOM):  # Windows tools write one
                    raw = raw[len(_BOM) :]
                if not raw.strip():
                    continue
                acct.rows_read += 1
                if persons >= max_records:
                    capped += 1
                    continue
                _read_line(ctx, acct, raw, display, line_no, seen)
                persons += 1
        except (OSError, EOFError, zlib.error) as exc:
            if len(files) == 1 and acct.rows_read == 0:
                raise SourceError(f"{file_path}: cannot read: {exc}") from exc
            acct.rows_read += 1
            q.drop(acct, None, None, f"file unreadable after line {line_no}: {exc}")
        if capped:
            acct.skip(capped, f"record cap reached: more than {max_records} person lines")
    return ctx.finish()


def _read_line(
    ctx: ReadContext, acct: FileAccount, raw: bytes, display: str, line_no: int, seen: set[str]
) -> None:
    """One non-blank line: a person (and its entries) ingested, or the line quarantined."""
    q = ctx.quarantine
    try:
        record = _loads(raw)
    except _JSONError as exc:
        q.drop(acct, line_no, None, f"invalid JSON: {str(exc)[:120]}")
        return
    if not isinstance(record, dict):
        q.drop(acct, line_no, None, f"not a JSON object: got {type(record).__name__}")
        return
    identity = identity_of(record, JSONL_KEYS) or f"{display}:{line_no}"
    if identity in seen:
        q.drop(acct, line_no, "id", "duplicate person id: first occurrence kept")
        return
    seen.add(identity)
    map_person(ctx, record, ctx.pseudonymize(identity), display, line_no, JSONL_KEYS, acct)
    acct.rows_ingested += 1
