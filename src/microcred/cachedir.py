"""Where microcred keeps rebuildable artefacts (trained coders, the report's script bundle).

``$MICROCRED_CACHE`` or ``~/.cache/microcred``. Everything here can be deleted:
it is rebuilt, byte for byte, on the next run.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

CACHE_ENV = "MICROCRED_CACHE"


def cache_root() -> Path:
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path.home() / ".cache" / "microcred"


def write_atomically(path: Path, data: bytes) -> None:
    """Write through a temporary file and rename, so a concurrent reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
