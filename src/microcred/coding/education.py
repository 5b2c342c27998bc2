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
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from microcred import schema
from microcred.coding.fingerprint import coder_fingerprint
from microcred.coding.gcpause import gc_paused

DATA_DIR = Path(__file__).with_name("education_data")
TAXONOMY_VERSION = "microcred-education-levels-1; CIP Canada 2021"
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
    t = text.lower()
    if not t.isascii():
        t = unicodedata.normalize("NFKD", t)
        t = "".join(c for c in t if not unicodedata.combining(c))
    t = t.translate(_DOTS)
    return _NON_ALNUM.sub(" ", t).strip()


# Tag bits: what a phrase says when it is found in a text.
_CRED_TEXT, _NOT_COMPLETED, _NON_DEGREE = 1, 2, 4
_CRED_SCHOOL, _CONTINUING, _SECONDARY = 8, 16, 32


@dataclass(frozen=True)
class _Phrase:
    """Everything one normalised phrase means (a phrase can be a level and a field at once)."""

    level: tuple[str, int] | None = None  # (level, strength)
    field: str | None = None
    implied: str | None = None
    flags: int = 0


@dataclass(frozen=True)
class _TextInfo:
    """One text (degree, field or school) read once: best level, best field, flags."""

    tokens: tuple[str, ...]
    level: str | None
    strength: int
    field: str | None
    implied: str | None
    flags: int


@dataclass
class EducationCoder:
    """Rules and lexicons loaded once; ``code`` works over distinct (degree, field[, school])."""

    phrases: dict[str, _Phrase]
    whole_only: dict[str, str]
    cip_titles: dict[str, str]
    digital_prefixes: tuple[str, ...]
    max_ngram: int = _MAX_NGRAM
    start_tokens: frozenset[str] = frozenset()
    _digital_cache: dict[str, bool] = field(default_factory=dict, repr=False)
    college_school_words: frozenset[str] = field(
        default_factory=lambda: frozenset({"cegep", "college", "colleges"})
    )
    source_fingerprint: str = field(default="", repr=False, compare=False)  # set by ``load``

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

        flags: dict[str, int] = {}
        for section, bit in (
            ("text", _CRED_TEXT),
            ("not_completed", _NOT_COMPLETED),
            ("non_degree", _NON_DEGREE),
            ("school", _CRED_SCHOOL),
            ("continuing_education", _CONTINUING),
            ("secondary_school", _SECONDARY),
        ):
            for phrase in markers.get(section) or []:
                key = normalise(phrase)
                flags[key] = flags.get(key, 0) | bit

        phrases: dict[str, _Phrase] = {}
        for key in sorted(set(level_phrases) | set(field_phrases) | set(implied) | set(flags)):
            phrases[key] = _Phrase(
                level_phrases.get(key), field_phrases.get(key), implied.get(key), flags.get(key, 0)
            )
        return cls(
            phrases=phrases,
            whole_only=whole_only,
            cip_titles=titles,
            digital_prefixes=tuple(cip["digital_prefixes"]),
            max_ngram=max(len(k.split()) for k in phrases),
            start_tokens=frozenset(k.split()[0] for k in phrases),
            source_fingerprint=cls.fingerprint_for(data_dir),
        )

    @classmethod
    def fingerprint_for(cls, data_dir: str | Path | None = None) -> str:
        """What ``load`` with these arguments codes by (see ``coding.fingerprint``), without loading."""
        root = Path(data_dir) if data_dir else DATA_DIR
        return coder_fingerprint(
            "education",
            TAXONOMY_VERSION,
            files=[root / n for n in LEXICON_FILES],
            settings={},
            code=[Path(__file__)],
        )

    def fingerprint(self) -> str:
        """The cache key of this coder's output (set by ``load``)."""
        if not self.source_fingerprint:
            raise ValueError("this EducationCoder was not built by load(); it has no fingerprint")
        return self.source_fingerprint

    # ---- coding -------------------------------------------------------------------------

    def code(self, batch: pa.Table) -> pa.Table:
        """Code distinct (degree, field[, school]) rows; output follows ``schema.EDUCATION_CODED``.

        When the batch has a ``school`` column it is appended as a last column, because
        the school then takes part in the join key.
        """
        if "degree" not in batch.column_names:
            raise ValueError(f"education batch needs a 'degree' column; got {batch.column_names}")
        n = batch.num_rows

        def strings(name: str) -> pa.Array:
            try:
                col = batch[name].cast(pa.string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise ValueError(f"education batch: column {name!r} is not text ({exc})") from exc
            return col.combine_chunks() if col.num_chunks else pa.array([], pa.string())

        degrees = strings("degree")
        fields = strings("field") if "field" in batch.column_names else pa.nulls(n, pa.string())
        has_school = "school" in batch.column_names
        schools = strings("school") if has_school else pa.nulls(n, pa.string())
        with gc_paused():
            coded = self._code_columns(degrees, fields, schools)
        table = pa.Table.from_arrays([degrees, fields, *coded], schema=schema.EDUCATION_CODED)
        if has_school:
            table = table.append_column("school", schools)
        return table

    def _code_columns(
        self, degrees: pa.Array, fields: pa.Array, schools: pa.Array
    ) -> list[pa.Array]:
        """The coded columns (after ``degree`` and ``field``), one value per row.

        Why in layers: each distinct text is normalised (Arrow) and read once; texts that
        read alike share a small signature of what the rules use; the rules run once per
        distinct (degree, field, school) signature triple, and rows are taken by index.
        """
        texts: dict[str, _TextInfo] = {}  # degrees, fields and schools share one reading
        deg_sig, deg_info = self._signatures(degrees, texts, _degree_signature)
        fld_sig, fld_info = self._signatures(fields, texts, _field_signature)
        sch_sig, sch_info = self._signatures(schools, texts, self._school_signature)
        n_f, n_s = len(fld_info), len(sch_info)
        keys = (deg_sig * n_f + fld_sig) * n_s + sch_sig
        uniq, row_combo = np.unique(keys, return_inverse=True)
        rest, s_ids = np.divmod(uniq, n_s)
        d_ids, f_ids = np.divmod(rest, n_f)
        rows = [
            self._code_one(deg_info[d], fld_info[f], sch_info[s])
            for d, f, s in zip(d_ids.tolist(), f_ids.tolist(), s_ids.tolist(), strict=True)
        ]
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in _CODED_NAMES]
        take = pa.array(row_combo.reshape(-1).astype(np.int64))
        return [
            pa.array(list(col), f.type).take(take)
            for f, col in zip(_CODED_FIELDS, columns, strict=True)
        ]

    def _signatures(self, texts_arr: pa.Array, texts: dict, signature) -> tuple[np.ndarray, list]:
        """Per row, the id of its text's signature; and one reading per signature id."""
        encoded = texts_arr.dictionary_encode(null_encoding="encode")
        normalised = normalise_array(encoded.dictionary).to_pylist()
        ids: dict[tuple, int] = {}
        infos: list[_TextInfo] = []
        text_sig = np.empty(len(normalised), np.int64)
        for i, norm in enumerate(normalised):
            info = texts.get(norm)
            if info is None:
                info = texts[norm] = self._read_normalised(norm)
            sig = signature(info)
            sid = ids.get(sig)
            if sid is None:
                sid = ids[sig] = len(infos)
                infos.append(info)
            text_sig[i] = sid
        indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        return text_sig[indices], infos

    def _school_signature(self, info: _TextInfo) -> tuple:
        return (info.flags, self._is_college(info.tokens))

    def _read_text(self, text: str | None) -> _TextInfo:
        """One pass of n-gram lookups: longest level phrase, longest field phrase, flags."""
        return self._read_normalised(normalise(text))

    def _read_normalised(self, normalised: str) -> _TextInfo:
        tokens = normalised.split()
        best_level: tuple | None = None
        level_key: tuple | None = None
        best_field: str | None = None
        field_key: tuple | None = None
        implied: str | None = None
        flags = 0
        implied_start = len(tokens)
        for n, start, ph in self._phrases_in(tokens):
            flags |= ph.flags
            if ph.level is not None:
                level, strength = ph.level
                k = (n, strength, LEVEL_RANK[level], -start)
                if level_key is None or k > level_key:
                    best_level, level_key = ph.level, k
            if ph.field is not None:
                k = (n, -start)
                if field_key is None or k > field_key:
                    best_field, field_key = ph.field, k
            if ph.implied is not None and start < implied_start:
                implied, implied_start = ph.implied, start
        if best_level is None and tokens:
            whole = self.whole_only.get(" ".join(tokens))
            if whole:
                best_level = (whole, _STRONG)
        level, strength = best_level if best_level else (None, 0)
        return _TextInfo(tuple(tokens), level, strength, best_field, implied, flags)

    def _phrases_in(self, tokens: list[str]) -> Iterable[tuple[int, int, _Phrase]]:
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

    def _code_one(self, deg: _TextInfo, fld: _TextInfo, school: _TextInfo) -> tuple:
        level, strength, level_method = self._level(deg, fld, school)
        if fld.field:
            cip, field_method = fld.field, "field_phrase"
        elif deg.field:
            cip, field_method = deg.field, "degree_phrase"
        elif deg.implied:
            cip, field_method = deg.implied, "implied_by_degree"
        else:
            cip, field_method = None, "none"
        rank = LEVEL_RANK.get(level)
        confidence = _CONFIDENCE[level_method]
        if level_method == "degree_phrase" and strength == _WEAK:
            confidence = _CONFIDENCE["degree_phrase_weak"]
        return (
            level,
            rank,
            level == NOT_EDUCATION,
            cip,
            self.cip_titles.get(cip) if cip else None,
            self._formal_digital(level, rank, cip),
            confidence,
            f"rules:level={level_method};field={field_method}",
            TAXONOMY_VERSION,
        )

    def _level(self, deg: _TextInfo, fld: _TextInfo, school: _TextInfo) -> tuple[str, int, str]:
        """(level, strength, method): degree phrases, then credential markers, then school hints."""
        rank = LEVEL_RANK[deg.level] if deg.level else 0
        # A degree at bachelor level or above wins over credential words ("MSc, specialization in AI").
        if rank < BACHELOR_RANK:
            if (deg.flags | fld.flags) & _CRED_TEXT:
                return NOT_EDUCATION, _STRONG, "credential_text"
            if school.flags & _CRED_SCHOOL:
                return NOT_EDUCATION, _STRONG, "credential_school"
            if deg.level == "college" and deg.strength == _WEAK and school.flags & _CONTINUING:
                return NOT_EDUCATION, _WEAK, "credential_school"
        if deg.flags & _NOT_COMPLETED:
            return UNKNOWN, 0, "not_completed"  # "PhD candidate", "ABD": the degree is not held
        if deg.level is not None:
            if deg.level == "bachelor" and school.flags & _SECONDARY:
                return "no_postsecondary", _WEAK, "school_hint"  # French "bac" at a lycée
            return deg.level, deg.strength, "degree_phrase"
        if deg.flags & _NON_DEGREE:
            return UNKNOWN, 0, "non_degree"  # a course, an exchange, a minor: no level to read
        if deg.tokens and school.flags & _SECONDARY:
            return "no_postsecondary", _WEAK, "school_hint"
        if (deg.tokens or fld.tokens) and self._is_college(school.tokens):
            return "college", _WEAK, "school_hint"
        return UNKNOWN, 0, "none"

    def _is_college(self, school_tokens: tuple[str, ...]) -> bool:
        if "university" in school_tokens or "universite" in school_tokens:
            return False
        return any(w in self.college_school_words for w in school_tokens)

    def _formal_digital(self, level: str, rank: int | None, cip: str | None) -> str:
        """yes/no/unknown: a college-or-higher degree in a digital field (see cip2021.yaml)."""
        if level == NOT_EDUCATION or (rank is not None and rank < COLLEGE_RANK):
            return "no"  # not a degree: bootcamps, MOOCs, secondary school, trades
        if rank is None or cip is None:
            return UNKNOWN
        digital = self._digital_cache.get(cip)
        if digital is None:
            digital = self._digital_cache[cip] = self.is_digital_field(cip)
        return "yes" if digital else "no"

    def is_digital_field(self, cip: str) -> bool:
        return any(cip == p or cip.startswith(p + ".") for p in self.digital_prefixes)


_CODED_FIELDS = list(schema.EDUCATION_CODED)[2:]
_CODED_NAMES = [f.name for f in _CODED_FIELDS]


def _degree_signature(info: _TextInfo) -> tuple:
    """What the rules read from a degree text: degrees with equal signatures code alike."""
    return (info.level, info.strength, info.field, info.implied, info.flags, bool(info.tokens))


def _field_signature(info: _TextInfo) -> tuple:
    return (info.field, info.flags, bool(info.tokens))


def normalise_array(values: pa.Array) -> pa.Array:
    """``normalise`` over a string array (nulls → ""), Latin text by Arrow kernels.

    Why: for a string of characters below U+0180 (ASCII, Latin-1, Latin Extended-A)
    ``normalise`` is exactly: lower case, decompose (NFKD), drop the combining accents
    U+0300-U+036F, drop dots, every other run of characters outside ``[0-9a-z]`` to one
    space, trim. Other strings (other scripts, symbols) go through ``normalise``.
    """
    if len(values) == 0:
        return pa.array([], pa.string())
    folded = pc.utf8_normalize(pc.utf8_lower(values), "NFKD")
    folded = pc.replace_substring_regex(folded, r"[\x{300}-\x{36F}]+|\.", "")
    out = pc.fill_null(
        pc.utf8_trim(pc.replace_substring_regex(folded, r"[^0-9a-z]+", " "), " "), ""
    )
    latin = pc.fill_null(pc.match_substring_regex(values, r"^[\x{0}-\x{17F}]*$"), True)
    if not pc.all(latin).as_py():
        rest = pc.invert(latin)
        slow = [normalise(v) for v in values.filter(rest).to_pylist()]
        out = pc.replace_with_mask(out, rest, pa.array(slow, pa.string()))
    return out


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
