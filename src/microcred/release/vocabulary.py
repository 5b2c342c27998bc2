"""Only coded values are published: text that came from a profile must be a vocabulary term.

Why: a person types anything into "issuing organisation" or "company" (their own
name, a friend's start-up, a spreadsheet formula). The coders map what they know to
catalogue and taxonomy terms and pass the rest through; an analysis that counts by
such a column would publish the raw text. So every analysis column drawn from
profile text declares its vocabulary (``AnalysisTable.controlled``), analyses fold
out-of-vocabulary values into :data:`OTHER` *before* counting (so the "Other" row
is a correct distinct count), and release refuses a table that still carries a
value outside its vocabulary, or that has a profile-text column with no declared
vocabulary at all (:func:`check_table`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pandas as pd

from microcred.analysis.result import AnalysisTable

OTHER = "Other (not in catalogue)"
# Labels an analysis may put beside vocabulary terms (they name groups, not anybody).
GENERIC_LABELS = frozenset({OTHER, "unknown", "other employers"})

# Column names that, in this project, hold values derived from profile text. A released
# table with one of these (as a text column) must declare its vocabulary.
PROFILE_TEXT_COLUMNS = frozenset(
    {
        "provider",
        "platform",
        "authority",
        "issuer",
        "employer",
        "current_employer",
        "company",
        "school",
        "institution",
        "title",
        "name",
        "skill",
        "industry",
        "city",
        "location",
    }
)


class UncontrolledTextError(ValueError):
    """A table would publish text outside its vocabulary (a bug in the analysis, never data)."""


@cache
def catalogue_terms() -> frozenset[str]:
    """Every provider name of the credential catalogue (platforms, vendors, bodies, employers...)."""
    from microcred.coding.credentials.catalogue import load_catalogue

    return frozenset(p.name for p in load_catalogue().providers)


@cache
def _catalogue_aliases() -> dict[str, str]:
    from microcred.coding.credentials.catalogue import load_catalogue

    return {key: p.name for key, (p, _unit, _plat) in load_catalogue().aliases.items()}


def catalogue_name(text: str | None) -> str | None:
    """The catalogue provider ``text`` names (by name or alias, any case/accents), or None."""
    from microcred.coding.credentials.text import normalise

    if not text:
        return None
    return _catalogue_aliases().get(normalise(text))


@cache
def credential_types() -> frozenset[str]:
    from microcred.config import CREDENTIAL_TYPES

    return frozenset(CREDENTIAL_TYPES)


VOCABULARIES: dict[str, Callable[[], frozenset[str] | None]] = {
    "catalogue": catalogue_terms,
    "credential_type": credential_types,
    # Labels the skills coder assigns from its taxonomy (ESCO, O*NET in the reference data
    # folder). Release has no reference data to list them, so the analysis's guarantee (it
    # counts ``skill_label`` only, never the skill as typed) is trusted; the gate still scans.
    "skills_taxonomy": lambda: None,
}


def terms(vocabulary: str) -> frozenset[str] | None:
    """The terms of a named vocabulary, None when only its coder can list them (raises for an unknown name)."""
    try:
        return VOCABULARIES[vocabulary]()
    except KeyError:
        raise UncontrolledTextError(
            f"unknown vocabulary {vocabulary!r}; known: {sorted(VOCABULARIES)}"
        ) from None


def to_vocabulary(values: pd.Series, vocabulary: str) -> pd.Series:
    """``values`` with every non-null value outside ``vocabulary`` replaced by :data:`OTHER`."""
    allowed = terms(vocabulary)
    if allowed is None:
        raise UncontrolledTextError(f"vocabulary {vocabulary!r} cannot be listed here")
    keep = values.isna() | values.isin(allowed)
    return values.where(keep, OTHER)


def employer_terms(values: pd.Series) -> pd.Series:
    """Employer text → the catalogue provider it names, :data:`OTHER` when none, null kept."""
    distinct = {v: catalogue_name(v) or OTHER for v in values.dropna().unique()}
    return values.map(distinct)


def _text_columns(df: pd.DataFrame) -> list[str]:
    return [
        c
        for c in df.columns
        if pd.api.types.is_object_dtype(df[c]) or pd.api.types.is_string_dtype(df[c])
    ]


def check_table(table: AnalysisTable) -> None:
    """Refuse ``table`` when a profile-text column is undeclared or holds a non-vocabulary value.

    The message names the table, the column and how many values are out of vocabulary;
    it never prints the values (they may be personal).
    """
    df = table.data
    declared = {c.column for c in table.controlled}
    undeclared = sorted(c for c in _text_columns(df) if c in PROFILE_TEXT_COLUMNS - declared)
    if undeclared:
        raise UncontrolledTextError(
            f"table {table.name!r}: column(s) {undeclared} come from profile text but declare no "
            "vocabulary (AnalysisTable.controlled); only coded values may be published"
        )
    for rule in table.controlled:
        if rule.column not in df.columns:
            continue
        values = df[rule.column]
        if rule.when is not None:
            col, value = rule.when
            values = values[df[col] == value]
        listed = terms(rule.vocabulary)
        if listed is None:
            continue
        allowed = listed | GENERIC_LABELS
        bad = values.dropna()
        bad = bad[~bad.isin(allowed)]
        if len(bad):
            where = f" where {rule.when[0]} = {rule.when[1]!r}" if rule.when else ""
            raise UncontrolledTextError(
                f"table {table.name!r}: column {rule.column!r}{where} has {bad.nunique()} "
                f"value(s) outside the {rule.vocabulary!r} vocabulary; fold them into {OTHER!r} "
                "before counting (release.vocabulary.to_vocabulary)"
            )
