"""Evaluate the credential coder against a hand-labelled CSV.

Why a module (not only a CLI): the model card's figures, the CLI and any notebook
all come from the same computation, so the numbers cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from microcred.coding.credentials import CredentialCoder
from microcred.config import CREDENTIAL_TYPES

REQUIRED_COLUMNS = ("name", "credential_type")
LABELS = (*CREDENTIAL_TYPES, "unknown")


@dataclass
class BinaryScores:
    precision: float
    recall: float
    f1: float
    support: int  # labelled positives


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

    def format(self, max_errors: int = 25) -> str:
        """A plain-text report (the CLI renders the same figures with rich)."""
        lines = [
            f"Credential coder evaluation on {self.source} ({self.n} entries)",
            f"type accuracy: {self.type_accuracy:.1%}",
        ]
        for lang, (acc, n) in sorted(self.accuracy_by_language.items()):
            lines.append(f"  language {lang}: {acc:.1%} of {n}")
        for name, s in self.micro.items():
            lines.append(
                f"is_micro_{name}: precision {s.precision:.3f} recall {s.recall:.3f} "
                f"F1 {s.f1:.3f} (labelled positives {s.support})"
            )
        lines.append(f"provider accuracy: {self.provider_accuracy:.1%} of {self.provider_n}")
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
    for col in ("authority", "url", "provider", "language"):
        if col not in df.columns:
            df[col] = ""
    for i, t in enumerate(df["credential_type"], start=2):
        if t not in CREDENTIAL_TYPES:
            raise ValueError(
                f"{p}: row {i}, field credential_type: {t!r} is not one of {list(CREDENTIAL_TYPES)}"
            )
    return df


def _binary(truth: pd.Series, pred: pd.Series) -> BinaryScores:
    tp = int((truth & pred).sum())
    fp = int((~truth & pred).sum())
    fn = int((truth & ~pred).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return BinaryScores(precision, recall, f1, int(truth.sum()))


def evaluate_credentials(
    df_or_path: pd.DataFrame | str | Path, coder: CredentialCoder | None = None
) -> CredentialEvalReport:
    """Code the labelled entries and compare with their labels."""
    if isinstance(df_or_path, pd.DataFrame):
        df, source = df_or_path.copy(), "<dataframe>"
        for col in ("authority", "url", "provider", "language"):
            if col not in df.columns:
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
    labelled_provider = df["provider"].reset_index(drop=True).str.strip()
    has = labelled_provider != ""
    coded_provider = coded["provider"].fillna("").str.strip().str.casefold()
    provider_ok = coded_provider[has] == labelled_provider[has].str.casefold()
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
    )
