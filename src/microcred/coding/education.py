"""Education coder: how people write degrees (EN/FR) → level, CIP 2021 field, formal digital training.

Why rules and not a model: degree strings are short and formulaic ("BSc", "Maîtrise
en génie logiciel", "Ph. D."), the vocabulary is small and public, and an analyst
must be able to read and correct every decision. The knowledge is data
(``education_data/*.yaml``); this module only normalises text and looks phrases up
in dictionaries (n-gram lookup), which keeps it far above 50,000 strings/s.

Bootcamps, MOOCs and certifications that people list under education are coded
``not_education`` with ``is_credential=True`` so that the credential side of the
study counts them and the schooling side does not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pyarrow as pa
import yaml

from microcred import schema

DATA_DIR = Path(__file__).with_name("education_data")
TAXONOMY_VERSION = "microcred-education-levels-1; CIP Canada 2021"

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

_STRONG, _WEAK = 2, 1
_CONFIDENCE = {
    "degree_phrase": 0.95,
    "degree_phrase_weak": 0.75,
    "school_hint": 0.6,
    "credential_text": 0.9,
    "credential_school": 0.85,
    "not_completed": 0.0,
    "non_degree": 0.0,
    "none": 0.0,
}
_MAX_NGRAM = 6
_DOTS = str.maketrans({".": "", "’": " ", "'": " ", "`": " "})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise(text: str | None) -> str:
    """Lower case, accents stripped, dots dropped (B.Sc. → bsc), other punctuation → space."""
    if not text:
        return ""
    t = unicodedata.normalize("NFKD", text.lower())
    t = "".join(c for c in t if not unicodedata.combining(c)).translate(_DOTS)
    return _NON_ALNUM.sub(" ", t).strip()


def _ngrams(tokens: list[str], max_n: int = _MAX_NGRAM) -> Iterable[tuple[int, int, str]]:
    """(span, start, key) for every n-gram, longest first; short-token runs also joined ("ph d" → "phd")."""
    n_tok = len(tokens)
    for n in range(min(max_n, n_tok), 0, -1):
        for i in range(n_tok - n + 1):
            window = tokens[i : i + n]
            yield n, i, " ".join(window)
            if 2 <= n <= 4 and all(len(t) <= 5 for t in window):
                yield n, i, "".join(window)


@dataclass(frozen=True)
class _LevelHit:
    level: str
    strength: int
    n: int
    start: int


@dataclass
class EducationCoder:
    """Rules and lexicons loaded once; ``code`` works over distinct (degree, field[, school])."""

    level_phrases: dict[str, tuple[str, int]]
    whole_only: dict[str, str]
    field_phrases: dict[str, str]
    implied_fields: dict[str, str]
    cip_titles: dict[str, str]
    digital_prefixes: tuple[str, ...]
    credential_text: frozenset[str]
    credential_school: frozenset[str]
    continuing_education: frozenset[str]
    not_completed: frozenset[str] = frozenset()
    non_degree: frozenset[str] = frozenset()
    college_school_words: frozenset[str] = field(
        default_factory=lambda: frozenset({"cegep", "college", "colleges"})
    )
    secondary_school_words: frozenset[str] = field(
        default_factory=lambda: frozenset(
            {"lycee", "high school", "secondary school", "ecole secondaire", "polyvalente"}
        )
    )

    # ---- loading ------------------------------------------------------------------------

    @classmethod
    def load(cls, data_dir: str | Path | None = None) -> EducationCoder:
        """Read the YAML lexicons (``data_dir`` overrides the shipped ``education_data``)."""
        root = Path(data_dir) if data_dir else DATA_DIR
        levels = _read_yaml(root / "levels.yaml")
        fields = _read_yaml(root / "fields.yaml")
        cip = _read_yaml(root / "cip2021.yaml")
        markers = _read_yaml(root / "credential_markers.yaml")

        declared = [e["level"] for e in levels["levels"]]
        if tuple(declared) != LEVELS:
            raise ValueError(f"{root / 'levels.yaml'}: levels must be {LEVELS}, got {declared}")
        level_phrases: dict[str, tuple[str, int]] = {}
        whole_only: dict[str, str] = {}
        for level, groups in levels["patterns"].items():
            if level not in LEVEL_RANK:
                raise ValueError(f"{root / 'levels.yaml'}: unknown level {level!r}")
            for phrase in groups.get("strong") or []:
                _put(level_phrases, normalise(phrase), (level, _STRONG), root / "levels.yaml")
            for phrase in groups.get("weak") or []:
                _put(level_phrases, normalise(phrase), (level, _WEAK), root / "levels.yaml")
            for phrase in groups.get("whole_only") or []:
                whole_only[normalise(phrase)] = level

        titles = {**cip["series"], **cip["subseries"]}
        field_phrases: dict[str, str] = {}
        for code, phrases in fields["phrases"].items():
            _check_code(code, titles, root / "fields.yaml")
            for phrase in phrases:
                _put(field_phrases, normalise(phrase), code, root / "fields.yaml")
        implied: dict[str, str] = {}
        for code, abbrevs in fields["implied"].items():
            _check_code(code, titles, root / "fields.yaml")
            for a in abbrevs:
                implied.setdefault(normalise(a), code)

        return cls(
            level_phrases=level_phrases,
            whole_only=whole_only,
            field_phrases=field_phrases,
            implied_fields=implied,
            cip_titles=titles,
            digital_prefixes=tuple(cip["digital_prefixes"]),
            credential_text=frozenset(normalise(p) for p in markers["text"]),
            credential_school=frozenset(normalise(p) for p in markers["school"]),
            continuing_education=frozenset(normalise(p) for p in markers["continuing_education"]),
            not_completed=frozenset(normalise(p) for p in markers.get("not_completed") or []),
            non_degree=frozenset(normalise(p) for p in markers.get("non_degree") or []),
        )

    # ---- coding -------------------------------------------------------------------------

    def code(self, batch: pa.Table) -> pa.Table:
        """Code distinct (degree, field[, school]) rows; output follows ``schema.EDUCATION_CODED``.

        When the batch has a ``school`` column it is appended as a last column, because
        the school then takes part in the join key.
        """
        if "degree" not in batch.column_names:
            raise ValueError(f"education batch needs a 'degree' column; got {batch.column_names}")
        n = batch.num_rows
        degrees = batch["degree"].to_pylist()
        fields = batch["field"].to_pylist() if "field" in batch.column_names else [None] * n
        has_school = "school" in batch.column_names
        schools = batch["school"].to_pylist() if has_school else [None] * n

        out: dict[str, list] = {f.name: [] for f in schema.EDUCATION_CODED}
        memo: dict[tuple[str | None, str | None, str | None], tuple] = {}
        for degree, fld, school in zip(degrees, fields, schools, strict=True):
            key = (degree, fld, school)
            coded = memo.get(key)
            if coded is None:
                coded = memo[key] = self._code_one(degree, fld, school)
            out["degree"].append(degree)
            out["field"].append(fld)
            for name, value in zip(_CODED_NAMES, coded, strict=True):
                out[name].append(value)
        table = pa.Table.from_pydict(out, schema=schema.EDUCATION_CODED)
        if has_school:
            table = table.append_column("school", pa.array(schools, pa.string()))
        return table

    def _code_one(self, degree: str | None, fld: str | None, school: str | None) -> tuple:
        deg_tokens = normalise(degree).split()
        fld_tokens = normalise(fld).split()
        school_norm = normalise(school)

        level, strength, level_method = self._level(deg_tokens, fld_tokens, school_norm)
        cip, field_method = self._field(fld_tokens, deg_tokens)
        is_credential = level == NOT_EDUCATION
        rank = LEVEL_RANK.get(level)
        fdt = self._formal_digital(level, rank, cip)
        confidence = _CONFIDENCE[level_method]
        if level_method == "degree_phrase" and strength == _WEAK:
            confidence = _CONFIDENCE["degree_phrase_weak"]
        return (
            level,
            rank,
            is_credential,
            cip,
            self.cip_titles.get(cip) if cip else None,
            fdt,
            confidence,
            f"rules:level={level_method};field={field_method}",
            TAXONOMY_VERSION,
        )

    def _level(
        self, deg_tokens: list[str], fld_tokens: list[str], school: str
    ) -> tuple[str, int, str]:
        """(level, strength, method): degree phrases, then credential markers, then school hints."""
        best = self._best_level(deg_tokens)
        whole = " ".join(deg_tokens)
        if best is None and whole in self.whole_only:
            best = _LevelHit(self.whole_only[whole], _STRONG, 1, 0)
        rank = LEVEL_RANK[best.level] if best else 0
        # A degree at bachelor level or above wins over credential words ("MSc, specialization in AI").
        if rank < BACHELOR_RANK:
            if self._has_phrase(deg_tokens, self.credential_text) or self._has_phrase(
                fld_tokens, self.credential_text
            ):
                return NOT_EDUCATION, _STRONG, "credential_text"
            if school and self._has_phrase(school.split(), self.credential_school):
                return NOT_EDUCATION, _STRONG, "credential_school"
            if (
                best is not None
                and best.level == "college"
                and best.strength == _WEAK
                and self._has_phrase(school.split(), self.continuing_education)
            ):
                return NOT_EDUCATION, _WEAK, "credential_school"
        if self._has_phrase(deg_tokens, self.not_completed):
            return UNKNOWN, 0, "not_completed"  # "PhD candidate", "ABD": the degree is not held
        if best is not None:
            if best.level == "bachelor" and self._is_secondary_school(school):
                return "no_postsecondary", _WEAK, "school_hint"  # French "bac" at a lycée
            return best.level, best.strength, "degree_phrase"
        if self._has_phrase(deg_tokens, self.non_degree):
            return UNKNOWN, 0, "non_degree"  # a course, an exchange, a minor: no level to read
        if school and deg_tokens and self._is_secondary_school(school):
            return "no_postsecondary", _WEAK, "school_hint"
        if school and (deg_tokens or fld_tokens) and self._is_college(school):
            return "college", _WEAK, "school_hint"
        return UNKNOWN, 0, "none"

    def _best_level(self, tokens: list[str]) -> _LevelHit | None:
        best: _LevelHit | None = None
        best_key: tuple[int, int, int, int] | None = None
        for n, start, key in _ngrams(tokens):
            hit = self.level_phrases.get(key)
            if hit is None:
                continue
            level, strength = hit
            sort_key = (n, strength, LEVEL_RANK[level], -start)
            if best_key is None or sort_key > best_key:
                best, best_key = _LevelHit(level, strength, n, start), sort_key
        return best

    def _field(self, fld_tokens: list[str], deg_tokens: list[str]) -> tuple[str | None, str]:
        """CIP code from the field text, else phrases in the degree text, else an implied degree."""
        for tokens, method in ((fld_tokens, "field_phrase"), (deg_tokens, "degree_phrase")):
            code = self._best_phrase(tokens, self.field_phrases)
            if code:
                return code, method
        for _, _, key in _ngrams(deg_tokens, max_n=2):
            code = self.implied_fields.get(key)
            if code:
                return code, "implied_by_degree"
        return None, "none"

    @staticmethod
    def _best_phrase(tokens: list[str], lexicon: dict[str, str]) -> str | None:
        """Longest phrase wins; among equals, the earliest (n-grams come longest first)."""
        best_n, best_start, best_code = 0, 0, None
        for n, start, key in _ngrams(tokens):
            if n < best_n:
                break
            code = lexicon.get(key)
            if code and (best_code is None or (n == best_n and start < best_start)):
                best_n, best_start, best_code = n, start, code
        return best_code

    @staticmethod
    def _has_phrase(tokens: list[str], phrases: frozenset[str]) -> bool:
        return any(key in phrases for _, _, key in _ngrams(tokens))

    def _is_secondary_school(self, school: str) -> bool:
        return self._has_phrase(school.split(), self.secondary_school_words)

    def _is_college(self, school: str) -> bool:
        words = school.split()
        if "university" in words or "universite" in words:
            return False
        return any(w in self.college_school_words for w in words)

    def _formal_digital(self, level: str, rank: int | None, cip: str | None) -> str:
        """yes/no/unknown: a college-or-higher degree in a digital field (see cip2021.yaml)."""
        if level == NOT_EDUCATION or (rank is not None and rank < COLLEGE_RANK):
            return "no"  # not a degree: bootcamps, MOOCs, secondary school, trades
        if rank is None or cip is None:
            return UNKNOWN
        return "yes" if self.is_digital_field(cip) else "no"

    def is_digital_field(self, cip: str) -> bool:
        return any(cip == p or cip.startswith(p + ".") for p in self.digital_prefixes)


_CODED_NAMES = [f.name for f in schema.EDUCATION_CODED][2:]


def _read_yaml(path: Path) -> dict:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"education lexicon missing: {path}") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc


def _put(d: dict, key: str, value: object, path: Path) -> None:
    if not key:
        raise ValueError(f"{path}: empty phrase")
    if key in d and d[key] != value:
        raise ValueError(f"{path}: phrase {key!r} listed twice ({d[key]} and {value})")
    d[key] = value


def _check_code(code: str, titles: dict[str, str], path: Path) -> None:
    if code not in titles:
        raise ValueError(f"{path}: CIP code {code!r} has no title in cip2021.yaml")


# ---- person level (ibis, any backend) ---------------------------------------------------


def person_education_expr(educ: ibis.Table) -> ibis.Table:
    """Per person: highest level, field of the highest degree, formal digital training.

    ``educ`` holds canonical educations joined with their codes (person_id, end_date,
    education_level, level_rank, cip2021, formal_digital_training, is_credential).
    Credentials listed under education are ignored. Highest = max rank; ties go to the
    latest end date, then the smallest CIP code, so the result is deterministic.
    Formal digital training is ``yes`` if any college-or-higher degree is in a digital
    field; ``no`` if every such degree has a known non-digital field, or if the person
    lists only schooling below college; ``unknown`` otherwise (never guessed).
    """
    is_cred = educ.is_credential.fill_null(False)
    ranked = educ.filter(~is_cred & educ.level_rank.notnull())
    order = [
        ibis.desc(ranked.level_rank),
        ranked.end_date.isnull(),
        ibis.desc(ranked.end_date),
        ranked.cip2021.isnull(),
        ranked.cip2021,
    ]
    top = (
        ranked.mutate(_rn=ibis.row_number().over(group_by=ranked.person_id, order_by=order))
        .filter(lambda t: t._rn == 0)
        .select(
            "person_id",
            highest_level="education_level",
            highest_level_rank="level_rank",
            highest_field_cip2021="cip2021",
        )
    )
    is_degree = ranked.level_rank >= COLLEGE_RANK
    fdt = ranked.formal_digital_training
    flags = ranked.group_by("person_id").aggregate(
        n_yes=(is_degree & (fdt == "yes")).cast("int64").sum(),
        n_no=(is_degree & (fdt == "no")).cast("int64").sum(),
        n_degree=is_degree.cast("int64").sum(),
        n_lower=(~is_degree).cast("int64").sum(),
    )
    persons = educ.select("person_id").distinct()
    joined = persons.left_join(top, "person_id").left_join(flags, "person_id")
    n_degree = joined.n_degree.fill_null(0)
    training = ibis.cases(
        (joined.n_yes.fill_null(0) > 0, "yes"),
        ((n_degree > 0) & (joined.n_no.fill_null(0) == n_degree), "no"),
        ((n_degree == 0) & (joined.n_lower.fill_null(0) > 0), "no"),
        else_=UNKNOWN,
    )
    return joined.select(
        "person_id",
        highest_level=joined.highest_level.fill_null(UNKNOWN),
        highest_level_rank=joined.highest_level_rank.cast("int8"),
        highest_field_cip2021=joined.highest_field_cip2021,
        formal_digital_training=training,
    ).order_by("person_id")
