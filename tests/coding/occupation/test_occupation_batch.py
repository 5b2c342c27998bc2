"""The vectorised paths give what the per-title Python code gives, title by title."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from microcred.coding.occupation import model as model_module
from microcred.coding.occupation.batch import _SIMPLE, ARROW_MIN, BatchNormaliser
from microcred.coding.occupation.columns import (
    alternatives_strings,
    fill_alternatives,
    round_like_python,
    thousandths,
)
from microcred.coding.occupation.core_keys import WORD_SPLIT
from microcred.coding.occupation.knowledge import load_examples, load_structure
from microcred.coding.occupation.normalise import _TOKEN_SPLIT
from microcred.datadir import DataDir

PREFIXES = ["", "Senior ", "Sr. ", "Jr ", "Lead ", "Stagiaire ", "Intern ", "Principal ", "sénior "]
SUFFIXES = ["", " II", ", Toronto", " - Remote", " (Contract)", " @ Acme", " | PhD", " chez Bell"]
ODD = [
    None,
    "",
    "   ",
    "\t",
    "Senior",
    "Senior Intern",
    "Intern II",
    "Remote",
    "II",
    "Senior - Data",
    "Sr. SWE II @ Shopify 🚀",
    "Ｄｅｖｅｌｏｐｅｒ",
    "DÉVELOPPEUSE WEB",
    "de\u0301veloppeuse web",
    "Ingénieur(e) logiciel",
    "Programmeur·euse",
    "Développeur/euse Java",
    "Conseiller.ère(s) RH",
    "İstanbul engineer",
    "ﬁnance analyst",
    "Data\u00a0Scientist",
    "Data\tScientist",
    "Senior data (scientist",
    "Senior (x) analyst (contract)",
    "a (b (contract)",
    "Chief Executive Officer, CEO",
    "VP, Engineering",
    "  Senior   Data   Engineer  ",
    "Senior temps partiel caissier",
    "Analyste programmeur/analyste programmeuse",
    "Teacher - French (Immersion), Grade 3",
    "de la",
    "Senior de la",
    "Agent(e) de centre d'appels",
    "Œuvre manager",
    "c++ developer senior",
    "Developer_senior",
    "Senior, - Data",
    "x - ii",
    "Data scientist, senior",
    "Software engineer / II",
    "Consultant for Deloitte",
    "Analyste pour Desjardins",
    "Senior Engineer at Google, Remote",
    "Dev @Shopify",
    "Data Analyst • Analytics",
    "Designer · Freelance",
    "Conseillère | CRHA",
    "Stagiaire",
]


@pytest.fixture(scope="module")
def titles() -> list[str | None]:
    dd = DataDir()
    units = load_structure(dd.path("noc_structure"))
    examples = load_examples(dd.path("noc_examples_en"), dd.path("noc_examples_fr"), units)
    rng = random.Random(11)
    picked = rng.sample([e.title for e in examples], 1500)
    out: list[str | None] = list(ODD)
    for t in picked:
        form = rng.random()
        t = t.upper() if form < 0.2 else t.lower() if form < 0.4 else t
        out.append(f"{rng.choice(PREFIXES)}{t}{rng.choice(SUFFIXES)}")
    return out


def test_batch_grouping_equals_normalise(coder, titles):
    groups, row_group = BatchNormaliser(coder.normaliser).group(pa.array(titles, pa.string()))
    norm = coder.normaliser
    got = [groups[g] for g in row_group.tolist()]
    want = [norm.normalise(t) for t in titles]
    assert [(t, g) for t, g, w in zip(titles, got, want, strict=True) if g != w] == []
    # the batch really collapsed titles that differ only by droppable words
    assert len(groups) < len(set(titles))


def test_simple_characters_lower_and_split_like_python():
    chars = [chr(c) for c in range(0x20, 0x2100)]
    simple = pc.match_substring_regex(pa.array(chars), _SIMPLE).to_pylist()
    chars = [c for c, ok in zip(chars, simple, strict=True) if ok]
    assert "é" in chars and "Œ" in chars and "\u00a0" not in chars and "İ" not in chars
    texts = [f"a{c}b {c}x{c}" for c in chars]
    assert pc.utf8_lower(pa.array(texts)).to_pylist() == [t.lower() for t in texts]
    split = pc.split_pattern_regex(pa.array(texts), WORD_SPLIT).to_pylist()
    assert [[w for w in s if w] for s in split] == [
        [w for w in _TOKEN_SPLIT.split(t) if w] for t in texts
    ]


def test_batch_coding_equals_coding_each_title_alone(coder, titles):
    # a large batch takes the Arrow paths, a single title the per-title Python ones
    batch = coder.code(pa.array(titles, pa.string())).to_pylist()
    assert len(titles) >= ARROW_MIN
    some = list(range(0, len(titles), 12))
    alone = [coder.code(pa.array([titles[i]], pa.string())).to_pylist()[0] for i in some]
    assert [batch[i] for i in some] == alone
    methods = {batch[i]["coding_method"] for i in some}
    assert {"curated-lexicon", "exact-example", "naive-bayes", "none"} <= methods


def test_scoring_in_chunks_equals_one_chunk(coder, titles, monkeypatch):
    from microcred.coding.occupation import coder as coder_module

    arr = pa.array(titles, pa.string())
    whole = coder.code(arr)
    monkeypatch.setattr(coder_module, "SCORE_CHUNK", 97)
    assert coder.code(arr).equals(whole)


def test_arrow_design_equals_python_loop(coder, titles, monkeypatch):
    keys = [coder.normaliser.key(t) for t in titles]
    model = coder._t.model
    arrow = model._design_arrow(keys)
    monkeypatch.setattr(model_module, "ARROW_DESIGN_MIN", 10**9)
    loop = model.design(keys)
    assert arrow.shape == loop.shape
    for a, b in ((arrow.indptr, loop.indptr), (arrow.indices, loop.indices)):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert arrow.data.dtype == loop.data.dtype and np.array_equal(arrow.data, loop.data)


def _fill_one(alts, model_alts):
    """The per-row rule ``fill_alternatives`` vectorises (the coder's former Python code)."""
    taken = {c for c, _ in alts}
    rest = [(c, p) for c, p in model_alts if c not in taken]
    left = max(0.0, 1.0 - sum(p for _, p in alts))
    mass = max(1.0 - sum(p for c, p in model_alts if c in taken), 1e-9)
    return list(alts) + [(c, left * p / mass) for c, p in rest[: 3 - len(alts)]]


def test_fill_alternatives_follows_the_row_rule():
    rng = np.random.default_rng(3)
    n = 400
    top_idx = np.array([rng.choice(8, 4, replace=False) for _ in range(n)])
    top_p = np.sort(rng.dirichlet(np.ones(6), n)[:, :4], axis=1)[:, ::-1].astype(np.float32)
    top_p = top_p.astype(np.float64)
    n_alts = rng.integers(1, 3, n)
    alt_idx = np.full((n, 3), -1)
    alt_p = np.zeros((n, 3))
    for i in range(n):
        alt_idx[i, : n_alts[i]] = rng.choice(8, n_alts[i], replace=False)
        alt_p[i, : n_alts[i]] = rng.uniform(0, 0.6, n_alts[i])

    def rows(idx, p, k):
        return [
            list(zip(idx[i, : k[i]].tolist(), p[i, : k[i]].tolist(), strict=True)) for i in range(n)
        ]

    want = [
        _fill_one(a, m)
        for a, m in zip(rows(alt_idx, alt_p, n_alts), rows(top_idx, top_p, [4] * n), strict=True)
    ]
    fill_alternatives(alt_idx, alt_p, n_alts, top_idx, top_p)
    got = rows(alt_idx, alt_p, n_alts)
    assert got == want


def test_formatting_and_rounding_match_python():
    rng = np.random.default_rng(5)
    ties = np.array([(k + 0.5) / 1000 for k in range(1000)])
    values = np.concatenate(
        [rng.uniform(0, 1, 2000), ties, np.nextafter(ties, 0), np.nextafter(ties, 1), [0.0, 1.0]]
    )
    assert [f"{k / 1000:.3f}" for k in thousandths(values).tolist()] == [
        f"{v:.3f}" for v in values.tolist()
    ]
    assert round_like_python(values, 4).tolist() == [round(v, 4) for v in values.tolist()]
    codes = pa.array(["00010", "21211", "21231"])
    idx = np.array([[1, 2, 0], [2, -1, -1], [-1, -1, -1]])
    p = np.array([[0.95, 0.0305, 1.2], [0.5, 0.0, 0.0], [0.0, 0.0, 0.0]])
    got = alternatives_strings(codes, idx, p, np.array([3, 1, 0])).to_pylist()
    assert got == [f"21211:0.950;21231:{0.0305:.3f};00010:1.000", "21231:0.500", None]


def test_top_k_is_a_stable_descending_sort():
    from microcred.coding.occupation.coder import _top_k

    rng = np.random.default_rng(5)
    p = rng.integers(0, 4, size=(300, 9)).astype(float)  # many ties
    p[0] = 0.0
    expected = np.argsort(-p, axis=1, kind="stable")[:, :4]
    assert (_top_k(p, 4) == expected).all()
    assert _top_k(p[:0], 4).shape == (0, 4)
    assert (_top_k(p[:, :2], 4) == np.argsort(-p[:, :2], axis=1, kind="stable")).all()
