"""LinkedIn "Download your data" exports, as people hand them over, into canonical tables.

Any layout :mod:`~microcred.sources.containers` can walk is accepted: an export folder
or zip, a cohort folder, one zip of many exports, zips of zips, folders of zips. An
export is found by its files, not its folder name: a folder (or zip) directly holding
any known LinkedIn CSV (``KNOWN_FILES``, current and older names) is one person's export,
even when only ``Certifications.csv`` was shared. Files the study does not use, and files
outside any export, are listed in the accounting as skipped with their row counts.

Only the files and columns the study needs are read; names, address, birth date,
headline, summary, websites, position descriptions, education notes and the content of
Connections.csv (other people's names) never leave this module. Person identity for the
pseudonym is the export's logical path relative to the input root (zips named by their
stem, a zip's single top folder dropped), or the input's own name when the input is one
export: so a folder and its zipped copy are one person, whatever the container.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath

from microcred.dates import DateParseError, DatePolicy, ParsedDate, is_present, parse_date
from microcred.geo import normalise_location
from microcred.limits import IngestConfig, LearningRule
from microcred.pseudonym import Pseudonymizer
from microcred.release.identifiers import collect_person_name, collect_username
from microcred.sources.batch import FileAccount, SourceBatch, SourceError
from microcred.sources.builder import ReadContext, clean_text
from microcred.sources.containers import Listing, Member, Unreadable, walk_input
from microcred.sources.fields import split_degree, url_host
from microcred.sources.textio import (
    CsvRecord,
    UnreadableFile,
    decode_text,
    parse_csv,
    resolve_columns,
    skip_preamble,
    sniff_delimiter,
)

SOURCE = "linkedin-export"
LEARNING_AUTHORITY = "LinkedIn Learning"

# canonical key → header aliases (normalised: lower case, single spaces)
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "profile": {
        "geo": ("geo location", "location", "geo"),
        "industry": ("industry", "industry name"),
        "first_name": ("first name",),  # read only for the personal-data gate (keyed hashes)
        "last_name": ("last name",),
    },
    "positions": {
        "company": ("company name", "company", "organization", "employer"),
        "title": ("title", "position", "job title"),
        "location": ("location", "geo location"),
        "start": ("started on", "start date", "start", "from"),
        "end": ("finished on", "end date", "end", "to"),
    },
    "education": {
        "school": ("school name", "school", "institution"),
        "degree": ("degree name", "degree"),
        "field": ("field of study", "field", "major"),
        "start": ("start date", "started on", "start"),
        "end": ("end date", "finished on", "end"),
    },
    "certifications": {
        "name": ("name", "certification name", "certification", "title"),
        "url": ("url", "credential url", "link"),
        "authority": ("authority", "issuing organization", "issuer", "organization"),
        "start": ("started on", "issue date", "issued on", "start date"),
        "end": ("finished on", "expiration date", "expires on", "end date"),
        "license": ("license number", "licence number", "credential id", "certificate id"),
    },
    "skills": {"name": ("name", "skill", "skill name")},
    "learning": {
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
    "connections": {},
}
# A file without any of these columns is not the file we think it is.
REQUIRED_ANY: dict[str, tuple[str, ...]] = {
    "positions": ("title", "company"),
    "education": ("school", "degree"),
    "certifications": ("name",),
    "skills": ("name",),
    "learning": ("title",),
}
DATE_KEYS = ("start", "end", "completed")
# Files that make a person: an export with none of them has nobody to describe.
PERSON_FILES = ("profile", "positions", "education", "certifications", "skills", "learning")
# LinkedIn files at the top of an export that the study does not read (2018-2025 exports;
# names are compared after normalisation, so "Endorsement Received Info.csv" and
# "Endorsement_Received_Info.csv" are one name). Any of them marks a folder as an export.
UNUSED_FILES = frozenset(
    {
        "ad targeting", "causes you care about", "comments", "company follows",
        "contacts", "courses", "email addresses", "endorsement given info",
        "endorsement received info", "events", "guide messages", "hashtag follows",
        "honors", "imported contacts", "inferences about you", "instant messengers",
        "invitations", "job applicant saved answers", "languages",
        "learning coach messages", "learning role play messages", "logins",
        "member follows", "messages", "organizations", "patents", "phone numbers",
        "phonenumbers", "private identity asset", "profile summary", "projects",
        "publications", "reactions", "receipts", "receipts v2",
        "recommendations given", "recommendations received", "registration",
        "rich media", "saved items", "savedjobalerts", "search queries", "searchqueries",
        "shares", "test scores", "volunteering", "volunteer experiences", "votes",
        "whatsapp phone numbers",
    }
)  # fmt: skip
KNOWN_FILES = frozenset(ALIASES) | UNUSED_FILES
KNOWN_HEADERS = {k: frozenset(n for names in a.values() for n in names) for k, a in ALIASES.items()}

SKIP_UNUSED = "LinkedIn file the study does not use"
SKIP_UNKNOWN = "not a LinkedIn file the study knows"
SKIP_OUTSIDE = "not in a LinkedIn export (no known LinkedIn CSV beside it)"
SKIP_NO_PERSON = (
    "export has none of Profile, Positions, Education, Certifications, Skills, Learning"
)
SKIP_LEARNING_DUPLICATE = "duplicate of certification"


@lru_cache(maxsize=4096)
def file_key(name: str) -> str | None:
    """The known-file key of a basename ("Endorsement_Received_Info.CSV" → its name), or None."""
    if name[-4:].lower() != ".csv":
        return None
    key = " ".join(name[:-4].lower().replace("_", " ").replace("-", " ").split())
    return key if key in KNOWN_FILES else None


# ---- finding the exports in a container ------------------------------------------------


@dataclass
class Export:
    """One person's export: its logical folder, its files by key, everything else in it."""

    folder: tuple[str, ...]
    identity: str
    files: dict[str, Member] = field(default_factory=dict)
    others: list[tuple[Member, str]] = field(default_factory=list)  # (file, skip reason)


def group_exports(
    listing: Listing, root_label: str, known: set[tuple[str, ...]]
) -> tuple[list[Export], list[tuple[Member, str, bool]]]:
    """(new exports of one listing, shallowest first; other files: skip reason, in root export).

    ``known`` holds the export folders of earlier listings (updated here): a file in a
    subfolder of one of them (``Jobs/``) belongs to that export, which is read already.
    """
    folders = {m.logical[:-1] for m in listing.members if file_key(m.name) is not None}
    exports = {f: Export(f, "/".join(f) if f else root_label) for f in folders}
    leftovers: list[tuple[Member, str, bool]] = []
    for member in sorted(listing.members, key=lambda m: m.display):
        folder = member.logical[:-1]
        key = file_key(member.name)
        owner: Export | None = None
        for n in range(len(folder), -1, -1):
            if folder[:n] in exports:
                owner = exports[folder[:n]]
                break
            if folder[:n] in known:
                leftovers.append((member, SKIP_UNUSED if key else SKIP_UNKNOWN, n == 0))
                break
        else:
            leftovers.append((member, SKIP_OUTSIDE, False))
        if owner is None:
            continue
        if key in ALIASES and owner.folder == folder and key not in owner.files:
            owner.files[key] = member
        elif key in ALIASES and owner.folder == folder:
            first = owner.files[key].display
            owner.others.append((member, f"second copy of {key} in the export (read {first})"))
        else:
            owner.others.append((member, SKIP_UNUSED if key else SKIP_UNKNOWN))
    known.update(folders)
    # Shallowest first: of two copies of one person, the one nearer the root is read.
    return sorted(exports.values(), key=lambda e: (len(e.folder), e.folder)), leftovers


# ---- reading one export ------------------------------------------------------------------


def _norm_name(value: str | None) -> str:
    """Course/certificate name for matching: NFKC, case-folded, spaces and edge punctuation."""
    text = unicodedata.normalize("NFKC", value or "").casefold()
    return " ".join(text.split()).strip(" .,;:-\u2013\u2014\"'")


class _ExportReader:
    """Reads the files of one export into the shared context."""

    def __init__(
        self,
        ctx: ReadContext,
        export: Export,
        data: dict[str, bytes],
        settings: IngestConfig,
        display: dict[str, str],
    ):
        self.ctx = ctx
        self.export = export
        self.data = data
        self.settings = settings
        self.display = display
        self.person_id = ctx.pseudonymize(export.identity)
        collect_username(export.identity)  # export folders and zips are often named after people
        self.languages: list[str] = []
        self.linkedin_certificates: set[str] = set()
        rule = settings.learning
        self.linkedin_authorities = {_norm_name(a) for a in rule.linkedin_authorities}
        self.credential_types = {_norm_name(t) for t in rule.credential_content_types}

    def rows(self, key: str) -> Iterator[tuple[FileAccount, int, dict[str, str], dict[str, str]]]:
        """(account, 1-based row, values by key, header by key) for each usable data row."""
        if key not in self.data:
            return
        q = self.ctx.quarantine
        acct = self.ctx.account(self.display[key])
        try:
            text, acct.encoding = decode_text(self.data[key])
            text, cut = skip_preamble(text)
            delimiter = sniff_delimiter(text, KNOWN_HEADERS[key])
            header, records = parse_csv(
                text,
                delimiter=delimiter,
                max_cell=self.settings.max_cell_chars,
                line_offset=cut,
            )
        except UnreadableFile as exc:
            acct.rows_read += 1
            q.drop(acct, None, None, f"unreadable file: {exc}")
            return
        columns, names = _columns(key, tuple(header))
        required = REQUIRED_ANY.get(key, ())
        missing = bool(required) and not any(k in columns for k in required)
        cap = self.settings.max_records
        used = over = 0
        for rec in records:
            acct.rows_read += 1
            if rec.values is None:
                q.drop(acct, rec.row, None, rec.error or "unreadable row")
            elif missing:
                q.drop(acct, rec.row, None, f"none of the columns {required} in the header")
            elif used >= cap:
                over += 1
            elif rec.last_line > rec.first_line and (
                problem := _swallowed(rec, header, columns, delimiter)
            ):
                q.drop(acct, rec.row, None, problem)
            else:
                used += 1
                yield acct, rec.row, {k: rec.values[i] for k, i in columns.items()}, names
        if over:
            skip(acct, over, f"over ingest.max_records={cap}")

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
        if "profile" not in self.data:
            self.ctx.quarantine.null_field(
                self.display["profile"],
                None,
                "Profile.csv",
                "missing file: country, province and industry unknown",
            )
            return None, None, None
        result: tuple[str | None, str | None, str | None] | None = None
        for acct, _row, values, _names in self.rows("profile"):
            acct.rows_ingested += 1
            collect_person_name(values.get("first_name"), values.get("last_name"))
            if result is None:
                loc = normalise_location(clean_text(values.get("geo")))
                result = (loc.country, loc.province, clean_text(values.get("industry")))
        return result or (None, None, None)

    def positions(self) -> None:
        add = self.ctx.rows.position
        for acct, row, v, names in self.rows("positions"):
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
        for acct, row, v, names in self.rows("education"):
            try:
                start = self.date(v.get("start"))
                end = self.date(v.get("end"))
            except DateParseError as exc:
                which = "start" if _fails(v.get("start")) else "end"
                self.bad_date(acct, row, names[which], exc)
                continue
            raw_degree = clean_text(v.get("degree"))
            fld = clean_text(v.get("field"))
            degree, split_field = (raw_degree, None) if fld else split_degree(raw_degree)
            add(
                self.person_id,
                row - 1,
                clean_text(v.get("school")),
                degree,
                fld or split_field,
                start,
                end,
            )
            acct.rows_ingested += 1

    def certifications(self) -> int:
        """Certification rows; returns how many rows were read (the learning idx offset)."""
        add = self.ctx.rows.credential
        hosts = tuple(self.settings.learning.linkedin_hosts)
        read = 0
        for acct, row, v, names in self.rows("certifications"):
            read = row
            try:
                issued = self.date(v.get("start"))
                expires = self.date(v.get("end"))
            except DateParseError as exc:
                which = "start" if _fails(v.get("start")) else "end"
                self.bad_date(acct, row, names[which], exc)
                continue
            url = (v.get("url") or "").strip()
            host = url_host(url) if url else None
            license_no = v.get("license")
            name, authority = clean_text(v.get("name")), clean_text(v.get("authority"))
            if name and (
                _norm_name(authority) in self.linkedin_authorities
                or (host and host.split("/")[0].endswith(hosts))
            ):
                self.linkedin_certificates.add(_norm_name(name))
            add(
                self.person_id,
                row - 1,
                name,
                authority,
                host,
                bool(url),
                bool(license_no.strip()) if license_no is not None else None,
                issued,
                expires,
                "certifications",
            )
            acct.rows_ingested += 1
        return read

    def learning(self, credential_offset: int) -> None:
        """Learning rows; completions become credentials under the :class:`LearningRule`."""
        rows = self.ctx.rows
        rule: LearningRule = self.settings.learning
        duplicates: FileAccount | None = None
        n_duplicates = 0
        for acct, row, v, names in self.rows("learning"):
            try:
                completed_at = self.date(v.get("completed"))
            except DateParseError as exc:
                self.bad_date(acct, row, names["completed"], exc)
                continue
            title = clean_text(v.get("title"))
            content_type = clean_text(v.get("type"))
            completed = completed_at is not None
            counts = (
                completed
                and rule.count_completions
                and (content_type is None or _norm_name(content_type) in self.credential_types)
            )
            if (
                counts
                and rule.merge_with_certifications
                and _norm_name(title) in self.linkedin_certificates
            ):
                duplicates, n_duplicates = acct, n_duplicates + 1
                continue
            rows.learning(self.person_id, row - 1, title, content_type, completed, completed_at)
            if counts:
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
        if duplicates is not None:
            skip(duplicates, n_duplicates, SKIP_LEARNING_DUPLICATE)

    def skills(self) -> None:
        names: list[str | None] = []
        for acct, _row, v, _names in self.rows("skills"):
            names.append(v.get("name"))
            acct.rows_ingested += 1
        self.ctx.rows.skills(self.person_id, names)

    def connections(self) -> None:
        """Counted, never stored: the rows are other people's names and emails."""
        for acct, _row, _v, _names in self.rows("connections"):
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
def _columns(key: str, header: tuple[str, ...]) -> tuple[dict[str, int], dict[str, str]]:
    """(key → column index, key → header name as written); cached: a cohort repeats headers."""
    columns = resolve_columns(list(header), ALIASES[key])
    return columns, {k: header[i] for k, i in columns.items()}


def _swallowed(
    rec: CsvRecord, header: list[str], columns: dict[str, int], delimiter: str
) -> str | None:
    """Why a row spanning lines looks like an unbalanced quote that swallowed records, or None.

    A line break inside a column the study uses (a name, a title, a date) never happens in
    a real export; one inside free text (a description) is fine unless a line of it parses
    as a whole record of its own with a date where the file has dates.
    """
    values = rec.values or []
    for i in columns.values():
        if "\n" in values[i] or "\r" in values[i]:
            return (
                f"line break inside the {header[i]!r} cell, {rec.lines}: an unbalanced quote "
                "swallowing lines?"
            )
    dates = [columns[k] for k in DATE_KEYS if k in columns]
    for value in values:
        for line in value.splitlines()[1:]:
            cells = line.split(delimiter)
            if len(cells) != len(header) or not dates:
                continue
            if any(not _fails(cells[i]) and cells[i].strip() for i in dates):
                return (
                    f"a line inside a quoted cell is itself a record, {rec.lines}: an "
                    "unbalanced quote swallowing lines?"
                )
    return None


def _fails(value: str | None) -> bool:
    try:
        parse_date(value.strip() if value else None)
    except DateParseError:
        return True
    return False


def skip(acct: FileAccount, rows: int, reason: str) -> None:
    """``acct.skip`` keeping every reason when a file skips rows for more than one."""
    previous = acct.skipped_reason
    acct.skip(rows, reason)
    if previous and previous != reason:
        acct.skipped_reason = f"{previous}; {reason}"


def count_rows(member: Member, data: bytes | None = None) -> tuple[int, str | None, str | None]:
    """(data rows, encoding, why not counted) of a file read only to be counted."""
    if PurePosixPath(member.name).suffix.lower() != ".csv":
        return 0, None, "not a CSV file: not read"
    try:
        text, encoding = decode_text(member.read() if data is None else data)
        text, _ = skip_preamble(text)
        _, records = parse_csv(text, delimiter=sniff_delimiter(text))
        return sum(1 for _ in records), encoding, None
    except UnreadableFile as exc:
        return 0, None, f"rows not counted: {exc}"


# ---- the reader ---------------------------------------------------------------------------


@dataclass
class _Run:
    """State across the containers of one input: what was read, for de-duplication."""

    ctx: ReadContext
    settings: IngestConfig
    root_label: str
    root_prefix: str  # display prefix for files of an export that is the input folder itself
    identities: set[str] = field(default_factory=set)
    folders: set[tuple[str, ...]] = field(default_factory=set)  # logical folders of exports
    contents: dict[str, str] = field(default_factory=dict)  # content digest → identity
    persons: int = 0
    unreadable: list[str] = field(default_factory=list)

    def drop_unit(self, display: str, reason: str) -> None:
        acct = self.ctx.account(display)
        acct.rows_read += 1
        self.ctx.quarantine.drop(acct, None, None, reason)
        self.unreadable.append(f"{display}: {reason}")

    def skip_file(
        self, member: Member, reason: str, display: str | None = None, data: bytes | None = None
    ) -> None:
        """List a file read only to be counted; an unreadable one is quarantined instead."""
        try:
            rows, encoding, why = count_rows(member, data)
        except Unreadable as exc:
            self.drop_unit(display or member.display, str(exc))
            return
        acct = self.ctx.account(display or member.display, encoding)
        acct.rows_read = rows
        skip(acct, rows, f"{reason}; {why}" if why else reason)

    def listing(self, listing: Listing) -> None:
        for notice in listing.notices:
            if notice.unreadable:
                self.drop_unit(notice.display, notice.reason)
            else:
                self.ctx.account(notice.display).skip(0, notice.reason)
        exports, leftovers = group_exports(listing, self.root_label, self.folders)
        for member, reason, in_root_export in leftovers:
            prefix = self.root_prefix if in_root_export else ""
            self.skip_file(member, reason, prefix + member.display)
        for export in exports:
            self.export(export)

    def export(self, export: Export) -> None:
        prefix = self.root_prefix if not export.folder else ""
        display = {k: prefix + m.display for k, m in export.files.items()}
        here = next(iter(display.values()), None) or prefix + export.others[0][0].display
        folder_display = here.rsplit("/", 1)[0] + "/" if "/" in here else ""
        for key in ALIASES:  # where a missing file would be, for its quarantine record
            display.setdefault(key, f"{folder_display}{key.capitalize()}.csv")
        if export.identity in self.identities:
            return self.skip_all(export, prefix, f"duplicate export: {export.identity!r} read")
        data: dict[str, bytes] = {}
        for key, member in export.files.items():
            try:
                data[key] = member.read()
            except Unreadable as exc:
                self.drop_unit(display[key], str(exc))
        digest = _content_digest(data)
        if digest is not None and digest in self.contents:
            reason = f"duplicate export: same files as {self.contents[digest]!r}"
            return self.skip_all(export, prefix, reason, data)
        self.identities.add(export.identity)
        for member, reason in export.others:
            self.skip_file(member, reason, prefix + member.display)
        if not any(k in data for k in PERSON_FILES):
            # nothing to describe a person with (only Connections.csv, or every file
            # unreadable and already quarantined): no person row
            for key, content in data.items():
                self.skip_file(export.files[key], SKIP_NO_PERSON, display[key], content)
            return None
        if digest is not None:
            self.contents[digest] = export.identity
        self.persons += 1
        _ExportReader(self.ctx, export, data, self.settings, display).read()
        return None

    def skip_all(
        self, export: Export, prefix: str, reason: str, data: dict[str, bytes] | None = None
    ) -> None:
        for key, member in export.files.items():
            if data is None:
                self.skip_file(member, reason, prefix + member.display)
            elif key in data:  # (the files that did not read are quarantined already)
                self.skip_file(member, reason, prefix + member.display, data[key])
        for member, _ in export.others:
            self.skip_file(member, reason, prefix + member.display)


def _content_digest(data: dict[str, bytes]) -> str | None:
    """Digest of an export's files, when it has a Profile.csv with a data row (names a person).

    Two exports without a profile row can be byte-identical and still be two people (two
    empty Certifications.csv files), so only exports naming their person are compared.
    """
    profile = data.get("profile")
    if profile is None or profile.strip().count(b"\n") < 1:
        return None
    h = hashlib.sha256()
    for key in sorted(data):
        h.update(key.encode() + b"\0" + len(data[key]).to_bytes(8, "big") + data[key])
    return h.hexdigest()


def read_linkedin(
    path: str | Path,
    pseudonymize: Pseudonymizer,
    settings: IngestConfig | None = None,
    dates: DatePolicy | None = None,
) -> SourceBatch:
    """Read LinkedIn exports at ``path`` (any layout in the module docstring) into a batch.

    Raises :class:`SourceError` only when the input as a whole is unreadable or holds no
    export; a broken file, zip member or export inside it is quarantined with its reason
    and the rest is read.
    """
    root = Path(path)
    settings = settings or IngestConfig()
    is_dir = root.is_dir()
    label = root.name if is_dir else PurePosixPath(root.name).stem
    run = _Run(
        ReadContext(SOURCE, pseudonymize, dates), settings, label, f"{root.name}/" if is_dir else ""
    )
    for listing in walk_input(root, settings):
        run.listing(listing)
    if run.persons == 0:
        why = f"; unreadable: {run.unreadable[0]}" if run.unreadable else ""
        raise SourceError(
            f"{root}: no LinkedIn export (no readable Profile.csv, Positions.csv, "
            f"Certifications.csv, ... in a folder or .zip){why}"
        )
    return run.ctx.finish()
