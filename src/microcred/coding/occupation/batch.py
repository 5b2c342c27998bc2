"""Normalise a whole column of titles at once, with Arrow string kernels.

Why: per-title Python normalisation was about half of the coding time. Most
profile titles are a plain core with seniority or noise words around it
("Senior Data Scientist", "Data Scientist II", "Sr. Data Scientist, Toronto"),
so the cheap steps (trim, noise tails, lower case) run as Arrow kernels over
the column, the droppable words at either end are split off by one RE2 pass,
and the Python normaliser runs once per distinct core.

The result is the same ``NormalisedTitle`` as ``Normaliser.normalise`` for every
title, by construction:

* only titles made of "simple" characters (printable ASCII, Latin-1 letters, œ,
  dashes, ’ and bullets) take the Arrow path: on them the RE2 patterns and
  ``utf8_lower`` agree with Python's ``re`` and ``str.lower`` (no other
  whitespace, no characters whose case mapping differs, NFC is the identity);
* titles that inclusive-writing endings might touch ("ingénieur(e)") or whose
  noise patterns RE2 cannot run take the Python path;
* a word is split off only if it is dropped from the key in every language and
  is in no dropped phrase; its language votes are kept with the core; when the
  core alone would fall back to keeping dropped words ("Senior Intern"), the
  title takes the Python path (``Normaliser.normalise_core`` returns None).

``tests/coding/occupation/test_occupation_batch.py`` checks the equality on
noisy variants of the NOC example titles.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from microcred.coding.occupation.columns import unique_first
from microcred.coding.occupation.core_keys import (
    LANGUAGES,
    CoreWords,
    KeyBuilder,
    split_cores,
    vote_counts,
)
from microcred.coding.occupation.normalise import (
    _FEM_ENDING,
    _PAREN_CONTENT,
    _QUALIFIER,
    _TOKEN_SPLIT,
    NormalisedTitle,
    Normaliser,
    fold_accents,
)

# Characters on which Arrow's RE2 and utf8_lower agree with Python's re and str.lower.
_SIMPLE = r"^[\x20-\x7e\x{a1}-\x{ff}\x{152}\x{153}\x{2013}\x{2014}\x{2019}\x{2022}]*$"
# Superset of where ``normalise._INCLUSIVE`` can match (it has look-arounds RE2 lacks).
_MAY_BE_INCLUSIVE = (
    rf"[a-zà-ÿ](?:\((?:{_FEM_ENDING})\)|[·•./](?:{_FEM_ENDING})(?:[·•.]s)?)(?:[^a-zà-ÿ]|$)"
)
_LETTER = "[a-z0-9à-öø-ÿœ]"
# Below this many titles the Arrow path's fixed cost (compiling the patterns, hashing
# lookup tables) exceeds the per-title Python normaliser's work: small batches use it.
ARROW_MIN = 512


def affix_words(norm: Normaliser) -> list[str]:
    """Words that may be split off the ends of a title without changing its keys.

    A seniority or noise word qualifies when it is one lower-case token that maps,
    in every language, only to dropped words that belong to no dropped phrase.
    """
    lx = norm.lexicons
    phrases = [fold_accents(w) for w in lx.noise_words + lx.seniority_strip if " " in w]
    phrase_words = {p for ph in phrases for p in _TOKEN_SPLIT.split(ph) if p}
    out = []
    for w in sorted(set(lx.noise_words + lx.seniority_strip)):
        if not re.fullmatch(f"{_LETTER}+", w):
            continue
        if all(
            all(t in norm._drop_tokens and t not in phrase_words for t in norm._map_token(w, lang))
            for lang in LANGUAGES
        ):
            out.append(w)
    return out


class BatchNormaliser:
    """Groups a column of titles by their ``NormalisedTitle`` (see the module docstring)."""

    def __init__(self, norm: Normaliser):
        self.norm = norm
        self._cuts = [f"(?i){p}" for p in norm.lexicons.noise_cut_after]
        self._cut_any = "(?i)" + "|".join(f"(?:{p})" for p in norm.lexicons.noise_cut_after)
        words = "|".join(affix_words(norm))
        sep = r"(?:[ ]+|[ ]*,[ ]*|[ ]+[-:/][ ]+)"
        self._prefix = rf"^(?P<pre>(?:(?:{words})[ .]+)*)"
        self._suffix = rf"(?P<suf>(?:{sep}(?:{words})|[ ]*\((?:{words})\))*)$"
        self.enabled = bool(words) and self._patterns_run()
        self._affix_votes: dict[str, tuple[int, int]] = {}
        self._keys = KeyBuilder(norm)

    def _patterns_run(self) -> bool:
        """False when RE2 cannot compile a pattern (the lexicon's noise patterns are Python regexes)."""
        probe = pa.array(["x"])
        try:
            for p in [*self._cuts, self._cut_any, _MAY_BE_INCLUSIVE, self._prefix, self._suffix]:
                pc.replace_substring_regex(probe, p, "")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return False
        return True

    # ---- Arrow steps ----------------------------------------------------------------
    def _lower_forms(self, titles: pa.Array) -> tuple[pa.Array, np.ndarray]:
        """``Normaliser.lower_form`` for every title, and which rows may take the Arrow path."""
        s = pc.utf8_trim(titles, " ")
        tail = _bools(pc.match_substring_regex(s, self._cut_any))
        if tail.any():  # most titles carry no tail: the cuts run on the others only
            with_tail = pa.array(tail)
            t = s.filter(with_tail)
            for pattern in self._cuts:
                cut = pc.utf8_trim(pc.replace_substring_regex(t, pattern, ""), " ")
                t = pc.if_else(pc.equal(cut, ""), t, cut)
            s = pc.replace_with_mask(s, with_tail, t)
        lower = pc.utf8_lower(s)
        fast = pc.and_(
            pc.and_(
                pc.match_substring_regex(titles, _SIMPLE),
                pc.invert(pc.match_substring_regex(lower, _MAY_BE_INCLUSIVE)),
            ),
            pc.not_equal(lower, ""),
        )
        return lower, _bools(fast)

    def _split_affixes(self, lower: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array, np.ndarray]:
        """(prefix, core, suffix) and whether anything was split off.

        Nothing is split off when the core would not start and end with a letter
        or digit (the key's brackets and qualifiers would change), or when a
        bracketed suffix follows a core with brackets of its own.
        """
        pre = pc.struct_field(pc.extract_regex(lower, self._prefix), "pre")
        suf = pc.struct_field(pc.extract_regex(lower, self._suffix), "suf")
        n_pre = pc.binary_length(pre).to_numpy(zero_copy_only=False)
        n_suf = pc.binary_length(suf).to_numpy(zero_copy_only=False)
        n_all = pc.binary_length(lower).to_numpy(zero_copy_only=False)
        core = _slice_bytes(lower, n_pre, n_all - n_suf)
        ok = (n_pre + n_suf < n_all) & (n_pre + n_suf > 0)
        ok &= _bools(pc.match_substring_regex(core, rf"^{_LETTER}(?:.*{_LETTER})?$"))
        bracket_clash = pc.and_(
            pc.match_substring(suf, "("), pc.match_substring_regex(core, r"[()\[\]]")
        )
        ok &= ~_bools(bracket_clash)
        keep = pa.array(ok)
        empty = pa.scalar("", pa.string())
        return (
            pc.if_else(keep, pre, empty),
            pc.if_else(keep, core, lower),
            pc.if_else(keep, suf, empty),
            ok,
        )

    def _votes(self, affixes: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """(French, English) language votes of each prefix or suffix string."""
        enc = pc.dictionary_encode(affixes)
        fr, en = [], []
        for a in enc.dictionary.to_pylist():
            v = self._affix_votes.get(a)
            if v is None:
                v = self._affix_votes[a] = self.norm.vote_counts(_TOKEN_SPLIT.split(a))
            fr.append(v[0])
            en.append(v[1])
        idx = enc.indices.to_numpy(zero_copy_only=False)
        return np.asarray(fr, np.int64)[idx], np.asarray(en, np.int64)[idx]

    def _candidates(
        self, cores: pa.Array, cw: CoreWords, core: np.ndarray, lang: np.ndarray
    ) -> list[tuple[str, ...] | None]:
        """``NormalisedTitle.candidates`` of each (core, language); None: the Python path decides.

        As ``Normaliser._from_lower``: the whole core, then without bracketed text,
        then the part before the first qualifier, each keyed and kept if new.
        """
        has_bracket = _bools(pc.match_substring_regex(cores, r"[(\[]"))
        bare = pc.replace_substring_regex(cores, _PAREN_CONTENT.pattern, " ")
        head = pc.extract_regex(bare, rf"^(?P<head>.*?)(?:{_QUALIFIER.pattern})")
        has_head = _bools(head.is_valid())
        keys = [self._keys.keys(cw, core, lang)]
        for text, has in ((bare, has_bracket), (pc.struct_field(head, "head"), has_head)):
            some = np.flatnonzero(has[core])
            k: list[str | None] = [""] * len(core)  # "" = no such key
            if len(some):
                which = np.flatnonzero(has)
                sub_cw = split_cores(text.take(pa.array(which)))
                local = np.searchsorted(which, core[some])
                for i, key in zip(
                    some.tolist(), self._keys.keys(sub_cw, local, lang[some]), strict=True
                ):
                    k[i] = key
            keys.append(k)
        out: list[tuple[str, ...] | None] = []
        for full, b, h in zip(*keys, strict=True):
            if full is None or b is None or h is None:
                out.append(None)
            elif not b and not h:
                out.append((full,))
            else:
                out.append(tuple(dict.fromkeys(x for x in (full, b, h) if x)))
        return out

    # ---- grouping -------------------------------------------------------------------
    def group(self, titles: pa.Array) -> tuple[list[NormalisedTitle], np.ndarray]:
        """Distinct normalised titles and each row's index among them."""
        n = len(titles)
        group_of: dict[NormalisedTitle, int] = {}
        groups: list[NormalisedTitle] = []
        row_group = np.full(n, -1, dtype=np.int64)

        def gid(nt: NormalisedTitle) -> int:
            g = group_of.get(nt)
            if g is None:
                g = group_of[nt] = len(groups)
                groups.append(nt)
            return g

        if self.enabled and n >= ARROW_MIN:
            lower, fast = self._lower_forms(titles)
            pre, core, suf, stripped = self._split_affixes(pc.fill_null(lower, ""))
            fr_p, en_p = self._votes(pre)
            fr_s, en_s = self._votes(suf)
            rows = np.flatnonzero(fast)
            enc = pc.dictionary_encode(core)
            core_id = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
            cw = split_cores(enc.dictionary)
            fr_c, en_c = vote_counts(self.norm, cw)
            lang = _language_codes(fr_c[core_id] + fr_p + fr_s, en_c[core_id] + en_p + en_s)
            combo = (core_id * len(LANGUAGES) + lang) * 2 + stripped
            _, first, inverse = unique_first(combo[rows])
            c_row = rows[first]
            c_core, c_lang, c_strict = core_id[c_row], lang[c_row], stripped[c_row]
            candidates = self._candidates(enc.dictionary, cw, c_core, c_lang)
            cores = enc.dictionary
            combo_group = np.full(len(c_row), -1, dtype=np.int64)
            for u, (key, c, lg, strict_) in enumerate(
                zip(candidates, c_core.tolist(), c_lang.tolist(), c_strict.tolist(), strict=True)
            ):
                nt: NormalisedTitle | None
                if key is not None:
                    nt = NormalisedTitle(key[0], key, LANGUAGES[lg])
                else:
                    nt = self.norm.normalise_core(cores[c].as_py(), LANGUAGES[lg], strict_)
                if nt is not None:
                    combo_group[u] = gid(nt)
            row_group[rows] = combo_group[inverse]
        slow = np.flatnonzero(row_group < 0)
        if len(slow):
            normalise = self.norm.normalise
            values = titles.take(pa.array(slow)).to_pylist()
            for r, v in zip(slow.tolist(), values, strict=True):
                row_group[r] = gid(normalise(v))
        return groups, row_group


def _bools(mask: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def _slice_bytes(strings: pa.Array, start: np.ndarray, stop: np.ndarray) -> pa.Array:
    """Per-row byte slices ``strings[i][start[i]:stop[i]]`` (empty when stop <= start)."""
    strings = strings.cast(pa.string())
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int32)[
        strings.offset : strings.offset + len(strings) + 1
    ]
    data = np.frombuffer(strings.buffers()[2], dtype=np.uint8) if strings.buffers()[2] else None
    lo = offsets[:-1].astype(np.int64) + start
    length = np.maximum(stop - start, 0)
    new_offsets = np.zeros(len(strings) + 1, dtype=np.int32)
    np.cumsum(length, out=new_offsets[1:])
    if data is None or new_offsets[-1] == 0:
        return pa.array([""] * len(strings), pa.string())
    idx = np.repeat(lo - new_offsets[:-1], length) + np.arange(new_offsets[-1])
    out = data[idx]
    return pa.StringArray.from_buffers(
        len(strings), pa.py_buffer(new_offsets), pa.py_buffer(out.tobytes())
    )


def _language_codes(fr: np.ndarray, en: np.ndarray) -> np.ndarray:
    """Index into ``LANGUAGES`` by ``Normaliser._language_of``'s rule, for every row."""
    out = np.full(len(fr), 3, dtype=np.int64)  # unknown
    out[en > 0] = 0
    out[fr > 0] = 1
    both = (fr > 0) & (en > 0)
    out[both] = np.where(fr[both] >= 2 * en[both], 1, np.where(en[both] >= 2 * fr[both], 0, 2))
    return out
