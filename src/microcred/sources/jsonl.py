"""Bulk person JSONL (one person a line), the shape licensed profile vendors deliver.

Input is a ``.jsonl`` / ``.ndjson`` file (optionally ``.gz``) or a folder of them.
Each non-blank line is one accounting row: a line that is not a JSON object, or
whose person id was already seen, is dropped to quarantine with its line number;
a bad nested field is nulled and logged (see :mod:`microcred.sources.jsonperson`).
Identity for the pseudonym is the vendor id (``id``, ``person_id``,
``public_identifier``, ...) or, failing that, ``<file>:<line>``.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path

from microcred.pseudonym import Pseudonymizer
from microcred.sources.batch import SourceBatch, SourceError
from microcred.sources.builder import ReadContext
from microcred.sources.jsonperson import JSONL_KEYS, identity_of, map_person

try:  # orjson is ~3x faster; optional, the standard library is the fallback
    import orjson

    _loads = orjson.loads
    _JSONError: tuple[type[Exception], ...] = (orjson.JSONDecodeError, UnicodeDecodeError)
except ImportError:  # pragma: no cover - depends on the environment
    _loads = json.loads
    _JSONError = (json.JSONDecodeError, UnicodeDecodeError)

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


def _lines(path: Path) -> Iterator[bytes]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as fh:
        yield from fh


def read_jsonl(path: str | Path, pseudonymize: Pseudonymizer) -> SourceBatch:
    """Read a JSONL file or folder of them into a :class:`SourceBatch`."""
    root = Path(path)
    files = find_files(root)
    ctx = ReadContext(SOURCE, pseudonymize)
    q = ctx.quarantine
    seen: set[str] = set()
    for file_path, display in files:
        acct = ctx.account(display, encoding="utf-8")
        line_no = 0
        try:
            for line_no, raw in enumerate(_lines(file_path), start=1):  # noqa: B007
                if not raw.strip():
                    continue
                acct.rows_read += 1
                try:
                    record = _loads(raw)
                except _JSONError as exc:
                    q.drop(acct, line_no, None, f"invalid JSON: {str(exc)[:120]}")
                    continue
                if not isinstance(record, dict):
                    q.drop(acct, line_no, None, f"not a JSON object ({type(record).__name__})")
                    continue
                identity = identity_of(record, JSONL_KEYS) or f"{display}:{line_no}"
                if identity in seen:
                    q.drop(acct, line_no, "id", "duplicate person id (first occurrence kept)")
                    continue
                seen.add(identity)
                map_person(ctx, record, pseudonymize(identity), display, line_no, JSONL_KEYS)
                acct.rows_ingested += 1
        except (OSError, EOFError, zlib.error) as exc:
            if len(files) == 1 and acct.rows_read == 0:
                raise SourceError(f"{file_path}: cannot read: {exc}") from exc
            acct.rows_read += 1
            q.drop(acct, None, None, f"file unreadable after line {line_no}: {exc}")
    return ctx.finish()
