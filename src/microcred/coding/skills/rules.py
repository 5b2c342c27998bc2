"""Rules of the skills coder beyond dictionary lookups: guards, noun forms, typos, context.

Why as data plus a little code: which short names are ambiguous, which keys a typo must
not reach and how ESCO words a noun form are facts about language, kept in
``data/guards.yaml`` where they can be reviewed; this module only applies them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from microcred.coding.skills.taxonomy import _read_yaml, skill_key

GUARDS_FILE = Path(__file__).with_name("data") / "guards.yaml"
# words that make a short ambiguous name a programming language by themselves
PROGRAMMING_CUES = frozenset(
    {"programming", "language", "lang", "programmation", "langage", "developer", "development"}
)
_VERSION = re.compile(r"^(.+?)(?: v?\d+[a-z]{0,2})+\+?$")
_DOTNET = re.compile(r"(?i)(^|[\s(/,;&])\.net\b")
DOTNET_RE2 = r"(?i)(^|[\s(/,;&])\.net\b"


@dataclass(frozen=True)
class Guards:
    """What ``data/guards.yaml`` says (see its comments)."""

    ambiguous: Mapping[str, tuple[str, bool]] = field(default_factory=dict)
    never: frozenset[str] = frozenset()
    no_fuzzy: frozenset[str] = frozenset()
    not_typos: frozenset[str] = frozenset()
    no_head: frozenset[str] = frozenset()
    rewrites: tuple[tuple[re.Pattern[str], str], ...] = ()

    @classmethod
    def empty(cls) -> Guards:
        return cls()

    @classmethod
    def load(cls, path: Path, known_ids: set[str] | Mapping[str, object]) -> Guards:
        doc = _read_yaml(path)
        ambiguous: dict[str, tuple[str, bool]] = {}
        for key, entry in (doc.get("ambiguous") or {}).items():
            sid = entry["skill"]
            if sid not in known_ids:
                raise ValueError(f"{path}: ambiguous {key!r} names unknown skill {sid!r}")
            ambiguous[skill_key(str(key))] = (sid, bool(entry.get("default", False)))
        rewrites = []
        for pattern, repl in doc.get("rewrites") or []:
            try:
                rewrites.append((re.compile(pattern), repl))
            except re.error as exc:
                raise ValueError(f"{path}: rewrite {pattern!r} is not a regex ({exc})") from exc

        def keys(name: str) -> frozenset[str]:
            return frozenset(skill_key(str(w)) for w in doc.get(name) or [])

        return cls(
            ambiguous=ambiguous,
            never=keys("never"),
            no_fuzzy=keys("no_fuzzy"),
            not_typos=keys("not_typos"),
            no_head=keys("no_head"),
            rewrites=tuple(rewrites),
        )

    def head_ok(self, head: str) -> bool:
        """Whether a technology name may stand for a longer string it begins ("Excel pivot
        tables"): not a name that is also an ordinary word ("Chef de projet", "Spark plugs")."""
        return not (
            head in self.no_head
            or head in self.no_fuzzy
            or head in self.never
            or head in self.ambiguous
            or len(head) < 2
        )

    def rewritten(self, key: str) -> Iterator[str]:
        """Other wordings of a key no dictionary spelling matched, nearest first: without a
        version ("tensorflow 2 0" → "tensorflow"), then the noun-form rewrites, applied up to
        twice in a row ("time management skills" → "time management" → "manage time")."""
        seen = {key}
        frontier = [key]
        for _ in range(2):
            found: list[str] = []
            for k in frontier:
                m = _VERSION.match(k)
                cands = [m.group(1)] if m and len(m.group(1)) >= 2 else []
                cands += [pattern.sub(repl, k).strip() for pattern, repl in self.rewrites]
                for c in cands:
                    if c and c not in seen:
                        seen.add(c)
                        found.append(c)
                        yield c
            frontier = found


def dotnet(text: str) -> str:
    """ ".NET" → "dotnet" (the key of ".NET" would otherwise be the word "net")."""
    return _DOTNET.sub(r"\1dotnet", text)


def has_programming_cue(key: str, core: str) -> bool:
    """Whether the words around an ambiguous name say it is a language ("Rust programming")."""
    extra = set(key.split()) - set(core.split())
    return bool(extra & PROGRAMMING_CUES)


def context_items(context: str | None) -> list[str]:
    """The other skills of a list, as keys."""
    if not context:
        return []
    return [k for k in (skill_key(p) for p in re.split(r"[;,|]", context)) if k]


__all__ = [
    "DOTNET_RE2",
    "GUARDS_FILE",
    "PROGRAMMING_CUES",
    "Guards",
    "context_items",
    "dotnet",
    "has_programming_cue",
]
