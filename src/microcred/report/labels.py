"""Human labels for column names and coded values, and the order of ordinal categories.

Released tables keep machine names (``experience_band``, ``mooc_certificate``) so
files stay stable for code; the report shows people words. One registry here
names the columns and codes the analyses produce; anything not in it is made
readable by rule (``ci_lower`` → ``CI lower``, ``no_postsecondary`` → ``No
postsecondary``), so no raw snake_case reaches a heading, axis, legend or cell.

Order: a category list declared by the study (experience bands from the cut
points, seniority and education levels from their coders, passed in through
the report context) wins; number-led bands (``2–5``, ``20+``) sort by number;
otherwise the analysis' own order is kept. "unknown" and "other" go last.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

import pandas as pd

from microcred.report.values import column_label as _rule_label
from microcred.report.values import ordered_unique, plain

# Column (and variable) names → label. Only names whose rule-made label reads badly.
COLUMN_LABELS: dict[str, str] = {
    "noc2021": "Occupation (NOC 2021)",
    "noc2021_title": "Occupation title",
    "occupation_group": "Occupation group",
    "experience_band": "Years of experience",
    "years_experience": "Years of experience",
    "years_experience_sq": "Years of experience (squared)",
    "education_level": "Education level",
    "education": "Education",
    "seniority": "Seniority",
    "province": "Province or territory",
    "field_cip2021_2digit": "Field of study (CIP 2021)",
    "formal_digital_training": "Formal digital training",
    "profile_language": "Profile language",
    "current_employer": "Current employer",
    "digital_skill_share": "Share of skills that are digital",
    "n_skills": "Number of skills",
    "n_hot_skills": "Hot-technology skills",
    "n_microcredentials": "Microcredentials held",
    "credential_type": "Credential type",
    "variable": "Characteristic",
    "dimension": "Characteristic",
    "covariate": "Term",
    "level": "Level",
    "n": "People",
    "sample_n": "People in sample",
    "se": "Standard error",
    "z": "z-score",
    "z_score": "z-score",
    "p_value": "p-value",
    "equivalence_p": "Equivalence p-value",
    "smd": "Standardised mean difference",
    "smd_before": "SMD before weighting",
    "smd_after": "SMD after weighting",
    "log_odds_ratio": "Log-odds ratio",
    "odds_ratio": "Odds ratio",
    "ame_pp": "Difference in the share holding (percentage points)",
    "ame_lower": "Lower bound (points)",
    "ame_upper": "Upper bound (points)",
    "q_value": "q-value (Benjamini–Hochberg)",
    "ci_lower": "CI lower",
    "ci_upper": "CI upper",
    "diff_lower": "Difference, lower",
    "difference_within_occupation": "Difference within occupation",
    "within_lower": "Within occupation, lower",
    "within_upper": "Within occupation, upper",
    "diff_upper": "Difference, upper",
    "share_of_holders": "Share of holders",
    "holders_listing": "Holders listing the skill",
    "non_holders_listing": "Non-holders listing the skill",
    "median_months_credential_to_entry": "Median months, credential to entry",
    "q1_months": "Lower quartile (months)",
    "q3_months": "Upper quartile (months)",
    "relative_error": "Relative error",
    "rows_read": "Rows read",
    "rows_ingested": "Rows ingested",
    "rows_quarantined": "Rows quarantined",
    "rows_skipped": "Rows skipped",
    "coded_rate": "Coded",
    "abstention_rate": "Abstained (share)",
}

# Coded values → label (values that are not column names).
VALUE_LABELS: dict[str, str] = {
    "mooc_certificate": "MOOC certificate",
    "vendor_certification": "Vendor certification",
    "professional_certification": "Professional certification",
    "bootcamp_certificate": "Bootcamp certificate",
    "university_microcredential": "University microcredential",
    "digital_badge": "Digital badge",
    "professional_licence": "Professional licence",
    "academic_credential": "Academic credential",
    "training_attendance": "Training attendance",
    "no_postsecondary": "No postsecondary",
    "apprenticeship_trades": "Apprenticeship or trades",
    "graduate_certificate": "Graduate certificate",
    "professional_degree": "Professional degree",
    "bulk_jsonl": "Bulk JSONL",
    "json_resume": "JSON Resume",
    "linkedin_export": "LinkedIn export",
}

# Values that mean "not a category of its own": drawn and listed after the real ones.
TAIL_VALUES = ("other", "others", "other employers", "unknown", "not stated", "missing")

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_LOWER_WORDS = re.compile(r"^[a-z][a-z ]*$")
_TERM = re.compile(r"^([a-z][a-z0-9_]*)=(.+)$")
_LEADING_NUMBER = re.compile(r"^\s*[<>≤≥]?\s*(-?\d+(?:[.,]\d+)?)\s*(?:[–\-+]|$|\s*(?:to|–)\s*)")


def column_label(name: str) -> str:
    """The label of a column or variable name: the registry, else by rule."""
    return COLUMN_LABELS.get(name) or _rule_label(name)


def value_label(value: Any) -> Any:
    """A coded value as people read it; numbers, names and labels already readable pass through.

    A column name used as a value (a ``variable`` column) gets its column label, and a
    model term ``education_level=master`` reads ``Education level: Master``.
    """
    if not isinstance(value, str):
        return value
    if value in VALUE_LABELS:
        return VALUE_LABELS[value]
    if value in COLUMN_LABELS and len(value) > 2:  # not "n" or "z": too likely a real value
        return COLUMN_LABELS[value]
    term = _TERM.match(value)
    if term and (term.group(1) in COLUMN_LABELS or _SNAKE.match(term.group(1))):
        return f"{column_label(term.group(1))}: {value_label(term.group(2))}"
    if _SNAKE.match(value):
        return _rule_label(value)
    if _LOWER_WORDS.match(value):  # "seniority", "broad": headings read capitalised
        return value[:1].upper() + value[1:]
    return readable_note(value)  # "not weighted — education_level: unknown"


def is_tail(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() in TAIL_VALUES


def _leading_number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, str):
        return None
    match = _LEADING_NUMBER.match(value)
    return float(match.group(1).replace(",", ".")) if match else None


def category_order(values: Iterable[Any], declared: Sequence[Any] | None = None) -> list[Any]:
    """Distinct values in reading order.

    ``declared`` (the study's own order for this variable) wins; otherwise values
    that all start with a number (bands such as ``2–5``, ``20+``, codes) sort by
    that number; otherwise first appearance is kept. Tail values go last.
    """
    distinct = ordered_unique(values)
    body = [v for v in distinct if not is_tail(v)]
    tail = [v for v in distinct if is_tail(v)]
    if declared:
        rank = {v: i for i, v in enumerate(declared)}
        body.sort(key=lambda v: rank.get(v, len(rank)))  # stable: undeclared keep their order
    else:
        numbers = [_leading_number(v) for v in body]
        if body and all(n is not None for n in numbers):
            order = sorted(range(len(body)), key=lambda i: numbers[i])  # type: ignore[arg-type,return-value]
            body = [body[i] for i in order]
    tail.sort(key=lambda v: TAIL_VALUES.index(v.strip().lower()))
    return body + tail


def ordered_frame(
    data: pd.DataFrame,
    columns: Sequence[str],
    orders: Mapping[str, Sequence[Any]] | None = None,
    *,
    panel: str | None = None,
) -> pd.DataFrame:
    """``data`` stably sorted so each of ``columns`` runs in :func:`category_order`.

    A column's order is declared under its own name in ``orders``, or, inside a
    ``panel`` whose values are variable names (``variable`` = ``seniority``),
    under the panel value. Numeric columns are left as they are.
    """
    orders = orders or {}
    keys: dict[str, list[int]] = {}
    reordered: list[str] = []  # columns whose reading order differs from the rows' order
    for col in columns:
        if col not in data.columns or pd.api.types.is_numeric_dtype(data[col]):
            continue
        values = [plain(v) for v in data[col]]
        if panel and panel != col and panel in data.columns:
            panels = [plain(v) for v in data[panel]]
        else:
            panels = [None] * len(values)
        rank = [0] * len(values)
        for name in dict.fromkeys(panels):
            rows = [i for i, p in enumerate(panels) if p == name]
            group = [values[i] for i in rows]
            declared = orders.get(col) or (orders.get(str(name)) if name is not None else None)
            wanted = category_order(group, declared)
            if wanted != ordered_unique(group):
                reordered.append(col)
            position = {v: i for i, v in enumerate(wanted)}
            for i in rows:
                rank[i] = position.get(values[i], len(position))
        keys[col] = rank
    # Columns after the last reordered one keep the rows' own order (e.g. by count).
    last = max((list(keys).index(c) for c in reordered), default=-1)
    keys = dict(list(keys.items())[: last + 1])
    if not keys:
        return data
    positions = sorted(range(len(data)), key=lambda i: tuple(k[i] for k in keys.values()))
    return data.iloc[positions]


def combined_order(data: pd.DataFrame, column: str) -> list[Any]:
    """The distinct values of ``column`` in frame order (frame already ordered), tails last.

    With panels of their own categories this concatenates each panel's order,
    which Vega-Lite then applies within every panel.
    """
    values = ordered_unique(data[column])
    return [v for v in values if not is_tail(v)] + [v for v in values if is_tail(v)]


def relabelled(data: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """A copy with coded values in ``columns`` replaced by their labels (text columns only)."""
    out = data.copy()
    for col in columns:
        if col in out.columns and not pd.api.types.is_numeric_dtype(out[col]):
            labels = {v: value_label(v) for v in out[col].dropna().unique() if isinstance(v, str)}
            out[col] = out[col].replace(labels)
    return out


def readable_note(note: str, columns: Iterable[str] = ()) -> str:
    """Text with snake_case column names (the table's, or any in the registry) as labels.

    Titles and notes are written by analyses and release, which name columns by
    their file names; the reader gets the label. Names inside backticks are code
    and stay as written.
    """
    return _identifier_pattern(tuple(map(str, columns))).sub(
        lambda m: column_label(m.group(1)), note
    )


def _is_identifier(name: str) -> bool:
    return "_" in name or bool(re.search(r"[a-z]\d", name))  # holders_in_category, noc2021


@lru_cache(maxsize=256)
def _identifier_pattern(columns: tuple[str, ...]) -> re.Pattern[str]:
    names = {c for c in (*columns, *COLUMN_LABELS) if _is_identifier(c)}
    alternatives = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    return re.compile(r"(?<![\w`])(" + alternatives + r")(?![\w`])")
