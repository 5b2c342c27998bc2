"""One JSON person record → canonical rows, driven by a table of accepted key names.

Bulk JSONL vendors and JSON Resume carry the same facts under different keys;
:class:`PersonKeys` lists the keys each accepts (documented in docs/sources.md)
and :func:`map_person` does the rest.

Accounting (the same for both JSON sources): the person is one row, and so is each
entry of the position, education, credential and skill lists that were read. An
entry that is an object (a skill: a string or an object) is ingested; any other
entry is quarantined (``row_dropped``, with its JSON path) while the person and the
other entries stay. A bad value inside an entry (a date nobody can read, a list that
is not a list) nulls that field and is logged as ``field_nulled``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from microcred.dates import DateParseError, ParsedDate
from microcred.geo import Location
from microcred.release.identifiers import collect_person_record
from microcred.sources.batch import FileAccount
from microcred.sources.builder import ReadContext
from microcred.sources.fields import split_degree, url_host
from microcred.sources.jsonshape import dicts, has_any, json_date, pick, resolve_location, text

_LANGUAGE_WORDS = {
    "en": "en",
    "eng": "en",
    "english": "en",
    "anglais": "en",
    "fr": "fr",
    "fra": "fr",
    "fre": "fr",
    "french": "fr",
    "francais": "fr",
    "français": "fr",
}

NOWHERE = Location(None, None)


@dataclass(frozen=True)
class PersonKeys:
    """Accepted key names, first match wins (see docs/sources.md)."""

    identity: tuple[str, ...]
    positions: tuple[str, ...]
    title: tuple[str, ...]
    company: tuple[str, ...]
    start: tuple[str, ...]
    end: tuple[str, ...]
    place: tuple[str, ...]
    current: tuple[str, ...]
    educations: tuple[str, ...]
    school: tuple[str, ...]
    degree: tuple[str, ...]
    field: tuple[str, ...]
    credentials: tuple[tuple[str, str], ...]  # (list key, origin label)
    cred_name: tuple[str, ...]
    authority: tuple[str, ...]
    url: tuple[str, ...]
    license: tuple[str, ...]
    issued: tuple[str, ...]
    expires: tuple[str, ...]
    skills: tuple[str, ...]
    skill_keywords: bool  # JSON Resume: each skill's keywords are skills too
    person_place: tuple[str, ...]
    person_country: tuple[str, ...]
    person_region: tuple[str, ...]
    person_city: tuple[str, ...]
    industry: tuple[str, ...]
    language: tuple[str, ...]


_START = ("start", "starts_at", "start_date", "startDate", "started_on", "from", "date_from")
_END = ("end", "ends_at", "end_date", "endDate", "finished_on", "to", "date_to")

JSONL_KEYS = PersonKeys(
    identity=("id", "person_id", "public_identifier", "profile_id", "uuid"),
    positions=("experience", "experiences", "positions", "work_experience", "jobs"),
    title=("title", "job_title", "position", "role"),
    company=("company", "company_name", "organization", "organisation", "employer"),
    start=_START,
    end=_END,
    place=("location", "location_name", "job_location", "city"),
    current=("is_current", "current"),
    educations=("education", "educations"),
    school=("school", "school_name", "institution", "university", "college"),
    degree=("degree", "degree_name", "degrees", "studyType"),
    field=("field", "field_of_study", "major", "majors", "area"),
    credentials=(
        ("certifications", "certifications"),
        ("certificates", "certificates"),
        ("licenses", "certifications"),
        ("licenses_and_certifications", "certifications"),
    ),
    cred_name=("name", "title", "certificate_name", "certification_name"),
    authority=("authority", "organization", "organisation", "issuer", "issuing_organization"),
    url=("url", "credential_url", "link", "verification_url"),
    license=("license_number", "licence_number", "credential_id", "certificate_id"),
    issued=("issued", "issue_date", "issued_on", "date", *_START),
    expires=("expires", "expiration_date", "expires_on", "expiry_date", *_END),
    skills=("skills",),
    skill_keywords=False,
    person_place=("location", "location_name", "geo_location"),
    person_country=("country", "country_code", "location_country", "countryCode"),
    person_region=("state", "region", "province", "location_region"),
    person_city=("city", "location_locality", "locality"),
    industry=("industry",),
    language=("profile_language", "language"),
)

JSONRESUME_KEYS = PersonKeys(
    identity=(),
    positions=("work",),
    title=("position", "title"),
    company=("name", "company"),
    start=("startDate",),
    end=("endDate",),
    place=("location",),
    current=(),
    educations=("education",),
    school=("institution",),
    degree=("studyType",),
    field=("area",),
    credentials=(("certificates", "certificates"),),
    cred_name=("name",),
    authority=("issuer",),
    url=("url",),
    license=(),
    issued=("date",),
    expires=(),
    skills=("skills",),
    skill_keywords=True,
    person_place=(),
    person_country=("countryCode",),
    person_region=("region",),
    person_city=("city",),
    industry=(),
    language=(),
)


class _Person:
    """Maps one record; collects field_nulled notes with JSON paths."""

    def __init__(
        self, ctx: ReadContext, file: str, line: int, person_id: str, acct: FileAccount | None
    ):
        self.ctx = ctx
        self.file = file
        self.line = line
        self.person_id = person_id
        self.acct = acct
        self.languages: list[str] = []

    def entry_ok(self) -> None:
        if self.acct is not None:
            self.acct.rows_read += 1
            self.acct.rows_ingested += 1

    def entry_bad(self, path: str, reason: str) -> None:
        if self.acct is None:
            self.note(path, reason)
            return
        self.acct.rows_read += 1
        self.ctx.quarantine.drop(self.acct, self.line, path, reason)

    def note(self, path: str, reason: str) -> None:
        self.ctx.quarantine.null_field(self.file, self.line, path, reason)

    def date(
        self, item: dict[str, Any], keys: tuple[str, ...], where: tuple[str, int]
    ) -> ParsedDate | None:
        for key in keys:
            value = item.get(key)
            if value is None or value == "":
                continue
            try:
                parsed = json_date(value)
            except DateParseError as exc:
                self.note(f"{where[0]}[{where[1]}].{key}", str(exc))
                return None
            if parsed is not None and parsed.language:
                self.languages.append(parsed.language)
            return parsed
        return None

    def entries(self, record: dict[str, Any], list_key: str) -> list[tuple[int, dict[str, Any]]]:
        value = record.get(list_key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.note(list_key, f"expected a list, got {type(value).__name__}")
            return []
        out = []
        for i, item in dicts(value):
            if isinstance(item, dict):
                out.append((i, item))
                self.entry_ok()
            else:
                self.entry_bad(
                    f"{list_key}[{i}]", f"entry not an object: got {type(item).__name__}"
                )
        return out


def _first_list_key(record: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    return next((k for k in keys if record.get(k) is not None), None)


def _first_list(
    p: _Person, record: dict[str, Any], keys: tuple[str, ...]
) -> tuple[str, list[tuple[int, dict[str, Any]]]]:
    """The first of ``keys`` the record holds and its entries ("" and none when it holds none)."""
    key = _first_list_key(record, keys)
    return (key, p.entries(record, key)) if key else ("", [])


def map_person(
    ctx: ReadContext,
    record: dict[str, Any],
    person_id: str,
    file: str,
    line: int,
    keys: PersonKeys,
    acct: FileAccount | None = None,
) -> None:
    """Add one person's rows to ``ctx`` (the caller counts the person itself as ingested).

    With ``acct``, each list entry read is counted there as a row of its own (ingested or
    quarantined); without, a bad entry is only logged as ``field_nulled``.
    """
    p = _Person(ctx, file, line, person_id, acct)
    ctx.at(file, line)
    rows = ctx.rows
    collect_person_record(record)  # keyed hashes for the personal-data gate, never stored

    list_key, listed = _first_list(p, record, keys.positions)
    for i, item in listed:
        where = (list_key, i)
        start = p.date(item, keys.start, where)
        end = p.date(item, keys.end, where)
        flag = next((item[k] for k in keys.current if k in item), None)
        if isinstance(flag, bool):
            current: bool | None = flag
        elif end is not None:
            current = False
        else:
            current = True if start is not None else None
        place = pick(item, keys.place)
        loc = resolve_location(place) if place else NOWHERE
        rows.position(
            person_id,
            i,
            text(pick(item, keys.title)),
            text(pick(item, keys.company)),
            loc.province,
            loc.country,
            start,
            end,
            current,
        )

    list_key, listed = _first_list(p, record, keys.educations)
    for i, item in listed:
        where = (list_key, i)
        raw_degree = text(pick(item, keys.degree))
        field = text(pick(item, keys.field))
        degree, split_field = (raw_degree, None) if field else split_degree(raw_degree)
        rows.education(
            person_id,
            i,
            text(pick(item, keys.school)),
            degree,
            field or split_field,
            p.date(item, keys.start, where),
            p.date(item, keys.end, where),
        )

    idx = 0
    for list_key, origin in keys.credentials:
        value = record.get(list_key)
        for i, item in p.entries(record, list_key):
            where = (list_key, i)
            url = pick(item, keys.url)
            url = url.strip() if isinstance(url, str) else None
            license_no = pick(item, keys.license)
            rows.credential(
                person_id,
                idx + i,
                text(pick(item, keys.cred_name)),
                text(pick(item, keys.authority)),
                url_host(url) if url else None,
                bool(url) if url or has_any(item, keys.url) else None,
                license_no is not None if license_no or has_any(item, keys.license) else None,
                p.date(item, keys.issued, where),
                p.date(item, keys.expires, where),
                origin,
            )
        if isinstance(value, list):
            idx += len(value)

    skills_key = _first_list_key(record, keys.skills)
    if skills_key:
        rows.skills(person_id, _skill_names(p, record[skills_key], skills_key, keys))

    rows.person(person_id, ctx.source, *_person_facts(p, record, keys))


def _skill_names(p: _Person, value: object, key: str, keys: PersonKeys) -> list[str | None]:
    if isinstance(value, str):
        return [s for s in value.split(",")]
    if not isinstance(value, list):
        p.note(key, f"expected a list, got {type(value).__name__}")
        return []
    names: list[str | None] = []
    for i, item in enumerate(value):
        if isinstance(item, str):
            names.append(item)
            p.entry_ok()
        elif isinstance(item, dict):
            names.append(text(pick(item, ("name", "skill", "title"))))
            kw = item.get("keywords")
            if keys.skill_keywords and isinstance(kw, list):
                names.extend(k for k in kw if isinstance(k, str))
            p.entry_ok()
        else:
            p.entry_bad(f"{key}[{i}]", f"entry not an object: got {type(item).__name__}")
    return names


def _person_facts(
    p: _Person, record: dict[str, Any], keys: PersonKeys
) -> tuple[str | None, str | None, str, str | None]:
    """(country, province, profile_language, industry)."""
    place = pick(record, keys.person_place)
    region = pick(record, keys.person_region)
    city = pick(record, keys.person_city)
    if not isinstance(place, (str, dict)):
        place = ", ".join(v for v in (city, region) if isinstance(v, str)) or None
    elif isinstance(place, str) and isinstance(region, str) and region not in place:
        place = f"{place}, {region}"
    country = pick(record, keys.person_country)
    loc = resolve_location(place, country if isinstance(country, str) else None)
    return loc.country, loc.province, _language(p, record, keys), text(pick(record, keys.industry))


def _language(p: _Person, record: dict[str, Any], keys: PersonKeys) -> str:
    given = pick(record, keys.language)
    if isinstance(given, str):
        code = _LANGUAGE_WORDS.get(given.strip().lower())
        if code:
            return code
    fr, en = p.languages.count("fr"), p.languages.count("en")
    return "fr" if fr > en else "en" if en > fr else "unknown"


def identity_of(record: dict[str, Any], keys: PersonKeys) -> str | None:
    """The vendor's person id as a string, or None when the record has none."""
    value = pick(record, keys.identity)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    if isinstance(value, int) and not -(10**18) < value < 10**18:
        return None  # not an id anyone issued (and str() of a 5000-digit int raises)
    return str(value).strip() or None
