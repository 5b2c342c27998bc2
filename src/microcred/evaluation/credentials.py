"""Evaluate the credential coder against a hand-labelled CSV.

Why a module (not only a CLI): the model card's figures, the CLI and any notebook
all come from the same computation, so the numbers cannot drift apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from microcred.analysis.stats import wilson
from microcred.coding.credentials import CredentialCoder
from microcred.coding.credentials.coder import TAXONOMY_VERSION
from microcred.config import CREDENTIAL_TYPES

REQUIRED_COLUMNS = ("name", "credential_type")
OPTIONAL_COLUMNS = ("authority", "url", "provider", "language", "platform", "license_number")
LABELS = (*CREDENTIAL_TYPES, "unknown")
NONE_LABEL = "(none)"  # a provider / platform label meaning "the coder must leave it empty"
BOOTSTRAP_REPS = 1000


@dataclass
class BinaryScores:
    precision: float
    recall: float
    f1: float
    support: int  # labelled positives
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    f1_interval: tuple[float, float] = (float("nan"), float("nan"))  # bootstrap, 95 %

    @property
    def precision_interval(self) -> tuple[float, float]:
        return wilson(self.tp, self.tp + self.fp)

    @property
    def recall_interval(self) -> tuple[float, float]:
        return wilson(self.tp, self.tp + self.fn)


@dataclass
class CredentialEvalReport:
    """Figures of one evaluation run."""

    source: str
    n: int
    type_accuracy: float
    confusion: pd.DataFrame  # rows = labelled type, columns = coded type
    micro: dict[str, BinaryScores]
    provider_accuracy: float
    provider_n: int
    accuracy_by_language: dict[str, tuple[float, int]]
    errors: pd.DataFrame = field(repr=False)
    type_correct: int = 0
    provider_correct: int = 0
    platform_accuracy: float | None = None  # None when the file has no platform column
    platform_correct: int = 0
    platform_n: int = 0
    provider_errors: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def type_interval(self) -> tuple[float, float]:
        return wilson(self.type_correct, self.n)

    @property
    def provider_interval(self) -> tuple[float, float]:
        return wilson(self.provider_correct, self.provider_n)

    @property
    def platform_interval(self) -> tuple[float, float]:
        return wilson(self.platform_correct, self.platform_n)

    def confusion_json(self) -> dict:
        """The confusion matrix and the microcredential flags' error counts, as data.

        Why: the analysis corrects uptake estimates for misclassification from these
        counts; the lead regenerates the file on the frozen split.
        """
        labels = list(LABELS)
        full = self.confusion.reindex(index=labels, columns=labels, fill_value=0)
        return {
            "coder": "credentials",
            "taxonomy_version": TAXONOMY_VERSION,
            "source": Path(self.source).name,
            "n": self.n,
            "rows": "labelled credential_type",
            "columns": "coded credential_type",
            "labels": labels,
            "matrix": [[int(v) for v in row] for row in full.to_numpy()],
            "type_accuracy": round(self.type_accuracy, 6),
            "is_micro": {
                name: {"tp": s.tp, "fp": s.fp, "fn": s.fn, "tn": s.tn}
                for name, s in self.micro.items()
            },
        }

    def write_confusion(self, path: str | Path) -> Path:
        """Write ``confusion_json()`` (sorted keys, stable bytes for the same input)."""
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.confusion_json(), indent=1, sort_keys=True, ensure_ascii=False)
        out.write_text(text + "\n", encoding="utf-8")
        return out

    def format(self, max_errors: int = 25) -> str:
        """A plain-text report (the CLI renders the same figures with rich)."""
        lo, hi = self.type_interval
        lines = [
            f"Credential coder evaluation on {self.source} ({self.n} entries)",
            f"type accuracy: {self.type_accuracy:.1%} (95% CI {lo:.3f}-{hi:.3f})",
        ]
        for lang, (acc, n) in sorted(self.accuracy_by_language.items()):
            lines.append(f"  language {lang}: {acc:.1%} of {n}")
        for name, s in self.micro.items():
            lines.append(
                f"is_micro_{name}: precision {s.precision:.3f} recall {s.recall:.3f} "
                f"F1 {s.f1:.3f} (labelled positives {s.support})"
            )
        lines.append(f"provider accuracy: {self.provider_accuracy:.1%} of {self.provider_n}")
        if self.platform_accuracy is not None:
            lines.append(f"platform accuracy: {self.platform_accuracy:.1%} of {self.platform_n}")
        lines.append("confusion matrix (rows labelled, columns coded):")
        lines.append(self.confusion.to_string())
        if len(self.errors):
            lines.append(
                f"first {min(max_errors, len(self.errors))} of {len(self.errors)} type errors:"
            )
            lines.append(self.errors.head(max_errors).to_string(index=False))
        return "\n".join(lines)


def read_labelled(path: str | Path) -> pd.DataFrame:
    """Read and check a labelled CSV; errors name the file, row and field."""
    p = Path(path)
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False)
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"labelled file not found: {p}") from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"{p}: missing column(s) {missing}; has {list(df.columns)}")
    for col in OPTIONAL_COLUMNS:
        if col not in df.columns and col != "platform":
            df[col] = ""
    for i, t in enumerate(df["credential_type"], start=2):
        if t not in CREDENTIAL_TYPES:
            raise ValueError(
                f"{p}: row {i}, field credential_type: {t!r} is not one of {list(CREDENTIAL_TYPES)}"
            )
    return df


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    denom = 2 * tp + fp + fn
    return np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)


def _binary(truth: pd.Series, pred: pd.Series) -> BinaryScores:
    t, p = truth.to_numpy(bool), pred.to_numpy(bool)
    tp = int((t & p).sum())
    fp = int((~t & p).sum())
    fn = int((t & ~p).sum())
    tn = int((~t & ~p).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    interval = (float("nan"), float("nan"))
    if len(t):
        # percentile bootstrap of F1 (no closed form); fixed seed, so the report is stable
        rng = np.random.default_rng(0)
        idx = rng.integers(0, len(t), size=(BOOTSTRAP_REPS, len(t)))
        bt, bp = t[idx], p[idx]
        f1s = _f1((bt & bp).sum(1), (~bt & bp).sum(1), (bt & ~bp).sum(1))
        interval = (float(np.quantile(f1s, 0.025)), float(np.quantile(f1s, 0.975)))
    return BinaryScores(precision, recall, f1, int(t.sum()), tp, fp, fn, tn, interval)


def _label_match(labels: pd.Series, coded: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Which entries carry a label ("" = not scored) and whether the coder agrees with it
    (case-insensitive; the label ``(none)`` means the coder must leave the field empty)."""
    labels = labels.reset_index(drop=True).fillna("").str.strip()
    has = labels != ""
    want = labels.where(labels != NONE_LABEL, "").str.casefold()
    got = coded.reset_index(drop=True).fillna("").str.strip().str.casefold()
    return has, (want == got)[has]


def evaluate_credentials(
    df_or_path: pd.DataFrame | str | Path, coder: CredentialCoder | None = None
) -> CredentialEvalReport:
    """Code the labelled entries and compare with their labels."""
    if isinstance(df_or_path, pd.DataFrame):
        df, source = df_or_path.copy(), "<dataframe>"
        for col in OPTIONAL_COLUMNS:
            if col not in df.columns and col != "platform":
                df[col] = ""
    else:
        df, source = read_labelled(df_or_path), str(df_or_path)
    coder = coder or CredentialCoder.load()
    batch = pa.table(
        {
            "name": pa.array(df["name"].tolist(), pa.string()),
            "authority": pa.array([a or None for a in df["authority"]], pa.string()),
            "url_host": pa.array([u or None for u in df["url"]], pa.string()),
        }
    )
    coded = coder.code(batch).to_pandas()
    truth = df["credential_type"].reset_index(drop=True)
    pred = coded["credential_type"]
    correct = truth == pred
    confusion = pd.crosstab(
        pd.Categorical(truth, categories=LABELS),
        pd.Categorical(pred, categories=LABELS),
        dropna=False,
    )
    confusion.index.name, confusion.columns.name = "labelled", "coded"
    confusion = confusion.loc[
        [t for t in LABELS if t in set(truth) or t in set(pred)],
        [t for t in LABELS if t in set(truth) or t in set(pred)],
    ]
    micro = {}
    for d in coder.definitions:
        t = truth.isin(d.types)
        p = coded[f"is_micro_{d.name}"].fillna(False).astype(bool)
        micro[d.name] = _binary(t, p)
    has, provider_ok = _label_match(df["provider"], coded["provider"])
    platform_has, platform_ok = None, None
    if "platform" in df.columns:
        platform_has, platform_ok = _label_match(df["platform"], coded["platform"])
    by_lang = {
        str(lang): (float(correct[idx].mean()), int(len(idx)))
        for lang, idx in df.reset_index(drop=True).groupby("language").groups.items()
    }
    errors = pd.DataFrame(
        {
            "name": df["name"].reset_index(drop=True),
            "authority": df["authority"].reset_index(drop=True),
            "labelled": truth,
            "coded": pred,
            "method": coded["coding_method"],
        }
    )[~correct]
    bad_provider = pd.DataFrame(
        {
            "name": df["name"].reset_index(drop=True)[has],
            "authority": df["authority"].reset_index(drop=True)[has],
            "labelled": df["provider"].reset_index(drop=True)[has],
            "coded": coded["provider"][has],
        }
    )[~provider_ok.to_numpy()]
    return CredentialEvalReport(
        source=source,
        n=len(df),
        type_accuracy=float(correct.mean()) if len(df) else 0.0,
        confusion=confusion,
        micro=micro,
        provider_accuracy=float(provider_ok.mean()) if has.any() else 0.0,
        provider_n=int(has.sum()),
        accuracy_by_language=by_lang,
        errors=errors.reset_index(drop=True),
        type_correct=int(correct.sum()),
        provider_correct=int(provider_ok.sum()),
        platform_accuracy=(
            float(platform_ok.mean()) if platform_ok is not None and len(platform_ok) else None
        ),
        platform_correct=int(platform_ok.sum()) if platform_ok is not None else 0,
        platform_n=int(platform_has.sum()) if platform_has is not None else 0,
        provider_errors=bad_provider.reset_index(drop=True),
    )
