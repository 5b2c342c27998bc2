"""The learned part of the occupation coder: a sparse naive-Bayes title classifier.

Why naive Bayes and not logistic regression: with 516 classes and ~60k example
titles, a one-vs-rest linear model takes minutes to train on one core, while a
multinomial naive-Bayes over word unigrams and bigrams trains in a second from
count matrices, keeps its weights sparse (fast scoring, small memory), and is
*additive* in counts, so "the same model trained without these titles" is a
subtraction. The heavy lifting is done by the normaliser (seniority, noise,
gender forms, abbreviations) and the exact lookup tables; this model handles
the long tail of unseen titles. Its softmax scores are mapped to calibrated
probabilities by isotonic regression fitted on example titles held out from
training.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse
from sklearn.isotonic import IsotonicRegression

ALPHA = 0.05
ARROW_DESIGN_MIN = 512  # below this many keys the per-key Python loop is faster than Arrow  # additive smoothing of feature counts
PRIOR_POWER = 0.0  # class prior flattened completely: example counts are not job counts


def features(key: str) -> list[str]:
    """Word unigrams, bigrams and the two ends of the title (the head noun in EN / FR)."""
    toks = key.split()
    if not toks:
        return []
    out = list(toks)
    out.extend(f"{a}_{b}" for a, b in zip(toks, toks[1:], strict=False))
    out.append(f"^{toks[0]}")
    out.append(f"{toks[-1]}$")
    return out


@dataclass
class Calibrator:
    """Monotone map from a raw score to the probability of being right."""

    x: np.ndarray
    y: np.ndarray

    @classmethod
    def fit(cls, scores: np.ndarray, correct: np.ndarray) -> Calibrator:
        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True)
        iso.fit(scores, correct.astype(float))
        return cls(np.asarray(iso.X_thresholds_, float), np.asarray(iso.y_thresholds_, float))

    def __call__(self, scores: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.interp(scores, self.x, self.y)
        return out


@dataclass
class NaiveBayesTitles:
    """Multinomial naive Bayes with binary word features, stored sparsely."""

    vocab: dict[str, int]
    classes: np.ndarray  # NOC codes, index = class id
    log_odds: sparse.csr_matrix  # features x classes: log1p(count / ALPHA)
    class_term: np.ndarray  # per class: log ALPHA - log(N_c + ALPHA V)
    class_prior: np.ndarray
    temperature: float = 1.0

    @classmethod
    def from_counts(
        cls, vocab: dict[str, int], classes: np.ndarray, counts: sparse.csr_matrix
    ) -> NaiveBayesTitles:
        counts = counts.tocsr().astype(np.float64)
        per_class = np.asarray(counts.sum(axis=0)).ravel()
        v = len(vocab)
        log_odds = counts.copy()
        log_odds.data = np.log1p(log_odds.data / ALPHA)
        log_odds.eliminate_zeros()
        class_term = np.log(ALPHA) - np.log(per_class + ALPHA * v)
        n_docs = np.maximum(per_class, 1.0)
        prior = PRIOR_POWER * (np.log(n_docs) - np.log(n_docs.sum()))
        return cls(vocab, classes, log_odds.astype(np.float32).tocsr(), class_term, prior)

    def design(self, keys: list[str]) -> sparse.csr_matrix:
        """Binary feature matrix for canonical keys (unknown words are ignored)."""
        if len(keys) >= ARROW_DESIGN_MIN:
            return self._design_arrow(keys)
        indptr = [0]
        indices: list[int] = []
        vocab = self.vocab
        for key in keys:
            idx = {vocab[f] for f in features(key) if f in vocab}
            indices.extend(sorted(idx))
            indptr.append(len(indices))
        data = np.ones(len(indices), dtype=np.float32)
        return sparse.csr_matrix(
            (data, np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int64)),
            shape=(len(keys), len(vocab)),
        )

    def _design_arrow(self, keys: list[str]) -> sparse.csr_matrix:
        """``design`` with Arrow string kernels: the same matrix, built without a per-key loop.

        Keys are words joined by single spaces (``Normaliser`` builds them so), so
        splitting on " " gives ``features``' words.
        """
        n, v = len(keys), len(self.vocab)
        words = pc.split_pattern(pa.array(keys, pa.string()), " ")
        flat = words.flatten()
        row = np.asarray(pc.list_parent_indices(words).to_numpy(), dtype=np.int64)
        offsets = words.offsets.to_numpy()
        same = row[1:] == row[:-1]
        pair = np.flatnonzero(same)
        firsts = offsets[:-1][np.diff(offsets) > 0]
        lasts = offsets[1:][np.diff(offsets) > 0] - 1
        feats = pa.concat_arrays(
            [
                flat,
                pc.binary_join_element_wise(flat.take(pair), flat.take(pair + 1), "_"),
                pc.binary_join_element_wise("^", flat.take(firsts), ""),
                pc.binary_join_element_wise(flat.take(lasts), "$", ""),
            ]
        )
        rows = np.concatenate([row, row[pair], row[firsts], row[lasts]])
        ids = pc.index_in(feats, value_set=self._vocab_array())
        known = np.asarray(ids.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        cell = np.sort(rows[known] * v + ids.to_numpy(zero_copy_only=False)[known].astype(np.int64))
        cell = cell[np.r_[True, cell[1:] != cell[:-1]]] if len(cell) else cell  # np.unique, faster
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(cell // v, minlength=n), out=indptr[1:])
        indices = (cell % v).astype(np.int32)
        data = np.ones(len(indices), dtype=np.float32)
        return sparse.csr_matrix((data, indices, indptr), shape=(n, v))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_vocab_arr", None)
        return state

    def _vocab_array(self) -> pa.Array:
        """Feature strings by column index (built once; not pickled with the model)."""
        arr = self.__dict__.get("_vocab_arr")
        if arr is None:
            names = [""] * len(self.vocab)
            for f, i in self.vocab.items():
                names[i] = f
            arr = self.__dict__["_vocab_arr"] = pa.array(names, pa.string())
        return arr

    def log_scores(self, x: sparse.csr_matrix) -> np.ndarray:
        n_feat = np.asarray(x.sum(axis=1), dtype=np.float32)
        s: np.ndarray = (x @ self.log_odds).toarray()
        s += n_feat * self.class_term[None, :].astype(np.float32)
        s += self.class_prior[None, :].astype(np.float32)
        return s

    def proba(self, x: sparse.csr_matrix) -> np.ndarray:
        z = self.log_scores(x) / self.temperature
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z


def count_matrix(
    keys: list[str],
    labels: list[str],
    weights: list[float],
    vocab: dict[str, int],
    classes: list[str],
) -> sparse.csr_matrix:
    """features x classes counts of (weighted) training titles."""
    cls_index = {c: i for i, c in enumerate(classes)}
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for key, label, w in zip(keys, labels, weights, strict=True):
        c = cls_index[label]
        for f in set(features(key)):
            j = vocab.get(f)
            if j is not None:
                rows.append(j)
                cols.append(c)
                vals.append(w)
    return sparse.csr_matrix(
        (np.asarray(vals, dtype=np.float64), (rows, cols)), shape=(len(vocab), len(classes))
    )


def build_vocab(keys: list[str]) -> dict[str, int]:
    feats = sorted({f for k in keys for f in features(k)})
    return {f: i for i, f in enumerate(feats)}


def fit_temperature(model: NaiveBayesTitles, x: sparse.csr_matrix, y: np.ndarray) -> float:
    """Softmax temperature minimising held-out log loss (grid search, deterministic)."""
    raw = model.log_scores(x)
    best, best_t = np.inf, 1.0
    for t in (0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16):
        z = raw / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -logp[np.arange(len(y)), y].mean()
        if loss < best:
            best, best_t = loss, float(t)
    return best_t
