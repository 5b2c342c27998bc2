"""Column-wise accumulator for canonical rows, shared by the record-at-a-time readers.

Appending to per-column Python lists and building Arrow arrays once is several
times faster than building dicts per row, which matters for multi-million-line
JSONL. The finished tables are conformed to ``schema.CANONICAL`` and sorted by
``(person_id, *_idx)`` so the same input always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc

from microcred import schema
from microcred.dates import ParsedDate
from microcred.pseudonym import Pseudonymizer
from microcred.release.identifiers import collect_organisations
from microcred.sources.batch import FileAccount, Quarantine, SourceBatch

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
        value = str(value)
    text = value.strip()
    if "  " in text or "\n" in text or "\t" in text or "\r" in text:
        text = " ".join(text.split())
    return text or None


class CanonicalRows:
    """Accumulates canonical rows (everything except quarantine) column by column."""

    def __init__(self) -> None:
        self.cols: dict[str, dict[str, list]] = {
            name: {f.name: [] for f in schema.CANONICAL[name]} for name in SORT_KEYS
        }

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
        c["industry"].append(industry)

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
        c = self.cols["positions"]
        c["person_id"].append(person_id)
        c["position_idx"].append(idx)
        c["title"].append(title)
        c["company"].append(company)
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
        c = self.cols["educations"]
        c["person_id"].append(person_id)
        c["education_idx"].append(idx)
        c["school"].append(school)
        c["degree"].append(degree)
        c["field"].append(field)
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
        c = self.cols["credentials"]
        c["person_id"].append(person_id)
        c["credential_idx"].append(idx)
        c["name"].append(name)
        c["authority"].append(authority)
        c["url_host"].append(url_host)
        c["has_url"].append(has_url)
        c["has_credential_id"].append(has_credential_id)
        c["issued_date"].append(issued.value if issued else None)
        c["issued_precision"].append(issued.precision if issued else None)
        c["expires_date"].append(expires.value if expires else None)
        c["expires_precision"].append(expires.precision if expires else None)
        c["origin"].append(origin)

    def skills(self, person_id: str, names: Iterable[str | None]) -> None:
        """Add all of one person's skills in one call; duplicates (after cleaning) kept once."""
        seen: set[str] = set()
        for raw in names:
            skill = clean_text(raw)
            if skill is not None and skill not in seen:
                seen.add(skill)
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
        c = self.cols["learning"]
        c["person_id"].append(person_id)
        c["learning_idx"].append(idx)
        c["title"].append(title)
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


__all__ = ["SORT_KEYS", "CanonicalRows", "ReadContext", "clean_text", "sort_canonical"]


class ReadContext:
    """Everything a reader writes into while it walks its input: rows, quarantine, accounting."""

    def __init__(self, source: str, pseudonymize: Pseudonymizer) -> None:
        self.source = source
        self.pseudonymize = pseudonymize
        self.rows = CanonicalRows()
        self.quarantine = Quarantine(source)
        self.accounting: list[FileAccount] = []

    def account(self, file: str, encoding: str | None = None) -> FileAccount:
        """A new FileAccount for ``file`` (relative path), registered in the accounting."""
        acct = FileAccount(self.source, file, encoding=encoding)
        self.accounting.append(acct)
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
