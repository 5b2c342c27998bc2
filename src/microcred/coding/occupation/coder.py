"""``OccupationCoder``: job titles (EN/FR) -> NOC 2021 unit groups, calibrated, with abstention.

Method, in order, over distinct titles:
1. normalise (noise, seniority words, abbreviations, French gender forms, accents);
2. curated lexicon of common modern titles (``data/curated_titles.yaml``);
3. exact match on the normalised NOC 2021 example titles (EN + FR), whole title,
   then without bracketed text, then without the qualifier after " - " or ",";
4. otherwise a naive-Bayes classifier over word n-grams trained on the example
   titles, the unit-group titles and the curated lexicon;
5. a calibrated confidence; below ``min_confidence`` the unit group is left
   empty with a reason, and the 4-digit minor group is still given when the
   summed probability of its unit groups clears the threshold.

Training takes a few seconds and is cached under a content-addressed folder
(``$MICROCRED_CACHE`` or ``~/.cache/microcred``), keyed by the reference files,
the lexicons, the code version and any excluded titles.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from microcred import schema
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
from microcred.coding.seniority import code_seniority
from microcred.datadir import DataDir

MODEL_VERSION = "occupation-nb-5"
CACHE_ENV = "MICROCRED_CACHE"
CALIBRATION_SEED = 20211
CALIBRATION_SHARE = 0.10
# Confidence of a title found in the curated lexicon / as a normalised example title.
# Not fitted (there is no held-out set of exact hits in the examples); checked against
# the profile set's reliability table in the model card.
LEXICON_CONFIDENCE = 0.95
EXACT_CONFIDENCE = 0.92

METHOD_LEXICON = "curated-lexicon"
METHOD_EXACT = "exact-example"
METHOD_MODEL = "naive-bayes"
METHOD_NONE = "none"


def cache_root() -> Path:
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path.home() / ".cache" / "microcred"


def _norm_exclusion(titles: Iterable[str] | None) -> tuple[str, ...]:
    if titles is None:
        return ()
    return tuple(sorted({str(t).strip() for t in titles if t and str(t).strip()}))


@dataclass
class _Trained:
    """Everything learned; pickled in the cache."""

    units: dict[str, UnitGroup]
    soc: dict[str, str]
    fr_words: frozenset[str]
    en_words: frozenset[str]
    lexicon: dict[str, str]  # key -> code
    exact: dict[str, tuple[tuple[str, float], ...]]  # key -> ((code, share), ...)
    model: NaiveBayesTitles
    unit_calibrator: Calibrator
    minor_calibrator: Calibrator
    n_training_titles: int
    n_excluded: int


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
    temperature = fit_temperature(cal_model, x, y)
    cal_model.temperature = temperature
    proba = cal_model.proba(x)
    top = proba.argmax(axis=1)
    unit_cal = Calibrator.fit(proba.max(axis=1), top == y)
    minors = np.array([knowledge.units[c].minor for c in classes])
    minor_p, minor_ids, minor_names = _minor_proba(proba, minors)
    minor_top = minor_p.argmax(axis=1)
    true_minor = np.array([knowledge.units[c].minor for c in h_labels])
    minor_cal = Calibrator.fit(minor_p.max(axis=1), minor_names[minor_top] == true_minor)

    model = NaiveBayesTitles.from_counts(vocab, np.array(classes), counts)
    model.temperature = temperature
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
    if n == 0:
        return np.zeros((0, k), dtype=int)
    k = min(k, m)
    part = np.argpartition(-proba, k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(proba, part, axis=1)
    idx = np.lexsort((part, -vals), axis=1)
    return np.take_along_axis(part, idx, axis=1)


def _fill_alternatives(
    alts: list[tuple[str, float]], model_alts: list[tuple[str, float]]
) -> list[tuple[str, float]]:
    """Top up to 3 candidates: the confidence left over, shared in proportion to the model's scores."""
    taken = {c for c, _ in alts}
    rest = [(c, p) for c, p in model_alts if c not in taken]
    left = max(0.0, 1.0 - sum(p for _, p in alts))
    mass = max(1.0 - sum(p for c, p in model_alts if c in taken), 1e-9)
    out = list(alts)
    for c, p in rest[: 3 - len(out)]:
        out.append((c, left * p / mass))
    return out


class OccupationCoder:
    """Codes distinct job titles to NOC 2021 (see module docstring for the method)."""

    def __init__(self, trained: _Trained, min_confidence: float, cache_key: str):
        self._t = trained
        self.min_confidence = float(min_confidence)
        self.cache_key = f"{cache_key}:{self.min_confidence}"
        self._norm = Normaliser(load_lexicons(), trained.fr_words, trained.en_words)
        classes = trained.model.classes
        self._minors = np.array([trained.units[c].minor for c in classes])
        self._minor_names, self._minor_ids = np.unique(self._minors, return_inverse=True)
        self._minor_matrix = np.zeros((len(classes), len(self._minor_names)), dtype=np.float64)
        self._minor_matrix[np.arange(len(classes)), self._minor_ids] = 1.0

    # ---- loading --------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        data_dir: DataDir | str | Path | None = None,
        min_confidence: float = 0.35,
        exclude_titles: Iterable[str] | None = None,
        cache_dir: str | Path | None = None,
    ) -> OccupationCoder:
        """Load (or train once and cache) the coder.

        ``exclude_titles``: titles whose normalised form is removed from every
        training table (used to evaluate on held-out NOC example titles).
        """
        dd = data_dir if isinstance(data_dir, DataDir) else DataDir(data_dir)
        excluded = _norm_exclusion(exclude_titles)
        ref_paths = [
            dd.path("noc_structure"),
            dd.path("noc_examples_en"),
            dd.path("noc_examples_fr"),
            dd.path("noc_to_soc"),
        ]
        h = hashlib.sha256(MODEL_VERSION.encode())
        for p in ref_paths:
            h.update(p.read_bytes())
        h.update(lexicon_fingerprint().encode())
        h.update("\x1f".join(excluded).encode())
        key = h.hexdigest()[:24]
        path = Path(cache_dir) if cache_dir else cache_root()
        path = path / "occupation" / f"{key}.pkl"
        trained: _Trained | None = None
        if path.exists():
            try:
                with path.open("rb") as f:
                    trained = pickle.load(f)
            except Exception:  # a corrupt or incompatible cache entry: retrain
                trained = None
        if trained is None:
            trained = train(load_knowledge(dd), excluded)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
                with os.fdopen(fd, "wb") as f:
                    pickle.dump(trained, f, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, path)
            except OSError:  # read-only home on a worker: fine, just not cached
                pass
        return cls(trained, min_confidence, key)

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
    def code(self, titles: pa.Array | pa.ChunkedArray | list[str | None]) -> pa.Table:
        """One row per input title, same order, schema ``schema.TITLES_CODED``.

        Titles are normalised one by one, but everything after that (lookups,
        classifier, calibration, alternatives) runs once per distinct normalised
        form: "Senior Data Scientist", "Sr. Data Scientist @ Shopify" and "Data
        Scientist II" share one coded row, which is most of the saving on real data.
        """
        if isinstance(titles, list):
            titles = pa.array(titles, pa.string())
        values = titles.to_pylist()
        normalise = self._norm.normalise
        group_of: dict[NormalisedTitle, int] = {}
        groups: list[NormalisedTitle] = []
        row_group = np.empty(len(values), dtype=np.int64)
        for i, v in enumerate(values):
            nt = normalise(v)
            g = group_of.get(nt)
            if g is None:
                g = group_of[nt] = len(groups)
                groups.append(nt)
            row_group[i] = g
        coded = self._code_groups(groups)
        take = pa.array(row_group, pa.int64())
        cols: dict[str, pa.Array | list] = {"title": pa.array(values, pa.string())}
        for name, col in coded.items():
            cols[name] = pa.array(col, schema.TITLES_CODED.field(name).type).take(take)
        cols["seniority"] = code_seniority(pa.array(values, pa.string()))
        return pa.Table.from_arrays(
            [cols[f.name] for f in schema.TITLES_CODED], schema=schema.TITLES_CODED
        )

    def _code_groups(self, groups: list[NormalisedTitle]) -> dict[str, list]:
        """The coded columns (all but title and seniority) for distinct normalised titles."""
        t = self._t
        n = len(groups)
        model = t.model
        x = model.design([nt.key for nt in groups])
        has_feat = np.diff(x.indptr) > 0
        proba = model.proba(x) if n else np.zeros((0, len(model.classes)))
        order = _top_k(proba, 4)
        top_p = proba[np.arange(n), order[:, 0]] if n else np.zeros(0)
        unit_conf = t.unit_calibrator(top_p) if n else np.zeros(0)
        minor_p = proba @ self._minor_matrix if n else np.zeros((0, len(self._minor_names)))
        minor_top = minor_p.argmax(axis=1) if n else np.zeros(0, int)
        minor_conf = t.minor_calibrator(minor_p.max(axis=1)) if n else np.zeros(0)
        # the four best classes per title as plain Python lists (one conversion, not per row)
        top_codes = model.classes[order].tolist() if n else []
        top_probs = np.take_along_axis(proba, order, axis=1).tolist() if n else []

        names = [f.name for f in schema.TITLES_CODED if f.name not in ("title", "seniority")]
        cols: dict[str, list] = {name: [] for name in names}
        for i, nt in enumerate(groups):
            code: str | None = None
            conf: float | None = None
            alts: list[tuple[str, float]] = []
            reason: str | None = None
            minor: str | None = None
            method = METHOD_NONE
            if not nt.key:
                reason = "empty title"
            else:
                model_alts = list(zip(top_codes[i], top_probs[i], strict=True))
                hit = next((k for k in nt.candidates if k in t.lexicon), None)
                exact_hit = None if hit else next((k for k in nt.candidates if k in t.exact), None)
                if hit is not None:
                    method = METHOD_LEXICON
                    code, conf = t.lexicon[hit], LEXICON_CONFIDENCE
                    alts = [(code, conf)]
                elif exact_hit is not None:
                    method = METHOD_EXACT
                    dist = t.exact[exact_hit]
                    code, share = dist[0]
                    conf = EXACT_CONFIDENCE * share
                    alts = [(c, EXACT_CONFIDENCE * s) for c, s in dist[:3]]
                elif has_feat[i]:
                    method = METHOD_MODEL
                    code, conf = model_alts[0][0], float(unit_conf[i])
                    alts = [(code, conf)]
                else:
                    reason = "no known words"
                if code is not None and len(alts) < 3:
                    alts = _fill_alternatives(alts, model_alts)
                if code is not None and conf is not None and conf < self.min_confidence:
                    mc = float(minor_conf[i])
                    if method == METHOD_MODEL and mc >= self.min_confidence:
                        minor = str(self._minor_names[minor_top[i]])
                        reason = (
                            f"confidence {conf:.2f} below {self.min_confidence:.2f}; "
                            f"minor group {minor} clear ({mc:.2f})"
                        )
                    else:
                        reason = f"confidence {conf:.2f} below {self.min_confidence:.2f}"
                    code = None
            unit = t.units.get(code) if code else None
            cols["title_language"].append(nt.language)
            cols["noc2021"].append(code)
            cols["noc2021_title"].append(unit.title if unit else None)
            cols["teer"].append(unit.teer if unit else None)
            cols["noc2021_minor"].append(unit.minor if unit else minor)
            cols["noc2021_confidence"].append(round(conf, 4) if conf is not None else None)
            cols["noc2021_alternatives"].append(
                ";".join(f"{c}:{min(p, 1.0):.3f}" for c, p in alts) if alts else None
            )
            cols["abstain_reason"].append(reason)
            cols["soc2018"].append(t.soc.get(code) if code else None)
            cols["coding_method"].append(method)
            cols["taxonomy_version"].append(TAXONOMY_VERSION)
        return cols
