"""Sorting skips tables already in key order, and only those."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.arrowsort import is_sorted, sort_by_keys

_KEY = st.one_of(st.none(), st.sampled_from(["a", "b", "c"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_KEY, _KEY, st.integers(0, 9)), max_size=12), st.booleans())
def test_sorted_equals_a_stable_sort_whether_or_not_it_sorts(rows, presort):
    t = pa.table(
        {
            "k1": pa.array([r[0] for r in rows], pa.string()),
            "k2": pa.array([r[1] for r in rows], pa.string()),
            "v": pa.array([r[2] for r in rows], pa.int64()),
        }
    )
    keys = [("k1", "ascending"), ("k2", "ascending")]
    if presort:
        t = t.take(pc.sort_indices(t, sort_keys=keys))
    want = t.take(pc.sort_indices(t, sort_keys=keys))
    assert sort_by_keys(t, ["k1", "k2"]).equals(want)
    # a stable sort leaves a table unchanged exactly when it is already in key order
    assert is_sorted(t, ["k1", "k2"]) == t.equals(want)
