"""Key rules for canonical tables handed over as Parquet: id types, duplicates, orphans.

Why: a canonical table from another system may write ``person_id`` as int64 in one
table and as text in another, repeat a person, or name people ``persons`` does not
have. Left alone, the first empties every join (a run that "succeeds" with n = 0), the
second crashes pandas, the third silently loses rows. The rules, stated once:

- **id type**: a ``person_id`` column of any integer type is written as its decimal text
  (``7`` → ``"7"``); a string column is taken as written; any other type is an error.
  So ``7`` in one table and ``"7"`` in another are the same person; ``"007"`` is not ``7``.
- **duplicates**: in ``persons`` (key ``person_id``) and in every table with an index
  column (key ``person_id`` + ``*_idx``) the first row with a key is kept and each later
  one is quarantined (``duplicate key``). ``skills`` has no key (a person has many).
- **orphans**: a row of another table whose ``person_id`` is not in ``persons`` is
  quarantined (``orphan``); when *every* row of a non-empty table is an orphan the ids
  cannot be the same ids, and the input is refused with one line naming both tables.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from microcred.sources.batch import SourceError

ID_COLUMN = "person_id"
DUPLICATE_KEY = "duplicate key: first row with this key kept"
ORPHAN = "orphan: person_id not in persons"
# tables whose key identifies one row (skills: a person lists many skills)
UNIQUE_KEY_TABLES = ("persons", "positions", "educations", "credentials", "learning")


def canonical_ids(column: pa.ChunkedArray | pa.Array, file: str) -> pa.ChunkedArray | pa.Array:
    """``column`` as text ids by the rule above, else a one-line :class:`SourceError`."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = kind.value_type
    if pa.types.is_integer(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column.cast(pa.string())
    if hasattr(pa.types, "is_string_view") and pa.types.is_string_view(kind):
        return column.cast(pa.string())
    raise SourceError(
        f"{file}: column {ID_COLUMN!r} has type {kind}; person ids must be integers or text"
    )


def adjacent_duplicates(keys: pa.Table, previous: pa.Table | None = None) -> pa.Array:
    """For key-sorted rows: True where a row has the same key as the row before it.

    ``previous`` is the last row of the batch before (so a key repeated across a batch
    boundary is found). Null keys never match (a null id is refused earlier).
    """
    table = (
        keys if previous is None else pa.concat_tables([previous.select(keys.column_names), keys])
    )
    n = table.num_rows
    if n < 2:
        return pa.array(np.zeros(keys.num_rows, dtype=bool))
    same = None
    for name in keys.column_names:
        col = table[name].combine_chunks()
        eq = pc.fill_null(pc.equal(col.slice(0, n - 1), col.slice(1)), False)
        same = eq if same is None else pc.and_(same, eq)
    first = [] if previous is not None else [False]
    out = pa.concat_arrays([pa.array(first, pa.bool_()), same])
    return out


def mismatch_error(name: str, orphans: int, persons_type: str, table_type: str) -> SourceError:
    """The one-line refusal for a table none of whose rows names a person in ``persons``."""
    return SourceError(
        f"{name}.parquet: none of its {orphans} rows has a person_id found in persons.parquet "
        f"(persons.person_id is {persons_type}, {name}.person_id is {table_type}; ids are "
        "compared as text, integers in decimal): write the same ids in every table"
    )


__all__ = [
    "DUPLICATE_KEY",
    "ID_COLUMN",
    "ORPHAN",
    "UNIQUE_KEY_TABLES",
    "adjacent_duplicates",
    "canonical_ids",
    "mismatch_error",
]
