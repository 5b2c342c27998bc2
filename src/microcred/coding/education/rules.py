"""Education rules: the lexicons (``data/*.yaml``) read into one phrase table, how a text is
read with it, and the decision table from three readings (degree, field, school) to a level.

Why rules and not a model: degree strings are short and formulaic ("BSc", "Maîtrise en
génie logiciel", "Ph. D."), the vocabulary is small and public, and an analyst must be
able to read and correct every decision. The knowledge is data; this module normalises
text and looks phrases up in dictionaries (n-gram lookup).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from microcred import text

DATA_DIR = Path(__file__).with_name("data")
TAXONOMY_VERSION = "microcred-education-levels-2; CIP Canada 2021"
LEXICON_FILES = ("levels.yaml", "fields.yaml", "cip2021.yaml", "credential_markers.yaml")

UNKNOWN = "unknown"
NOT_EDUCATION = "not_education"
LEVELS: tuple[str, ...] = (
    "no_postsecondary",
    "apprenticeship_trades",
    "college",
    "bachelor",
    "graduate_certificate",
    "professional_degree",
    "master",
    "doctorate",
)
LEVEL_RANK: dict[str, int] = {level: i + 1 for i, level in enumerate(LEVELS)}
COLLEGE_RANK = LEVEL_RANK["college"]
BACHELOR_RANK = LEVEL_RANK["bachelor"]

STRONG, WEAK = 2, 1
CONFIDENCE = {
    "degree_phrase": 0.95,
    "degree_phrase_weak": 0.75,
    "school_hint": 0.6,
    "credential_text": 0.9,
    "credential_school": 0.85,
    "not_completed": 0.0,
    "non_degree": 0.0,
    "none": 0.0,
}

# Tag bits: what a phrase says when it is found in a text.
CRED_TEXT, NOT_COMPLETED, NON_DEGREE = 1, 2, 4
CRED_SCHOOL, CONTINUING, SECONDARY = 8, 16, 32
UNIVERSITY = 64  # a school name that says university (a "certificate" there is not a diploma)
_MARKER_BITS = (
    ("text", CRED_TEXT),
    ("not_completed", NOT_COMPLETED),
    ("non_degree", NON_DEGREE),
    ("school", CRED_SCHOOL),
    ("continuing_education", CONTINUING),
    ("secondary_school", SECONDARY),
    ("university_school", UNIVERSITY),
)


def normalise(value: str | None) -> str:
    """Lower case, accents stripped, dots dropped (B.Sc. → bsc), other punctuation → space."""
    return text.normalise(value, drop=".")


def normalise_array(values: pa.Array) -> pa.Array:
    """``normalise`` over a string array (nulls → "")."""
    return text.normalise_array(values, drop=".")


@dataclass(frozen=True)
class Phrase:
    """Everything one normalised phrase means (a phrase can be a level and a field at once)."""

    level: tuple[str, int] | None = None  # (level, strength)
    field: str | None = None
    implied: str | None = None
    flags: int = 0


@dataclass(frozen=True)
class TextInfo:
    """One text (degree, field or school) read once: best level, best field, flags."""

    tokens: tuple[str, ...]
    level: str | None
    strength: int
    field: str | None
    implied: str | None
    flags: int
    college: bool = False  # a school name that says college / cégep (and not university)


@dataclass(frozen=True)
class Lexicon:
    """The four YAML files as one phrase table (what a normalised n-gram means)."""

    phrases: dict[str, Phrase]
    whole_only: dict[str, str]
    cip_titles: dict[str, str]
    digital_prefixes: tuple[str, ...]
    college_school_words: frozenset[str]
    max_ngram: int
    start_tokens: frozenset[str]

    @classmethod
    def read(cls, root: Path) -> Lexicon:
        """Read and validate the lexicons in ``root`` (errors name the file)."""
        levels = _read_yaml(root / "levels.yaml")
        fields = _read_yaml(root / "fields.yaml")
        cip = _read_yaml(root / "cip2021.yaml")
        markers = _read_yaml(root / "credential_markers.yaml")
        level_phrases, whole_only = _level_phrases(levels, root / "levels.yaml")
        titles = {**cip["series"], **cip["subseries"]}
        field_phrases, implied = _field_phrases(fields, titles, root / "fields.yaml")
        flags: dict[str, int] = {}
        for section, bit in _MARKER_BITS:
            for phrase in markers.get(section) or []:
                key = normalise(phrase)
                flags[key] = flags.get(key, 0) | bit
        phrases = {
            key: Phrase(
                level_phrases.get(key), field_phrases.get(key), implied.get(key), flags.get(key, 0)
            )
            for key in sorted(set(level_phrases) | set(field_phrases) | set(implied) | set(flags))
        }
        college_words = markers.get("college_school") or ["cegep", "college", "colleges"]
        return cls(
            phrases=phrases,
            whole_only=whole_only,
            cip_titles=titles,
            digital_prefixes=tuple(cip["digital_prefixes"]),
            college_school_words=frozenset(normalise(w) for w in college_words),
            max_ngram=max(len(k.split()) for k in phrases),
            start_tokens=frozenset(k.split()[0] for k in phrases),
        )

    # ---- reading a text -------------------------------------------------------------------

    def read_normalised(self, normalised: str) -> TextInfo:
        """One pass of n-gram lookups: longest level phrase, longest field phrase, flags."""
        tokens = normalised.split()
        best_level: tuple[str, int] | None = None
        level_key: tuple[int, ...] | None = None
        best_field: str | None = None
        field_key: tuple[int, ...] | None = None
        implied: str | None = None
        flags = 0
        implied_start = len(tokens)
        for n, start, ph in self.phrases_in(tokens):
            flags |= ph.flags
            if ph.level is not None:
                level, strength = ph.level
                lk = (n, strength, LEVEL_RANK[level], -start)
                if level_key is None or lk > level_key:
                    best_level, level_key = ph.level, lk
            if ph.field is not None:
                fk = (n, -start)
                if field_key is None or fk > field_key:
                    best_field, field_key = ph.field, fk
            if ph.implied is not None and start < implied_start:
                implied, implied_start = ph.implied, start
        if best_level is None and tokens:
            whole = self.whole_only.get(" ".join(tokens))
            if whole:
                best_level = (whole, STRONG)
        coded_level, coded_strength = best_level if best_level else (None, 0)
        college = not (flags & UNIVERSITY) and any(w in self.college_school_words for w in tokens)
        return TextInfo(
            tuple(tokens), coded_level, coded_strength, best_field, implied, flags, college
        )

    def phrases_in(self, tokens: list[str]) -> Iterable[tuple[int, int, Phrase]]:
        """(span, start, phrase) for every known phrase in the tokens.

        Only n-grams that begin with a token some phrase begins with are built, and
        runs of short tokens are also tried joined ("ph d" → "phd", "b sc a" → "bsca").
        """
        phrases, starts, n_tok = self.phrases, self.start_tokens, len(tokens)
        for i, first in enumerate(tokens):
            if first in starts:
                key = first
                for n in range(1, min(self.max_ngram, n_tok - i) + 1):
                    if n > 1:
                        key = f"{key} {tokens[i + n - 1]}"
                    ph = phrases.get(key)
                    if ph is not None:
                        yield n, i, ph
            if len(first) <= 5:
                joined = first
                for n in range(2, min(4, n_tok - i) + 1):
                    nxt = tokens[i + n - 1]
                    if len(nxt) > 5:
                        break
                    joined += nxt
                    ph = phrases.get(joined)
                    if ph is not None:
                        yield n, i, ph

    def is_digital_field(self, cip: str) -> bool:
        """Whether a CIP code is a digital field (``digital_prefixes`` of cip2021.yaml)."""
        return any(cip == p or cip.startswith(p + ".") for p in self.digital_prefixes)


# ---- decisions ------------------------------------------------------------------------------


def decide_level(deg: TextInfo, fld: TextInfo, school: TextInfo) -> tuple[str, int, str]:
    """(level, strength, method): degree phrases, then credential markers, then school hints."""
    rank = LEVEL_RANK[deg.level] if deg.level else 0
    # A degree at bachelor level or above wins over credential words ("MSc, specialization in AI").
    if rank < BACHELOR_RANK:
        if (deg.flags | fld.flags) & CRED_TEXT:
            return NOT_EDUCATION, STRONG, "credential_text"
        if school.flags & CRED_SCHOOL:
            return NOT_EDUCATION, STRONG, "credential_school"
        if deg.level == "college" and deg.strength == WEAK and school.flags & CONTINUING:
            return NOT_EDUCATION, WEAK, "credential_school"
    if deg.flags & NOT_COMPLETED:
        return UNKNOWN, 0, "not_completed"  # "PhD candidate", "ABD": the degree is not held
    if deg.level is not None:
        if deg.level == "bachelor" and school.flags & SECONDARY:
            return "no_postsecondary", WEAK, "school_hint"  # French "bac" at a lycée
        return deg.level, deg.strength, "degree_phrase"
    if deg.flags & NON_DEGREE:
        return UNKNOWN, 0, "non_degree"  # a course, an exchange, a minor: no level to read
    if deg.tokens and school.flags & SECONDARY:
        return "no_postsecondary", WEAK, "school_hint"
    if (deg.tokens or fld.tokens) and school.college:
        return "college", WEAK, "school_hint"
    return UNKNOWN, 0, "none"


def decide_field(deg: TextInfo, fld: TextInfo) -> tuple[str | None, str]:
    """(CIP code, method): the field text, else the degree text, else the degree's abbreviation."""
    if fld.field:
        return fld.field, "field_phrase"
    if deg.field:
        return deg.field, "degree_phrase"
    if deg.implied:
        return deg.implied, "implied_by_degree"
    return None, "none"


def degree_signature(info: TextInfo) -> tuple[Any, ...]:
    """What the rules read from a degree text: degrees with equal signatures code alike."""
    return (info.level, info.strength, info.field, info.implied, info.flags, bool(info.tokens))


def field_signature(info: TextInfo) -> tuple[Any, ...]:
    """What the rules read from a field text."""
    return (info.field, info.flags, bool(info.tokens))


def school_signature(info: TextInfo) -> tuple[Any, ...]:
    """What the rules read from a school name."""
    return (info.flags, info.college)


# ---- loading helpers --------------------------------------------------------------------------


def _level_phrases(
    levels: dict[str, Any], path: Path
) -> tuple[dict[str, tuple[str, int]], dict[str, str]]:
    declared = [e["level"] for e in levels["levels"]]
    if tuple(declared) != LEVELS:
        raise ValueError(f"{path}: levels must be {LEVELS}, got {declared}")
    level_phrases: dict[str, tuple[str, int]] = {}
    whole_only: dict[str, str] = {}
    for level, groups in levels["patterns"].items():
        if level not in LEVEL_RANK:
            raise ValueError(f"{path}: unknown level {level!r}")
        for phrase in groups.get("strong") or []:
            _put(level_phrases, normalise(phrase), (level, STRONG), path)
        for phrase in groups.get("weak") or []:
            _put(level_phrases, normalise(phrase), (level, WEAK), path)
        for phrase in groups.get("whole_only") or []:
            whole_only[normalise(phrase)] = level
    return level_phrases, whole_only


def _field_phrases(
    fields: dict[str, Any], titles: dict[str, str], path: Path
) -> tuple[dict[str, str], dict[str, str]]:
    field_phrases: dict[str, str] = {}
    for code, phrases in fields["phrases"].items():
        _check_code(code, titles, path)
        for phrase in phrases:
            _put(field_phrases, normalise(phrase), code, path)
    implied: dict[str, str] = {}
    for code, abbrevs in fields["implied"].items():
        _check_code(code, titles, path)
        for a in abbrevs:
            implied.setdefault(normalise(a), code)
    return field_phrases, implied


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"education lexicon missing: {path}") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(loaded, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")
    return loaded


def _put(d: dict[str, Any], key: str, value: object, path: Path) -> None:
    if not key:
        raise ValueError(f"{path}: empty phrase")
    if key in d and d[key] != value:
        raise ValueError(f"{path}: phrase {key!r} listed twice ({d[key]} and {value})")
    d[key] = value


def _check_code(code: str, titles: dict[str, str], path: Path) -> None:
    if code not in titles:
        raise ValueError(f"{path}: CIP code {code!r} has no title in cip2021.yaml")
