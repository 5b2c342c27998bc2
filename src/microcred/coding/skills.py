"""Skills coder: profile skill strings → O*NET Technology Skills, then ESCO skills.

Why two taxonomies: O*NET names technologies (Python, Tableau, Apache Spark) with
UNSPSC categories and Hot Technology / In Demand flags, which is what a "digital
skills" measure needs; ESCO covers the rest (communication, leadership, project
management, statistics). Why dictionaries first and fuzzy matching last: most skill
strings on profiles are a few hundred common spellings, so exact lookups on
normalised text and aliases code nearly everything at dictionary speed, and the
vectorised fuzzy pass (rapidfuzz) only sees the residue.

Lexicons the team wrote (aliases, ESCO labels, credential families) are data in
``skills_data/*.yaml``; O*NET and ESCO are read from the reference data directory.
"""

from __future__ import annotations

import bisect
import contextlib
import csv
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import yaml
from rapidfuzz import fuzz, process

from microcred import schema
from microcred.coding.credentials.text import ascii_keys
from microcred.coding.fingerprint import coder_fingerprint
from microcred.coding.gcpause import gc_paused
from microcred.datadir import DataDir, DataDirError

LEXICON_DIR = Path(__file__).with_name("skills_data")
# optional ESCO collection files with clean labels: file → (category, is digital)
ESCO_COLLECTIONS = {
    "ictSkillsCollection_en.csv": ("ESCO digital competence", True),
    "transversalSkillsCollection_en.csv": ("ESCO transversal skill", False),
    "languageSkillsCollection_en.csv": ("ESCO language skill", False),
}
ESCO_BASE = "http://data.europa.eu/esco/skill/"
TAXONOMY_VERSION = "O*NET 29.2 Technology Skills; ESCO v1"
DIGITAL_UNSPSC_SEGMENTS = ("43",)  # Information Technology Broadcasting and Telecommunications

FUZZY_CUTOFF = 90  # rapidfuzz ratio (0-100) below which a residue string stays unknown
FUZZY_MIN_LENGTH = 5  # shorter strings ("C", "R", "Go") are too easy to confuse
_LENGTH_BLOCK = 4
_MIN_LENGTH_RATIO = 0.8  # below 9/11 a ratio of 90 is impossible; 0.8 leaves a margin
_ESCO_PREFIX_MAX_WORDS = 5

# Confidence by how the match was made (exact dictionary hits are near-certain; a
# unique ESCO label prefix and fuzzy matches much less so).
_CONFIDENCE = {
    "alias": 0.97,
    "onet_example": 0.98,
    "esco_curated": 0.95,
    "esco_collection": 0.92,
    "onet_derived": 0.9,
    "esco_prefix": 0.7,
}
_PRIORITY = ["alias", "esco_curated", "onet_example", "esco_collection", "onet_derived"]
_VARIANT_PENALTY = 0.95
_SIGNAL_SINGLE_WORD = frozenset({"alias", "onet_example", "esco_curated"})
_SIGNAL_PHRASE = frozenset({*_SIGNAL_SINGLE_WORD, "onet_derived", "esco_collection"})
_NO_MATCH: tuple[None, str, float, None] = (None, "none", 0.0, None)

_NON_KEY = re.compile(r"[^0-9a-z+#]+")
_PARENS = re.compile(r"\(([^)]*)\)")
_TRAILING_VERSION = re.compile(r"(?:\s+v?\d+(?:\.\d+)*\+?|(?<=[a-z])\d+)$")
# The same patterns for Arrow's RE2 kernels (no look-behind: the letter is kept by \1;
# "everything inside parentheses" is every match's group, then the tail, consumed).
_RE2_PARENS = r"\(([^)]*)\)"
_RE2_INSIDE_PARENS = r"(?s).*?\(([^)]*)\)|.+"
_RE2_TRAILING_VERSION = r"(?:\s+v?\d+(?:\.\d+)*\+?|([a-z])\d+)$"
_METHODS = [*_PRIORITY, "esco_prefix"]
# coding_method values, by index: none, exact:<method>..., normalised:<method>..., fuzzy
_OUTPUT_METHODS = [
    "none",
    *(f"exact:{m}" for m in _METHODS),
    *(f"normalised:{m}" for m in _METHODS),
    "fuzzy",
]
_EXACT, _NORMALISED, _FUZZY = 1, 1 + len(_METHODS), 1 + 2 * len(_METHODS)


def skill_key(text: str | None) -> str:
    """Normalised lookup key: lower case, accents stripped, punctuation → space (keeps + and #)."""
    if not text:
        return ""
    t = text.lower()
    if not t.isascii():
        t = unicodedata.normalize("NFKD", t)
        t = "".join(c for c in t if not unicodedata.combining(c))
    return _NON_KEY.sub(" ", t).strip()


@dataclass(frozen=True)
class Skill:
    """One taxonomy entry: what a matched string is coded as."""

    skill_id: str
    label: str
    category: str | None
    is_digital: bool | None
    hot_technology: bool | None
    in_demand: bool | None


@dataclass
class SkillCoder:
    """Lexicons loaded once; ``code`` maps distinct skill strings to taxonomy entries."""

    skills: dict[str, Skill]
    exact: dict[str, tuple[str, str]]  # key → (skill_id, method)
    fuzzy_by_initial: dict[
        str, tuple[list[str], list[str], list[int]]
    ]  # by length: keys, ids, lengths
    prefix_re: re.Pattern
    suffix_re: re.Pattern
    families: dict[str, tuple[str, ...]]
    signal_stopwords: frozenset[str]
    vendor_re: re.Pattern
    prefix_labels: dict[str, str]  # ESCO text prefix → its words as ESCO writes them
    vendor_first_words: frozenset[str] = frozenset()
    filler_first_words: frozenset[str] = frozenset()
    filler_last_words: frozenset[str] = frozenset()
    source_fingerprint: str = field(default="", repr=False, compare=False)  # set by ``load``
    _lookup: _ArrowLookup = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._lookup = _ArrowLookup.build(self)

    # ---- loading ------------------------------------------------------------------------

    @classmethod
    def load(
        cls, data_dir: str | Path | None = None, lexicon_dir: str | Path | None = None
    ) -> SkillCoder:
        """Read O*NET and ESCO from the reference data and the team's lexicons."""
        dd = DataDir(data_dir)
        lex = Path(lexicon_dir) if lexicon_dir else LEXICON_DIR
        onet_yaml = _read_yaml(lex / "onet_aliases.yaml")
        esco_yaml = _read_yaml(lex / "esco_skills.yaml")
        signals_yaml = _read_yaml(lex / "credential_signals.yaml")

        skills: dict[str, Skill] = {}
        candidates: dict[str, list[tuple[int, tuple, str]]] = defaultdict(list)

        def offer(key: str, skill_id: str, method: str, tiebreak: tuple = ()) -> None:
            if key:
                candidates[key].append((_PRIORITY.index(method), tiebreak, skill_id))

        onet_counts = _load_onet(dd.path("onet_tech_skills"), skills)
        vendor_keys = [skill_key(v) + " " for v in onet_yaml.get("vendor_prefixes") or []]
        for example, count in onet_counts.items():
            sid = _onet_id(example)
            offer(skill_key(example), sid, "onet_example")
            for alias in _derived_aliases(example, vendor_keys):
                offer(alias, sid, "onet_derived", (-count, example))
        for example, aliases in (onet_yaml.get("aliases") or {}).items():
            sid = _onet_id(example)
            if sid not in skills:
                raise ValueError(
                    f"{lex / 'onet_aliases.yaml'}: {example!r} is not an O*NET Technology Skills example"
                )
            for alias in aliases or []:
                offer(skill_key(alias), sid, "alias")

        for entry in esco_yaml["skills"]:
            sid = f"esco:{ESCO_BASE}{entry['id']}"
            skills[sid] = Skill(
                sid, entry["label"], "ESCO skill", bool(entry["digital"]), None, None
            )
            offer(skill_key(entry["label"]), sid, "esco_curated")
            for alias in entry.get("aliases") or []:
                offer(skill_key(alias), sid, "esco_curated")
        _load_esco_collections(dd, skills, offer)

        exact: dict[str, tuple[str, str]] = {}
        for key, offers in candidates.items():
            prio, _, sid = min(offers)
            exact[key] = (sid, _PRIORITY[prio])
        prefix_labels: dict[str, str] = {}
        for key, (sid, label) in _esco_prefix_index(dd, skills).items():
            if key not in exact:
                exact[key] = (sid, "esco_prefix")
                prefix_labels[key] = label

        fuzzy: dict[str, tuple[list[str], list[str], list[int]]] = {}
        for key in sorted(exact, key=lambda k: (len(k), k)):
            sid, method = exact[key]
            if method == "esco_prefix" or len(key) < FUZZY_MIN_LENGTH - 1:
                continue
            keys, ids, lengths = fuzzy.setdefault(key[0], ([], [], []))
            keys.append(key)
            ids.append(sid)
            lengths.append(len(key))

        fillers = onet_yaml.get("fillers") or {}
        families = {}
        for phrase, refs in (signals_yaml.get("families") or {}).items():
            resolved = tuple(_resolve_ref(r, skills, lex / "credential_signals.yaml") for r in refs)
            families[skill_key(phrase)] = resolved
        return cls(
            skills=skills,
            exact=exact,
            fuzzy_by_initial=fuzzy,
            vendor_re=_alternation(onet_yaml.get("vendor_prefixes") or [], r"^(?:{}) "),
            prefix_labels=prefix_labels,
            vendor_first_words=_edge_words(onet_yaml.get("vendor_prefixes") or [], 0),
            filler_first_words=_edge_words(fillers.get("prefixes") or [], 0),
            filler_last_words=_edge_words(fillers.get("suffixes") or [], -1),
            prefix_re=_alternation(fillers.get("prefixes") or [], r"^(?:{}) "),
            suffix_re=_alternation(fillers.get("suffixes") or [], r" (?:{})$"),
            families=families,
            signal_stopwords=frozenset(skill_key(w) for w in signals_yaml.get("stopwords") or []),
            source_fingerprint=cls.fingerprint_for(data_dir, lexicon_dir),
        )

    @classmethod
    def fingerprint_for(
        cls, data_dir: str | Path | None = None, lexicon_dir: str | Path | None = None
    ) -> str:
        """What ``load`` with these arguments codes by (see ``coding.fingerprint``), without loading.

        Files: the team's lexicons, O*NET Technology Skills, and the ESCO files ``load``
        reads when present (an optional file that appears changes the key too).
        """
        dd = DataDir(data_dir)
        lex = Path(lexicon_dir) if lexicon_dir else LEXICON_DIR
        files = [*sorted(lex.glob("*.yaml")), dd.path("onet_tech_skills")]
        esco = dd.root / "reference" / "esco"
        files += [esco / n for n in ESCO_COLLECTIONS if (esco / n).exists()]
        with contextlib.suppress(DataDirError):
            files.append(dd.path("esco_skills"))
        return coder_fingerprint(
            "skills",
            TAXONOMY_VERSION,
            files=files,
            settings={},
            code=[Path(__file__), Path(__file__).parent / "credentials" / "text.py"],
        )

    def fingerprint(self) -> str:
        """The cache key of this coder's output (set by ``load``)."""
        if not self.source_fingerprint:
            raise ValueError("this SkillCoder was not built by load(); it has no fingerprint")
        return self.source_fingerprint

    # ---- coding -------------------------------------------------------------------------

    def code(self, skills: pa.Array | pa.ChunkedArray) -> pa.Table:
        """Code skill strings (distinct expected); output follows ``schema.SKILLS_CODED``.

        Why in Arrow: the common case is one dictionary hit on the normalised string, so
        keys, lookups and the cleaned variants of the misses are computed by Arrow
        kernels over the whole batch; Python only sees non-ASCII misses and the fuzzy
        residue, and rows are assembled by ``take`` from tables built at load.
        """
        try:
            values = skills.cast(pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise ValueError(f"skills must be text, got {skills.type} ({exc})") from exc
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks() if values.num_chunks else pa.array([], pa.string())
        with gc_paused():
            return self._code(values)

    def _code(self, values: pa.Array) -> pa.Table:
        lk = self._lookup
        encoded = values.dictionary_encode()
        raws = encoded.dictionary  # distinct strings, no nulls
        keys = _keys_array(raws)
        key_pos, cleaned = self._dictionary_positions(raws, keys)
        hit = key_pos >= 0
        at = np.where(hit, key_pos, 0)
        key_method = lk.key_method[at]
        skill_ix = np.where(hit, lk.key_skill[at], lk.no_skill).astype(np.int32)
        method = np.where(hit, np.where(cleaned, _NORMALISED, _EXACT) + key_method, 0)
        conf = np.where(
            hit, np.where(cleaned, lk.norm_conf[key_method], lk.exact_conf[key_method]), 0.0
        )
        labels = pc.if_else(pa.array(hit), lk.key_label.take(pa.array(at)), None)

        # the residue: long enough strings no dictionary spelling matched
        long_enough = pc.utf8_length(keys).to_numpy(zero_copy_only=False) >= FUZZY_MIN_LENGTH
        residue = np.flatnonzero(~hit & long_enough)
        if len(residue):
            res_keys = keys.take(pa.array(residue)).to_pylist()
            found = self._match_fuzzy_keys(sorted(set(res_keys)))
            for i, key in zip(residue.tolist(), res_keys, strict=True):
                got = found.get(key)
                if got is not None:
                    skill_ix[i], conf[i], method[i] = lk.skill_index[got[0]], got[1], _FUZZY
        return self._rows(values, encoded, skill_ix, labels, conf, method)

    def _dictionary_positions(
        self, raws: pa.Array, keys: pa.Array
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per distinct string: lookup position of its key or first known cleaned variant
        (-1 when none), and whether it was a cleaned variant."""
        lk = self._lookup
        n = len(raws)
        key_pos = _positions(pc.index_in(keys, value_set=lk.keys), n)
        cleaned = np.zeros(n, bool)
        missed = (key_pos < 0) & (pc.utf8_length(keys).to_numpy(zero_copy_only=False) > 0)
        ascii_ = _bools(pc.fill_null(pc.string_is_ascii(raws), True))
        fast = np.flatnonzero(missed & ascii_)
        if len(fast):
            key_pos[fast] = self._variant_positions(
                raws.take(pa.array(fast)), keys.take(pa.array(fast))
            )
        slow = np.flatnonzero(missed & ~ascii_)
        if len(slow):  # non-ASCII misses: the per-string variants, then one lookup
            exact = self.exact
            first = [
                next((k for k in self._variants(raw) if k in exact), None)
                for raw in raws.take(pa.array(slow)).to_pylist()
            ]
            found = pc.index_in(pa.array(first, pa.string()), value_set=lk.keys)
            key_pos[slow] = _positions(found, len(slow))
        cleaned[missed] = key_pos[missed] >= 0  # the key itself missed: a variant hit
        return key_pos, cleaned

    def _rows(
        self,
        values: pa.Array,
        encoded: pa.DictionaryArray,
        skill_ix: np.ndarray,
        labels: pa.Array,
        conf: np.ndarray,
        method: np.ndarray,
    ) -> pa.Table:
        """Per input row, the outcome of its distinct string (a null → the "none" outcome)."""
        lk = self._lookup
        n = len(encoded.dictionary)
        row = pc.fill_null(encoded.indices, n) if encoded.null_count else encoded.indices
        skill_cols = lk.skills.take(pa.array(np.append(skill_ix, lk.no_skill)).take(row))
        label = pc.coalesce(
            pa.concat_arrays([labels.cast(pa.string()), pa.nulls(1, pa.string())]).take(row),
            skill_cols["skill_label"],
        )
        out = [
            values,
            skill_cols["skill_id"],
            label,
            skill_cols["skill_category"],
            skill_cols["is_digital"],
            skill_cols["hot_technology"],
            skill_cols["in_demand"],
            pa.array(np.append(conf, 0.0), pa.float64()).take(row),
            lk.methods.take(pa.array(np.append(method, 0).astype(np.int16)).take(row)),
            pa.array([TAXONOMY_VERSION], pa.string()).take(
                pa.array(np.zeros(len(values), np.int32))
            ),
        ]
        return pa.Table.from_arrays(
            [c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c for c in out],
            schema=schema.SKILLS_CODED,
        )

    def _variant_positions(self, raws: pa.Array, keys: pa.Array) -> np.ndarray:
        """Lookup position of the first known cleaned variant of each (ASCII) string, or -1.

        The same variants in the same order as ``_variants``: for each form (the key, the
        text outside and inside parentheses, each without a vendor prefix) the form, the
        form without filler words, and that without a trailing version. Each variant is
        computed only for the strings it can change, and all of them are looked up in one
        ``index_in`` call (which hashes the dictionary once).
        """
        lk = self._lookup
        n = len(raws)
        forms: list[tuple[np.ndarray, pa.Array]] = [(np.arange(n), keys)]
        paren = np.flatnonzero(_bools(pc.match_substring(raws, "(")))
        if len(paren):
            inner = raws.take(pa.array(paren))
            outside = pc.replace_substring_regex(inner, _RE2_PARENS, " ")
            inside = pc.replace_substring_regex(inner, _RE2_INSIDE_PARENS, r"\1 ")
            forms += [(paren, _keys_array(outside)), (paren, _keys_array(inside))]
        vendor = _bools(pc.is_in(_first_word(keys), value_set=lk.vendor_first_words))
        if vendor.any():
            for rows, form in list(forms):
                sel = np.flatnonzero(vendor[rows])
                if len(sel):
                    stripped = pc.replace_substring_regex(
                        form.take(pa.array(sel)), lk.vendor_re2, ""
                    )
                    forms.append((rows[sel], stripped))
        segments: list[tuple[np.ndarray, pa.Array]] = []
        for f, (rows, form) in enumerate(forms):
            stripped = self._strip_fillers_array(form)
            unversioned = _unversioned(stripped)
            if f:
                segments.append((rows, form))
            for previous, candidate in ((form, stripped), (stripped, unversioned)):
                changed = np.flatnonzero(_bools(pc.not_equal(previous, candidate)))
                if len(changed):
                    segments.append((rows[changed], candidate.take(pa.array(changed))))
        pos = np.full(n, -1, np.int64)
        if not segments:
            return pos
        found = _positions(
            pc.index_in(pa.concat_arrays([c for _, c in segments]), value_set=lk.keys),
            sum(len(c) for _, c in segments),
        )
        start = 0
        for rows, candidate in segments:
            hits = found[start : start + len(candidate)]
            start += len(candidate)
            take = (hits >= 0) & (pos[rows] < 0)
            pos[rows[take]] = hits[take]
        return pos

    def _strip_fillers_array(self, keys: pa.Array) -> pa.Array:
        """``_strip_fillers`` over an array: filler prefixes and suffixes off until none is
        left, computed only for strings that begin or end with a filler word."""
        lk = self._lookup
        todo = np.flatnonzero(
            _bools(pc.is_in(_first_word(keys), value_set=lk.filler_first_words))
            | _bools(pc.is_in(_last_word(keys), value_set=lk.filler_last_words))
        )
        if not len(todo):
            return keys
        current = keys.take(pa.array(todo))
        done = current
        rows = np.arange(len(todo))
        while len(rows):
            stripped = pc.utf8_trim(
                pc.replace_substring_regex(
                    pc.replace_substring_regex(current, lk.prefix_re2, ""), lk.suffix_re2, ""
                ),
                " ",
            )
            changed = np.flatnonzero(_bools(pc.not_equal(stripped, current)))
            rows = rows[changed]
            current = stripped.take(pa.array(changed))
            if len(rows):
                done = pc.replace_with_mask(done, _mask(rows, len(todo)), current)
        return pc.replace_with_mask(keys, _mask(todo, len(keys)), done)

    def _variants(self, raw: str) -> Iterator[str]:
        """The key, then cleaned forms: outside/inside parentheses, fillers and versions removed.

        A generator, so that the common case (the key itself is known) costs one lookup.
        """
        key = skill_key(raw)
        if not key:
            return
        yield key
        seen = {key}
        forms = [key]
        if "(" in raw:
            forms += [skill_key(_PARENS.sub(" ", raw)), skill_key(" ".join(_PARENS.findall(raw)))]
        if key.split(" ", 1)[0] in self.vendor_first_words:
            forms += [self.vendor_re.sub("", f) for f in forms]  # "Google BigQuery" → "bigquery"
        for form in forms:
            stripped = self._strip_fillers(form)
            unversioned = ""
            if stripped and (stripped[-1].isdigit() or stripped[-1] == "+"):
                unversioned = _TRAILING_VERSION.sub("", stripped).strip()
                if len(unversioned) < 2:  # "c4" is not the C language
                    unversioned = ""
            for k in (form, stripped, unversioned):
                if k and k not in seen:
                    seen.add(k)
                    yield k

    def _strip_fillers(self, key: str) -> str:
        words = key.split()
        if not words or (
            words[0] not in self.filler_first_words and words[-1] not in self.filler_last_words
        ):
            return key  # the common case: no filler word at either end
        previous = None
        while key != previous:
            previous = key
            key = self.suffix_re.sub("", self.prefix_re.sub("", key)).strip()
        return key

    def _match_fuzzy_keys(self, keys: list[str]) -> dict[str, tuple[str, float]]:
        """rapidfuzz over the residue keys only, vectorised per first letter and length.

        A ratio of 90 needs the shorter string to be at least 9/11 of the longer one
        (``2 * shorter / (shorter + longer) >= 0.9``), so each block of one query length
        is compared only with the choices in that exact length window: the window holds
        every choice that could reach the cutoff, so the result is the same as comparing
        with all choices of that first letter. Returns key → (skill_id, confidence).
        """
        out: dict[str, tuple[str, float]] = {}
        blocks: dict[tuple[str, int], list[str]] = defaultdict(list)
        for key in keys:
            blocks[(key[0], len(key))].append(key)
        for initial, length in sorted(blocks):
            group = blocks[(initial, length)]
            choices = self.fuzzy_by_initial.get(initial)
            if not choices:
                continue
            choice_keys, ids, lengths = choices
            lo = bisect.bisect_left(lengths, -(-9 * length // 11))  # ceil(9 L / 11)
            hi = bisect.bisect_right(lengths, 11 * length // 9)  # floor(11 L / 9)
            if lo >= hi:
                continue
            scores = process.cdist(
                group,
                choice_keys[lo:hi],
                scorer=fuzz.ratio,
                score_cutoff=FUZZY_CUTOFF,
                dtype=np.uint8,
                workers=1,
            )
            best = scores.argmax(axis=1)
            for key, j, row in zip(group, best.tolist(), scores, strict=True):
                score = int(row[j])
                if score >= FUZZY_CUTOFF:
                    out[key] = (ids[lo + j], _FUZZY_CONFIDENCE[score])
        return out

    # ---- credentials → skills -----------------------------------------------------------

    def signals(self, name: str | None) -> list[str]:
        """Skill ids a credential name signals: curated families, then skills named in it."""
        tokens = skill_key(name).split()
        covered = [False] * len(tokens)
        found: list[str] = []
        for n in range(min(6, len(tokens)), 0, -1):
            for i in range(len(tokens) - n + 1):
                if any(covered[i : i + n]):
                    continue
                key = " ".join(tokens[i : i + n])
                ids: tuple[str, ...] = self.families.get(key, ())
                if not ids and key not in self.signal_stopwords and len(key) >= 2:
                    hit = self.exact.get(key)
                    # One word signals a skill only when it is a name we trust ("Python",
                    # "AWS"), not a derived acronym that is also an English word ("FIRST").
                    trusted = _SIGNAL_SINGLE_WORD if n == 1 else _SIGNAL_PHRASE
                    if hit and hit[1] in trusted and (n > 1 or len(key) > 2):
                        ids = (hit[0],)
                if ids:
                    found.extend(ids)
                    covered[i : i + n] = [True] * n
        return sorted(set(found))


# 90 → 0.6, 100 → 0.85: a fuzzy match is never as sure as a dictionary hit.
_FUZZY_CONFIDENCE = {
    score: round(0.6 + 0.25 * (score - FUZZY_CUTOFF) / (100 - FUZZY_CUTOFF), 4)
    for score in range(FUZZY_CUTOFF, 101)
}


@dataclass
class _ArrowLookup:
    """The coder's dictionaries as Arrow arrays and NumPy columns, built once at load.

    Why: ``code`` looks keys up with ``pyarrow.compute.index_in`` and assembles rows with
    ``take``, so every per-key fact (skill, method, label) must be a column.
    """

    keys: pa.Array  # every dictionary key, in ``exact`` order
    key_skill: np.ndarray  # position → row of ``skills``
    key_method: np.ndarray  # position → index into _METHODS
    key_label: pa.Array  # position → ESCO prefix label, or null
    exact_conf: np.ndarray  # method index → confidence of an exact hit
    norm_conf: np.ndarray  # method index → confidence of a cleaned-variant hit
    skills: pa.Table  # one row per skill, then one all-null row (no skill)
    skill_index: dict[str, int]
    no_skill: int
    methods: pa.Array
    vendor_first_words: pa.Array
    filler_first_words: pa.Array
    filler_last_words: pa.Array
    vendor_re2: str
    prefix_re2: str
    suffix_re2: str

    @classmethod
    def build(cls, coder: SkillCoder) -> _ArrowLookup:
        ids = list(coder.skills)
        skill_index = {sid: i for i, sid in enumerate(ids)}
        entries = [coder.skills[sid] for sid in ids]
        skills = pa.table(
            {
                "skill_id": pa.array([*ids, None], pa.string()),
                "skill_label": pa.array([*(e.label for e in entries), None], pa.string()),
                "skill_category": pa.array([*(e.category for e in entries), None], pa.string()),
                "is_digital": pa.array([*(e.is_digital for e in entries), None], pa.bool_()),
                "hot_technology": pa.array(
                    [*(e.hot_technology for e in entries), None], pa.bool_()
                ),
                "in_demand": pa.array([*(e.in_demand for e in entries), None], pa.bool_()),
            }
        )
        keys = list(coder.exact)
        key_ids, key_methods = zip(*coder.exact.values(), strict=True) if keys else ((), ())
        return cls(
            keys=pa.array(keys, pa.string()),
            key_skill=_positions(
                pc.index_in(pa.array(key_ids, pa.string()), value_set=skills["skill_id"]),
                len(keys),
            ).astype(np.int32),
            key_method=_positions(
                pc.index_in(
                    pa.array(key_methods, pa.string()), value_set=pa.array(_METHODS, pa.string())
                ),
                len(keys),
            ).astype(np.int16),
            key_label=pa.array([coder.prefix_labels.get(k) for k in keys], pa.string()),
            exact_conf=np.array([round(_CONFIDENCE[m], 4) for m in _METHODS]),
            norm_conf=np.array([round(_CONFIDENCE[m] * _VARIANT_PENALTY, 4) for m in _METHODS]),
            skills=skills,
            skill_index=skill_index,
            no_skill=len(ids),
            methods=pa.array(_OUTPUT_METHODS, pa.string()),
            vendor_first_words=pa.array(sorted(coder.vendor_first_words), pa.string()),
            filler_first_words=pa.array(sorted(coder.filler_first_words), pa.string()),
            filler_last_words=pa.array(sorted(coder.filler_last_words), pa.string()),
            vendor_re2=_re2(coder.vendor_re),
            prefix_re2=_re2(coder.prefix_re),
            suffix_re2=_re2(coder.suffix_re),
        )


def _re2(pattern: re.Pattern) -> str:
    """The alternation as RE2 (Arrow) syntax; an empty list never matches."""
    return r"\b\B" if pattern.pattern == r"(?!x)x" else pattern.pattern


def _keys_array(texts: pa.Array) -> pa.Array:
    """``skill_key`` over an array: ASCII strings by Arrow kernels, the rest in Python."""
    keys = ascii_keys(texts)  # the same rule as credential names: [a-z0-9+#] runs
    other = pc.invert(pc.fill_null(pc.string_is_ascii(texts), True))
    if pc.any(other).as_py():
        slow = [skill_key(t) for t in texts.filter(other).to_pylist()]
        keys = pc.replace_with_mask(keys, other, pa.array(slow, pa.string()))
    return keys


def _bools(mask: pa.Array) -> np.ndarray:
    """A boolean Arrow array as NumPy, nulls false."""
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False)


def _mask(rows: np.ndarray, n: int) -> pa.Array:
    out = np.zeros(n, bool)
    out[rows] = True
    return pa.array(out)


def _first_word(keys: pa.Array) -> pa.Array:
    return pc.list_element(pc.split_pattern(keys, " ", max_splits=1), 0)


def _last_word(keys: pa.Array) -> pa.Array:
    """Last space-separated word (the first word of the reversed key, reversed back)."""
    return pc.utf8_reverse(_first_word(pc.utf8_reverse(keys)))


def _unversioned(keys: pa.Array) -> pa.Array:
    """Keys without a trailing version ("python 3" → "python", "html5" → "html"); a result
    shorter than two characters ("c4" → "c") is not a variant (null)."""
    last = pc.utf8_slice_codeunits(keys, -1)
    versioned = np.flatnonzero(_bools(pc.is_in(last, value_set=_VERSION_ENDS)))
    if not len(versioned):
        return keys
    cut = pc.utf8_trim(
        pc.replace_substring_regex(keys.take(pa.array(versioned)), _RE2_TRAILING_VERSION, r"\1"),
        " ",
    )
    cut = pc.if_else(pc.greater_equal(pc.utf8_length(cut), 2), cut, None)
    return pc.replace_with_mask(keys, _mask(versioned, len(keys)), cut)


_VERSION_ENDS = pa.array(list("0123456789+"), pa.string())


def _positions(index: pa.Array, n: int) -> np.ndarray:
    """``index_in`` result as int64 positions, -1 where not found."""
    if n == 0:
        return np.zeros(0, np.int64)
    return pc.fill_null(index, -1).to_numpy(zero_copy_only=False).astype(np.int64)


def credential_skill_signals(credential_names: pa.Array, skill_coder: SkillCoder) -> pa.Table:
    """Which taxonomy skills each distinct credential name signals: table(name, skill_id, skill_label)."""
    rows: set[tuple[str, str]] = set()
    for name in credential_names.to_pylist():
        if name:
            rows.update((name, sid) for sid in skill_coder.signals(name))
    ordered = sorted(rows)
    return pa.table(
        {
            "name": pa.array([r[0] for r in ordered], pa.string()),
            "skill_id": pa.array([r[1] for r in ordered], pa.string()),
            "skill_label": pa.array([skill_coder.skills[r[1]].label for r in ordered], pa.string()),
        }
    )


def person_skills_expr(skills_coded_joined: ibis.Table) -> ibis.Table:
    """Per person: n_skills, n_coded, n_digital, digital_skill_share, n_hot (backend-agnostic).

    ``skills_coded_joined`` holds canonical skills (person_id, skill) joined with their
    codes (skill_id, is_digital, hot_technology). A person's breadth counts every
    distinct skill string; digital and hot counts are distinct taxonomy entries, so
    "Excel" and "MS Excel" count once. The share divides by coded skills only: an
    uncoded skill says nothing about being digital.
    """
    t = skills_coded_joined
    coded = t.skill_id.notnull()
    agg = t.group_by("person_id").aggregate(
        n_skills=t.skill.nunique(),
        n_coded=t.skill_id.nunique(where=coded),
        n_digital=t.skill_id.nunique(where=coded & t.is_digital.fill_null(False)),
        n_hot=t.skill_id.nunique(where=coded & t.hot_technology.fill_null(False)),
    )
    share = (agg.n_coded > 0).ifelse(
        agg.n_digital.cast("float64") / agg.n_coded.cast("float64"), ibis.null("float64")
    )
    return agg.select(
        "person_id",
        n_skills=agg.n_skills.cast("int64"),
        n_coded=agg.n_coded.cast("int64"),
        n_digital=agg.n_digital.cast("int64"),
        digital_skill_share=share,
        n_hot=agg.n_hot.cast("int64"),
    ).order_by("person_id")


# ---- loaders ----------------------------------------------------------------------------


def _onet_id(example: str) -> str:
    return f"onet:{example}"


def _load_onet(path: Path, skills: dict[str, Skill]) -> Counter:
    """Aggregate O*NET rows per technology: most common category; hot/in demand if flagged anywhere."""
    need = ["Example", "Commodity Code", "Commodity Title", "Hot Technology", "In Demand"]
    try:
        table = pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(delimiter="\t", quote_char=False),
            convert_options=pacsv.ConvertOptions(
                include_columns=need, column_types={c: pa.string() for c in need}
            ),
        )
    except (pa.ArrowInvalid, KeyError) as exc:
        raise ValueError(f"{path}: cannot read O*NET Technology Skills ({exc})") from exc
    examples, codes, titles, hots, demands = (table[c].to_pylist() for c in need)
    counts: Counter = Counter()
    categories: dict[str, Counter] = defaultdict(Counter)
    hot: dict[str, bool] = defaultdict(bool)
    demand: dict[str, bool] = defaultdict(bool)
    for ex, code, title, h, d in zip(examples, codes, titles, hots, demands, strict=True):
        ex = (ex or "").strip()
        if not ex:
            continue
        counts[ex] += 1
        categories[ex][(code or "", title or "")] += 1
        hot[ex] |= h == "Y"
        demand[ex] |= d == "Y"
    for ex in counts:
        (code, title), _ = min(categories[ex].items(), key=lambda kv: (-kv[1], kv[0]))
        digital = code.startswith(DIGITAL_UNSPSC_SEGMENTS)
        skills[_onet_id(ex)] = Skill(_onet_id(ex), ex, title, digital, hot[ex], demand[ex])
    return counts


_GENERIC_SUFFIX = " software"


def _derived_aliases(example: str, vendor_keys: list[str]) -> list[str]:
    """Spellings derivable from an O*NET example: no "software" suffix, trailing acronym, no vendor."""
    forms = [example]
    name = example[: -len(_GENERIC_SUFFIX)]
    # "SAP software" → "SAP", but "Presentation software" is a category, not "presentation":
    # only names with a capital after the first letter (a brand, an acronym) lose the suffix.
    if example.endswith(_GENERIC_SUFFIX) and len(name) >= 2 and any(c.isupper() for c in name[1:]):
        forms.append(name)
    for form in list(forms):
        words = form.split()
        last = words[-1] if words else ""
        if len(words) >= 2 and len(last) >= 2 and last.isupper() and last.isalnum():
            forms += [last, " ".join(words[:-1])]
    keys = [skill_key(f) for f in forms]
    for k in list(keys):
        for v in vendor_keys:
            if k.startswith(v) and len(k) - len(v) >= 3:
                keys.append(k[len(v) :])
    own = skill_key(example)
    return [k for k in dict.fromkeys(keys) if k and k != own]


def _load_esco_collections(dd: DataDir, skills: dict[str, Skill], offer) -> None:
    """ESCO collections with clean labels: ICT (digital), transversal, languages (optional files)."""
    folder = dd.root / "reference" / "esco"
    for name, (category, digital) in ESCO_COLLECTIONS.items():
        if (folder / name).exists():
            _offer_collection(folder / name, category, digital, skills, offer)


def _offer_collection(path: Path, category: str, digital: bool, skills, offer) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            uri, label = row.get("conceptUri"), row.get("preferredLabel")
            if not uri or not label:
                continue
            sid = f"esco:{uri}"
            skills.setdefault(sid, Skill(sid, label, category, digital, None, None))
            offer(skill_key(label), sid, "esco_collection")
            for alt in re.split(r"\s*\|\s*|\n", row.get("altLabels") or ""):
                offer(skill_key(alt), sid, "esco_collection")


def _esco_prefix_index(dd: DataDir, skills: dict[str, Skill]) -> dict[str, tuple[str, str]]:
    """Keys that begin exactly one ESCO skill text (labels and description run together there).

    Why: the shipped ESCO file has no clean preferred label, but a string that only one
    skill's text starts with is very likely that skill's label ("data mining methods").
    """
    try:
        path = dd.path("esco_skills")
    except DataDirError:
        return {}
    owners: dict[str, set[str]] = defaultdict(set)
    original: dict[str, str] = {}
    table = pacsv.read_csv(
        path, convert_options=pacsv.ConvertOptions(include_columns=["id", "description"])
    )
    for uri, text in zip(table["id"].to_pylist(), table["description"].to_pylist(), strict=True):
        if not uri:
            continue
        words = (text or "").split(None, _ESCO_PREFIX_MAX_WORDS)[:_ESCO_PREFIX_MAX_WORDS]
        for n in range(1, len(words) + 1):
            key = skill_key(" ".join(words[:n]))
            owners[key].add(uri)
            original.setdefault(key, " ".join(words[:n]))
    index: dict[str, tuple[str, str]] = {}
    for key in sorted(owners):
        uris = owners[key]
        if len(uris) != 1 or len(key) < 4:
            continue
        sid = f"esco:{next(iter(uris))}"
        # The shortest unique prefix (sorted keys put it first) labels the skill; each
        # matched key keeps its own wording as the row's label.
        skills.setdefault(sid, Skill(sid, original[key], "ESCO skill", None, None, None))
        index[key] = (sid, original[key])
    return index


def _resolve_ref(ref: str, skills: dict[str, Skill], path: Path) -> str:
    kind, _, value = ref.partition(":")
    sid = _onet_id(value) if kind == "onet" else f"esco:{ESCO_BASE}{value}"
    if kind not in ("onet", "esco") or sid not in skills:
        raise ValueError(f"{path}: unknown skill reference {ref!r}")
    return sid


def _edge_words(phrases: list[str], index: int) -> frozenset[str]:
    """First (index 0) or last (index -1) words of phrases: a cheap test before a regex."""
    return frozenset(skill_key(p).split()[index] for p in phrases if skill_key(p))


def _alternation(words: list[str], template: str) -> re.Pattern:
    """One regex for a list of filler words, longest first so "programming language" beats "language"."""
    keys = sorted({skill_key(w) for w in words if skill_key(w)}, key=lambda k: (-len(k), k))
    return re.compile(template.format("|".join(re.escape(k) for k in keys)) if keys else r"(?!x)x")


def _read_yaml(path: Path) -> dict:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"skills lexicon missing: {path}") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
