"""``microcred eval education``: the education coder against a hand-labelled file.

Why a separate module: the coder's figures in its model card must come from one
reproducible command, not from a notebook.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from microcred.coding.education import LEVELS, NOT_EDUCATION, UNKNOWN, EducationCoder

REQUIRED = ("degree", "field", "education_level")


@dataclass
class EducationReport:
    n: int
    level_accuracy: float
    cip2_accuracy: float | None
    cip2_n: int
    fdt_accuracy: float | None
    fdt_n: int
    credential_precision: float | None
    credential_recall: float | None
    confusion: pd.DataFrame
    by_language: dict[str, float] = field(default_factory=dict)
    errors: pd.DataFrame = field(default_factory=pd.DataFrame)

    def confusion_json(self) -> dict:
        """The level confusion matrix as data (rows labelled, columns coded), for the analysis."""
        from microcred.coding.education import TAXONOMY_VERSION

        labels = [str(c) for c in self.confusion.columns]
        return {
            "coder": "education",
            "measure": "education_level",
            "taxonomy_version": TAXONOMY_VERSION,
            "n": self.n,
            "labels": labels,
            "matrix": [[int(v) for v in row] for row in self.confusion.to_numpy().tolist()],
        }

    def format(self, max_errors: int = 30) -> str:
        lines = [
            f"education coder on {self.n} labelled entries",
            f"  level accuracy:                   {self.level_accuracy:.3f}",
        ]
        for lang, acc in sorted(self.by_language.items()):
            lines.append(f"    language {lang}:                    {acc:.3f}")
        if self.cip2_accuracy is not None:
            lines.append(
                f"  CIP 2-digit accuracy:             {self.cip2_accuracy:.3f} (n={self.cip2_n})"
            )
        if self.fdt_accuracy is not None:
            lines.append(
                f"  formal digital training accuracy: {self.fdt_accuracy:.3f} (n={self.fdt_n})"
            )
        if self.credential_precision is not None:
            lines.append(
                f"  credential (not_education) precision {self.credential_precision:.3f}, "
                f"recall {self.credential_recall:.3f}"
            )
        lines.append("confusion matrix (rows = labelled, columns = coded):")
        lines.append(self.confusion.to_string())
        if len(self.errors) and max_errors > 0:
            lines.append(f"level errors (first {max_errors}):")
            lines.append(self.errors.head(max_errors).to_string(index=False))
        return "\n".join(lines)


def _read(df_or_path: pd.DataFrame | str | Path) -> pd.DataFrame:
    if isinstance(df_or_path, pd.DataFrame):
        df = df_or_path.copy()
        where = "data frame"
    else:
        where = str(df_or_path)
        df = pd.read_csv(df_or_path, dtype=str, keep_default_na=False)
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise ValueError(f"{where}: labelled file lacks columns {missing}")
    valid = set(LEVELS) | {NOT_EDUCATION, UNKNOWN}
    for i, lvl in enumerate(df["education_level"], start=2):
        if lvl not in valid:
            raise ValueError(f"{where}: row {i}, field education_level: unknown level {lvl!r}")
    return df


def evaluate_education(
    df_or_path: pd.DataFrame | str | Path, coder: EducationCoder | None = None
) -> EducationReport:
    """Level accuracy and confusion, CIP 2-digit accuracy, formal digital training accuracy."""
    df = _read(df_or_path)
    coder = coder or EducationCoder.load()

    def col(name: str) -> pa.Array:
        values = df[name].tolist() if name in df.columns else [None] * len(df)
        return pa.array([v if v else None for v in values], pa.string())

    batch = pa.table({"degree": col("degree"), "field": col("field"), "school": col("school")})
    coded = coder.code(batch).to_pandas()
    gold = df["education_level"].to_numpy()
    pred = coded["education_level"].to_numpy()
    ok = gold == pred
    order = [*LEVELS, NOT_EDUCATION, UNKNOWN]
    confusion = pd.crosstab(
        pd.Categorical(gold, categories=order),
        pd.Categorical(pred, categories=order),
        dropna=False,
    )
    confusion.index.name, confusion.columns.name = "labelled", "coded"

    by_language: dict[str, float] = {}
    if "language" in df.columns:
        for lang, idx in df.groupby("language").groups.items():
            by_language[str(lang)] = float(ok[list(idx)].mean())

    cip2_acc, cip2_n = None, 0
    if "cip2021" in df.columns:
        has = df["cip2021"].astype(str).str.len() > 0
        cip2_n = int(has.sum())
        if cip2_n:
            g2 = df.loc[has, "cip2021"].str[:2]
            p2 = coded.loc[has, "cip2021"].fillna("").str[:2]
            cip2_acc = float((g2.to_numpy() == p2.to_numpy()).mean())

    fdt_acc, fdt_n = None, 0
    if "formal_digital_training" in df.columns:
        has = df["formal_digital_training"].astype(str).str.len() > 0
        fdt_n = int(has.sum())
        if fdt_n:
            fdt_acc = float(
                (
                    df.loc[has, "formal_digital_training"].to_numpy()
                    == coded.loc[has, "formal_digital_training"].to_numpy()
                ).mean()
            )

    g_cred, p_cred = gold == NOT_EDUCATION, pred == NOT_EDUCATION
    precision = float((g_cred & p_cred).sum() / p_cred.sum()) if p_cred.sum() else None
    recall = float((g_cred & p_cred).sum() / g_cred.sum()) if g_cred.sum() else None

    errors = pd.DataFrame(
        {
            "degree": df["degree"],
            "field": df["field"],
            "school": df["school"] if "school" in df.columns else "",
            "labelled": gold,
            "coded": pred,
            "method": coded["coding_method"],
        }
    )[~ok]
    return EducationReport(
        n=len(df),
        level_accuracy=float(ok.mean()) if len(df) else 0.0,
        cip2_accuracy=cip2_acc,
        cip2_n=cip2_n,
        fdt_accuracy=fdt_acc,
        fdt_n=fdt_n,
        credential_precision=precision,
        credential_recall=recall,
        confusion=confusion,
        by_language=by_language,
        errors=errors,
    )
