"""Skills coder: profile skill strings → O*NET Technology Skills, then ESCO skills.

Why two taxonomies: O*NET names technologies (Python, Tableau, Apache Spark) with
UNSPSC categories and Hot Technology / In Demand flags, which is what a "digital
skills" measure needs; ESCO covers the rest (communication, leadership, project
management, statistics). Why dictionaries first and fuzzy matching last: most skill
strings on profiles are a few hundred common spellings, so exact lookups on
normalised text and aliases code nearly everything at dictionary speed, and the
vectorised fuzzy pass (rapidfuzz) only sees the residue.

Lexicons the team wrote (aliases, ESCO labels, credential families, guards) are data in
``data/*.yaml``; O*NET and ESCO are read from the reference data directory.
"""

from __future__ import annotations

import bisect
import contextlib
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import process
from rapidfuzz.distance import OSA

from microcred import schema
from microcred.coding.base import CoderSettings
from microcred.coding.credentials.text import ascii_keys
from microcred.coding.fingerprint import coder_fingerprint, package_sources
from microcred.coding.gcpause import gc_paused
from microcred.coding.skills.rules import (
    DOTNET_RE2,
    GUARDS_FILE,
    Guards,
    context_items,
    has_programming_cue,
)
from microcred.coding.skills.taxonomy import (
    ESCO_BASE,
    ESCO_COLLECTIONS,
    Skill,
    Tiebreak,
    _alternation,
    _derived_aliases,
    _edge_words,
    _esco_prefix_index,
    _load_esco_collections,
    _load_onet,
    _onet_id,
    _read_yaml,
    _resolve_ref,
    skill_key,
)
from microcred.datadir import DataDir, DataDirError

LEXICON_DIR = Path(__file__).with_name("data")
TAXONOMY_VERSION = "O*NET 29.2 Technology Skills; ESCO v1"

FUZZY_MIN_LENGTH = 5  # dictionary keys a typo may reach; shorter ("C", "R", "Go") are too easy
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
_HEAD_METHODS = frozenset({"alias", "onet_example"})  # spellings trusted to head a longer string
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
    "guarded:default",
    "guarded:context",
    "head",
]
_EXACT, _NORMALISED, _FUZZY = 1, 1 + len(_METHODS), 1 + 2 * len(_METHODS)
_GUARDED_DEFAULT, _GUARDED_CONTEXT = _FUZZY + 1, _FUZZY + 2
FUZZY_MAX_DISTANCE = 2  # edits (Damerau, adjacent swaps count once) a typo may have
_GUARDED_CONFIDENCE = {_GUARDED_DEFAULT: 0.85, _GUARDED_CONTEXT: 0.9}
_HEAD = _FUZZY + 3  # a technology name heading a longer string ("Excel pivot tables")
_HEAD_CONFIDENCE = 0.85
_LIST_WORDS = frozenset({"and", "et", "or", "ou", "vs", "plus"})  # "HTML5 and CSS3" is a list
_FRENCH_OF = frozenset({"de", "du", "des", "d"})


@dataclass
class SkillCoder:
    """Lexicons loaded once; ``code`` maps distinct skill strings to taxonomy entries."""

    name: ClassVar[str] = "skills"
    version: ClassVar[str] = TAXONOMY_VERSION
    label: ClassVar[str] = "skills taxonomy"
    source_table: ClassVar[str] = "skills"
    reads: ClassVar[tuple[str, ...]] = ("skill",)
    output: ClassVar[str] = "skills_coded"
    unknown: ClassVar[tuple[str, Any]] = ("skill_id", None)
    confidence_column: ClassVar[str | None] = "coding_confidence"
    after: ClassVar[tuple[str, ...]] = ()

    skills: dict[str, Skill]
    exact: dict[str, tuple[str, str]]  # key → (skill_id, method)
    fuzzy_by_initial: dict[
        str, tuple[list[str], list[str], list[int]]
    ]  # by length: keys, ids, lengths
    prefix_re: re.Pattern[str]
    suffix_re: re.Pattern[str]
    families: dict[str, tuple[str, ...]]
    signal_stopwords: frozenset[str]
    vendor_re: re.Pattern[str]
    prefix_labels: dict[str, str]  # ESCO text prefix → its words as ESCO writes them
    vendor_first_words: frozenset[str] = frozenset()
    filler_first_words: frozenset[str] = frozenset()
    filler_last_words: frozenset[str] = frozenset()
    guards: Guards = field(default_factory=Guards.empty)
    fuzzy_max_distance: int = FUZZY_MAX_DISTANCE
    source_fingerprint: str = field(default="", repr=False, compare=False)  # set by ``load``
    _lookup: _ArrowLookup = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._lookup = _ArrowLookup.build(self)

    # ---- loading ------------------------------------------------------------------------

    @classmethod
    def load(  # noqa: C901  # why: builds the lookup tables from each taxonomy and lexicon in turn (O*NET, aliases, ESCO, guards, prefixes, fuzzy); helper h17 owns this package
        cls, data_dir: str | Path | None = None, settings: CoderSettings | None = None
    ) -> SkillCoder:
        """Read O*NET and ESCO from the reference data and the team's lexicons.

        ``settings.options["lexicon_dir"]`` replaces the shipped lexicon folder (tests);
        ``coding.skill_fuzzy_max_distance`` of the study sets the typo tolerance.
        """
        settings = settings or CoderSettings()
        dd = DataDir(data_dir)
        lex = _lexicon_dir(settings)
        max_distance = _fuzzy_max_distance(settings)
        onet_yaml = _read_yaml(lex / "onet_aliases.yaml")
        esco_yaml = _read_yaml(lex / "esco_skills.yaml")
        signals_yaml = _read_yaml(lex / "credential_signals.yaml")

        skills: dict[str, Skill] = {}
        candidates: dict[str, list[tuple[int, Tiebreak, str]]] = defaultdict(list)

        def offer(key: str, skill_id: str, method: str, tiebreak: Tiebreak = ()) -> None:
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

        guards_file = lex / GUARDS_FILE.name
        guards = Guards.load(guards_file, skills) if guards_file.exists() else Guards.empty()
        exact: dict[str, tuple[str, str]] = {}
        for key, offers in candidates.items():
            if key in guards.never or key in guards.ambiguous:
                continue  # decided by the guards, never by a lookup
            prio, _, sid = min(offers)
            exact[key] = (sid, _PRIORITY[prio])
        prefix_labels: dict[str, str] = {}
        for key, (sid, label) in _esco_prefix_index(dd, skills).items():
            if key not in exact and key not in guards.never and key not in guards.ambiguous:
                exact[key] = (sid, "esco_prefix")
                prefix_labels[key] = label

        fuzzy: dict[str, tuple[list[str], list[str], list[int]]] = {}
        for key in sorted(exact, key=lambda k: (len(k), k)):
            sid, method = exact[key]
            if method == "esco_prefix" or len(key) < FUZZY_MIN_LENGTH or key in guards.no_fuzzy:
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
            guards=guards,
            fuzzy_max_distance=max_distance,
            source_fingerprint=cls.fingerprint_for(data_dir, settings),
        )

    @classmethod
    def fingerprint_for(
        cls, data_dir: str | Path | None = None, settings: CoderSettings | None = None
    ) -> str:
        """What ``load`` with these arguments codes by (see ``coding.fingerprint``), without loading.

        Files: the team's lexicons, O*NET Technology Skills, and the ESCO files ``load``
        reads when present (an optional file that appears changes the key too).
        """
        settings = settings or CoderSettings()
        dd = DataDir(data_dir)
        lex = _lexicon_dir(settings)
        files = [*sorted(lex.glob("*.yaml")), dd.path("onet_tech_skills")]
        esco = dd.root / "reference" / "esco"
        files += [esco / n for n in ESCO_COLLECTIONS if (esco / n).exists()]
        with contextlib.suppress(DataDirError):
            files.append(dd.path("esco_skills"))
        return coder_fingerprint(
            "skills",
            TAXONOMY_VERSION,
            files=files,
            settings={"fuzzy_max_distance": _fuzzy_max_distance(settings)},
            code=[
                *package_sources(Path(__file__).parent),
                Path(__file__).parents[1] / "credentials" / "text.py",
            ],
        )

    def fingerprint(self) -> str:
        """The cache key of this coder's output (set by ``load``)."""
        if not self.source_fingerprint:
            raise ValueError("this SkillCoder was not built by load(); it has no fingerprint")
        return self.source_fingerprint

    def output_schema(self) -> pa.Schema:
        """``schema.SKILLS_CODED``: the skill, then its taxonomy entry and provenance."""
        return schema.SKILLS_CODED

    # ---- coding -------------------------------------------------------------------------

    def code(self, batch: pa.Table | pa.Array | pa.ChunkedArray) -> pa.Table:
        """Code skill strings (distinct expected); output follows ``schema.SKILLS_CODED``.

        ``batch`` is a table with a ``skill`` column (the ``Coder`` protocol; an optional
        ``context`` column holds the other skills of the same list, ``;``-separated, which
        decides the short ambiguous names such as "Rust" or "Go"), or an array of skills.

        Why in Arrow: the common case is one dictionary hit on the normalised string, so
        keys, lookups and the cleaned variants of the misses are computed by Arrow
        kernels over the whole batch; Python only sees non-ASCII misses and the fuzzy
        residue, and rows are assembled by ``take`` from tables built at load.
        """
        context: pa.Array | None = None
        if isinstance(batch, pa.Table):
            if "skill" not in batch.column_names:
                raise ValueError(f"skills batch needs a 'skill' column, got {batch.column_names}")
            if "context" in batch.column_names:
                context = batch["context"].combine_chunks().cast(pa.string())
            skills = batch["skill"]
        else:
            skills = batch
        try:
            values = skills.cast(pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise ValueError(f"skills must be text, got {skills.type} ({exc})") from exc
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks() if values.num_chunks else pa.array([], pa.string())
        with gc_paused():
            return self._code(values, context)

    def _code(self, values: pa.Array, context: pa.Array | None = None) -> pa.Table:
        lk = self._lookup
        encoded = values.dictionary_encode()
        raws = encoded.dictionary  # distinct strings, no nulls
        texts = _with_dotnet(raws)
        keys = _keys_array(texts)
        key_pos, cleaned = self._dictionary_positions(texts, keys)
        self._rewrite_positions(keys, key_pos, cleaned)
        hit = key_pos >= 0
        at = np.where(hit, key_pos, 0)
        key_method = lk.key_method[at]
        skill_ix = np.where(hit, lk.key_skill[at], lk.no_skill).astype(np.int32)
        method = np.where(hit, np.where(cleaned, _NORMALISED, _EXACT) + key_method, 0)
        conf = np.where(
            hit, np.where(cleaned, lk.norm_conf[key_method], lk.exact_conf[key_method]), 0.0
        )
        # short ambiguous names: coded by default, by their own words, or left to the context;
        # a string matched only through a cleaned variant is looked at again ("Swift
        # (Programming Language)" must not become the ESCO skill "programming")
        pending = self._ambiguous(texts, keys, hit & ~cleaned, skill_ix, conf, method)
        looked_up = hit & (method != _GUARDED_DEFAULT) & (method != _GUARDED_CONTEXT)
        looked_up[list(pending)] = False
        labels = pc.if_else(pa.array(looked_up), lk.key_label.take(pa.array(at)), None)

        # the residue: long enough strings no dictionary spelling matched
        long_enough = pc.utf8_length(keys).to_numpy(zero_copy_only=False) >= FUZZY_MIN_LENGTH - 1
        residue = np.flatnonzero((skill_ix == lk.no_skill) & long_enough)
        if len(residue):
            res_keys = keys.take(pa.array(residue)).to_pylist()
            found = self._match_fuzzy_keys(sorted(set(res_keys)))
            for i, key in zip(residue.tolist(), res_keys, strict=True):
                got = found.get(key)
                if got is not None:
                    skill_ix[i], conf[i], method[i] = lk.skill_index[got[0]], got[1], _FUZZY
        # what neither a spelling nor a typo reached: a technology heading a longer string
        # (after the typos, so "SQL Serve rIntegration Services" is corrected, not headed)
        rest = np.flatnonzero(skill_ix == lk.no_skill)
        rest = rest[~np.isin(rest, np.array(list(pending), dtype=rest.dtype))]
        if len(rest):
            head_pos = np.full(len(rest), -1, np.int64)
            headed = self._head_positions(keys.take(pa.array(rest)), head_pos)
            at_rest = rest[headed]
            skill_ix[at_rest] = lk.key_skill[head_pos[headed]]
            method[at_rest] = _HEAD
            conf[at_rest] = _HEAD_CONFIDENCE
        overrides = self._by_context(encoded, pending, context) if pending else {}
        return self._rows(values, encoded, skill_ix, labels, conf, method, overrides)

    def _rewrite_positions(self, keys: pa.Array, key_pos: np.ndarray, cleaned: np.ndarray) -> None:
        """Misses tried again in ESCO's or the dictionary's wording (``Guards.rewritten``:
        versions, noun forms, suffixes); an ESCO label prefix is not enough for these."""
        lk = self._lookup
        miss = np.flatnonzero(key_pos < 0)
        if not len(miss) or not self.guards.rewrites:
            return
        exact = self.exact
        firsts: list[str | None] = []
        for key in keys.take(pa.array(miss)).to_pylist():
            got = None
            if key and key not in self.guards.never:
                got = next(
                    (
                        k
                        for k in self.guards.rewritten(key)
                        if k in exact
                        and exact[k][1] != "esco_prefix"
                        and k not in self.guards.never
                    ),
                    None,
                )
            firsts.append(got)
        found = _positions(pc.index_in(pa.array(firsts, pa.string()), value_set=lk.keys), len(miss))
        key_pos[miss] = found
        cleaned[miss[found >= 0]] = True

    def _head_positions(self, keys: pa.Array, key_pos: np.ndarray) -> np.ndarray:
        """Misses that begin with a technology's name followed by detail ("Excel pivot
        tables", "Selenium WebDriver", "NoSQL databases"): the longest leading words that
        are an O*NET technology by an exact spelling (not an ESCO prefix, not a name that is
        also an ordinary word: ``Guards.head_ok``); not a list joined by "and" ("HTML5 and
        CSS3"). Sets ``key_pos`` of those strings; returns their indices."""
        lk = self._lookup
        miss = np.flatnonzero(key_pos < 0)
        if not len(miss):
            return miss
        exact = self.exact
        heads: list[str | None] = []
        for key in keys.take(pa.array(miss)).to_pylist():
            words = key.split() if key and key not in self.guards.never else []
            # a list ("HTML5 and CSS3"), or a French noun complement that makes another
            # noun ("Tableau de bord", "Chef de projet")
            if _LIST_WORDS.intersection(words) or _FRENCH_OF.intersection(words):
                words = []
            got = None
            for n in range(len(words) - 1, 0, -1):
                head = " ".join(words[:n])
                hit = exact.get(head)
                if hit and hit[0].startswith("onet:") and hit[1] in _HEAD_METHODS:
                    got = head if self.guards.head_ok(head) else None
                    break
            heads.append(got)
        found = _positions(pc.index_in(pa.array(heads, pa.string()), value_set=lk.keys), len(miss))
        key_pos[miss] = found
        return miss[found >= 0]

    def _ambiguous(
        self,
        texts: pa.Array,
        keys: pa.Array,
        hit: np.ndarray,
        skill_ix: np.ndarray,
        conf: np.ndarray,
        method: np.ndarray,
    ) -> dict[int, int]:
        """Code the short ambiguous names a string decides by itself ("R", "Rust
        programming"); returns distinct index → skill index of those only a context decides."""
        amb = self.guards.ambiguous
        if not amb:
            return {}
        lk = self._lookup
        firsts = pa.array(sorted({k.split()[0] for k in amb}), pa.string())
        cand = np.flatnonzero(~hit & _bools(pc.is_in(_first_word(keys), value_set=firsts)))
        pending: dict[int, int] = {}
        for i, raw, key in zip(
            cand.tolist(),
            texts.take(pa.array(cand)).to_pylist(),
            keys.take(pa.array(cand)).to_pylist(),
            strict=True,
        ):
            core = next((k for k in self._variants(raw) if k in amb), None)
            if core is None:
                continue
            sid, default = amb[core]
            if default or has_programming_cue(key, core):
                how = _GUARDED_DEFAULT if key == core else _GUARDED_CONTEXT
                skill_ix[i], conf[i], method[i] = lk.skill_index[sid], _GUARDED_CONFIDENCE[how], how
            else:
                pending[i] = lk.skill_index[sid]
        return pending

    def _by_context(
        self, encoded: pa.DictionaryArray, pending: dict[int, int], context: pa.Array | None
    ) -> dict[int, tuple[int, float, int]]:
        """Rows whose ambiguous name their list makes a technology: another skill of the
        list is an O*NET technology ("Rust" beside "C++" and "Linux")."""
        if context is None:
            return {}
        ix = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(np.isin(ix, np.array(list(pending), dtype=ix.dtype)))
        out: dict[int, tuple[int, float, int]] = {}
        for r, ctx in zip(rows.tolist(), context.take(pa.array(rows)).to_pylist(), strict=True):
            if self._technical(ctx):
                out[r] = (
                    pending[int(ix[r])],
                    _GUARDED_CONFIDENCE[_GUARDED_CONTEXT],
                    _GUARDED_CONTEXT,
                )
        return out

    def _technical(self, context: str | None) -> bool:
        for item in context_items(context):
            hit = self.exact.get(item) or next(
                (self.exact[k] for k in self.guards.rewritten(item) if k in self.exact), None
            )
            if hit and hit[0].startswith("onet:"):
                return True
            if item in self.guards.ambiguous:
                return True
        return False

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
        overrides: dict[int, tuple[int, float, int]] | None = None,
    ) -> pa.Table:
        """Per input row, the outcome of its distinct string (a null → the "none" outcome);
        ``overrides``: row → (skill, confidence, method) decided by the row's context."""
        lk = self._lookup
        n = len(encoded.dictionary)
        row = pc.fill_null(encoded.indices, n) if encoded.null_count else encoded.indices
        if overrides:
            ix = row.to_numpy(zero_copy_only=False)
            row_skill = np.append(skill_ix, lk.no_skill)[ix]
            row_conf = np.append(conf, 0.0)[ix]
            row_method = np.append(method, 0)[ix]
            for r, (sk, cf, me) in overrides.items():
                row_skill[r], row_conf[r], row_method[r] = sk, cf, me
            skill_ix, conf, method = row_skill, row_conf, row_method
            labels = pa.concat_arrays([labels.cast(pa.string()), pa.nulls(1, pa.string())]).take(
                row
            )
            labels = pc.if_else(_mask(np.array(list(overrides)), len(ix)), None, labels)
            row = pa.array(np.arange(len(ix), dtype=np.int64))
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
        """Typos: rapidfuzz over the residue keys only, blocked by first letter and length.

        A key of L characters may be corrected to a dictionary key at most ``d`` edits away
        (optimal string alignment: an adjacent swap, "Pyhton", is one edit), with d = 1 up
        to 8 characters and ``fuzzy_max_distance`` from 9; only dictionary keys of 5+
        characters in the length window [L - d, L + d] can be that close, so each block is
        compared with that window only. A correction must be unique: two different skills
        at the same best distance leave the string unknown. Returns key → (skill_id,
        confidence).
        """
        out: dict[str, tuple[str, float]] = {}
        blocks: dict[tuple[str, int], list[str]] = defaultdict(list)
        for key in keys:
            if key not in self.guards.not_typos and key not in self.guards.never:
                blocks[(key[0], len(key))].append(key)
        for initial, length in sorted(blocks):
            group = blocks[(initial, length)]
            choices = self.fuzzy_by_initial.get(initial)
            if not choices:
                continue
            d = 1 if length <= 8 else self.fuzzy_max_distance
            choice_keys, ids, lengths = choices
            lo = bisect.bisect_left(lengths, max(length - d, FUZZY_MIN_LENGTH))
            hi = bisect.bisect_right(lengths, length + d)
            if lo >= hi:
                continue
            dist = process.cdist(
                group,
                choice_keys[lo:hi],
                scorer=OSA.distance,
                score_cutoff=d,
                dtype=np.int32,
                workers=1,
            )
            best = dist.min(axis=1)
            for key, b, row in zip(group, best.tolist(), dist, strict=True):
                if b > d or b == 0:
                    continue
                at = [
                    j
                    for j in np.flatnonzero(row == b).tolist()
                    if not _short_word_edit(key, choice_keys[lo + j])
                ]
                found = {ids[lo + j] for j in at}
                if len(found) == 1 and len(at) == int((row == b).sum()):
                    out[key] = (found.pop(), _FUZZY_CONFIDENCE[b])
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


# a typo correction is never as sure as a dictionary hit; two edits less than one
_FUZZY_CONFIDENCE = {1: 0.8, 2: 0.65, 3: 0.55}


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


def _re2(pattern: re.Pattern[str]) -> str:
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


def _lexicon_dir(settings: CoderSettings) -> Path:
    lex = settings.options.get("lexicon_dir")
    return Path(lex) if lex else LEXICON_DIR


def _fuzzy_max_distance(settings: CoderSettings) -> int:
    """Typo tolerance for keys of 9+ characters: ``coding.skill_fuzzy_max_distance``."""
    if "fuzzy_max_distance" in settings.options:
        return int(settings.options["fuzzy_max_distance"])
    coding = settings.study.coding
    return int(getattr(coding, "skill_fuzzy_max_distance", FUZZY_MAX_DISTANCE))


def _short_word_edit(key: str, target: str) -> bool:
    """Whether a correction changes a word of one or two letters ("langage c" → "langage r"):
    such a word is a name by itself, never a typo of another."""
    if key.replace(" ", "") == target.replace(" ", ""):
        return False  # a space typed one letter off ("Gestiond e projet")
    a, b = key.split(), target.split()
    if len(a) != len(b):
        return False
    # a swap inside the word ("à al clientèle") is a typo; another letter is another name
    return any(
        x != y and max(len(x), len(y)) <= 2 and sorted(x) != sorted(y)
        for x, y in zip(a, b, strict=True)
    )


def _with_dotnet(texts: pa.Array) -> pa.Array:
    """ ".NET" spelt "dotnet" before keys are made (``rules.dotnet``), only where it occurs."""
    has = _bools(pc.match_substring(texts, ".net", ignore_case=True))
    if not has.any():
        return texts
    rows = np.flatnonzero(has)
    fixed = pc.replace_substring_regex(texts.take(pa.array(rows)), DOTNET_RE2, r"\1dotnet")
    return pc.replace_with_mask(texts, _mask(rows, len(texts)), fixed)


def _bools(mask: pa.Array) -> np.ndarray:
    """A boolean Arrow array as NumPy, nulls false."""
    out: np.ndarray = pc.fill_null(mask, False).to_numpy(zero_copy_only=False)
    return out


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
    out: np.ndarray = pc.fill_null(index, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return out


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
