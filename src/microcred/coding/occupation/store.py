"""The trained occupation model on disk as plain arrays and JSON, never as a pickle.

Why: the trained model is cached under a user folder; a pickle there would run any
code planted in it when loaded. Here the numbers are an ``.npz`` read with
``allow_pickle=False`` and everything else is JSON, and ``model.json`` (written last)
carries the sha256 of ``arrays.npz``. A folder that is incomplete, corrupt, of another
format or altered after writing is ignored with a warning, and the caller retrains.
Float arrays and JSON floats round-trip exactly, so a reloaded model codes byte for
byte like the freshly trained one.
"""

from __future__ import annotations

import hashlib
import io
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from microcred.cachedir import write_atomically
from microcred.coding.occupation.char_model import CharNgramTitles
from microcred.coding.occupation.knowledge import UnitGroup
from microcred.coding.occupation.model import Calibrator, NaiveBayesTitles

FORMAT = "microcred-occupation-model-2"  # 2: with the character n-gram expert
ARRAYS = "arrays.npz"
META = "model.json"


@dataclass
class Trained:
    """Everything the occupation coder learned (saved by :func:`save_trained`)."""

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
    char_model: CharNgramTitles | None = None  # the character expert (None: word model alone)


def save_trained(folder: Path, trained: Trained, key: str) -> None:
    """Write ``arrays.npz`` then ``model.json`` (with the arrays' sha256 and ``key``)."""
    m = trained.model
    arrays = {
        "log_odds_data": m.log_odds.data,
        "log_odds_indices": m.log_odds.indices,
        "log_odds_indptr": m.log_odds.indptr,
        "log_odds_shape": np.asarray(m.log_odds.shape, np.int64),
        "classes": np.asarray(m.classes, dtype=str),
        "class_term": m.class_term,
        "class_prior": m.class_prior,
        "unit_cal_x": trained.unit_calibrator.x,
        "unit_cal_y": trained.unit_calibrator.y,
        "minor_cal_x": trained.minor_calibrator.x,
        "minor_cal_y": trained.minor_calibrator.y,
    }
    cm = trained.char_model
    if cm is not None:
        arrays.update(
            {
                "char_log_odds_data": cm.log_odds.data,
                "char_log_odds_indices": cm.log_odds.indices,
                "char_log_odds_indptr": cm.log_odds.indptr,
                "char_log_odds_shape": np.asarray(cm.log_odds.shape, np.int64),
                "char_class_term": cm.class_term,
            }
        )
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    data = buf.getvalue()
    vocab = [""] * len(m.vocab)
    for feature, i in m.vocab.items():
        vocab[i] = feature
    meta = {
        "format": FORMAT,
        "key": key,
        "arrays_sha256": hashlib.sha256(data).hexdigest(),
        "temperature": m.temperature,
        "vocab": vocab,
        "units": {c: [u.title, u.teer, u.minor, u.minor_title] for c, u in trained.units.items()},
        "soc": trained.soc,
        "fr_words": sorted(trained.fr_words),
        "en_words": sorted(trained.en_words),
        "lexicon": trained.lexicon,  # insertion order is kept: the coder's lookup arrays use it
        "exact": {k: [[c, s] for c, s in v] for k, v in trained.exact.items()},
        "n_training_titles": trained.n_training_titles,
        "n_excluded": trained.n_excluded,
        "char": None
        if cm is None
        else {"vocab": cm.vocab, "weight": cm.weight, "temperature": cm.temperature},
    }
    folder = Path(folder)
    write_atomically(folder / ARRAYS, data)
    write_atomically(folder / META, json.dumps(meta, ensure_ascii=False).encode("utf-8"))


def load_trained(folder: Path, key: str) -> Trained | None:
    """The model saved in ``folder`` under ``key``; None (with a warning) when unusable."""
    folder = Path(folder)
    if not (folder / META).exists():
        return None
    try:
        return _load(folder, key)
    except Exception as exc:  # noqa: BLE001 - any unusable cache entry means: retrain
        warnings.warn(
            f"{folder}: ignoring the cached occupation model ({exc}); retraining",
            RuntimeWarning,
            stacklevel=2,
        )
        return None


def _load(folder: Path, key: str) -> Trained:
    meta: dict[str, Any] = json.loads((folder / META).read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT or meta.get("key") != key:
        raise ValueError("written for another format or key")
    data = (folder / ARRAYS).read_bytes()
    if hashlib.sha256(data).hexdigest() != meta["arrays_sha256"]:
        raise ValueError(f"{ARRAYS} does not match the sha256 in {META}")
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        a = {name: npz[name] for name in npz.files}
    log_odds = sparse.csr_matrix(
        (a["log_odds_data"], a["log_odds_indices"], a["log_odds_indptr"]),
        shape=tuple(int(x) for x in a["log_odds_shape"]),
    )
    vocab = {str(f): i for i, f in enumerate(meta["vocab"])}
    model = NaiveBayesTitles(
        vocab=vocab,
        classes=a["classes"],
        log_odds=log_odds,
        class_term=a["class_term"],
        class_prior=a["class_prior"],
        temperature=float(meta["temperature"]),
    )
    char_model = None
    if meta.get("char") is not None:
        char_model = CharNgramTitles(
            vocab=[str(f) for f in meta["char"]["vocab"]],
            log_odds=sparse.csr_matrix(
                (a["char_log_odds_data"], a["char_log_odds_indices"], a["char_log_odds_indptr"]),
                shape=tuple(int(x) for x in a["char_log_odds_shape"]),
            ),
            class_term=a["char_class_term"],
            weight=float(meta["char"]["weight"]),
            temperature=float(meta["char"]["temperature"]),
        )
    units = {
        c: UnitGroup(code=c, title=t, teer=int(teer), minor=minor, minor_title=mt)
        for c, (t, teer, minor, mt) in meta["units"].items()
    }
    return Trained(
        units=units,
        soc={str(k): str(v) for k, v in meta["soc"].items()},
        fr_words=frozenset(meta["fr_words"]),
        en_words=frozenset(meta["en_words"]),
        lexicon={str(k): str(v) for k, v in meta["lexicon"].items()},
        exact={k: tuple((str(c), float(s)) for c, s in v) for k, v in meta["exact"].items()},
        model=model,
        unit_calibrator=Calibrator(a["unit_cal_x"], a["unit_cal_y"]),
        minor_calibrator=Calibrator(a["minor_cal_x"], a["minor_cal_y"]),
        n_training_titles=int(meta["n_training_titles"]),
        n_excluded=int(meta["n_excluded"]),
        char_model=char_model,
    )


__all__ = ["Trained", "load_trained", "save_trained"]
