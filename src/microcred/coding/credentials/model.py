"""Learned fallback for the long tail: a character n-gram linear model with calibrated probabilities.

Why: rules and the catalogue cover the common credentials; a residue of unseen names
("Advanced Topics in Kubernetes Networking", "Atelier d'éthique des données") still
carries type signals in its words. The model is trained at load time, deterministically,
on synthetic names built only from the catalogue (family phrases, type keywords and
templates) — never on the hand-labelled evaluation set.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from microcred.coding.credentials.catalogue import Catalogue
from microcred.coding.credentials.text import normalise

if TYPE_CHECKING:  # scikit-learn is imported only when the fallback is first needed
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

TOPICS = (
    "data science", "machine learning", "python", "sql", "cloud computing", "cybersecurity",
    "project management", "web development", "business analytics", "deep learning",
    "data analytics", "artificial intelligence", "software engineering", "devops", "java",
    "big data", "data engineering", "ux design", "networking", "statistics", "excel",
    "science des données", "analyse de données", "intelligence artificielle",
    "apprentissage automatique", "gestion de projet", "cybersécurité", "développement web",
    "informatique", "programmation", "génie logiciel", "intelligence d'affaires",
)  # fmt: skip

TEMPLATES: dict[str, tuple[str, ...]] = {
    "mooc_certificate": (
        "{t}", "Introduction to {t}", "{t} Specialization", "{t} course", "Learning {t}",
        "{t} Essential Training", "{t} for Everybody", "Apprendre {t}", "{t} : les fondements",
        "Applied {t} with Python", "{t} Nanodegree", "Fundamentals of {t}", "{t} Fundamentals",
        "Initiez-vous à {t}", "Cours en ligne {t}", "{t} Professional Certificate",
        "Advanced {t}", "Hands-on {t}", "{t} in Practice", "Getting Started with {t}",
        "Intermediate {t}", "{t} Track", "{t} A-Z", "Complete {t} Masterclass",
    ),
    "vendor_certification": (
        "Certified {t} Associate", "Certified {t} Specialist", "{t} Certified Professional",
        "Certified {t} Engineer", "{t} Developer Associate exam", "Certified {t} Administrator",
    ),
    "professional_certification": (
        "Certified {t} Professional", "{t} Practitioner", "Certified {t} Practitioner",
        "{t} Foundation Certificate", "Certified {t} Manager", "{t} Professional Certification",
    ),
    "bootcamp_certificate": (
        "{t} Bootcamp", "{t} Immersive", "Bootcamp {t}", "Formation intensive en {t}",
        "{t} Boot Camp", "Full-time {t} Bootcamp",
    ),
    "university_microcredential": (
        "Certificate in {t}", "Micro-credential in {t}", "Microprogramme en {t}",
        "Programme court en {t}", "{t} Microcredential", "Continuing Education Certificate in {t}",
        "Attestation de formation continue en {t}", "Professional Development Certificate in {t}",
    ),
    "academic_credential": (
        "Bachelor of {t}", "Master of {t}", "Diploma in {t}", "Baccalauréat en {t}",
        "Maîtrise en {t}", "DEC en {t}", "Graduate Certificate in {t}", "Certificat en {t}",
        "B.Sc. {t}", "M.Sc. {t}", "DESS en {t}", "AEC en {t}", "Advanced Diploma {t}",
    ),
    "digital_badge": (
        "{t} badge", "{t} Skill Badge", "Badge {t}", "Badge numérique {t}", "{t} Explorer",
        "{t} Level 1", "{t} Essentials badge",
    ),
    "professional_licence": (
        "Licensed {t} Professional", "Registered {t} Professional", "{t} licence",
        "Permis d'exercice {t}", "Chartered {t} Professional",
    ),
    "training_attendance": (
        "{t} Workshop", "Webinar: {t}", "{t} Hackathon", "Certificate of Participation {t}",
        "Atelier {t}", "{t} Conference 2022", "{t} Summit attendee", "Award in {t}",
        "Séminaire {t}", "Attestation de participation {t}", "Internal {t} training",
        "Formation interne {t}",
    ),
    "other": (),
}  # fmt: skip


@dataclass
class FallbackModel:
    """A fitted vectoriser + linear classifier whose scores are calibrated by temperature.

    Why temperature scaling: a softmax over the SVM scores with one temperature fitted
    on held-out synthetic names gives probabilities at the cost of one 1-D optimisation
    (scikit-learn's per-class sigmoid calibration took ten times longer to train).
    """

    vectoriser: TfidfVectorizer
    classifier: LinearSVC
    temperature: float
    _reader: TfidfVectorizer | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self.classifier.classes_]

    def features(self, texts: list[str]) -> object:
        """The TF-IDF matrix of ``texts``, exactly as ``vectoriser.transform`` gives it.

        Why not ``vectoriser.transform`` itself: cutting every word into character
        n-grams was most of the model's time at coding, and the residue's words repeat;
        a copy of the fitted vectoriser whose analyser caches each word's n-grams
        (``_CachedWordNgrams``) yields the same n-grams in the same order.
        """
        if self._reader is None:
            reader = copy.copy(self.vectoriser)  # shares the fitted vocabulary and idf
            reader.analyzer = _CachedWordNgrams(self.vectoriser)
            self._reader = reader
        return self._reader.transform(texts)

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        from scipy.special import softmax

        scores = self.classifier.decision_function(self.features(texts))
        proba: np.ndarray = softmax(scores / self.temperature, axis=1)
        return proba

    def predict(self, texts: list[str]) -> tuple[list[str], np.ndarray]:
        """Most likely type and its calibrated probability, for each text."""
        if not texts:
            return [], np.zeros(0)
        proba = self.predict_proba(texts)
        best = proba.argmax(axis=1)
        classes = self.classifier.classes_
        return [str(classes[i]) for i in best], proba[np.arange(len(texts)), best]


class _CachedWordNgrams:
    """The fitted ``char_wb`` analyser of a vectoriser, with each word's n-grams cached.

    ``char_wb`` lower-cases the text, then pads each whitespace-separated word with
    spaces and cuts it into n-grams, word after word; a word's n-grams do not depend on
    its neighbours, so they can be computed once per distinct word.
    """

    def __init__(self, vectoriser: TfidfVectorizer):
        self.preprocess = vectoriser.build_preprocessor()
        self.word_ngrams = vectoriser._char_wb_ngrams  # noqa: SLF001 - the fitted analyser
        self.cache: dict[str, list[str]] = {}

    def __call__(self, document: str) -> list[str]:
        grams: list[str] = []
        cache = self.cache
        for word in self.preprocess(document).split():
            cut = cache.get(word)
            if cut is None:
                if len(cache) >= _NGRAM_CACHE_WORDS:  # bounded: a long run sees many words
                    cache.clear()
                cut = cache[word] = self.word_ngrams(word)
            grams.extend(cut)
        return grams


_NGRAM_CACHE_WORDS = 100_000


_EXAMPLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _examples(version: str, cat: Catalogue) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The examples built once per catalogue version (the version hashes the data files).

    Why: building them takes about 0.1 s, and every coder needs them when it first sends a
    residue to the model (for the vocabulary check and the model's cache key).
    """
    cached = _EXAMPLES.get(version)
    if cached is None:
        texts, labels = _build_examples(cat)
        cached = _EXAMPLES[version] = (tuple(texts), tuple(labels))
    return cached


def _build_examples(cat: Catalogue) -> tuple[list[str], list[str]]:
    pairs: set[tuple[str, str]] = set()
    for fam in cat.families:
        pairs.add((fam.family, fam.type))
        for phrase in fam.phrases:
            if len(phrase) > 4:
                pairs.add((phrase, fam.type))
    kw = cat.keywords.model_dump()
    for ctype, phrases in kw.items():
        if ctype == "exam_words":
            continue
        for phrase in phrases:
            pairs.add((phrase, ctype))
    for ctype, templates in TEMPLATES.items():
        for tpl in templates:
            for topic in TOPICS:
                pairs.add((tpl.format(t=topic), ctype))
    ordered = sorted(pairs)
    return [t for t, _ in ordered], [c for _, c in ordered]


@lru_cache(maxsize=4)
def _fit(version: str, texts: tuple[str, ...], labels: tuple[str, ...]) -> FallbackModel:
    from scipy.optimize import minimize_scalar
    from scipy.special import log_softmax
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    # every fifth example is held out to fit the temperature (deterministic split)
    held = np.arange(len(texts)) % 5 == 0
    y = np.asarray(labels)
    vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, min_df=1)
    x = vec.fit_transform(texts)
    clf = LinearSVC(C=0.5, random_state=0)
    clf.fit(x[~held], y[~held])
    scores = clf.decision_function(x[held])
    target = np.searchsorted(clf.classes_, y[held])

    def nll(temp: float) -> float:
        logp = log_softmax(scores / temp, axis=1)
        return float(-logp[np.arange(len(target)), target].mean())

    temp = float(minimize_scalar(nll, bounds=(0.01, 10.0), method="bounded").x)
    return FallbackModel(vec, clf, temp)


@lru_cache(maxsize=4)
def _vocabulary(version: str, texts: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w for t in texts for w in normalise(t).split() if len(w) > 2)


def vocabulary(cat: Catalogue) -> frozenset[str]:
    """Words the model was trained on; a name with none of them is left unknown."""
    texts, _ = _examples(cat.version, cat)
    return _vocabulary(cat.version, texts)


def fit_fallback(cat: Catalogue) -> FallbackModel:
    """Train (once per catalogue version) the fallback model."""
    texts, labels = _examples(cat.version, cat)
    return _fit(cat.version, texts, labels)
