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
    """A combined sha256 over every input file (path and content) and the number of files.

    Per-file paths are not listed: export folders are often named after people.
    """
    root = Path(root)
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    hashes: dict[str, str] = {}
    combined = hashlib.sha256()
    for p in files[:limit]:
        rel = p.name if root.is_file() else str(p.relative_to(root))
        digest = file_sha256(p)
        hashes[rel] = digest
        combined.update(f"{rel}\0{digest}\n".encode())
    return {
        "files": len(files),
        "combined_sha256": combined.hexdigest(),
        "per_file": hashes if len(files) <= 200 else {},
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
