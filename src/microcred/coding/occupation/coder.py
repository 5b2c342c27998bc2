"""``OccupationCoder``: job titles (EN/FR) -> NOC 2021 unit groups, calibrated, with abstention.

Method, in order, over distinct titles:
1. normalise (noise, seniority words, abbreviations, French gender forms, accents);
2. curated lexicon of common modern titles (``data/curated_titles.yaml``);
3. exact match on the normalised NOC 2021 example titles (EN + FR), whole title,
   then without bracketed text, then without the qualifier after " - " or ",";
4. otherwise a naive-Bayes classifier over word n-grams times one over character
   3-5-grams (``char_model.py``), trained on the example titles, the unit-group
   titles and the curated lexicon;
5. a calibrated confidence; below ``min_confidence`` the unit group is left
   empty with a reason, and the 4-digit minor group is still given when the
   summed probability of its unit groups clears the threshold.

Training takes a few seconds and is cached under a content-addressed folder
(``$MICROCRED_CACHE`` or ``~/.cache/microcred``), keyed by the reference files,
the lexicons, the code version and any excluded titles, as arrays and JSON
(``store.py``; never a pickle, which would run code planted in the cache).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from microcred import schema
from microcred.cachedir import cache_root
from microcred.coding.base import CoderSettings
from microcred.coding.fingerprint import coder_fingerprint, package_sources
from microcred.coding.occupation import lexicon as lexicon_files
from microcred.coding.occupation.batch import ARROW_MIN, BatchNormaliser
from microcred.coding.occupation.char_model import (
    CharNgramTitles,
    fit_vocabulary,
    fit_weight_and_temperature,
    softmax,
)
from microcred.coding.occupation.char_model import count_matrix as char_count_matrix
from microcred.coding.occupation.columns import (
    alternatives_strings,
    fill_alternatives,
    round_like_python,
)
from microcred.coding.occupation.guards import REASON_GENERIC, load_guards
from microcred.coding.occupation.knowledge import (
    TAXONOMY_VERSION,
    NocKnowledge,
    UnitGroup,
    load_knowledge,
)
from microcred.coding.occupation.lexicon import lexicon_fingerprint, load_lexicons
from microcred.coding.occupation.model import (
    Calibrator,
    NaiveBayesTitles,
    build_vocab,
    count_matrix,
    fit_temperature,
)
from microcred.coding.occupation.normalise import NormalisedTitle, Normaliser, fold_accents
from microcred.coding.occupation.recalibration import (
    RECALIBRATION_FILE,
    Recalibration,
    load_recalibration,
)
from microcred.coding.occupation.store import Trained, load_trained, save_trained
from microcred.datadir import DataDir

MODEL_VERSION = "occupation-nbchar-7"
CALIBRATION_SEED = 20211
CALIBRATION_SHARE = 0.10
# Confidence of a title found in the curated lexicon / as a normalised example title.
# Not fitted (there is no held-out set of exact hits in the examples); checked against
# the profile set's reliability table in the model card.
LEXICON_CONFIDENCE = 0.95
EXACT_CONFIDENCE = 0.92

METHOD_LEXICON = "curated-lexicon"
METHOD_EXACT = "exact-example"
METHOD_MODEL = "naive-bayes"  # word n-gram x character n-gram naive Bayes (occupation-nbchar-6)
METHOD_NONE = "none"
METHOD_CONTEXT = "context-rule"
# Confidence of a generic title decided by a context rule: not fitted (no labelled
# context rows yet); stated in the model card.
CONTEXT_CONFIDENCE = 0.80
_METHODS = (METHOD_NONE, METHOD_LEXICON, METHOD_EXACT, METHOD_MODEL)  # index = method code
SCORE_CHUNK = 2048  # rows of the dense class-probability matrix scored at a time (stays in cache)


# The modules whose code decides what training produces. Their source is part of the
# cache key: a model cached by older normaliser code (same MODEL_VERSION) was served
# before, so the coder did not match what a cold cache trains.
TRAINING_MODULES = (
    "coder.py",
    "char_model.py",
    "guards.py",
    "model.py",
    "normalise.py",
    "knowledge.py",
    "lexicon.py",
)


def training_code_fingerprint() -> str:
    """sha256 over the source of ``TRAINING_MODULES``."""
    h = hashlib.sha256()
    here = Path(__file__).parent
    for name in TRAINING_MODULES:
        h.update(name.encode())
        h.update((here / name).read_bytes())
    return h.hexdigest()


def training_key(dd: DataDir, excluded: tuple[str, ...] = ()) -> str:
    """The trained model's cache key: what training reads (references, lexicons, code, exclusions).

    The threshold is not in it: one trained model serves every ``min_confidence``.
    """
    h = hashlib.sha256(MODEL_VERSION.encode())
    for p in _reference_paths(dd):
        h.update(p.read_bytes())
    h.update(lexicon_fingerprint().encode())
    h.update(training_code_fingerprint().encode())
    h.update("\x1f".join(excluded).encode())
    return h.hexdigest()[:24]


def _reference_paths(dd: DataDir) -> list[Path]:
    """The NOC reference files the coder is trained on."""
    return [
        dd.path("noc_structure"),
        dd.path("noc_examples_en"),
        dd.path("noc_examples_fr"),
        dd.path("noc_to_soc"),
    ]


def _norm_exclusion(titles: Iterable[str] | None) -> tuple[str, ...]:
    if titles is None:
        return ()
    return tuple(sorted({str(t).strip() for t in titles if t and str(t).strip()}))


_Trained = Trained  # the learned tables and model (saved as arrays + JSON by ``store``)


def _language_words(knowledge: NocKnowledge) -> tuple[frozenset[str], frozenset[str]]:
    import re

    split = re.compile(r"[^\w]+")
    words: dict[str, set[str]] = {"en": set(), "fr": set()}
    for ex in knowledge.examples:
        for t in split.split(fold_accents(ex.title.lower())):
            if len(t) > 2 and not t.isdigit():
                words[ex.language].add(t)
    return frozenset(words["fr"] - words["en"]), frozenset(words["en"] - words["fr"])


def train(knowledge: NocKnowledge, exclude_titles: tuple[str, ...] = ()) -> _Trained:
    """Build the lookup tables, fit the classifier, calibrate on held-out example titles."""
    lx = load_lexicons()
    fr_words, en_words = _language_words(knowledge)
    norm = Normaliser(lx, fr_words, en_words)
    excluded = {norm.key(t) for t in exclude_titles}

    ex_keys: list[str] = []
    ex_labels: list[str] = []
    n_excluded = 0
    for ex in knowledge.examples:
        nt = norm.normalise(ex.title, ex.language)
        if not nt.key:
            continue
        if nt.key in excluded:
            n_excluded += 1
            continue
        ex_keys.append(nt.key)
        ex_labels.append(ex.code)

    lexicon: dict[str, str] = {}
    for code, titles in sorted(lx.curated.items()):
        for t in titles:
            k = norm.key(t)
            if k and k not in excluded:
                lexicon[k] = code
    unit_keys = [(norm.key(u.title, "en"), u.code) for u in knowledge.units.values()]

    exact_counts: dict[str, Counter[str]] = {}
    for k, c in zip(ex_keys, ex_labels, strict=True):
        exact_counts.setdefault(k, Counter())[c] += 1
    exact = {
        k: tuple(
            (c, n / sum(cnt.values())) for c, n in sorted(cnt.items(), key=lambda x: (-x[1], x[0]))
        )
        for k, cnt in sorted(exact_counts.items())
    }

    # Training rows: examples (weight 1), unit-group titles (2), curated titles (3).
    keys = ex_keys + [k for k, _ in unit_keys] + list(lexicon)
    labels = ex_labels + [c for _, c in unit_keys] + list(lexicon.values())
    weights = [1.0] * len(ex_keys) + [2.0] * len(unit_keys) + [3.0] * len(lexicon)
    classes = sorted(knowledge.units)
    vocab = build_vocab(keys)
    counts = count_matrix(keys, labels, weights, vocab, classes)

    # Calibration: hold out 10 % of distinct example keys, subtract their counts
    # (naive Bayes is additive), score them with the model that never saw them.
    distinct = sorted(set(ex_keys))
    rng = np.random.default_rng(CALIBRATION_SEED)
    held = set(
        rng.choice(len(distinct), size=int(len(distinct) * CALIBRATION_SHARE), replace=False)
    )
    held_keys = {distinct[i] for i in held}
    h_rows = [i for i, k in enumerate(ex_keys) if k in held_keys]
    h_keys = [ex_keys[i] for i in h_rows]
    h_labels = [ex_labels[i] for i in h_rows]
    held_counts = count_matrix(h_keys, h_labels, [1.0] * len(h_keys), vocab, classes)
    cal_model = NaiveBayesTitles.from_counts(vocab, np.array(classes), counts - held_counts)
    x = cal_model.design(h_keys)
    class_index = {c: i for i, c in enumerate(classes)}
    y = np.array([class_index[c] for c in h_labels])
    # the word model alone (its temperature) still tops up the alternatives of lookup hits
    temperature = fit_temperature(cal_model, x, y)
    cal_model.temperature = temperature
    # the character expert, with the same held-out titles subtracted
    char_vocab = fit_vocabulary(keys)
    label_ids = np.array([class_index[c] for c in labels])
    char_counts = char_count_matrix(char_vocab, keys, label_ids, np.asarray(weights), len(classes))
    held_char = char_count_matrix(char_vocab, h_keys, y, np.ones(len(y)), len(classes))
    cal_char = CharNgramTitles.from_counts(char_vocab, char_counts - held_char)
    word_raw = cal_model.log_scores(x)
    char_raw = cal_char.log_scores(cal_char.design(h_keys))
    char_weight, char_temperature = fit_weight_and_temperature(word_raw, char_raw, y)
    proba = softmax(word_raw + char_weight * char_raw, char_temperature)
    top = proba.argmax(axis=1)
    unit_cal = Calibrator.fit(proba.max(axis=1), top == y)
    minors = np.array([knowledge.units[c].minor for c in classes])
    minor_p, minor_ids, minor_names = _minor_proba(proba, minors)
    minor_top = minor_p.argmax(axis=1)
    true_minor = np.array([knowledge.units[c].minor for c in h_labels])
    minor_cal = Calibrator.fit(minor_p.max(axis=1), minor_names[minor_top] == true_minor)

    model = NaiveBayesTitles.from_counts(vocab, np.array(classes), counts)
    model.temperature = temperature
    char_model = CharNgramTitles.from_counts(char_vocab, char_counts)
    char_model.weight, char_model.temperature = char_weight, char_temperature
    return _Trained(
        units=knowledge.units,
        soc=knowledge.soc,
        fr_words=fr_words,
        en_words=en_words,
        lexicon=lexicon,
        exact=exact,
        model=model,
        unit_calibrator=unit_cal,
        minor_calibrator=minor_cal,
        n_training_titles=len(ex_keys),
        n_excluded=n_excluded,
        char_model=char_model,
    )


def _minor_proba(
    proba: np.ndarray, minors: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    names, ids = np.unique(minors, return_inverse=True)
    out = np.zeros((proba.shape[0], len(names)))
    for j in range(len(names)):
        out[:, j] = proba[:, ids == j].sum(axis=1)
    return out, ids, names


def _top_k(proba: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k largest values per row, best first (ties: lower index)."""
    n, m = proba.shape
    k = min(k, m)
    out = np.zeros((n, k), dtype=np.int64)
    if n == 0:
        return out
    # k passes of argmax (first maximum = lower index on ties): for k = 4 of 516
    # columns several times faster than argpartition + lexsort, the same columns
    rest = proba.copy()
    rows = np.arange(n)
    for j in range(k):
        best = rest.argmax(axis=1)
        out[:, j] = best
        rest[rows, best] = -np.inf
    return out


class OccupationCoder:
    """Codes distinct job titles to NOC 2021 (see module docstring for the method)."""

    def __init__(self, trained: _Trained, min_confidence: float, fingerprint: str = ""):
        self._t = trained
        self.min_confidence = float(min_confidence)
        self._fingerprint = fingerprint
        self._norm = Normaliser(load_lexicons(), trained.fr_words, trained.en_words)
        classes = trained.model.classes
        self._minors = np.array([trained.units[c].minor for c in classes])
        self._minor_names, self._minor_ids = np.unique(self._minors, return_inverse=True)
        self._minor_matrix = np.zeros((len(classes), len(self._minor_names)), dtype=np.float64)
        self._minor_matrix[np.arange(len(classes)), self._minor_ids] = 1.0
        self._batch = BatchNormaliser(self._norm)
        self._class_index = {c: i for i, c in enumerate(classes)}
        units = [trained.units[c] for c in classes]
        self._codes = pa.array(list(classes), pa.string())
        self._unit_titles = pa.array([u.title for u in units], pa.string())
        self._unit_teer = pa.array([u.teer for u in units], pa.int8())
        self._unit_minor = pa.array([u.minor for u in units], pa.string())
        self._unit_soc = pa.array([trained.soc.get(c) for c in classes], pa.string())
        self._build_lookup_arrays()
        self._guards = load_guards(self._norm)
        self._digital_cols = np.array([c in self._guards.digital_codes for c in classes])
        # which paths code: both normally; one alone only for the ablation in bench/titles.py
        self.paths: tuple[str, ...] = ("lookup", "model")
        # confidence maps fitted on real-style dev titles (``recalibration.py``); None: off
        self.recalibration: Recalibration | None = load_recalibration()

    # ---- the contract (``coding.base.Coder``) ------------------------------------------
    name: ClassVar[str] = "occupation"
    version: ClassVar[str] = f"{MODEL_VERSION}; {TAXONOMY_VERSION}"
    label: ClassVar[str] = "occupation (NOC 2021)"
    source_table: ClassVar[str] = "positions"
    reads: ClassVar[tuple[str, ...]] = ("title",)
    output: ClassVar[str] = "titles_coded"
    unknown: ClassVar[tuple[str, Any]] = ("noc2021", None)
    confidence_column: ClassVar[str | None] = "noc2021_confidence"
    after: ClassVar[tuple[str, ...]] = ()

    # ---- loading --------------------------------------------------------------------
    @classmethod
    def load(
        cls, data_dir: DataDir | str | Path | None = None, settings: CoderSettings | None = None
    ) -> OccupationCoder:
        """Load (or train once and cache) the coder.

        Settings: ``coding.occupation_min_confidence``; options ``exclude_titles`` (titles
        whose normalised form is removed from every training table, to evaluate on held-out
        NOC example titles) and ``model_cache_dir`` (where the trained model is kept).
        """
        dd = _data_dir(data_dir)
        min_confidence, excluded, cache_dir = _settings(settings)
        key = training_key(dd, excluded)
        folder = (Path(cache_dir) if cache_dir else cache_root()) / "occupation" / key
        trained = load_trained(folder, key)
        if trained is None:
            trained = train(load_knowledge(dd), excluded)
            with contextlib.suppress(OSError):  # read-only home on a worker: just not cached
                save_trained(folder, trained, key)
        return cls(trained, min_confidence, cls.fingerprint_for(dd, settings))

    @classmethod
    def fingerprint_for(
        cls, data_dir: DataDir | str | Path | None = None, settings: CoderSettings | None = None
    ) -> str:
        """What ``load`` with these arguments codes by (see ``coding.fingerprint``), without loading.

        ``model_cache_dir`` only says where the trained model is kept; it changes no code.
        """
        dd = _data_dir(data_dir)
        min_confidence, excluded, _ = _settings(settings)
        here = Path(__file__).parent
        return coder_fingerprint(
            "occupation",
            cls.version,
            files=[
                *_reference_paths(dd),
                *(lexicon_files.DATA / f for f in lexicon_files.FILES),
                *[p for p in [lexicon_files.DATA / RECALIBRATION_FILE] if p.exists()],
            ],
            settings={"min_confidence": min_confidence, "exclude_titles": list(excluded)},
            code=package_sources(here),
        )

    def fingerprint(self) -> str:
        """The cache key of this coder's output (set by ``load``)."""
        if not self._fingerprint:
            raise ValueError("this OccupationCoder was not built by load(); it has no fingerprint")
        return self._fingerprint

    def output_schema(self) -> pa.Schema:
        return schema.TITLES_CODED

    # ---- facts ----------------------------------------------------------------------
    @property
    def units(self) -> dict[str, UnitGroup]:
        return self._t.units

    @property
    def normaliser(self) -> Normaliser:
        return self._norm

    def soc_for(self, code: str) -> str | None:
        return self._t.soc.get(code)

    # ---- coding ---------------------------------------------------------------------
    def code(
        self,
        titles: pa.Table | pa.Array | pa.ChunkedArray | list[str | None],
        context: pa.Array | pa.ChunkedArray | list[str | None] | None = None,
    ) -> pa.Table:
        """One row per input title, same order, schema ``schema.TITLES_CODED``.

        ``titles``: a batch with a ``title`` column (the contract), or the titles themselves;
        ``context`` (or the batch's ``context`` column): e.g. the employer, for context rules.

        Titles are grouped by normalised form (``batch.BatchNormaliser``: Arrow
        kernels for the clean-up, Python once per distinct core), and everything
        after that (lookups, classifier, calibration, alternatives) runs once per
        distinct normalised form: "Senior Data Scientist", "Sr. Data Scientist @
        Shopify" and "Data Scientist II" share one coded row.
        """
        if isinstance(titles, pa.Table):
            if "title" not in titles.column_names:
                raise ValueError(f"title batch needs a 'title' column, got {titles.column_names}")
            if context is None and "context" in titles.column_names:
                context = titles["context"]
            titles = titles["title"]
        if isinstance(titles, list):
            titles = pa.array(titles, pa.string())
        if isinstance(titles, pa.ChunkedArray):
            titles = titles.combine_chunks()
        titles = titles.cast(pa.string())
        groups, row_group = self._batch.group(titles)
        coded = self._code_groups(groups)
        take = pa.array(row_group, pa.int64())
        cols: dict[str, pa.Array] = {"title": titles}
        for name, col in coded.items():
            cols[name] = col.take(take)
        if context is not None:
            self._apply_context(cols, groups, row_group, context)
        return pa.Table.from_arrays(
            [cols[f.name] for f in schema.TITLES_CODED], schema=schema.TITLES_CODED
        )

    def _apply_context(
        self,
        cols: dict[str, pa.Array],
        groups: list[NormalisedTitle],
        row_group: np.ndarray,
        context: pa.Array | pa.ChunkedArray | list[str | None],
    ) -> None:
        """Generic titles whose context (company, previous title) decides get that code."""
        ctx = context if isinstance(context, list) else pa.array(context).to_pylist()
        if len(ctx) != len(row_group):
            raise ValueError("context must have one value per title")
        generic = [self._guards.is_generic(nt.key) for nt in groups]
        hits: dict[int, int] = {}
        for r, (g, c) in enumerate(zip(row_group.tolist(), ctx, strict=True)):
            if generic[g] and c:
                code = self._guards.from_context(groups[g].key, c)
                if code is not None and code in self._class_index:
                    hits[r] = self._class_index[code]
        if not hits:
            return
        n = len(row_group)
        unit = np.full(n, -1, np.int64)
        for r, k in hits.items():
            unit[r] = k
        mask = pa.array(unit >= 0)
        take = pa.array(np.maximum(unit, 0), pa.int64(), mask=unit < 0)
        conf = pa.array(np.full(n, CONTEXT_CONFIDENCE), pa.float64())
        new = {
            "noc2021": self._codes.take(take),
            "noc2021_title": self._unit_titles.take(take),
            "teer": self._unit_teer.take(take),
            "noc2021_minor": self._unit_minor.take(take),
            "soc2018": self._unit_soc.take(take),
            "noc2021_confidence": conf,
            "coding_method": pa.array([METHOD_CONTEXT] * n, pa.string()),
            "abstain_reason": pa.nulls(n, pa.string()),
        }
        for name, col in new.items():
            cols[name] = pc.if_else(mask, col, cols[name])

    def _build_lookup_arrays(self) -> None:
        """The lexicon and exact-example tables as arrays (keys, class ids, confidences)."""
        t = self._t
        self._lex_keys = pa.array(list(t.lexicon), pa.string())
        self._lex_index = {k: i for i, k in enumerate(t.lexicon)}
        self._lex_class = np.array([self._class_index[c] for c in t.lexicon.values()], np.int64)
        self._exact_keys = pa.array(list(t.exact), pa.string())
        n = len(t.exact)
        self._exact_idx = np.full((n, 3), -1, np.int64)
        self._exact_p = np.zeros((n, 3))
        self._exact_n = np.zeros(n, np.int64)
        for i, dist in enumerate(t.exact.values()):
            for j, (c, share) in enumerate(dist[:3]):
                self._exact_idx[i, j] = self._class_index[c]
                self._exact_p[i, j] = EXACT_CONFIDENCE * share
            self._exact_n[i] = min(len(dist), 3)

    def _lookups(
        self, groups: list[NormalisedTitle]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Lexicon and exact-example hits: method code, class ids and confidences of up to 3 codes.

        The first candidate key found in the lexicon wins, else the first found
        among the example titles. Titles with one candidate (most) are looked up
        with Arrow ``index_in``; the others one by one.
        """
        n = len(groups)
        lex_at = np.full(n, -1, np.int64)  # row in the lexicon table
        ex_at = np.full(n, -1, np.int64)  # row in the exact-example table
        single = np.zeros(n, dtype=bool)
        if n >= ARROW_MIN:  # hashing the 57k example keys costs more than small batches save
            keys = pa.array([nt.key for nt in groups], pa.string())
            single[:] = [len(nt.candidates) <= 1 for nt in groups]
            for at, table in ((lex_at, self._lex_keys), (ex_at, self._exact_keys)):
                pos = pc.index_in(keys, value_set=table)
                at[:] = pc.fill_null(pos, -1).to_numpy(zero_copy_only=False)
        several = np.flatnonzero(~single)
        if len(several):
            lex_index = self._lex_index
            ex_index = self._exact_index()
            generic = self._guards.is_generic
            for i in several.tolist():
                # a shorter candidate ("Specialist" of "Specialist, Client Onboarding",
                # "Conseiller principal" of "... - relations avec les investisseurs") that is
                # a generic title says less than the whole title: the model reads the whole
                cands = [k for j, k in enumerate(groups[i].candidates) if j == 0 or not generic(k)]
                lex_at[i] = next((lex_index[k] for k in cands if k in lex_index), -1)
                ex_at[i] = next((ex_index[k] for k in cands if k in ex_index), -1)
        method = np.zeros(n, np.int8)
        alt_idx = np.full((n, 3), -1, np.int64)
        alt_p = np.zeros((n, 3))
        n_alts = np.zeros(n, np.int64)
        ex = np.flatnonzero((lex_at < 0) & (ex_at >= 0))
        method[ex] = 2
        alt_idx[ex] = self._exact_idx[ex_at[ex]]
        alt_p[ex] = self._exact_p[ex_at[ex]]
        n_alts[ex] = self._exact_n[ex_at[ex]]
        lex = np.flatnonzero(lex_at >= 0)
        method[lex] = 1
        alt_idx[lex, 0] = self._lex_class[lex_at[lex]]
        alt_p[lex, 0] = LEXICON_CONFIDENCE
        n_alts[lex] = 1
        return method, alt_idx, alt_p, n_alts

    @staticmethod
    def _recalibrate_lookups(
        recal: Recalibration, method: np.ndarray, alt_p: np.ndarray, n_alts: np.ndarray
    ) -> None:
        """Lookup hits' first confidence through the fitted maps, in place.

        The other listed codes of an exact hit shrink if needed so that the listed
        confidences still sum to at most 1.
        """
        lex = np.flatnonzero(method == 1)
        alt_p[lex, 0] = recal(METHOD_LEXICON, alt_p[lex, 0])
        ex = np.flatnonzero(method == 2)
        if len(ex):
            first = recal(METHOD_EXACT, alt_p[ex, 0])
            rest = np.where(np.arange(1, alt_p.shape[1]) < n_alts[ex, None], alt_p[ex, 1:], 0.0)
            room = np.maximum(1.0 - first, 0.0)
            total = rest.sum(axis=1)
            scale = np.where(total > room, room / np.maximum(total, 1e-12), 1.0)
            alt_p[ex, 1:] = rest * scale[:, None]
            alt_p[ex, 0] = first

    def _exact_index(self) -> dict[str, int]:
        index = self.__dict__.get("_exact_index_map")
        if index is None:
            index = self.__dict__["_exact_index_map"] = {k: i for i, k in enumerate(self._t.exact)}
        return index

    def _code_groups(self, groups: list[NormalisedTitle]) -> dict[str, pa.Array]:  # noqa: C901  # why: one vectorised pass (lookups, model, calibration, abstention) over numpy arrays; helper h16 is rewriting it
        """The coded columns (all but title) for distinct normalised titles."""
        t = self._t
        n = len(groups)
        model = t.model
        method, alt_idx, alt_p, n_alts = self._lookups(groups)
        if "lookup" not in self.paths:  # ablation: the learned path alone
            method[:], n_alts[:], alt_idx[:], alt_p[:] = 0, 0, -1, 0.0
        guards = self._guards
        no_cue = ~guards.digital_cue_mask([nt.key for nt in groups])
        # an example-title hit on a digital code without any digital cue goes to the model
        top = np.maximum(alt_idx[:, 0], 0)
        demote = (method == 2) & no_cue & self._digital_cols[top]
        method[demote], n_alts[demote], alt_idx[demote], alt_p[demote] = 0, 0, -1, 0.0
        recal = self.recalibration
        if recal is not None:
            self._recalibrate_lookups(recal, method, alt_p, n_alts)
        has_key = np.array([bool(nt.key) for nt in groups], dtype=bool)
        # the model scores every title that needs its classes: model-coded ones and
        # lookups with fewer than 3 alternatives to top up
        need = np.flatnonzero(has_key & (n_alts < 3))
        x = model.design([groups[i].key for i in need.tolist()])
        has_feat = np.zeros(n, dtype=bool)
        has_feat[need] = np.diff(x.indptr) > 0
        # the character expert scores only the titles the lookups left to the model
        char = t.char_model
        char_pos = np.full(n, -1, np.int64)  # row in ``cx``
        cx = None
        if char is not None:
            rows = np.flatnonzero(has_key & (method == 0))
            cx = char.encode([groups[i].key for i in rows.tolist()])
            char_pos[rows] = np.arange(len(rows))
            has_feat[rows] |= cx.has_features()
        is_model = has_key & (method == 0) & has_feat
        if "model" not in self.paths:  # ablation: the lookups alone
            is_model[:] = False
        method[is_model] = 3
        top_idx = np.zeros((len(need), 4), np.int64)
        top_p = np.zeros((len(need), 4))
        unit_conf = np.zeros(len(need))
        minor_conf = np.zeros(n)
        minor_top = np.zeros(n, np.int64)
        for start in range(0, len(need), SCORE_CHUNK):
            stop = min(start + SCORE_CHUNK, len(need))
            xs = x if stop - start == x.shape[0] else x[start:stop]
            sub = char_pos[need[start:stop]]
            both = sub >= 0
            if cx is None or char is None or not both.any():
                proba = model.proba(xs)
            else:  # model-path titles: word x character experts, at their own temperature
                raw = model.log_scores(xs)
                proba = np.empty_like(raw)
                proba[~both] = softmax(raw[~both], model.temperature)
                raw = raw[both]
                raw += char.weight * char.log_scores_rows(cx, sub[both])
                proba[both] = softmax(raw, char.temperature)
            guard = no_cue[need[start:stop]]
            if guard.any():  # no digital cue: digital codes are not candidates
                proba[np.ix_(guard, self._digital_cols)] = 0.0
            order = _top_k(proba, 4)
            top = np.take_along_axis(proba, order, axis=1)
            top_idx[start:stop] = order
            top_p[start:stop] = top
            unit_conf[start:stop] = t.unit_calibrator(top[:, 0])
            if recal is not None:
                unit_conf[start:stop] = recal(METHOD_MODEL, unit_conf[start:stop])
            # the minor group is only read for model-coded titles below the threshold
            low = is_model[need[start:stop]] & (unit_conf[start:stop] < self.min_confidence)
            if low.any():
                minor_p = proba[low] @ self._minor_matrix
                rows = need[start:stop][low]
                minor_top[rows] = minor_p.argmax(axis=1)
                minor_conf[rows] = t.minor_calibrator(minor_p.max(axis=1))
        pos = np.full(n, -1, np.int64)
        pos[need] = np.arange(len(need))
        model_rows = np.flatnonzero(is_model)
        alt_idx[model_rows, 0] = top_idx[pos[model_rows], 0]
        alt_p[model_rows, 0] = unit_conf[pos[model_rows]]
        n_alts[model_rows] = 1
        conf = alt_p[:, 0].copy()
        coded = method > 0
        fill = coded & (n_alts < 3)
        f_rows = np.flatnonzero(fill)
        sub_idx, sub_p, sub_n = alt_idx[f_rows], alt_p[f_rows], n_alts[f_rows]
        fill_alternatives(sub_idx, sub_p, sub_n, top_idx[pos[f_rows]], top_p[pos[f_rows]])
        alt_idx[f_rows], alt_p[f_rows], n_alts[f_rows] = sub_idx, sub_p, sub_n

        code = np.where(coded, alt_idx[:, 0], -1)
        reasons: list[str | None] = [None] * n
        minor_override: list[str | None] = [None] * n
        for i in np.flatnonzero(~has_key).tolist():
            reasons[i] = "empty title"
        for i in np.flatnonzero(has_key & ~coded).tolist():
            reasons[i] = "no known words"
        low_rows = np.flatnonzero(coded & (conf < self.min_confidence))
        for i in low_rows.tolist():
            c, mc = float(conf[i]), float(minor_conf[i])
            if method[i] == 3 and mc >= self.min_confidence:
                minor = str(self._minor_names[minor_top[i]])
                minor_override[i] = minor
                reasons[i] = (
                    f"confidence {c:.2f} below {self.min_confidence:.2f}; "
                    f"minor group {minor} clear ({mc:.2f})"
                )
            else:
                reasons[i] = f"confidence {c:.2f} below {self.min_confidence:.2f}"
        code[low_rows] = -1
        generic = np.array([guards.is_generic(nt.key) for nt in groups], dtype=bool)
        gen_rows = np.flatnonzero(generic & coded & (method != 1))
        for i in gen_rows.tolist():
            reasons[i] = REASON_GENERIC
            minor_override[i] = None
        code[gen_rows] = -1

        unit = pa.array(np.maximum(code, 0), pa.int64(), mask=code < 0)
        minor_col = self._unit_minor.take(unit)
        if low_rows.size:
            minor_col = pc.coalesce(minor_col, pa.array(minor_override, pa.string()))
        confidence = np.zeros(n)
        confidence[coded] = round_like_python(conf[coded], 4)
        return {
            "title_language": pa.array([nt.language for nt in groups], pa.string()),
            "noc2021": self._codes.take(unit),
            "noc2021_title": self._unit_titles.take(unit),
            "teer": self._unit_teer.take(unit),
            "noc2021_minor": minor_col,
            "noc2021_confidence": pa.array(confidence, pa.float64(), mask=~coded),
            "noc2021_alternatives": alternatives_strings(
                self._codes, alt_idx, alt_p, np.where(coded, n_alts, 0)
            ),
            "abstain_reason": pa.array(reasons, pa.string()),
            "soc2018": self._unit_soc.take(unit),
            "coding_method": pa.array(_METHODS, pa.string()).take(pa.array(method, pa.int8())),
            "taxonomy_version": pa.array([TAXONOMY_VERSION] * n, pa.string()),
        }


def _data_dir(data_dir: DataDir | str | Path | None) -> DataDir:
    return data_dir if isinstance(data_dir, DataDir) else DataDir(data_dir)


def _settings(settings: CoderSettings | None) -> tuple[float, tuple[str, ...], str | None]:
    """(min_confidence, normalised excluded titles, model cache folder) from ``settings``."""
    s = settings or CoderSettings()
    options = s.options
    return (
        float(s.study.coding.occupation_min_confidence),
        _norm_exclusion(options.get("exclude_titles")),
        options.get("model_cache_dir"),
    )
