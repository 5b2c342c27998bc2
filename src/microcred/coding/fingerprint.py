"""A coder's fingerprint: the key under which its codes may be cached and reused.

Why: a cache keyed by anything less than what decides a coder's output serves stale
codes after a change of reference data, lexicon or setting (it did: a loader object
was fingerprinted, and a run with another configuration reused old codes). So the key
covers the coder's name and version, the source of the modules that code, the bytes of
every reference and lexicon file it loads, and every setting that changes its output.
Issue 14's ``Coder`` protocol takes each coder's ``fingerprint()`` as is.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from microcred import __version__

FORMAT = "microcred-coder-fingerprint-1"


@lru_cache(maxsize=256)
def _file_digest(path: str, size: int, mtime_ns: int) -> str:
    """sha256 of a file, remembered per (path, size, mtime): a run asks for each file often."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def file_digest(path: Path) -> str:
    st = Path(path).stat()
    return _file_digest(str(Path(path).resolve()), st.st_size, st.st_mtime_ns)


def coder_fingerprint(
    name: str,
    version: str,
    files: Iterable[Path],
    settings: Mapping[str, Any],
    code: Iterable[Path] = (),
) -> str:
    """sha256 (hex) over name, version, microcred version, files and code by content, settings.

    ``files`` are the reference/lexicon files the coder reads (by file name and content,
    not path, so the same data in another folder gives the same key); ``code`` the
    modules whose source decides its output (a changed rule is a new coder even when
    nobody bumped ``version``); ``settings`` must be JSON-serialisable.
    """
    doc = {
        "format": FORMAT,
        "coder": name,
        "version": version,
        "microcred": __version__,
        "files": sorted((Path(p).name, file_digest(Path(p))) for p in files),
        "code": sorted((Path(p).name, file_digest(Path(p))) for p in code),
        "settings": settings,
    }
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def package_sources(folder: Path) -> list[Path]:
    """Every ``*.py`` of a package folder (the coder's code)."""
    return sorted(Path(folder).glob("*.py"))


__all__ = ["coder_fingerprint", "file_digest", "package_sources"]
