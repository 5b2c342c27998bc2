"""Seniority labels → ordinal ranks.

Why here: the seniority coder emits labels (intern/co-op … executive, or
``unknown``); comparisons over time and models need an order. The mapping is
tolerant of the label spellings a coder may use ("lead/staff/principal",
"staff", "junior" …) and gives ``null`` for unknown, never a guess.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from microcred.schema import SENIORITY_LEVELS

if TYPE_CHECKING:
    import ibis.expr.types as ir

#: other spellings a coder or an input may use for a level (lower case)
_SPELLINGS: dict[str, tuple[str, ...]] = {
    "intern": ("intern/co-op", "co-op", "coop", "internship", "student", "stagiaire"),
    "entry": ("junior", "entry-level", "entry level", "graduate"),
    "intermediate": ("mid", "mid-level", "experienced"),
    "lead": ("staff", "principal", "lead/staff/principal", "lead/principal"),
    "manager": ("management",),
    "executive": ("vp", "c-level", "chief"),
}

# rank → label → accepted spellings; the ranks and labels are ``schema.SENIORITY_LEVELS``
LADDER: tuple[tuple[int, str, tuple[str, ...]], ...] = tuple(
    (rank, label, (label, *_SPELLINGS.get(label, ())))
    for rank, label in enumerate(SENIORITY_LEVELS)
)

#: ranks from which a level counts as "senior or above" in the analyses
SENIOR_RANK = 3

RANK_LABELS: dict[int, str] = {rank: label for rank, label, _ in LADDER}


def rank_of(label: str | None) -> int | None:
    """Python twin of :func:`seniority_rank_expr` (used by tests and analyses)."""
    if label is None:
        return None
    key = label.strip().lower()
    for rank, _, spellings in LADDER:
        if key in spellings:
            return rank
    return None


def seniority_rank_expr(label: ir.StringValue) -> ir.IntegerValue:
    """The ordinal rank of a seniority label, null when unknown or unrecognised."""
    import ibis

    # regex trim: ibis's strip() on PySpark also trims the letter "f"
    key = label.re_replace(r"^\s+", "").re_replace(r"\s+$", "").lower()
    cases = [
        (key.isin(list(spellings)), ibis.literal(rank, "int8")) for rank, _, spellings in LADDER
    ]
    return ibis.cases(*cases, else_=ibis.null("int8"))
