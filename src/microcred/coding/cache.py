"""Content-addressed cache of coded strings, so a rerun codes only what is new.

Each coded row is stored under the sha256 of its input (one string, or a tuple
of strings) inside a folder named by the coder's fingerprint (class, microcred
version, taxonomy/catalogue version, settings). Changing the coder changes the
fingerprint, so stale codes are never reused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from microcred import __version__

_KEY = "__input_sha256"


def coder_fingerprint(coder: Any) -> str:
    parts = [
        type(coder).__module__,
        type(coder).__qualname__,
        __version__,
        str(getattr(coder, "cache_key", "")),
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def _input_keys(inputs: pa.Array | pa.Table) -> list[str]:
    if isinstance(inputs, pa.Table):
        cols = [c.to_pylist() for c in inputs.columns]
        rows = zip(*cols, strict=True)
        return [
            hashlib.sha256(
                "\x1f".join("\x00" if v is None else str(v) for v in r).encode()
            ).hexdigest()
            for r in rows
        ]
    return [
        hashlib.sha256(("\x00" if v is None else str(v)).encode()).hexdigest()
        for v in inputs.to_pylist()
    ]


class CodingCache:
    """Reuse codes for strings seen in earlier runs; code the rest and remember them."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.stats: dict[str, dict[str, int]] = {}

    def code(
        self, kind: str, loader: Any, inputs: pa.Array | pa.Table, fn: Callable[[Any], pa.Table]
    ) -> pa.Table:
        folder = self.root / kind / coder_fingerprint(loader)
        keys = _input_keys(inputs)
        known = self._load(folder)
        known_keys = set(known[_KEY].to_pylist()) if known is not None else set()
        missing = [i for i, k in enumerate(keys) if k not in known_keys]
        self.stats[kind] = {
            "inputs": len(keys),
            "from_cache": len(keys) - len(missing),
            "coded": len(missing),
        }
        if missing:
            idx = pa.array(missing, pa.int64())
            fresh = fn(inputs.take(idx))
            fresh = fresh.append_column(_KEY, pa.array([keys[i] for i in missing], pa.string()))
            folder.mkdir(parents=True, exist_ok=True)
            part = hashlib.sha256("".join(keys[i] for i in missing).encode()).hexdigest()[:16]
            pq.write_table(fresh, folder / f"part-{part}.parquet")
            known = fresh if known is None else pa.concat_tables([known, fresh.cast(known.schema)])
        assert known is not None
        # Return rows in input order.
        pos = {k: i for i, k in enumerate(known[_KEY].to_pylist())}
        order = pa.array([pos[k] for k in keys], pa.int64())
        out = known.take(order)
        return out.drop_columns([_KEY])

    @staticmethod
    def _load(folder: Path) -> pa.Table | None:
        parts = sorted(folder.glob("part-*.parquet")) if folder.is_dir() else []
        if not parts:
            return None
        tables = [pq.read_table(p) for p in parts]
        table = pa.concat_tables([t.cast(tables[0].schema) for t in tables])
        # keep first occurrence of each key
        _, first = _unique_first(table[_KEY])
        return table.take(first)


def _unique_first(col: pa.ChunkedArray) -> tuple[list[str], pa.Array]:
    seen: dict[str, int] = {}
    for i, k in enumerate(col.to_pylist()):
        seen.setdefault(k, i)
    return list(seen), pa.array(list(seen.values()), pa.int64())


__all__ = ["CodingCache", "coder_fingerprint"]
