"""Column-wise accumulator for canonical rows, shared by the record-at-a-time readers.

Appending to per-column Python lists and building Arrow arrays once is several
times faster than building dicts per row, which matters for multi-million-line
JSONL. The finished tables are conformed to ``schema.CANONICAL`` and sorted by
``(person_id, *_idx)`` so the same input always gives the same bytes.

It is also the door every record-at-a-time reader passes through, so the checks
that do not depend on the format live here once: dates in the plausible range and
in order (:class:`~microcred.dates.DatePolicy`) and the cell-size cap on text. A
value failing them is nulled and logged as ``field_nulled`` against the record the
reader last named with :meth:`ReadContext.at` (the file of the latest account when
it named none).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from microcred import schema
from microcred.dates import DATE_ORDER, DatePolicy, ParsedDate, ends_before_start
from microcred.pseudonym import Pseudonymizer
from microcred.release.identifiers import collect_organisations
from microcred.sources.batch import FileAccount, Quarantine, SourceBatch
from microcred.text.skill_lists import split_skill_list

# Skills have no index column: they are grouped by person and keep the order the person
# listed them in (a stable sort), so a file written by microcred or a synthetic cohort is
# already in order and is staged without a sort of tens of millions of rows.
SORT_KEYS = {
    "persons": ["person_id"],
    "positions": ["person_id", "position_idx"],
    "educations": ["person_id", "education_idx"],
    "credentials": ["person_id", "credential_idx"],
    "skills": ["person_id"],
    "learning": ["person_id", "learning_idx"],
}


def clean_text(value: object) -> str | None:
    """A stripped string with inner whitespace runs collapsed, or None for empty / non-text."""
    if type(value) is not str:
        if value is None or isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return None
        try:
            value = str(value)
        except ValueError:  # an integer of more than 4300 digits is not a label
            return None
    text = value.strip()
    if "  " in text or "\n" in text or "\t" in text or "\r" in text:
        text = " ".join(text.split())
    return text or None


MAX_CELL_CHARS = 1 << 16  # default cell-size cap: a title or a name is never 64 Ki characters
CELL_TOO_LARGE = "cell too large"

# (field, reason) -> None: how CanonicalRows reports a value it nulled
NullNote = Callable[[str, str], None]


def _ignore(field: str, reason: str) -> None:
    """The default note for a bare CanonicalRows: nothing to log to."""


class CanonicalRows:
    """Accumulates canonical rows (everything except quarantine) column by column.

    Dates outside ``dates`` or out of order and text longer than ``max_cell_chars`` are
    nulled on the way in and reported through ``note(field, reason)``.
    """

    def __init__(
        self,
        dates: DatePolicy | None = None,
        note: NullNote | None = None,
        max_cell_chars: int = MAX_CELL_CHARS,
    ) -> None:
        self.cols: dict[str, dict[str, list[Any]]] = {
            name: {f.name: [] for f in schema.CANONICAL[name]} for name in SORT_KEYS
        }
        self.dates = dates or DatePolicy()
        self.note = note or _ignore
        self.max_cell_chars = max_cell_chars

    def _date(
        self, parsed: ParsedDate | None, field: str, expiry: bool = False
    ) -> ParsedDate | None:
        reason = self.dates.out_of_range(parsed, expiry)
        if reason is None:
            return parsed
        self.note(field, reason)
        return None

    def _period(
        self,
        start: ParsedDate | None,
        end: ParsedDate | None,
        fields: tuple[str, str],
        expiry: bool = False,
    ) -> tuple[ParsedDate | None, ParsedDate | None]:
        """(start, end) each in range, end nulled when it is over before start begins."""
        start = self._date(start, fields[0])
        end = self._date(end, fields[1], expiry)
        if ends_before_start(start, end):
            self.note(fields[1], f"{DATE_ORDER}: {fields[1]} before {fields[0]}")
            end = None
        return start, end

    def _text(self, value: str | None, field: str) -> str | None:
        if value is not None and len(value) > self.max_cell_chars:
            self.note(field, f"{CELL_TOO_LARGE}: over {self.max_cell_chars} characters")
            return None
        return value

    def person(
        self,
        person_id: str,
        source: str,
        country: str | None = None,
        province: str | None = None,
        profile_language: str | None = None,
        industry: str | None = None,
    ) -> None:
        c = self.cols["persons"]
        c["person_id"].append(person_id)
        c["source"].append(source)
        c["country"].append(country)
        c["province"].append(province)
        c["profile_language"].append(profile_language)
        c["industry"].append(self._text(industry, "persons.industry"))

    def position(
        self,
        person_id: str,
        idx: int,
        title: str | None,
        company: str | None,
        province: str | None,
        country: str | None,
        start: ParsedDate | None,
        end: ParsedDate | None,
        is_current: bool | None,
    ) -> None:
        start, end = self._period(start, end, ("positions.start_date", "positions.end_date"))
        c = self.cols["positions"]
        c["person_id"].append(person_id)
        c["position_idx"].append(idx)
        c["title"].append(self._text(title, "positions.title"))
        c["company"].append(self._text(company, "positions.company"))
        c["province"].append(province)
        c["country"].append(country)
        c["start_date"].append(start.value if start else None)
        c["start_precision"].append(start.precision if start else None)
        c["end_date"].append(end.value if end else None)
        c["end_precision"].append(end.precision if end else None)
        c["is_current"].append(is_current)

    def education(
        self,
        person_id: str,
        idx: int,
        school: str | None,
        degree: str | None,
        field: str | None,
        start: ParsedDate | None,
        end: ParsedDate | None,
    ) -> None:
        start, end = self._period(start, end, ("educations.start_date", "educations.end_date"))
        c = self.cols["educations"]
        c["person_id"].append(person_id)
        c["education_idx"].append(idx)
        c["school"].append(self._text(school, "educations.school"))
        c["degree"].append(self._text(degree, "educations.degree"))
        c["field"].append(self._text(field, "educations.field"))
        c["start_date"].append(start.value if start else None)
        c["start_precision"].append(start.precision if start else None)
        c["end_date"].append(end.value if end else None)
        c["end_precision"].append(end.precision if end else None)

    def credential(
        self,
        person_id: str,
        idx: int,
        name: str | None,
        authority: str | None,
        url_host: str | None,
        has_url: bool | None,
        has_credential_id: bool | None,
        issued: ParsedDate | None,
        expires: ParsedDate | None,
        origin: str,
    ) -> None:
        issued, expires = self._period(
            issued, expires, ("credentials.issued_date", "credentials.expires_date"), expiry=True
        )
        c = self.cols["credentials"]
        c["person_id"].append(person_id)
        c["credential_idx"].append(idx)
        c["name"].append(self._text(name, "credentials.name"))
        c["authority"].append(self._text(authority, "credentials.authority"))
        c["url_host"].append(url_host)
        c["has_url"].append(has_url)
        c["has_credential_id"].append(has_credential_id)
        c["issued_date"].append(issued.value if issued else None)
        c["issued_precision"].append(issued.precision if issued else None)
        c["expires_date"].append(expires.value if expires else None)
        c["expires_precision"].append(expires.precision if expires else None)
        c["origin"].append(origin)

    def skills(self, person_id: str, names: Iterable[str | None]) -> None:
        """Add all of one person's skills in one call; lists split, duplicates (after cleaning) kept once."""
        seen: set[str] = set()
        for raw in names:
            skill = self._text(clean_text(raw), "skills.skill")
            # a list typed as one skill ("C/C++", "HTML, CSS") is one row per skill
            for part in split_skill_list(skill) if skill is not None else ():
                seen.add(part)
        people = self.cols["skills"]["person_id"]
        people.extend([person_id] * len(seen))
        self.cols["skills"]["skill"].extend(sorted(seen))

    def learning(
        self,
        person_id: str,
        idx: int,
        title: str | None,
        content_type: str | None,
        completed: bool,
        completed_at: ParsedDate | None,
    ) -> None:
        completed_at = self._date(completed_at, "learning.completed_date")
        c = self.cols["learning"]
        c["person_id"].append(person_id)
        c["learning_idx"].append(idx)
        c["title"].append(self._text(title, "learning.title"))
        c["content_type"].append(content_type)
        c["completed"].append(completed)
        c["completed_date"].append(completed_at.value if completed_at else None)
        c["completed_precision"].append(completed_at.precision if completed_at else None)

    def to_tables(self) -> dict[str, pa.Table]:
        """Conformed, deterministically sorted canonical tables (quarantine excluded)."""
        out: dict[str, pa.Table] = {}
        for name in SORT_KEYS:
            sch = schema.CANONICAL[name]
            cols = self.cols[name]
            table = pa.Table.from_arrays(
                [pa.array(cols[f.name], type=f.type) for f in sch], schema=sch
            )
            out[name] = sort_canonical(name, table)
        return out


def sort_canonical(name: str, table: pa.Table) -> pa.Table:
    """Sort a canonical table by its key columns (a stable sort, so ties keep source order)."""
    keys = SORT_KEYS.get(name)
    if not keys or table.num_rows == 0:
        return table
    order = pc.sort_indices(table, sort_keys=[(k, "ascending") for k in keys])
    return schema.conform(table.take(order), schema.CANONICAL[name])


__all__ = [
    "MAX_CELL_CHARS",
    "SORT_KEYS",
    "CanonicalRows",
    "ReadContext",
    "clean_text",
    "sort_canonical",
]


class ReadContext:
    """Everything a reader writes into while it walks its input: rows, quarantine, accounting.

    ``dates`` and ``max_cell_chars`` are the door checks applied to every row added
    (see :class:`CanonicalRows`); a reader names the record it is adding with :meth:`at`
    so a nulled value is logged against the right file and row.
    """

    def __init__(
        self,
        source: str,
        pseudonymize: Pseudonymizer,
        dates: DatePolicy | None = None,
        max_cell_chars: int = MAX_CELL_CHARS,
    ) -> None:
        self.source = source
        self.pseudonymize = pseudonymize
        self.rows = CanonicalRows(dates, self._null, max_cell_chars)
        self.quarantine = Quarantine(source)
        self.accounting: list[FileAccount] = []
        self._where: tuple[str, int | None] = ("", None)

    def at(self, file: str, row: int | None) -> None:
        """The record being read now (file relative to the input root, 1-based row or line)."""
        self._where = (file, row)

    def _null(self, field: str, reason: str) -> None:
        file, row = self._where
        self.quarantine.null_field(file, row, field, reason)

    def account(self, file: str, encoding: str | None = None) -> FileAccount:
        """A new FileAccount for ``file`` (relative path), registered in the accounting."""
        acct = FileAccount(self.source, file, encoding=encoding)
        self.accounting.append(acct)
        self._where = (file, None)
        return acct

    def finish(self, extra: dict[str, pa.Table] | None = None) -> SourceBatch:
        """The finished :class:`SourceBatch` (tables conformed and sorted)."""
        collect_organisations("employer", self.rows.cols["positions"]["company"])  # gate only
        collect_organisations("school", self.rows.cols["educations"]["school"])
        tables = self.rows.to_tables()
        tables["quarantine"] = self.quarantine.to_table()
        tables.update(extra or {})
        accounting = sorted(self.accounting, key=lambda a: a.file)
        return SourceBatch(self.source, tables, accounting)
