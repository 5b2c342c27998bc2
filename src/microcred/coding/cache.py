"""Content-addressed cache of coded strings, so a rerun codes only what is new.

Why this shape:
- codes are kept in a folder named by the coder's *fingerprint* (``coding.fingerprint``:
  coder name and version, its source, the bytes of every reference/lexicon file it
  loads, every setting that changes its output), so after any such change nothing
  cached is reused;
- each coded row is found by the sha256 of its input (one string, or a tuple);
- storage is Parquet plus a JSON sidecar per part (format, coder, fingerprint, the
  part's sha256 and row count), written part first, sidecar last, both atomically. No
  pickle: a planted file cannot run code. A part without a valid sidecar, of another
  coder or fingerprint, whose bytes differ from the sidecar's sha256, or of another
  shape than the rest is ignored with a warning; its inputs are coded afresh.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from microcred.cachedir import write_atomically

FORMAT = "microcred-coding-cache-2"
_KEY = "__input_sha256"


class CacheWarning(RuntimeWarning):
    """A cache file was ignored (corrupt, foreign or altered); its inputs are coded afresh."""


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

    def folder(self, kind: str, fingerprint: str) -> Path:
        return self.root / kind / fingerprint[:32]

    def code(
        self,
        kind: str,
        fingerprint: str,
        inputs: pa.Array | pa.Table,
        fn: Callable[[Any], pa.Table],
    ) -> pa.Table:
        """Codes of ``inputs`` (in input order) by the coder with ``fingerprint``.

        ``fn`` codes the inputs not found; their codes are stored for the next run.
        """
        if not fingerprint:
            raise ValueError(f"{kind}: a coder fingerprint is required to cache its codes")
        folder = self.folder(kind, fingerprint)
        keys = _input_keys(inputs)
        known = self._load(folder, kind, fingerprint)
        known_keys = set(known[_KEY].to_pylist()) if known is not None else set()
        missing = [i for i, k in enumerate(keys) if k not in known_keys]
        if missing:
            idx = pa.array(missing, pa.int64())
            fresh = fn(inputs.take(idx))
            fresh = fresh.append_column(_KEY, pa.array([keys[i] for i in missing], pa.string()))
            if known is not None and not known.schema.equals(fresh.schema):
                _warn(f"{folder}: cached codes have another shape than the coder's; recoding")
                known, missing = None, list(range(len(keys)))
                fresh = fn(inputs).append_column(_KEY, pa.array(keys, pa.string()))
            self._store(folder, kind, fingerprint, fresh)
            known = fresh if known is None else pa.concat_tables([known, fresh])
        self.stats[kind] = {
            "inputs": len(keys),
            "from_cache": len(keys) - len(missing),
            "coded": len(missing),
        }
        if known is None:  # no inputs at all
            return fn(inputs)
        pos = {k: i for i, k in enumerate(known[_KEY].to_pylist())}
        order = pa.array([pos[k] for k in keys], pa.int64())
        return known.take(order).drop_columns([_KEY])

    @staticmethod
    def _store(folder: Path, kind: str, fingerprint: str, table: pa.Table) -> None:
        """Write one part: Parquet first, then its JSON sidecar (what makes it valid)."""
        buf = io.BytesIO()
        pq.write_table(table, buf, compression="zstd")
        data = buf.getvalue()
        digest = hashlib.sha256(data).hexdigest()
        name = f"part-{digest[:16]}"
        sidecar = {
            "format": FORMAT,
            "coder": kind,
            "fingerprint": fingerprint,
            "parquet_sha256": digest,
            "rows": table.num_rows,
        }
        _private_dirs(folder)
        write_atomically(folder / f"{name}.parquet", data)  # files are 0600 (mkstemp)
        write_atomically(folder / f"{name}.json", json.dumps(sidecar, sort_keys=True).encode())

    @staticmethod
    def _load(folder: Path, kind: str, fingerprint: str) -> pa.Table | None:
        """Every valid part of ``folder``, first occurrence of each input kept; None if none."""
        if not folder.is_dir():
            return None
        tables: list[pa.Table] = []
        sidecars = {p.with_suffix("") for p in folder.glob("part-*.json")}
        for orphan in sorted(
            p for p in folder.glob("*.parquet") if p.with_suffix("") not in sidecars
        ):
            _warn(f"{orphan}: no valid sidecar (foreign or half-written); ignored")
        for stem in sorted(sidecars):
            table = _read_part(stem, kind, fingerprint)
            if table is None:
                continue
            if tables and not table.schema.equals(tables[0].schema):
                _warn(f"{stem}.parquet: another shape than the folder's other parts; ignored")
                continue
            tables.append(table)
        if not tables:
            return None
        table = pa.concat_tables(tables)
        seen: dict[str, int] = {}
        for i, k in enumerate(table[_KEY].to_pylist()):
            seen.setdefault(k, i)
        return table.take(pa.array(list(seen.values()), pa.int64()))


def _private_dirs(folder: Path) -> None:
    """Create ``folder`` and its parents as needed, owner-only: cached codes hold profile text."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    for p in missing:
        os.chmod(p, 0o700)


def _read_part(stem: Path, kind: str, fingerprint: str) -> pa.Table | None:
    """One part, or None (with a warning) when its sidecar or bytes do not check out."""
    try:
        meta = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ValueError("not a microcred coding-cache sidecar of this format")
        if meta.get("coder") != kind or meta.get("fingerprint") != fingerprint:
            raise ValueError("written for another coder or fingerprint")
        data = stem.with_suffix(".parquet").read_bytes()
        if hashlib.sha256(data).hexdigest() != meta.get("parquet_sha256"):
            raise ValueError("bytes differ from the sha256 in its sidecar")
        table = pq.read_table(pa.BufferReader(data))
        if _KEY not in table.column_names or not pa.types.is_string(table.schema.field(_KEY).type):
            raise ValueError(f"no {_KEY} column")
        if table.num_rows != meta.get("rows"):
            raise ValueError("row count differs from its sidecar")
        return table
    except Exception as exc:  # noqa: BLE001 - any unusable part is ignored, never trusted
        _warn(f"{stem}.parquet: ignored ({exc})")
        return None


def _warn(message: str) -> None:
    warnings.warn(message, CacheWarning, stacklevel=3)


__all__ = ["CacheWarning", "CodingCache"]
