"""Character n-gram naive Bayes: the second expert of the occupation coder's learned path.

Why: the word model (``model.py``) knows a title only through whole words it saw in the
NOC example titles, so a plural, a compound, a missing accent, a misspelling or a word
seen only inside a longer one ("analyste-programmeur", "programmers", "pyhton") adds
nothing. Character 3–5-grams inside word boundaries (``char_wb``, scikit-learn's
analyser) share evidence across those forms. The two experts are combined as a product
(sum of log scores, the character one weighted by ``weight``, fitted with the softmax
temperature on held-out example titles) and then calibrated by the coder like before.

Why naive Bayes again and not a linear model or nearest neighbours (tried, same
held-out split of the NOC example titles, see the model card): a nearest-neighbour
search over the 57k example titles scored ≈200 titles/s, far below the speed target,
and a one-vs-rest linear model over 516 classes trains in minutes; this model trains
from one count matrix in seconds, is additive in counts (calibration subtracts the
held-out titles exactly) and scores as one sparse product.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

NGRAMS = (3, 5)
ALPHA = 0.05  # additive smoothing, as the word model
MIN_DF = 2  # n-grams seen in one training title only are noise
WEIGHTS = (0.05, 0.1, 0.15, 0.2, 0.3)  # grid for the character expert's weight
WORD_CACHE_MAX = 500_000  # distinct words whose n-gram ids are kept between batches
WORD_SCORE_SLOTS = 32_768  # distinct words whose class scores a batch keeps (≈ 68 MB)


def vectoriser(vocabulary: list[str] | None = None) -> CountVectorizer:
    """The (binary) character n-gram analyser; fitted on training keys or given a vocabulary."""
    return CountVectorizer(
        analyzer="char_wb",
        ngram_range=NGRAMS,
        binary=True,
        lowercase=False,  # keys are already normalised
        min_df=MIN_DF if vocabulary is None else 1,
        vocabulary=vocabulary,
        dtype=np.float32,
    )


def fit_vocabulary(keys: list[str]) -> list[str]:
    """Character n-grams of at least ``MIN_DF`` training keys, sorted (index = column)."""
    return [str(f) for f in vectoriser().fit(keys).get_feature_names_out()]


def count_matrix(
    vocab: list[str], keys: list[str], class_ids: np.ndarray, weights: np.ndarray, n_classes: int
) -> sparse.csr_matrix:
    """n-grams x classes weighted counts of training keys."""
    x = vectoriser(vocab).transform(keys).astype(np.float64)
    y = sparse.csr_matrix(
        (np.asarray(weights, np.float64), (np.arange(len(keys)), class_ids)),
        shape=(len(keys), n_classes),
    )
    return (x.T @ y).tocsr()


@dataclass
class CharRows:
    """Normalised keys as words: which word each occurrence is, and each word's n-grams."""

    n: int  # keys
    row: np.ndarray  # key of each word occurrence (non-decreasing)
    word_at: np.ndarray  # distinct word of each occurrence
    word_grams: sparse.csr_matrix  # distinct words x n-grams (binary)
    lengths: np.ndarray  # n-grams per distinct word
    # scores of distinct words already multiplied by the weights (``log_scores_rows``):
    # row in ``store`` of each distinct word (-1: not yet), and the rows used so far
    slot: np.ndarray | None = None
    store: np.ndarray | None = None
    used_slots: int = 0

    def has_features(self) -> np.ndarray:
        """Keys with at least one known n-gram."""
        return np.bincount(self.row, weights=self.lengths[self.word_at], minlength=self.n) > 0


@dataclass
class CharNgramTitles:
    """Multinomial naive Bayes over binary character n-grams, stored sparsely."""

    vocab: list[str]
    log_odds: sparse.csr_matrix  # n-grams x classes: log1p(count / ALPHA)
    class_term: np.ndarray  # per class: log ALPHA - log(N_c + ALPHA V)
    weight: float = 0.1  # of the character expert against the word model's log scores
    temperature: float = 1.0  # of the combined (word + weight * char) scores

    @classmethod
    def from_counts(cls, vocab: list[str], counts: sparse.csr_matrix) -> CharNgramTitles:
        counts = counts.tocsr().astype(np.float64)
        per_class = np.asarray(counts.sum(axis=0)).ravel()
        log_odds = counts.copy()
        log_odds.data = np.log1p(log_odds.data / ALPHA)
        log_odds.eliminate_zeros()
        class_term = np.log(ALPHA) - np.log(per_class + ALPHA * len(vocab))
        return cls(vocab, log_odds.astype(np.float32).tocsr(), class_term)

    def design(self, keys: list[str]) -> sparse.csr_matrix:
        """Binary n-gram matrix of normalised keys (unknown n-grams ignored).

        The same matrix as ``vectoriser(vocab).transform(keys)`` (tested): ``char_wb``
        n-grams never cross a space, so each distinct word is analysed once (cached)
        and the rows are put together with numpy.
        """
        n, v = len(keys), len(self.vocab)
        words = pc.split_pattern(pa.array(keys, pa.string()), " ")
        encoded = words.flatten().dictionary_encode()
        distinct = encoded.dictionary.to_pylist()
        ids = self._ids_for_words(distinct)
        lengths = np.array([len(a) for a in ids], np.int64)
        flat_ids = np.concatenate(ids) if ids else np.zeros(0, np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]) if ids else lengths
        word_at = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        row = np.asarray(pc.list_parent_indices(words).to_numpy(), dtype=np.int64)
        per = lengths[word_at]
        rows = np.repeat(row, per)
        # positions of each occurrence's ids inside flat_ids
        first = np.repeat(starts[word_at] - np.concatenate([[0], np.cumsum(per)[:-1]]), per)
        cols = flat_ids[first + np.arange(int(per.sum()))] if len(per) else flat_ids
        cell = np.sort(rows * v + cols)
        cell = cell[np.r_[True, cell[1:] != cell[:-1]]] if len(cell) else cell
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(cell // v, minlength=n), out=indptr[1:])
        data = np.ones(len(cell), dtype=np.float32)
        return sparse.csr_matrix(
            (data, (cell % v).astype(np.int32), indptr), shape=(n, v), dtype=np.float32
        )

    def _ids_for_words(self, words: list[str]) -> list[np.ndarray]:
        """Vocabulary ids (sorted) of each distinct word's n-grams; cached between batches.

        Words not seen before are analysed together (``_analyse_words``), not one by one.
        """
        cache: dict[str, np.ndarray] = self.__dict__.setdefault("_word_cache", {})
        missing = [w for w in words if w not in cache]
        if missing:
            if len(cache) + len(missing) > WORD_CACHE_MAX:
                cache.clear()
            for w, got in zip(missing, self._analyse_words(missing), strict=True):
                cache[w] = got
        return [cache[w] for w in words]

    def _analyse_words(self, words: list[str]) -> list[np.ndarray]:
        """n-gram ids of distinct words with Arrow kernels: the n-grams of sklearn's ``char_wb``.

        ``char_wb`` pads a word with one space each side and takes every n-gram of the
        padded word (n in ``NGRAMS``); a padded word shorter than n yields itself, which
        is then one of its own shorter n-grams already taken (padded words have ≥ 3
        characters), so as a set nothing is missed. Equality with sklearn's analyser is
        tested.
        """
        if not words:
            return []
        padded = pc.binary_join_element_wise(" ", pa.array(words, pa.string()), " ", "")
        length = np.asarray(pc.utf8_length(padded).to_numpy(zero_copy_only=False), np.int64)
        grams: list[pa.Array] = []
        owners: list[np.ndarray] = []
        for n in range(NGRAMS[0], NGRAMS[1] + 1):
            for start in range(int(length.max()) - n + 1):
                sel = np.flatnonzero(length >= start + n)
                grams.append(pc.utf8_slice_codeunits(padded.take(pa.array(sel)), start, start + n))
                owners.append(sel)
        owner = np.concatenate(owners) if owners else np.zeros(0, np.int64)
        ids = pc.index_in(pa.concat_arrays(grams), value_set=self._vocab_array()) if grams else None
        if ids is None:
            return [np.zeros(0, np.int64) for _ in words]
        known = np.asarray(ids.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        v = len(self.vocab)
        cell = owner[known] * v + ids.to_numpy(zero_copy_only=False)[known].astype(np.int64)
        cell.sort()  # by word, then id
        cell = cell[np.r_[True, cell[1:] != cell[:-1]]] if len(cell) else cell
        counts = np.bincount(cell // v, minlength=len(words))
        return np.split(cell % v, np.cumsum(counts)[:-1])

    def _vocab_array(self) -> pa.Array:
        arr = self.__dict__.get("_vocab_arr")
        if arr is None:
            arr = self.__dict__["_vocab_arr"] = pa.array(self.vocab, pa.string())
        return arr

    def encode(self, keys: list[str]) -> CharRows:
        """The n-grams of normalised keys kept word by word (what ``log_scores_rows`` reads)."""
        n, v = len(keys), len(self.vocab)
        words = pc.split_pattern(pa.array(keys, pa.string()), " ")
        encoded = words.flatten().dictionary_encode()
        ids = self._ids_for_words(encoded.dictionary.to_pylist())
        lengths = np.array([len(a) for a in ids], np.int64)
        indptr = np.zeros(len(ids) + 1, np.int64)
        np.cumsum(lengths, out=indptr[1:])
        flat = np.concatenate(ids).astype(np.int32) if ids else np.zeros(0, np.int32)
        word_grams = sparse.csr_matrix(
            (np.ones(len(flat), np.float32), flat, indptr), shape=(len(ids), v)
        )
        word_at = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        row = np.asarray(pc.list_parent_indices(words).to_numpy(), dtype=np.int64)
        return CharRows(n, row, word_at, word_grams, lengths)

    def log_scores_rows(self, enc: CharRows, rows: np.ndarray) -> np.ndarray:
        """``log_scores(design(keys)[rows])`` (``rows`` increasing), scored word by word.

        A title's n-grams are the union of its words' n-grams (``char_wb`` never crosses a
        space), so its score is the sum of its distinct words' scores, minus the n-grams
        two of its words share (counted once in the binary design). Words recur across
        titles, so each distinct word of the batch is multiplied by the weights once:
        several times fewer rows of the dense product than title by title.
        """
        m, v = len(rows), len(self.vocab)
        if m == 0:
            return np.zeros((0, len(self.class_term)), np.float32)
        lo, hi = np.searchsorted(enc.row, [rows[0], rows[-1] + 1])
        occ_row = enc.row[lo:hi]
        pos = np.full(int(rows[-1] - rows[0]) + 1, -1, np.int64)
        pos[rows - rows[0]] = np.arange(m)
        occ = pos[occ_row - rows[0]]
        keep = occ >= 0
        occ, occ_word = occ[keep], enc.word_at[lo:hi][keep]
        dense = self._dense_weights()
        store = self._word_scores(enc, occ_word, dense)
        assert enc.slot is not None  # set by _word_scores
        title_words = sparse.csr_matrix(
            (np.ones(len(occ), np.float32), (occ, enc.slot[occ_word])), shape=(m, len(store))
        )
        s: np.ndarray = title_words @ store
        # n-grams shared by two words of a title: counted once, as in the binary design
        per = enc.lengths[occ_word]
        starts = enc.word_grams.indptr[occ_word]
        first = np.repeat(starts - np.concatenate([[0], np.cumsum(per)[:-1]]), per)
        cols = enc.word_grams.indices[first + np.arange(int(per.sum()))].astype(np.int64)
        cell = np.sort(np.repeat(occ, per) * v + cols)
        dup = cell[1:][cell[1:] == cell[:-1]]
        n_feat = np.bincount(occ, weights=per, minlength=m) - np.bincount(dup // v, minlength=m)
        if len(dup):
            extra = sparse.csr_matrix(
                (np.ones(len(dup), np.float32), ((dup // v), (dup % v))), shape=(m, v)
            )
            s -= extra @ dense
        s += n_feat.astype(np.float32)[:, None] * self.class_term[None, :].astype(np.float32)
        return s

    def _word_scores(self, enc: CharRows, words: np.ndarray, dense: np.ndarray) -> np.ndarray:
        """The batch's store of word scores, holding at least ``words`` (distinct-word ids).

        Each distinct word of the batch is scored once, not once per chunk of titles;
        the store holds up to ``WORD_SCORE_SLOTS`` words (≈ 2 KB each) and starts again
        when full.
        """
        if enc.slot is None or enc.store is None:
            enc.slot = np.full(len(enc.lengths), -1, np.int64)
            cap = min(WORD_SCORE_SLOTS, len(enc.lengths))
            enc.store = np.empty((cap, len(self.class_term)), np.float32)
            enc.used_slots = 0
        todo = np.flatnonzero(np.bincount(words, minlength=len(enc.slot)) > 0)
        todo = todo[enc.slot[todo] < 0]
        if enc.used_slots + len(todo) > len(enc.store):  # full: start again
            enc.slot[:] = -1
            enc.used_slots = 0
            todo = np.flatnonzero(np.bincount(words, minlength=len(enc.slot)) > 0)
            if len(todo) > len(enc.store):
                enc.store = np.empty((len(todo), len(self.class_term)), np.float32)
        if len(todo):
            at = enc.used_slots
            enc.store[at : at + len(todo)] = enc.word_grams[todo] @ dense
            enc.slot[todo] = np.arange(at, at + len(todo))
            enc.used_slots = at + len(todo)
        return enc.store[: enc.used_slots]

    def _dense_weights(self) -> np.ndarray:
        dense: np.ndarray | None = self.__dict__.get("_dense")
        if dense is None:
            dense = self.__dict__["_dense"] = self.log_odds.toarray()
        return dense

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for name in ("_word_cache", "_vocab_arr", "_dense"):
            state.pop(name, None)
        return state

    def log_scores(self, x: sparse.csr_matrix) -> np.ndarray:
        """Unweighted naive-Bayes log scores (rows x classes).

        Scored against a dense copy of the weights (built once, ≈84 MB, not pickled):
        a title has ≈50 n-grams, most shared by hundreds of classes, where a sparse
        product costs three times as much.
        """
        dense = self._dense_weights()
        n_feat = np.asarray(x.sum(axis=1), dtype=np.float32)
        s: np.ndarray = x @ dense
        s += n_feat * self.class_term[None, :].astype(np.float32)
        return s


def softmax(z: np.ndarray, temperature: float) -> np.ndarray:
    """Row-wise softmax of ``z / temperature`` (in place on a copy)."""
    z = z / temperature
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def fit_weight_and_temperature(
    word: np.ndarray, char: np.ndarray, y: np.ndarray
) -> tuple[float, float]:
    """(weight, temperature) minimising held-out log loss of ``word + weight * char``.

    A deterministic grid search; ``word`` and ``char`` are raw log scores of held-out
    titles, ``y`` their class ids.
    """
    best, best_wt = np.inf, (WEIGHTS[0], 1.0)
    rows = np.arange(len(y))
    for w in WEIGHTS:
        raw = word + w * char
        for t in (0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16):
            z = raw / t
            z = z - z.max(axis=1, keepdims=True)
            logp = z[rows, y] - np.log(np.exp(z).sum(axis=1))
            loss = -logp.mean()
            if loss < best:
                best, best_wt = loss, (float(w), float(t))
    return best_wt
