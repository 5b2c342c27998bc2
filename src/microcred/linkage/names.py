"""Name normalisation applied on both sides before encoding.

Why: Bloom-filter bigrams cannot see that "Bob" is "Robert"; mapping common
nicknames to a canonical given name before hashing is the standard remedy, and
since both holders apply the same table, nothing about the mapping leaks.
"""

from __future__ import annotations

import csv
import unicodedata
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def nicknames() -> dict[str, str]:
    text = (
        resources.files("microcred.linkage")
        .joinpath("data/nicknames.csv")
        .read_text(encoding="utf-8")
    )
    return {r["nickname"]: r["canonical"] for r in csv.DictReader(text.splitlines())}


def fold(value: str | None) -> str:
    """Lower-case, strip accents, keep letters, digits, hyphens and single spaces."""
    if not value:
        return ""
    s = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode().lower()
    s = "".join(ch if ch.isalnum() or ch in " -" else " " for ch in s)
    return " ".join(s.split())


def given_name(value: str | None) -> str:
    s = fold(value)
    first = s.split(" ")[0] if s else ""
    return nicknames().get(first, first)


def surname(value: str | None) -> str:
    return fold(value).replace(" ", "").replace("-", "")


def email_local(value: str | None) -> str:
    s = (value or "").strip().lower()
    return fold(s.split("@", 1)[0]).replace(" ", "") if "@" in s else ""
