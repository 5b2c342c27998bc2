"""Seniority labels → ordinal ranks.

Why here: the seniority coder emits labels (intern/co-op … executive, or
``unknown``); comparisons over time and models need an order. The mapping is
tolerant of the label spellings a coder may use ("lead/staff/principal",
"staff", "junior" …) and gives ``null`` for unknown, never a guess.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ibis.expr.types as ir

# rank → accepted spellings (lower case)
LADDER: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (
        0,
        "intern",
        ("intern", "intern/co-op", "co-op", "coop", "internship", "student", "stagiaire"),
    ),
    (1, "entry", ("entry", "junior", "entry-level", "entry level", "graduate")),
    (2, "intermediate", ("intermediate", "mid", "mid-level", "experienced")),
    (3, "senior", ("senior",)),
    (4, "lead", ("lead", "staff", "principal", "lead/staff/principal", "lead/principal")),
    (5, "manager", ("manager", "management")),
    (6, "director", ("director",)),
    (7, "executive", ("executive", "vp", "c-level", "chief")),
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
