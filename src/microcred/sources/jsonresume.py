"""JSON Resume (schema v1.x) files: one person a file; a folder of ``*.json`` is a cohort.

Read: ``work[]`` (position, name), ``education[]`` (institution, studyType, area),
``certificates[]`` (name, issuer, url, date), ``skills[]`` (name and keywords) and
``basics.location`` (region, countryCode). Everything else — names, email, phone,
address, profiles, summaries, highlights, references — is ignored. Identity for
the pseudonym is the file path relative to the input root (the file name for a
single file).

Accounting: a file is one row for its person plus one row per entry of ``work``,
``education``, ``certificates`` and ``skills`` (see :mod:`microcred.sources.jsonperson`);
a file that cannot be read as a JSON object, or is over ``max_file_bytes``, is one
quarantined row. Files after the first ``max_records`` are counted and skipped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from microcred.dates import DatePolicy
from microcred.pseudonym import Pseudonymizer
from microcred.release.identifiers import collect_username
from microcred.sources.batch import FileAccount, SourceBatch, SourceError
from microcred.sources.builder import MAX_CELL_CHARS, ReadContext
from microcred.sources.jsonperson import JSONRESUME_KEYS, map_person
from microcred.sources.textio import UnreadableFile, decode_text

SOURCE = "jsonresume"


def _files(root: Path) -> list[tuple[Path, str]]:
    if root.is_file():
        return [(root, root.name)]
    if not root.is_dir():
        raise SourceError(f"{root}: no such file or directory")
    files = [p for p in sorted(root.rglob("*.json")) if p.is_file() and not p.name.startswith(".")]
    files = [p for p in files if p.name != "schema.json"]  # the schema shipped beside samples
    if not files:
        raise SourceError(f"{root}: no *.json files found")
    return [(p, p.relative_to(root).as_posix()) for p in files]


def _flatten(resume: dict[str, Any]) -> dict[str, Any]:
    """JSON Resume keeps location under basics; lift it to where map_person looks."""
    basics = resume.get("basics")
    flat = dict(resume)
    if isinstance(basics, dict) and isinstance(basics.get("location"), dict):
        loc = basics["location"]
        for key in ("countryCode", "region", "city"):
            if isinstance(loc.get(key), str):
                flat[key] = loc[key]
    return flat


MAX_RECORDS = 1_000_000  # résumé files read per source; the rest are counted as skipped
MAX_FILE_BYTES = 16 << 20  # one résumé; a larger file is quarantined without being parsed


def read_jsonresume(
    path: str | Path,
    pseudonymize: Pseudonymizer,
    *,
    dates: DatePolicy | None = None,
    max_records: int = MAX_RECORDS,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_cell_chars: int = MAX_CELL_CHARS,
) -> SourceBatch:
    """Read one JSON Resume file or a folder of them into a :class:`SourceBatch`."""
    root = Path(path)
    files = _files(root)
    single = root.is_file()
    ctx = ReadContext(SOURCE, pseudonymize, dates, max_cell_chars)
    for n, (file_path, display) in enumerate(files):
        acct = ctx.account(display)
        acct.rows_read += 1
        if n >= max_records:
            acct.skip(1, f"record cap reached: more than {max_records} files")
            continue
        try:
            resume = _load(file_path, max_file_bytes, acct)
        except (OSError, UnreadableFile) as exc:
            if single:
                raise SourceError(f"{file_path}: not a JSON Resume file: {exc}") from exc
            ctx.quarantine.drop(acct, None, None, f"unreadable JSON Resume: {exc}")
            continue
        collect_username(display)  # a resume's file name is often its owner's name
        map_person(ctx, _flatten(resume), pseudonymize(display), display, 1, JSONRESUME_KEYS, acct)
        acct.rows_ingested += 1
    return ctx.finish()


def _load(file_path: Path, max_file_bytes: int, acct: FileAccount) -> dict[str, Any]:
    """The résumé as a dict, else UnreadableFile saying why (too large, not JSON, not an object)."""
    size = file_path.stat().st_size
    if size > max_file_bytes:
        raise UnreadableFile(f"file too large: {size} bytes, over {max_file_bytes}")
    text, encoding = decode_text(file_path.read_bytes())
    acct.encoding = encoding
    try:
        resume = json.loads(text)
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        # RecursionError: nesting deeper than the stack; ValueError: a 5000-digit integer
        raise UnreadableFile(f"invalid JSON: {str(exc)[:120] or type(exc).__name__}") from None
    if not isinstance(resume, dict):
        raise UnreadableFile(f"not a JSON object: got {type(resume).__name__}")
    return resume
