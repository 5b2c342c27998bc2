"""sources stage: readers that turn each input format into canonical tables.

``read_source(kind, path, pseudonymizer)`` is the one entry point the pipeline
calls; every reader returns a :class:`SourceBatch` whose tables conform to
``schema.CANONICAL`` (plus ``survey`` for the Stack Overflow survey) and whose
accounting balances (``rows_read = rows_ingested + rows_quarantined + rows_skipped``
per file).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from microcred.pseudonym import Pseudonymizer
from microcred.sources.batch import (
    AccountingError,
    FileAccount,
    Quarantine,
    SourceBatch,
    SourceError,
)
from microcred.sources.jsonl import read_jsonl
from microcred.sources.jsonresume import read_jsonresume
from microcred.sources.linkedin import read_linkedin
from microcred.sources.parquet import read_parquet, write_canonical
from microcred.sources.stackoverflow import read_stackoverflow

_READERS: dict[str, Callable[..., SourceBatch]] = {
    "linkedin-export": read_linkedin,
    "jsonl": read_jsonl,
    "jsonresume": read_jsonresume,
    "stackoverflow": read_stackoverflow,
    "parquet": read_parquet,
}
SOURCE_KINDS: tuple[str, ...] = tuple(_READERS)


def read_source(
    kind: str, path: str | Path, pseudonymizer: Pseudonymizer, **options: Any
) -> SourceBatch:
    """Read ``path`` as source ``kind`` into canonical tables, with balanced accounting.

    ``options`` are the reader's keyword arguments (its caps, ``dates``: the
    :class:`~microcred.dates.DatePolicy`), given only to readers that take them.
    Raises :class:`SourceError` when the input as a whole cannot be read (names the file),
    and ``ValueError`` for an unknown kind. Individual bad records go to quarantine.
    ``settings`` (caps, LinkedIn Learning rule) reach the readers that take them.
    """
    reader = _READERS.get(kind)
    if reader is None:
        raise ValueError(f"unknown source kind {kind!r}; expected one of {', '.join(SOURCE_KINDS)}")
    accepted = inspect.signature(reader).parameters
    given = {k: v for k, v in options.items() if k in accepted and v is not None}
    batch = reader(Path(path), pseudonymizer, **given)
    batch.check_accounting()
    return batch


__all__ = [
    "SOURCE_KINDS",
    "AccountingError",
    "FileAccount",
    "Quarantine",
    "SourceBatch",
    "SourceError",
    "read_source",
    "write_canonical",
]
