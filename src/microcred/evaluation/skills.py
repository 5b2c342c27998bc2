"""``microcred eval skills``: the skills coder against a hand-labelled file.

A row is right when the coded label equals the expected taxonomy label, or when
both are empty (an unknown skill must stay unknown).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from microcred.coding.skills import SkillCoder


@dataclass
class SkillsReport:
    n: int
    accuracy: float
    coverage: float  # share of rows with an expected label that got any label
    known_accuracy: float | None  # rows with an expected label
    unknown_kept: float | None  # rows expected unknown that stayed unknown
    by_language: dict[str, float] = field(default_factory=dict)
    by_method: pd.DataFrame = field(default_factory=pd.DataFrame)
    errors: pd.DataFrame = field(default_factory=pd.DataFrame)

    def format(self, max_errors: int = 40) -> str:
        lines = [
            f"skills coder on {self.n} labelled strings",
            f"  accuracy (label, or unknown kept unknown): {self.accuracy:.3f}",
        ]
        if self.known_accuracy is not None:
            lines.append(f"  accuracy on strings with a label:          {self.known_accuracy:.3f}")
            lines.append(f"  coverage (any label given):                {self.coverage:.3f}")
        if self.unknown_kept is not None:
            lines.append(f"  unknown strings kept unknown:              {self.unknown_kept:.3f}")
        for lang, acc in sorted(self.by_language.items()):
            lines.append(f"    language {lang}: {acc:.3f}")
        lines.append("by coding method (n, accuracy):")
        lines.append(self.by_method.to_string())
        if len(self.errors) and max_errors > 0:
            lines.append(f"errors (first {max_errors}):")
            lines.append(self.errors.head(max_errors).to_string(index=False))
        return "\n".join(lines)


def evaluate_skills(
    df_or_path: pd.DataFrame | str | Path, coder: SkillCoder | None = None
) -> SkillsReport:
    """Accuracy of the coded label against ``expected_label`` (empty = expected unknown)."""
    if isinstance(df_or_path, pd.DataFrame):
        df, where = df_or_path.copy(), "data frame"
    else:
        df, where = pd.read_csv(df_or_path, dtype=str, keep_default_na=False), str(df_or_path)
    for col in ("skill", "expected_label"):
        if col not in df.columns:
            raise ValueError(f"{where}: labelled file lacks column {col!r}")
    coder = coder or SkillCoder.load()
    coded = coder.code(pa.array(df["skill"].tolist(), pa.string())).to_pandas()
    got = coded["skill_label"].fillna("").to_numpy()
    want = df["expected_label"].fillna("").to_numpy()
    ok = got == want
    has = want != ""
    method = coded["coding_method"].str.split(":").str[0]
    by_method = (
        pd.DataFrame({"method": method, "ok": ok}).groupby("method")["ok"].agg(["size", "mean"])
    )
    by_method.columns = ["n", "accuracy"]
    by_language = (
        {str(k): float(ok[list(v)].mean()) for k, v in df.groupby("language").groups.items()}
        if "language" in df.columns
        else {}
    )
    errors = pd.DataFrame(
        {"skill": df["skill"], "expected": want, "coded": got, "method": coded["coding_method"]}
    )[~ok]
    return SkillsReport(
        n=len(df),
        accuracy=float(ok.mean()) if len(df) else 0.0,
        coverage=float((got[has] != "").mean()) if has.any() else 0.0,
        known_accuracy=float(ok[has].mean()) if has.any() else None,
        unknown_kept=float(ok[~has].mean()) if (~has).any() else None,
        by_language=by_language,
        by_method=by_method,
        errors=errors,
    )


def typo_calibration(
    df_or_path: pd.DataFrame | str | Path, coder: SkillCoder | None = None, seed: int = 1
) -> pd.DataFrame:
    """How often a fuzzy match is right, by confidence band, on labelled skills with one typo.

    Why: the fuzzy pass's confidence is meant to be "calibrated-ish"; this puts one
    seeded character substitution into each labelled skill of 6+ characters and
    compares the fuzzy match with the expected label.
    """
    import random

    df = (
        df_or_path
        if isinstance(df_or_path, pd.DataFrame)
        else pd.read_csv(df_or_path, dtype=str, keep_default_na=False)
    )
    df = df[(df["expected_label"] != "") & (df["skill"].str.len() >= 6)]
    rng = random.Random(seed)
    typos = []
    for s in df["skill"]:
        i = rng.randrange(1, len(s) - 1)
        typos.append(s[:i] + ("x" if s[i].lower() != "x" else "z") + s[i + 1 :])
    coder = coder or SkillCoder.load()
    coded = coder.code(pa.array(typos, pa.string())).to_pandas()
    coded["right"] = coded["skill_label"].fillna("").to_numpy() == df["expected_label"].to_numpy()
    coded["band"] = pd.cut(coded["coding_confidence"], [-0.01, 0.0, 0.7, 0.8, 0.9, 1.0])
    return (
        coded.groupby(["coding_method", "band"], observed=True)["right"]
        .agg(["size", "mean"])
        .rename(columns={"size": "n", "mean": "precision"})
    )
