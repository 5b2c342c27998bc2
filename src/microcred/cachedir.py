"""Where microcred keeps rebuildable artefacts (trained coders, the report's script bundle).

``$MICROCRED_CACHE`` or ``~/.cache/microcred``. Everything here can be deleted:
it is rebuilt, byte for byte, on the next run.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    env = os.environ.get("MICROCRED_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "microcred"


def write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file and rename, so a concurrent reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
