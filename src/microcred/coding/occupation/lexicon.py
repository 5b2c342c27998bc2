"""The coder's hand-written knowledge, kept as YAML data files beside this module.

Why data files: analysts extend abbreviations, noise words or the curated title
table without touching code, and the files' content is part of the model's
cache key, so an edit retrains the model.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).with_name("data")
FILES = (
    "abbreviations.yaml",
    "gender_forms.yaml",
    "noise.yaml",
    "seniority.yaml",
    "curated_titles.yaml",
    "guards.yaml",
)


@dataclass(frozen=True)
class Lexicons:
    abbreviations_en: dict[str, str]
    abbreviations_fr: dict[str, str]
    french_words: frozenset[str]  # never expanded by the English table unless the title is English
    gender_words: dict[str, str]
    gender_suffixes: tuple[tuple[str, str], ...]
    gender_keep: frozenset[str]
    noise_cut_after: tuple[str, ...]
    noise_words: tuple[str, ...]
    seniority_strip: tuple[str, ...]  # how senior, not what occupation (coding.seniority codes it)
    curated: dict[str, tuple[str, ...]]  # NOC code -> plain titles


def _read(name: str) -> dict[str, Any]:
    with (DATA / name).open(encoding="utf-8") as f:
        data: dict[str, Any] = yaml.safe_load(f)
    return data


@cache
def load_lexicons() -> Lexicons:
    """Read every lexicon file once per process."""
    abbr = _read("abbreviations.yaml")
    gender = _read("gender_forms.yaml")
    noise = _read("noise.yaml")
    sen = _read("seniority.yaml")
    curated = _read("curated_titles.yaml")
    return Lexicons(
        abbreviations_en={str(k): str(v) for k, v in abbr["en"].items()},
        abbreviations_fr={str(k): str(v) for k, v in abbr["fr"].items()},
        french_words=frozenset(str(w) for w in abbr.get("french_words", ())),
        gender_words={str(k): str(v) for k, v in gender["words"].items()},
        gender_suffixes=tuple((str(p), str(r)) for p, r in gender["suffixes"]),
        gender_keep=frozenset(str(w) for w in gender["keep"]),
        noise_cut_after=tuple(str(p) for p in noise["cut_after"]),
        noise_words=tuple(str(w) for w in noise["strip_words"]),
        seniority_strip=tuple(str(w) for w in sen["strip"]),
        curated={str(k).zfill(5): tuple(str(t) for t in v) for k, v in curated.items()},
    )


def lexicon_fingerprint() -> str:
    """sha256 over the lexicon files' bytes (part of the trained model's cache key)."""
    h = hashlib.sha256()
    for name in FILES:
        h.update(name.encode())
        h.update((DATA / name).read_bytes())
    return h.hexdigest()
