"""The character n-gram expert of the learned path: same features as sklearn, and what it adds."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from microcred.coding.occupation import OccupationCoder
from microcred.coding.occupation.char_model import (
    CharNgramTitles,
    fit_vocabulary,
    fit_weight_and_temperature,
    vectoriser,
)

KEYS = [
    "analyste programmeur",
    "a",
    "",
    "x y",
    "developpeur logiciel developpeur",
    "pyhton dev",
    "qwzx vbnmk",
    "ingenieur",
]


def test_design_is_sklearns_char_wb_matrix(coder: OccupationCoder) -> None:
    char = coder._t.char_model
    keys = KEYS * 3 + ["software engineer", "infirmier auxiliaire"]
    ours = char.design(keys)
    theirs = vectoriser(char.vocab).transform(keys)
    assert ours.shape == theirs.shape
    assert (ours != theirs).nnz == 0
    assert ours[2].nnz == 0  # the empty key has no n-gram
    assert ours[1].nnz == 1  # "a" is one padded n-gram, " a "


def test_word_ngrams_in_batch_match_sklearns_analyser(coder: OccupationCoder) -> None:
    char = coder._t.char_model
    words = ["programmeur", "a", "xy", "oeuvre", "cœur", "ingenieur", "pyhton", "qwzx", "ab"]
    analyse = vectoriser(char.vocab).build_analyzer()
    index = {g: i for i, g in enumerate(char.vocab)}
    for word, ids in zip(words, char._analyse_words(words), strict=True):
        expected = sorted({index[g] for g in analyse(word) if g in index})
        assert ids.tolist() == expected, word


def test_word_by_word_scores_equal_the_title_design(coder: OccupationCoder) -> None:
    char = coder._t.char_model
    # repeated n-grams across words ("ing " in both words), one-word, empty, unknown words
    keys = [*KEYS, "engineering programming", "data data scientist", "eng ing ingenieur"]
    expected = char.log_scores(char.design(keys))
    enc = char.encode(keys)
    assert enc.has_features().tolist() == (np.diff(char.design(keys).indptr) > 0).tolist()
    rows = np.arange(len(keys))
    np.testing.assert_allclose(char.log_scores_rows(enc, rows), expected, rtol=1e-5, atol=1e-3)
    some = np.array([1, 3, 4, 9, 10])
    np.testing.assert_allclose(
        char.log_scores_rows(enc, some), expected[some], rtol=1e-5, atol=1e-3
    )


def test_plurals_the_word_model_does_not_know_are_coded() -> None:
    coder = OccupationCoder.load()
    rows = coder.code(pa.array(["Hairstylists", "Paralegals", "Bookkeepers"])).to_pylist()
    assert [r["noc2021"] for r in rows] == ["63210", "42200", "12200"]
    assert {r["coding_method"] for r in rows} == {"naive-bayes"}


def test_misspelt_title_gets_candidates_but_abstains(coder: OccupationCoder) -> None:
    (row,) = coder.code(pa.array(["Accountnt"])).to_pylist()
    assert row["noc2021"] is None  # not confident enough to code
    assert row["abstain_reason"].startswith("confidence")  # was "no known words"
    assert row["noc2021_alternatives"].startswith("11100:")  # financial auditors and accountants


def test_ablation_paths_switch_the_lookups_and_the_model_off(coder: OccupationCoder) -> None:
    titles = pa.array(["Software Engineer", "Hairstylists"])
    try:
        coder.paths = ("lookup",)
        lookup_only = coder.code(titles).to_pylist()
        coder.paths = ("model",)
        model_only = coder.code(titles).to_pylist()
    finally:
        coder.paths = ("lookup", "model")
    assert [r["coding_method"] for r in lookup_only] == ["curated-lexicon", "none"]
    assert lookup_only[1]["noc2021"] is None
    assert [r["coding_method"] for r in model_only] == ["naive-bayes", "naive-bayes"]
    assert model_only[0]["noc2021"] == "21231"


def test_weight_and_temperature_follow_the_held_out_evidence() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 5, size=400)
    word = rng.normal(size=(400, 5))  # carries no signal
    char = rng.normal(size=(400, 5))
    char[np.arange(400), y] += 8.0  # carries a lot
    weight, _ = fit_weight_and_temperature(word, char, y)
    assert weight == 0.3  # the largest weight of the grid
    weight, _ = fit_weight_and_temperature(char * 10, word, y)  # roles swapped
    assert weight == 0.05  # the smallest


def test_counts_are_additive_so_held_out_rows_subtract_exactly() -> None:
    from microcred.coding.occupation.char_model import count_matrix

    keys = ["data analyst", "data scientist", "analyste de donnees", "data analyst"]
    vocab = fit_vocabulary(keys)
    ids = np.array([0, 1, 0, 0])
    full = count_matrix(vocab, keys, ids, np.ones(4), 2)
    part = count_matrix(vocab, keys[:2], ids[:2], np.ones(2), 2)
    rest = count_matrix(vocab, keys[2:], ids[2:], np.ones(2), 2)
    assert abs(full - part - rest).max() == 0
    model = CharNgramTitles.from_counts(vocab, full)
    scores = model.log_scores(model.design(["data scientist"]))
    assert scores.shape == (1, 2) and scores[0, 1] > scores[0, 0]


def test_word_score_store_starts_again_when_full(coder: OccupationCoder, monkeypatch) -> None:
    from microcred.coding.occupation import char_model

    monkeypatch.setattr(char_model, "WORD_SCORE_SLOTS", 4)
    char = coder._t.char_model
    keys = ["data scientist", "software engineer", "nurse", "chef cuisinier", "data analyst"]
    expected = char.log_scores(char.design(keys))
    enc = char.encode(keys)
    for rows in (np.array([0, 1]), np.array([2, 3]), np.array([4]), np.array([0, 4])):
        got = char.log_scores_rows(enc, rows)
        np.testing.assert_allclose(got, expected[rows], rtol=1e-5, atol=1e-3)
