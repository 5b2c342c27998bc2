"""Seniority from job-title words, in English and French.

An ordinal label (intern < entry < intermediate < senior < lead < manager <
director < executive) read from what the title says, or ``unknown`` when it says
nothing: a "Software Engineer" is not assumed to be intermediate. When several
levels are named ("Senior Manager"), the highest wins. Words that name a role
rather than a rank of management ("Product Manager", "gestionnaire de projet")
do not count as manager. The word lists live in
``coding/occupation/data/seniority.yaml`` (shared with the occupation coder,
which strips the same words before coding the occupation).
"""

from __future__ import annotations

import re
from functools import cache

import pyarrow as pa
import pyarrow.compute as pc

from microcred.coding.occupation.lexicon import load_lexicons
from microcred.coding.occupation.normalise import fold_accents
from microcred.schema import SENIORITY_LEVELS

UNKNOWN = "unknown"
_RANK = {level: i for i, level in enumerate(SENIORITY_LEVELS)}
_SPLIT = re.compile(r"[^a-z0-9]+")


def seniority_rank(label: str | None) -> int | None:
    """0 for intern … 7 for executive; None for unknown or null (never a guess)."""
    return _RANK.get(label) if label else None


@cache
def _patterns() -> tuple[re.Pattern[str], dict[str, int], re.Pattern[str]]:
    """One regex over every seniority word/phrase (longest first), and each one's level."""
    lx = load_lexicons()
    level_of: dict[str, int] = {}
    for level in SENIORITY_LEVELS:
        for w in lx.seniority_levels.get(level, ()):
            phrase = fold_accents(w)
            level_of[phrase] = max(level_of.get(phrase, -1), _RANK[level])
    words = sorted(level_of, key=lambda w: (-len(w), w))
    any_word = re.compile(
        r"(?<![a-z0-9])(?:" + "|".join(re.escape(w) for w in words) + r")(?![a-z0-9])"
    )
    roles = sorted({fold_accents(r) for r in lx.seniority_role_not_level}, key=len, reverse=True)
    role_re = re.compile(
        r"(?<![a-z0-9])(?:" + "|".join(re.escape(r) for r in roles) + r")(?![a-z0-9])"
    )
    return any_word, level_of, role_re


def seniority_of(title: str | None) -> str:
    """The seniority label of one title (the highest level it names)."""
    if not title or not title.strip():
        return UNKNOWN
    text = " ".join(t for t in _SPLIT.split(fold_accents(title.lower())) if t)
    any_word, level_of, role_re = _patterns()
    text = role_re.sub(" ", text)
    best = -1
    for match in any_word.findall(text):
        best = max(best, level_of[match])
    return SENIORITY_LEVELS[best] if best >= 0 else UNKNOWN


@cache
def _level_patterns_re2() -> tuple[str, tuple[tuple[int, str], ...]]:
    """RE2 patterns for Arrow: the role phrases, and the words of each level (highest first).

    RE2 has no look-behind, so words are matched between spaces in a text whose
    spaces are doubled and padded (" senior  manager "): neighbours never share a space.
    """
    _, level_of, _ = _patterns()
    lx = load_lexicons()
    roles = sorted({fold_accents(r) for r in lx.seniority_role_not_level}, key=len, reverse=True)

    def alternation(words: list[str]) -> str:
        return " (?:" + "|".join(re.escape(w).replace(r"\ ", "  ") for w in words) + ") "

    levels = []
    for rank in range(len(SENIORITY_LEVELS) - 1, -1, -1):
        words = sorted((w for w, r in level_of.items() if r == rank), key=lambda w: (-len(w), w))
        if words:
            levels.append((rank, alternation(words)))
    return alternation(roles), tuple(levels)


def _folded_words(titles: pa.Array) -> pa.Array:
    """Lower case, accents folded, words of a-z0-9 between doubled spaces (batch)."""
    text = pc.utf8_normalize(pc.utf8_lower(titles), form="NFKD")
    text = pc.replace_substring_regex(text, pattern=r"\p{Mn}+", replacement="")
    text = pc.replace_substring_regex(text, pattern=r"[^a-z0-9]+", replacement="  ")
    return pc.binary_join_element_wise(" ", text, " ", "")


def code_seniority(titles: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One seniority label per input title (same order); null/empty -> ``unknown``.

    Same rule as :func:`seniority_of` (role phrases removed, highest level named
    wins), run as Arrow string kernels over the whole column: one pass per level
    instead of a Python regex per title.
    """
    if isinstance(titles, pa.ChunkedArray):
        titles = titles.combine_chunks()
    titles = titles.cast(pa.string())
    role, levels = _level_patterns_re2()
    text = pc.replace_substring_regex(_folded_words(titles), pattern=role, replacement="  ")
    out = pa.nulls(len(titles), pa.string())
    for rank, pattern in levels:
        hit = pc.fill_null(pc.match_substring_regex(text, pattern=pattern), False)
        out = pc.if_else(pc.and_(hit, pc.is_null(out)), SENIORITY_LEVELS[rank], out)
    return pc.fill_null(out, UNKNOWN)


__all__ = ["SENIORITY_LEVELS", "UNKNOWN", "code_seniority", "seniority_of", "seniority_rank"]
