"""JSON Resume (schema v1.x) files: one person a file; a folder of ``*.json`` is a cohort.

Read: ``work[]`` (position, name), ``education[]`` (institution, studyType, area),
``certificates[]`` (name, issuer, url, date), ``skills[]`` (name and keywords) and
``basics.location`` (region, countryCode). Everything else — names, email, phone,
address, profiles, summaries, highlights, references — is ignored. Identity for
the pseudonym is the file path relative to the input root (the file name for a
single file).
"""

from __future__ import annotations

import json
from pathlib import Path

from microcred.pseudonym import Pseudonymizer
from microcred.release.identifiers import collect_username
from microcred.sources.batch import SourceBatch, SourceError
from microcred.sources.builder import ReadContext
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


def _flatten(resume: dict) -> dict:
    """JSON Resume keeps location under basics; lift it to where map_person looks."""
    basics = resume.get("basics")
    flat = dict(resume)
    if isinstance(basics, dict) and isinstance(basics.get("location"), dict):
        loc = basics["location"]
        for key in ("countryCode", "region", "city"):
            if isinstance(loc.get(key), str):
                flat[key] = loc[key]
    return flat


def read_jsonresume(path: str | Path, pseudonymize: Pseudonymizer) -> SourceBatch:
    """Read one JSON Resume file or a folder of them into a :class:`SourceBatch`."""
    root = Path(path)
    files = _files(root)
    single = root.is_file()
    ctx = ReadContext(SOURCE, pseudonymize)
    for file_path, display in files:
        acct = ctx.account(display)
        acct.rows_read += 1
        try:
            text, acct.encoding = decode_text(file_path.read_bytes())
            resume = json.loads(text)
            if not isinstance(resume, dict):
                raise UnreadableFile(f"not a JSON object ({type(resume).__name__})")
        except (OSError, UnreadableFile, json.JSONDecodeError) as exc:
            if single:
                raise SourceError(f"{file_path}: not a JSON Resume file: {exc}") from exc
            ctx.quarantine.drop(acct, None, None, f"unreadable JSON Resume: {exc}")
            continue
        collect_username(display)  # a resume's file name is often its owner's name
        map_person(ctx, _flatten(resume), pseudonymize(display), display, 1, JSONRESUME_KEYS)
        acct.rows_ingested += 1
    return ctx.finish()
