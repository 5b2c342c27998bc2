"""What every reader hands back: canonical tables plus an account of every input row.

The accounting rule (``rows_read = rows_ingested + rows_quarantined + rows_skipped``
for every input file) is what lets a run's manifest prove that nothing was silently lost;
:meth:`SourceBatch.check_accounting` enforces it, and also that every dropped
unit has exactly one ``row_dropped`` quarantine record saying why.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from microcred import schema
from microcred.errors import UserError

ROW_DROPPED = "row_dropped"
FIELD_NULLED = "field_nulled"


class SourceError(UserError, ValueError):
    """The whole input cannot be read (not a zip, not CSV, no such file): names the file.

    The message is always one line (a library's multi-line reason is folded), since it is
    what the command line prints; as a :class:`UserError` it exits with code 2.
    """

    def __init__(
        self, message: object, hint: str = "fix or replace that input (docs/sources.md)"
    ) -> None:
        super().__init__(" ".join(str(message).split()), hint)


class AccountingError(AssertionError):
    """A reader lost or double-counted rows."""


@dataclass
class FileAccount:
    """Row counts for one input file (path relative to the input root)."""

    source: str
    file: str
    rows_read: int = 0
    rows_ingested: int = 0
    rows_quarantined: int = 0
    encoding: str | None = None  # how the bytes were decoded, for text inputs
    rows_skipped: int = 0  # rows read on purpose but not used (a file the study does not need)
    skipped_reason: str | None = None  # why, when rows_skipped > 0

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_ingested + self.rows_quarantined + self.rows_skipped

    def skip(self, rows: int, reason: str) -> None:
        """Count ``rows`` read but deliberately not used, with the reason (one per file)."""
        self.rows_skipped += rows
        self.skipped_reason = reason


class Quarantine:
    """Collects quarantine records and keeps the per-file counts honest.

    ``drop`` records one unreadable unit (a row, a line, a whole export) and bumps
    the file's ``rows_quarantined``; ``null_field`` records a field that was set to
    null in a row that is still ingested.
    """

    def __init__(self, source: str):
        self.source = source
        self._rows: dict[str, list[Any]] = {name: [] for name in schema.QUARANTINE.names}

    def _add(self, file: str, row: int | None, fld: str | None, reason: str, action: str) -> None:
        r = self._rows
        r["source"].append(self.source)
        r["file"].append(file)
        r["row"].append(row)
        r["field"].append(fld)
        r["reason"].append(reason)
        r["action"].append(action)

    def drop(self, account: FileAccount, row: int | None, fld: str | None, reason: str) -> None:
        self._add(account.file, row, fld, reason, ROW_DROPPED)
        account.rows_quarantined += 1

    def null_field(self, file: str, row: int | None, fld: str | None, reason: str) -> None:
        self._add(file, row, fld, reason, FIELD_NULLED)

    def __len__(self) -> int:
        return len(self._rows["source"])

    def to_table(self) -> pa.Table:
        table = pa.table(self._rows, schema=schema.QUARANTINE)
        return table.sort_by([("file", "ascending"), ("row", "ascending"), ("field", "ascending")])


@dataclass
class SourceBatch:
    """Canonical tables from one source read, and the per-file accounting."""

    source: str
    tables: dict[str, pa.Table]
    accounting: list[FileAccount] = field(default_factory=list)

    def table(self, name: str) -> pa.Table:
        """A canonical table, empty (right schema) when the source had none."""
        if name in self.tables:
            return self.tables[name]
        return schema.empty(schema.SURVEY if name == "survey" else schema.CANONICAL[name])

    def totals(self) -> dict[str, int]:
        """Summed counts over all files (for the run manifest)."""
        return {
            "files": len(self.accounting),
            "rows_read": sum(a.rows_read for a in self.accounting),
            "rows_ingested": sum(a.rows_ingested for a in self.accounting),
            "rows_quarantined": sum(a.rows_quarantined for a in self.accounting),
            "rows_skipped": sum(a.rows_skipped for a in self.accounting),
        }

    def accounting_table(self) -> pa.Table:
        rows = sorted(self.accounting, key=lambda a: a.file)
        return pa.table(
            {
                "source": [a.source for a in rows],
                "file": [a.file for a in rows],
                "rows_read": pa.array([a.rows_read for a in rows], pa.int64()),
                "rows_ingested": pa.array([a.rows_ingested for a in rows], pa.int64()),
                "rows_quarantined": pa.array([a.rows_quarantined for a in rows], pa.int64()),
                "rows_skipped": pa.array([a.rows_skipped for a in rows], pa.int64()),
                "skipped_reason": pa.array([a.skipped_reason for a in rows], pa.string()),
                "encoding": pa.array([a.encoding for a in rows], pa.string()),
            }
        )

    def check_accounting(self) -> None:
        """Raise :class:`AccountingError` unless every file balances and every drop has a reason."""
        problems = [
            f"{a.file}: read {a.rows_read} != ingested {a.rows_ingested} "
            f"+ quarantined {a.rows_quarantined} + skipped {a.rows_skipped}"
            for a in self.accounting
            if not a.balanced
        ]
        q = self.table("quarantine")
        files = q.column("file").to_pylist()
        actions = q.column("action").to_pylist()
        dropped = Counter(f for f, act in zip(files, actions, strict=True) if act == ROW_DROPPED)
        for a in self.accounting:
            if dropped.get(a.file, 0) != a.rows_quarantined:
                problems.append(
                    f"{a.file}: {a.rows_quarantined} rows quarantined but "
                    f"{dropped.get(a.file, 0)} row_dropped records"
                )
        if problems:
            raise AccountingError("; ".join(problems))
