"""The run manifest: what went in, what settings, what came out, how long it took.

Why: a published figure must be traceable to its inputs (hashes), its
configuration, the software versions and the row accounting of the run.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

_PACKAGES = (
    "microcred",
    "ibis-framework",
    "duckdb",
    "pyarrow",
    "scikit-learn",
    "statsmodels",
    "opendp",
    "altair",
    "rapidfuzz",
)


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def input_hashes(root: Path, limit: int = 100_000) -> dict[str, Any]:
    """The input named by content only: a combined sha256, and each file's sha256 and size.

    File and folder names never appear, not even inside the combined hash (which is
    over the sorted per-file digests): exports are named after people
    (``jane.doe@example.com.zip``), and a hash of a name can be confirmed by guessing.
    Files are listed by digest, in digest order, up to 200 of them.
    """
    root = Path(root)
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    entries = sorted(
        ({"sha256": file_sha256(p), "bytes": p.stat().st_size} for p in files[:limit]),
        key=lambda e: (e["sha256"], e["bytes"]),
    )
    combined = hashlib.sha256()
    for e in entries:
        combined.update(f"{e['sha256']}\n".encode())
    return {
        "files": len(files),
        "bytes": sum(e["bytes"] for e in entries),
        "combined_sha256": combined.hexdigest(),
        "per_file": entries if len(files) <= 200 else [],
    }


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


@dataclass
class Timings:
    """Wall time per stage, in the order stages ran."""

    stages: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = round(time.perf_counter() - start, 3)


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    path.write_text(
        json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8"
    )
