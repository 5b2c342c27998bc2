"""Seniority from job-title words, in English and French: the rules.

An ordinal label (intern < entry < intermediate < senior < lead < manager <
director < executive) read from what the title says, or ``unknown`` when it says
nothing: a "Software Engineer" is not assumed to be intermediate. When several
levels are named ("Senior Manager"), the highest wins. Words that name a role
rather than a rank of management ("Product Manager", "gestionnaire de projet")
do not count as manager. The word lists are data (``data/levels.yaml``); this
module only compiles them into two matchers that give the same answer: a Python
regex per title (:meth:`SeniorityRules.level_of`) and Arrow string kernels over a
whole column (:meth:`SeniorityRules.code`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import yaml

from microcred.schema import SENIORITY_LEVELS
from microcred.text import fold, fold_array

UNKNOWN = "unknown"
DATA_DIR = Path(__file__).with_name("data")
LEXICON_FILE = "levels.yaml"
_RANK = {level: i for i, level in enumerate(SENIORITY_LEVELS)}
_SPLIT = re.compile(r"[^a-z0-9]+")


def seniority_rank(label: str | None) -> int | None:
    """0 for intern … 7 for executive; None for unknown or null (never a guess)."""
    return _RANK.get(label) if label else None


def _whole_words(phrases: list[str]) -> re.Pattern[str]:
    """One regex matching any of ``phrases`` as whole words (longest first)."""
    body = "|".join(re.escape(p) for p in phrases)
    return re.compile(r"(?<![a-z0-9])(?:" + body + r")(?![a-z0-9])")


def _re2_alternation(phrases: list[str]) -> str:
    """An RE2 pattern for ``phrases`` between the doubled spaces of ``_spaced_words``."""
    return " (?:" + "|".join(re.escape(w).replace(r"\ ", "  ") for w in phrases) + ") "


@dataclass(frozen=True)
class SeniorityRules:
    """The level of every seniority word/phrase, and the role phrases removed first."""

    level_of_phrase: dict[str, int]
    roles: tuple[str, ...]  # longest first

    @classmethod
    def read(cls, folder: Path = DATA_DIR) -> SeniorityRules:
        """Read ``levels.yaml`` from ``folder`` (accent-folded; a phrase keeps its highest level)."""
        with (Path(folder) / LEXICON_FILE).open(encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
        level_of: dict[str, int] = {}
        for level in SENIORITY_LEVELS:
            for w in data["levels"].get(level, ()):
                phrase = fold(str(w))
                level_of[phrase] = max(level_of.get(phrase, -1), _RANK[level])
        roles = sorted({fold(str(r)) for r in data["role_not_level"]}, key=len, reverse=True)
        return cls(level_of, tuple(roles))

    def _phrases(self, rank: int | None = None) -> list[str]:
        chosen = (w for w, r in self.level_of_phrase.items() if rank is None or r == rank)
        return sorted(chosen, key=lambda w: (-len(w), w))

    @cached_property
    def _python(self) -> tuple[re.Pattern[str], re.Pattern[str]]:
        """Python regexes: any seniority phrase, and the role phrases."""
        return _whole_words(self._phrases()), _whole_words(list(self.roles))

    @cached_property
    def _re2(self) -> tuple[str, tuple[tuple[int, str], ...]]:
        """RE2 patterns for Arrow: the role phrases, and each level's words (highest first).

        RE2 has no look-behind, so words are matched between spaces in a text whose
        spaces are doubled and padded (" senior  manager "): neighbours never share a space.
        """
        levels = []
        for rank in range(len(SENIORITY_LEVELS) - 1, -1, -1):
            words = self._phrases(rank)
            if words:
                levels.append((rank, _re2_alternation(words)))
        return _re2_alternation(list(self.roles)), tuple(levels)

    def level_of(self, title: str | None) -> str:
        """The seniority label of one title (the highest level it names)."""
        if not title or not title.strip():
            return UNKNOWN
        text = " ".join(t for t in _SPLIT.split(fold(title)) if t)
        any_word, role_re = self._python
        text = role_re.sub(" ", text)
        best = max((self.level_of_phrase[m] for m in any_word.findall(text)), default=-1)
        return SENIORITY_LEVELS[best] if best >= 0 else UNKNOWN

    def code(self, titles: pa.Array | pa.ChunkedArray) -> pa.Array:
        """One label per title (same order); null/empty -> ``unknown``.

        Same rule as :meth:`level_of` (role phrases removed, highest level named wins),
        as Arrow string kernels: one pass per level instead of a Python regex per title.
        """
        if isinstance(titles, pa.ChunkedArray):
            titles = titles.combine_chunks()
        titles = titles.cast(pa.string())
        role, levels = self._re2
        text = pc.replace_substring_regex(_spaced_words(titles), pattern=role, replacement="  ")
        out = pa.nulls(len(titles), pa.string())
        for rank, pattern in levels:
            hit = pc.fill_null(pc.match_substring_regex(text, pattern=pattern), False)
            out = pc.if_else(pc.and_(hit, pc.is_null(out)), SENIORITY_LEVELS[rank], out)
        return pc.fill_null(out, UNKNOWN)


def _spaced_words(titles: pa.Array) -> pa.Array:
    """Folded (``microcred.text``), words of a-z0-9 between doubled spaces, padded."""
    text = pc.replace_substring_regex(fold_array(titles), pattern=r"[^a-z0-9]+", replacement="  ")
    return pc.binary_join_element_wise(" ", text, " ", "")


@cache
def shipped_rules(folder: str = str(DATA_DIR)) -> SeniorityRules:
    """The rules read from ``folder`` (the shipped ``data/`` by default), once per process."""
    return SeniorityRules.read(Path(folder))


def seniority_of(title: str | None) -> str:
    """The seniority label of one title, by the shipped rules."""
    return shipped_rules().level_of(title)


def code_seniority(titles: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One seniority label per title (same order), by the shipped rules; null/empty -> unknown."""
    return shipped_rules().code(titles)


__all__ = [
    "DATA_DIR",
    "LEXICON_FILE",
    "SENIORITY_LEVELS",
    "UNKNOWN",
    "SeniorityRules",
    "code_seniority",
    "seniority_of",
    "seniority_rank",
    "shipped_rules",
]
