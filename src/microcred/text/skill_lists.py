"""Split a skill list typed as one skill ("C/C++", "HTML, CSS, JavaScript", "Docker & Kubernetes").

Why here and not in the skills coder: the readers split a person's skills when they build
the canonical ``skills`` table (so each part is coded and counted on its own), and the
evaluation splits labelled strings the same way; readers must not depend on coders.

What is never split: names that contain a separator ("PL/SQL", "CI/CD", "TCP/IP"), pairs of
single letters ("A/B testing", "R&D", "I/O"), and "and"/"et" phrases (too many skills are
phrases with "and": "Research and Development"), and separators inside parentheses
("Excel (Pivot Tables, VLOOKUP)" is Excel with detail, not two skills).
"""

from __future__ import annotations

import re

# names whose separator is part of the name (lower case, separator kept)
KEEP_WHOLE = frozenset(
    {
        "pl/sql",
        "ci/cd",
        "tcp/ip",
        "ui/ux",
        "ux/ui",
        "i/o",
        "a/b testing",
        "r&d",
        "p&l",
        "m&a",
        "b2b/b2c",
        "at&t",
        "os/2",
        "c/side",
        "24/7",
        "q&a",
    }
)
_KEEP_WHOLE_RE = re.compile(
    r"(?:^|\s)(?:" + "|".join(re.escape(k) for k in sorted(KEEP_WHOLE)) + r")(?:\s|$)"
)
_SEPARATORS = re.compile(r"\s*(?:/|,|;|\||&|\s\+\s)\s*")
_SINGLE = re.compile(r"^\s*\w\s*$")
_PAREN_GROUP = re.compile(r"\([^()]*\)")


def split_skill_list(text: str | None) -> list[str]:
    """The parts of a skill list, or ``[text]`` when it is one skill (stripped, order kept)."""
    if text is None:
        return []
    whole = text.strip()
    if not whole or not _SEPARATORS.search(whole) or _KEEP_WHOLE_RE.search(whole.lower()):
        return [whole] if whole else []
    parts = _split_outside_parentheses(whole)
    parts = [p for p in parts if p]
    if len(parts) < 2 or all(_SINGLE.match(p) for p in parts):
        return [whole]
    # "A/B Testing": a separator between single letters inside a longer name
    if re.search(r"(?:^|\s)\w\s*[/&]\s*\w(?:\s|$)", whole) and not all(
        len(p) > 1 or p.lower() in {"c", "r"} for p in parts
    ):
        return [whole]
    return list(dict.fromkeys(parts))


def _split_outside_parentheses(whole: str) -> list[str]:
    """Split at the separators that are not inside a parenthesised group."""
    groups: list[str] = []

    def hide(m: re.Match[str]) -> str:
        groups.append(m.group(0))
        return f"\x00{len(groups) - 1}\x00"

    masked = _PAREN_GROUP.sub(hide, whole)
    parts = [p.strip() for p in _SEPARATORS.split(masked)]
    return [re.sub(r"\x00(\d+)\x00", lambda m: groups[int(m.group(1))], p) for p in parts]


__all__ = ["KEEP_WHOLE", "split_skill_list"]
