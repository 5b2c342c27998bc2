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
        ids = [self._word_ids(w) for w in distinct]
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

    def _word_ids(self, word: str) -> np.ndarray:
        """Vocabulary ids of one word's n-grams (sklearn's own analyser; cached)."""
        cache: dict[str, np.ndarray] = self.__dict__.setdefault("_word_cache", {})
        got = cache.get(word)
        if got is None:
            index = self.__dict__.get("_index")
            if index is None:
                index = self.__dict__["_index"] = {f: i for i, f in enumerate(self.vocab)}
                self.__dict__["_analyse"] = vectoriser(self.vocab).build_analyzer()
            grams = self.__dict__["_analyse"](word) if word else []
            got = np.array(sorted({index[g] for g in grams if g in index}), np.int64)
            if len(cache) >= WORD_CACHE_MAX:
                cache.clear()
            cache[word] = got
        return got

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for name in ("_word_cache", "_index", "_analyse", "_dense"):
            state.pop(name, None)
        return state

    def log_scores(self, x: sparse.csr_matrix) -> np.ndarray:
        """Unweighted naive-Bayes log scores (rows x classes).

        Scored against a dense copy of the weights (built once, ≈84 MB, not pickled):
        a title has ≈50 n-grams, most shared by hundreds of classes, where a sparse
        product costs three times as much.
        """
        dense = self.__dict__.get("_dense")
        if dense is None:
            dense = self.__dict__["_dense"] = self.log_odds.toarray()
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
