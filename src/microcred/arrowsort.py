"""Order checks on Arrow tables, shared by the stages that avoid needless sorts.

Why: sorting millions of rows by string keys costs seconds and, out of core, memory;
most tables arrive already in key order (DuckDB keeps a query's order, microcred and
its synthetic cohorts write sorted files), so stages check first and sort only if needed.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc


def is_sorted(t: pa.Table, keys: list[str]) -> bool:
    """True when rows are in ascending order of ``keys`` (nulls last, as ``sort_indices`` puts them)."""
    n = t.num_rows
    if n < 2:
        return True
    undecided = pa.array([True] * (n - 1))  # pairs whose earlier keys are equal so far
    for k in keys:
        col = t[k].combine_chunks()
        a, b = col.slice(0, n - 1), col.slice(1)
        a_null, b_null = pc.is_null(a), pc.is_null(b)
        # a pair is out of order on this key if a > b, or a is null and b is not
        worse = pc.or_(pc.fill_null(pc.greater(a, b), False), pc.and_(a_null, pc.invert(b_null)))
        if pc.any(pc.and_(undecided, worse)).as_py():
            return False
        same = pc.or_(pc.fill_null(pc.equal(a, b), False), pc.and_(a_null, b_null))
        undecided = pc.and_(undecided, same)
    return True


def sort_by_keys(t: pa.Table, keys: list[str]) -> pa.Table:
    """``t`` in ascending order of ``keys`` (a stable sort); returned as is when already sorted."""
    if is_sorted(t, keys):
        return t
    idx = pc.sort_indices(t, sort_keys=[(k, "ascending") for k in keys])
    return t.take(idx)
