"""Language votes and canonical keys of many title cores at once (word-level, with numpy).

Why: after the Arrow clean-up (``batch.py``), ``Normaliser`` still spent a Python
loop per distinct core on splitting, voting and mapping words. Words repeat far
more than cores do, so here each distinct word is voted on, and each distinct
(word, language) pair is mapped, once per batch; assembling the keys is array
work. The steps are ``Normaliser._language_of`` and ``Normaliser._canon_checked``
word for word; cores that those cannot express as plain arrays (a dropped phrase
may match, or every word is dropped) are left to the Python normaliser.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from microcred.coding.occupation.columns import unique_first
from microcred.coding.occupation.normalise import Normaliser, fold_accents

LANGUAGES = ("en", "fr", "mixed", "unknown")
# ``normalise._TOKEN_SPLIT`` ([^\w+#]+|_) for the characters ``batch`` lets through:
# Python's \w there is ASCII letters/digits/_ and the Latin-1 letters and digits, and œ.
_WORD_CHARS = (
    r"a-zA-Z0-9+#\x{aa}\x{b2}\x{b3}\x{b5}\x{b9}\x{ba}\x{bc}-\x{be}"
    r"\x{c0}-\x{d6}\x{d8}-\x{f6}\x{f8}-\x{ff}\x{152}\x{153}"
)
WORD_SPLIT = f"[^{_WORD_CHARS}]+"


@dataclass
class CoreWords:
    """The words of each core: ``word_id[offsets[c]:offsets[c + 1]]`` index ``words``."""

    words: list[str]
    word_id: np.ndarray
    offsets: np.ndarray


def split_cores(cores: pa.Array) -> CoreWords:
    """Split every core into words as ``_TOKEN_SPLIT`` does (empty pieces left out)."""
    lists = pc.split_pattern_regex(cores, WORD_SPLIT)
    flat = lists.flatten()
    parent = pc.list_parent_indices(lists)
    nonempty = pc.not_equal(flat, "")
    flat = flat.filter(nonempty)
    parent = parent.filter(nonempty).to_numpy(zero_copy_only=False)
    enc = pc.dictionary_encode(flat)
    offsets = np.zeros(len(cores) + 1, dtype=np.int64)
    np.cumsum(np.bincount(parent, minlength=len(cores)), out=offsets[1:])
    return CoreWords(
        enc.dictionary.to_pylist(),
        enc.indices.to_numpy(zero_copy_only=False).astype(np.int64),
        offsets,
    )


def vote_counts(norm: Normaliser, cw: CoreWords) -> tuple[np.ndarray, np.ndarray]:
    """(French, English) votes per core, as ``Normaliser.vote_counts`` on its words."""
    votes = np.array([norm.vote_counts([w]) for w in cw.words], dtype=np.int64).reshape(-1, 2)
    n = len(cw.offsets) - 1
    core = np.repeat(np.arange(n), np.diff(cw.offsets))
    fr = np.bincount(core, weights=votes[cw.word_id, 0], minlength=n).astype(np.int64)
    en = np.bincount(core, weights=votes[cw.word_id, 1], minlength=n).astype(np.int64)
    return fr, en


def _ragged(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenated ranges ``starts[i] : starts[i] + lengths[i]``."""
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    before = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=before[1:])
    return np.repeat(starts - before, lengths) + np.arange(total)


class KeyBuilder:
    """Canonical keys (``Normaliser._canon_checked``) for (core, language) pairs."""

    def __init__(self, norm: Normaliser):
        self.norm = norm
        lx = norm.lexicons
        self._phrases = [fold_accents(w) for w in lx.noise_words + lx.seniority_strip if " " in w]
        self._out_id: dict[str, int] = {}  # mapped word -> id
        self._out_words: list[str] = []
        self._out_drop: list[bool] = []
        self._out_phrase: list[bool] = []

    def _out(self, word: str) -> int:
        i = self._out_id.get(word)
        if i is None:
            i = self._out_id[word] = len(self._out_words)
            self._out_words.append(word)
            self._out_drop.append(word in self.norm._drop_tokens)
            # a dropped phrase can only match where its words appear inside the key's words
            self._out_phrase.append(any(p in word for ph in self._phrases for p in ph.split()))
        return i

    def keys(self, cw: CoreWords, core: np.ndarray, lang: np.ndarray) -> list[str | None]:
        """The key of each (core, language index); None where the Python normaliser must decide.

        None for: a dropped phrase may match, or every word is dropped (the
        fallback keeps them) or the core has no words.
        """
        k = len(core)
        if not k:
            return []
        lengths = np.diff(cw.offsets)[core]
        pos = _ragged(cw.offsets[core], lengths)
        pos_pair = np.repeat(np.arange(k), lengths)
        pair_key = cw.word_id[pos] * len(LANGUAGES) + lang[pos_pair]
        uniq, _, inverse = unique_first(pair_key)
        # map each distinct (word, language) once: the words it becomes, as ids
        mapped_off = np.zeros(len(uniq) + 1, dtype=np.int64)
        mapped: list[int] = []
        map_token = self.norm._map_token
        for j, key in enumerate(uniq.tolist()):
            w, lg = divmod(key, len(LANGUAGES))
            out = " ".join(map_token(cw.words[w], LANGUAGES[lg])).split()
            mapped.extend(self._out(o) for o in out)
            mapped_off[j + 1] = len(mapped)
        mapped_ids = np.asarray(mapped, dtype=np.int64)
        lens = np.diff(mapped_off)[inverse]
        out_id = mapped_ids[_ragged(mapped_off[:-1][inverse], lens)]
        out_pair = np.repeat(pos_pair, lens)
        drop = np.asarray(self._out_drop, dtype=bool)[out_id]
        phrase = np.asarray(self._out_phrase, dtype=bool)[out_id]
        undecided = np.bincount(out_pair[phrase], minlength=k) > 0
        undecided |= np.bincount(out_pair[~drop], minlength=k) == 0
        # keep the first of repeated words within a key
        kept = np.flatnonzero(~drop)
        cell = out_pair[kept] * len(self._out_words) + out_id[kept]
        _, first, _ = unique_first(cell)
        kept = np.sort(kept[first])
        counts = np.bincount(out_pair[kept], minlength=k)
        offsets = np.zeros(k + 1, dtype=np.int32)
        np.cumsum(counts, out=offsets[1:])
        words = pa.array(self._out_words, pa.string()).take(pa.array(out_id[kept]))
        joined = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), words), " ")
        keys: list[str | None] = joined.to_pylist()
        for i in np.flatnonzero(undecided).tolist():
            keys[i] = None
        return keys
