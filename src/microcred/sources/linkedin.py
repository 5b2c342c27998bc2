"""LinkedIn "Download your data" exports: a folder or .zip per person, a folder of them = a cohort.

Only the files and columns the study needs are read; names, address, birth date,
headline, summary, websites, position descriptions, education notes and the
content of Connections.csv (other people's names) never leave this module.
Person identity for the pseudonym is the export's path relative to the cohort
root, without a ``.zip`` suffix (so a folder and its zipped copy are one person).
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

from microcred.dates import DateParseError, ParsedDate, is_present, parse_date
from microcred.geo import normalise_location
from microcred.pseudonym import Pseudonymizer
from microcred.release.identifiers import collect_person_name, collect_username
from microcred.sources.batch import FileAccount, SourceBatch, SourceError
from microcred.sources.builder import ReadContext, clean_text
from microcred.sources.fields import split_degree, url_host
from microcred.sources.textio import (
    UnreadableFile,
    decode_text,
    parse_csv,
    resolve_columns,
    skip_preamble,
)

SOURCE = "linkedin-export"
LEARNING_AUTHORITY = "LinkedIn Learning"

# canonical key → header aliases (normalised: lower case, single spaces)
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "profile.csv": {
        "geo": ("geo location", "location", "geo"),
        "industry": ("industry", "industry name"),
        "first_name": ("first name",),  # read only for the personal-data gate (keyed hashes)
        "last_name": ("last name",),
    },
    "positions.csv": {
        "company": ("company name", "company", "organization", "employer"),
        "title": ("title", "position", "job title"),
        "location": ("location", "geo location"),
        "start": ("started on", "start date", "start", "from"),
        "end": ("finished on", "end date", "end", "to"),
    },
    "education.csv": {
        "school": ("school name", "school", "institution"),
        "degree": ("degree name", "degree"),
        "field": ("field of study", "field", "major"),
        "start": ("start date", "started on", "start"),
        "end": ("end date", "finished on", "end"),
    },
    "certifications.csv": {
        "name": ("name", "certification name", "certification", "title"),
        "url": ("url", "credential url", "link"),
        "authority": ("authority", "issuing organization", "issuer", "organization"),
        "start": ("started on", "issue date", "issued on", "start date"),
        "end": ("finished on", "expiration date", "expires on", "end date"),
        "license": ("license number", "licence number", "credential id", "certificate id"),
    },
    "skills.csv": {"name": ("name", "skill", "skill name")},
    "learning.csv": {
        "title": ("content title", "title"),
        "type": ("content type", "type"),
        "completed": (
            "content completed at (if completed)",
            "content completed at",
            "completed at",
            "completed on",
        ),
    },
    # Read only to parse past the preamble and count rows; no column is used.
    "connections.csv": {},
}
# A file without any of these columns is not the file we think it is.
REQUIRED_ANY: dict[str, tuple[str, ...]] = {
    "positions.csv": ("title", "company"),
    "education.csv": ("school", "degree"),
    "certifications.csv": ("name",),
    "skills.csv": ("name",),
    "learning.csv": ("title",),
}
KNOWN_FILES = frozenset(ALIASES) | {"languages.csv"}
_SKIP_DIRS = {"__macosx"}


# ---- where the exports are ---------------------------------------------------------------


@dataclass(frozen=True)
class Export:
    """One person's export: a folder or a zip, addressed relative to the cohort root."""

    path: Path
    rel: str  # posix path relative to the cohort root (the display prefix for files)
    is_zip: bool

    @property
    def identity(self) -> str:
        return self.rel[:-4] if self.is_zip and self.rel.lower().endswith(".zip") else self.rel

    def files(self) -> dict[str, str]:
        """Lower-case basename → member name/path, for the LinkedIn files we know."""
        found: dict[str, str] = {}
        if self.is_zip:
            with zipfile.ZipFile(self.path) as zf:
                names = sorted(zf.namelist(), key=lambda n: (n.count("/"), n))
            for name in names:
                base = PurePosixPath(name).name.lower()
                if base in KNOWN_FILES and "__macosx" not in name.lower():
                    found.setdefault(base, name)
        else:
            for child in sorted(self.path.iterdir()):
                if child.is_file() and child.name.lower() in KNOWN_FILES:
                    found.setdefault(child.name.lower(), child.name)
        return found

    def read(self, member: str) -> bytes:
        if self.is_zip:
            with zipfile.ZipFile(self.path) as zf:
                return zf.read(member)
        return (self.path / member).read_bytes()


def _is_export_dir(path: Path) -> bool:
    return any(c.is_file() and c.name.lower() in KNOWN_FILES for c in path.iterdir())


def find_exports(root: Path) -> list[Export]:
    """Every export under ``root`` (the root itself when it is one), in path order."""
    if root.is_file():
        if root.suffix.lower() != ".zip":
            raise SourceError(f"{root}: a LinkedIn export must be a folder or a .zip file")
        return [Export(root, root.name, True)]
    if not root.is_dir():
        raise SourceError(f"{root}: no such file or directory")
    if _is_export_dir(root):
        return [Export(root, root.name, False)]
    exports: list[Export] = []

    def walk(folder: Path) -> None:
        for child in sorted(folder.iterdir()):
            if child.name.startswith(".") or child.name.lower() in _SKIP_DIRS:
                continue
            rel = child.relative_to(root).as_posix()
            if child.is_dir():
                if _is_export_dir(child):
                    exports.append(Export(child, rel, False))
                else:
                    walk(child)
            elif child.suffix.lower() == ".zip":
                exports.append(Export(child, rel, True))

    walk(root)
    if not exports:
        raise SourceError(
            f"{root}: no LinkedIn export (folder with Profile.csv, Positions.csv, ... or .zip)"
        )
    return exports


# ---- reading one export ------------------------------------------------------------------


class _ExportReader:
    """Reads the files of one export into the shared context."""

    def __init__(self, ctx: ReadContext, export: Export, files: dict[str, str]):
        self.ctx = ctx
        self.export = export
        self.files = files
        self.person_id = ctx.pseudonymize(export.identity)
        collect_username(export.identity)  # export folders and zips are often named after people
        self.languages: list[str] = []

    def display(self, base: str) -> str:
        return f"{self.export.rel}/{self.files.get(base, base.capitalize())}"

    def rows(self, base: str) -> Iterator[tuple[FileAccount, int, dict[str, str], dict[str, str]]]:
        """(account, 1-based row, values by key, header by key) for each readable data row."""
        if base not in self.files:
            return
        q = self.ctx.quarantine
        acct = self.ctx.account(self.display(base))
        try:
            text, acct.encoding = decode_text(self.export.read(self.files[base]))
            text, _ = skip_preamble(text) if base == "connections.csv" else (text, 0)
            header, records = parse_csv(text)
        except (UnreadableFile, OSError, zipfile.BadZipFile, zlib.error) as exc:
            acct.rows_read += 1
            q.drop(acct, None, None, f"unreadable file: {exc}")
            return
        columns, names = _columns(base, tuple(header))
        required = REQUIRED_ANY.get(base, ())
        missing = bool(required) and not any(k in columns for k in required)
        for rec in records:
            acct.rows_read += 1
            if rec.values is None:
                q.drop(acct, rec.row, None, rec.error or "unreadable row")
            elif missing:
                q.drop(acct, rec.row, None, f"none of the columns {required} in the header")
            else:
                yield acct, rec.row, {k: rec.values[i] for k, i in columns.items()}, names

    def date(self, value: str | None) -> ParsedDate | None:
        parsed = parse_date(value.strip() if value else None)
        if parsed and parsed.language:
            self.languages.append(parsed.language)
        return parsed

    def bad_date(self, acct: FileAccount, row: int, fld: str, exc: DateParseError) -> None:
        self.ctx.quarantine.drop(acct, row, fld, str(exc))

    # -- files --

    def profile(self) -> tuple[str | None, str | None, str | None]:
        """(country, province, industry) from the first readable Profile.csv row."""
        if "profile.csv" not in self.files:
            self.ctx.quarantine.null_field(
                self.display("profile.csv"),
                None,
                "Profile.csv",
                "missing file: country, province and industry unknown",
            )
            return None, None, None
        result: tuple[str | None, str | None, str | None] | None = None
        for acct, _row, values, _names in self.rows("profile.csv"):
            acct.rows_ingested += 1
            collect_person_name(values.get("first_name"), values.get("last_name"))
            if result is None:
                loc = normalise_location(clean_text(values.get("geo")))
                result = (loc.country, loc.province, clean_text(values.get("industry")))
        return result or (None, None, None)

    def positions(self) -> None:
        add = self.ctx.rows.position
        for acct, row, v, names in self.rows("positions.csv"):
            try:
                start = self.date(v.get("start"))
            except DateParseError as exc:
                self.bad_date(acct, row, names["start"], exc)
                continue
            finished = v.get("end")
            try:
                end = self.date(finished)
            except DateParseError as exc:
                self.bad_date(acct, row, names["end"], exc)
                continue
            loc = normalise_location(clean_text(v.get("location")))
            current = not (finished or "").strip() or is_present(finished)
            title, company = clean_text(v.get("title")), clean_text(v.get("company"))
            add(
                self.person_id,
                row - 1,
                title,
                company,
                loc.province,
                loc.country,
                start,
                end,
                current,
            )
            acct.rows_ingested += 1

    def educations(self) -> None:
        add = self.ctx.rows.education
        for acct, row, v, names in self.rows("education.csv"):
            try:
                start = self.date(v.get("start"))
                end = self.date(v.get("end"))
            except DateParseError as exc:
                which = "start" if _fails(v.get("start")) else "end"
                self.bad_date(acct, row, names[which], exc)
                continue
            raw_degree = clean_text(v.get("degree"))
            field = clean_text(v.get("field"))
            degree, split_field = (raw_degree, None) if field else split_degree(raw_degree)
            add(
                self.person_id,
                row - 1,
                clean_text(v.get("school")),
                degree,
                field or split_field,
                start,
                end,
            )
            acct.rows_ingested += 1

    def certifications(self) -> int:
        """Certification rows; returns how many rows were read (the learning idx offset)."""
        add = self.ctx.rows.credential
        read = 0
        for acct, row, v, names in self.rows("certifications.csv"):
            read = row
            try:
                issued = self.date(v.get("start"))
                expires = self.date(v.get("end"))
            except DateParseError as exc:
                which = "start" if _fails(v.get("start")) else "end"
                self.bad_date(acct, row, names[which], exc)
                continue
            url = (v.get("url") or "").strip()
            license_no = v.get("license")
            add(
                self.person_id,
                row - 1,
                clean_text(v.get("name")),
                clean_text(v.get("authority")),
                url_host(url) if url else None,
                bool(url),
                bool(license_no.strip()) if license_no is not None else None,
                issued,
                expires,
                "certifications",
            )
            acct.rows_ingested += 1
        return read

    def learning(self, credential_offset: int) -> None:
        rows = self.ctx.rows
        for acct, row, v, names in self.rows("learning.csv"):
            try:
                completed_at = self.date(v.get("completed"))
            except DateParseError as exc:
                self.bad_date(acct, row, names["completed"], exc)
                continue
            title = clean_text(v.get("title"))
            completed = completed_at is not None
            rows.learning(
                self.person_id, row - 1, title, clean_text(v.get("type")), completed, completed_at
            )
            if completed:
                rows.credential(
                    self.person_id,
                    credential_offset + row - 1,
                    title,
                    LEARNING_AUTHORITY,
                    None,
                    None,
                    None,
                    completed_at,
                    None,
                    "learning",
                )
            acct.rows_ingested += 1

    def skills(self) -> None:
        names: list[str | None] = []
        for acct, _row, v, _names in self.rows("skills.csv"):
            names.append(v.get("name"))
            acct.rows_ingested += 1
        self.ctx.rows.skills(self.person_id, names)

    def connections(self) -> None:
        """Counted, never stored: the rows are other people's names and emails."""
        for acct, _row, _v, _names in self.rows("connections.csv"):
            acct.rows_ingested += 1

    def language(self) -> str:
        """Export language from month names in its dates (fr/en), else 'unknown'."""
        fr, en = self.languages.count("fr"), self.languages.count("en")
        if fr > en:
            return "fr"
        if en > fr:
            return "en"
        return "unknown"

    def read(self) -> None:
        country, province, industry = self.profile()
        self.positions()
        self.educations()
        offset = self.certifications()
        self.learning(offset)
        self.skills()
        self.connections()
        self.ctx.rows.person(self.person_id, SOURCE, country, province, self.language(), industry)


@lru_cache(maxsize=4096)
def _columns(base: str, header: tuple[str, ...]) -> tuple[dict[str, int], dict[str, str]]:
    """(key → column index, key → header name as written); cached: a cohort repeats headers."""
    columns = resolve_columns(list(header), ALIASES[base])
    return columns, {key: header[i] for key, i in columns.items()}


def _fails(value: str | None) -> bool:
    try:
        parse_date(value.strip() if value else None)
    except DateParseError:
        return True
    return False


def _drop_export(ctx: ReadContext, export: Export, reason: str) -> None:
    acct = ctx.account(export.rel)
    acct.rows_read += 1
    ctx.quarantine.drop(acct, None, None, reason)


def read_linkedin(path: str | Path, pseudonymize: Pseudonymizer) -> SourceBatch:
    """Read one export (folder or .zip) or a cohort folder of them into a :class:`SourceBatch`.

    A single export that cannot be opened raises :class:`SourceError`; inside a cohort a
    broken export is quarantined as one unit (row = null) and the others are read.
    """
    root = Path(path)
    exports = find_exports(root)
    single = len(exports) == 1 and (root.is_file() or exports[0].path == root)
    ctx = ReadContext(SOURCE, pseudonymize)
    seen: set[str] = set()
    for export in exports:
        try:
            files = export.files()
        except (zipfile.BadZipFile, OSError, zlib.error) as exc:
            if single:
                raise SourceError(f"{export.path}: cannot open LinkedIn export: {exc}") from exc
            _drop_export(ctx, export, f"cannot open export: {exc}")
            continue
        if "profile.csv" not in files and "positions.csv" not in files:
            if single:
                raise SourceError(
                    f"{export.path}: not a LinkedIn export (no Profile.csv or Positions.csv)"
                )
            _drop_export(
                ctx, export, "not a LinkedIn export: neither Profile.csv nor Positions.csv"
            )
            continue
        if export.identity in seen:
            _drop_export(ctx, export, f"duplicate export: {export.identity!r} already read")
            continue
        seen.add(export.identity)
        _ExportReader(ctx, export, files).read()
    return ctx.finish()
