"""Vectorised drawing helpers: weighted choices from many pools at once, ranks within groups.

Why: a million profiles cannot be drawn person by person in Python. Every choice here
takes an array of pool keys and returns an array of picks in one pass of numpy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


class Pools:
    """Many weighted pools of items, drawn from by key in one vectorised call.

    Pool ``k`` holds ``items[k]`` with ``weights[k]``. Its normalised cumulative weights
    are stored shifted by ``k`` (so pool k occupies the interval [k, k+1)), which lets a
    single ``searchsorted`` serve every pool.
    """

    def __init__(
        self, items: Sequence[Sequence[int]], weights: Sequence[Sequence[float]] | None = None
    ):
        flat_items: list[int] = []
        cum: list[np.ndarray] = []
        self.sizes = np.zeros(len(items), dtype=np.int64)
        for k, its in enumerate(items):
            w = np.ones(len(its)) if weights is None else np.asarray(weights[k], dtype=float)
            self.sizes[k] = len(its)
            if len(its) == 0:
                continue
            if w.sum() <= 0:
                w = np.ones(len(its))
            c = np.cumsum(w) / w.sum()
            c[-1] = 1.0
            cum.append(k + c)
            flat_items.extend(its)
        self.items = np.asarray(flat_items, dtype=np.int64)
        self.cum = np.concatenate(cum) if cum else np.zeros(0)

    def draw(self, rng: np.random.Generator, keys: np.ndarray) -> np.ndarray:
        """One item from pool ``keys[i]`` for every i; -1 where the pool is empty."""
        keys = np.asarray(keys, dtype=np.int64)
        u = keys + rng.random(keys.shape[0]) * (1 - 1e-12)
        pos = np.searchsorted(self.cum, u, side="right")
        pos = np.minimum(pos, max(len(self.items) - 1, 0))
        out = self.items[pos] if len(self.items) else np.full(keys.shape[0], -1)
        return np.where(self.sizes[keys] > 0, out, -1)


PRECISION = ("month", "year", None)  # precision codes 0, 1, 2 (2 = no date)


def pick(vocab: Sequence[str | None], codes: np.ndarray) -> pa.Array:
    """Strings for integer codes into a small vocabulary (None entries give nulls)."""
    return pc.take(pa.array(list(vocab), pa.string()), pa.array(np.asarray(codes, dtype=np.int64)))


def choice(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    """``n`` draws of indices with probabilities ``p`` (inverse CDF, fast for large n)."""
    c = np.cumsum(p)
    c[-1] = 1.0
    return np.searchsorted(c, rng.random(n), side="right").astype(np.int64)


def choice_rows(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each i, one index drawn from the distribution ``probs[rows[i]]`` (a 2-D table)."""
    c: np.ndarray = np.cumsum(probs, axis=1)
    c[:, -1] = 1.0
    u = rng.random(int(rows.shape[0]))
    return (u[:, None] >= c[rows]).sum(axis=1).astype(np.int64)


def group_starts(counts: np.ndarray) -> np.ndarray:
    """Start offsets of consecutive groups of the given sizes."""
    starts = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    return starts


def rank_within(sorted_groups: np.ndarray) -> np.ndarray:
    """0-based position of each row within its run of equal (sorted) group ids."""
    n = sorted_groups.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.empty(n, dtype=bool)
    new[0] = True
    new[1:] = sorted_groups[1:] != sorted_groups[:-1]
    starts = np.flatnonzero(new)
    counts = np.diff(np.append(starts, n))
    return np.arange(n) - np.repeat(starts, counts)


def cummax_within(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Running maximum of small non-negative ints within consecutive groups (sorted group ids)."""
    offset = groups.astype(np.int64) * 1000
    return np.maximum.accumulate(values + offset) - offset


def month_floor(days: np.ndarray) -> np.ndarray:
    """Dates (datetime64[D]) floored to the first of their month."""
    return days.astype("datetime64[M]").astype("datetime64[D]")


def year_floor(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[Y]").astype("datetime64[D]")
