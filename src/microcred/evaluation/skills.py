"""``microcred eval skills``: the skills coder against a hand-labelled file.

A row is right when the coded labels equal the expected taxonomy labels (a list such as
"C/C++" is split as the readers split it and expects each part's label), or when both are
empty (an unknown skill must stay unknown).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from microcred.analysis.stats import wilson as stats_wilson
from microcred.coding.skills import SkillCoder
from microcred.text.skill_lists import split_skill_list


def wilson(k: int, n: int) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion k / n ((0, 1) when n is 0)."""
    return (0.0, 1.0) if n == 0 else stats_wilson(k, n)


@dataclass
class Rate:
    """A proportion with its count, denominator and 95 % Wilson interval."""

    k: int
    n: int

    @property
    def value(self) -> float | None:
        return self.k / self.n if self.n else None

    def format(self) -> str:
        if not self.n:
            return "n/a (n = 0)"
        lo, hi = wilson(self.k, self.n)
        return f"{self.k / self.n:.3f} [{lo:.3f}, {hi:.3f}] ({self.k}/{self.n})"


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
    rates: dict[str, Rate] = field(default_factory=dict)
    confusion: dict[str, Any] = field(default_factory=dict)

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
        if self.rates:
            lines.append("with 95 % Wilson intervals:")
            for name, rate in self.rates.items():
                lines.append(f"  {name:<34} {rate.format()}")
        lines.append("by coding method (n, accuracy):")
        lines.append(self.by_method.to_string())
        if len(self.errors) and max_errors > 0:
            lines.append(f"errors (first {max_errors}):")
            lines.append(self.errors.head(max_errors).to_string(index=False))
        return "\n".join(lines)


def _labels(text: str) -> frozenset[str]:
    return frozenset(p.strip() for p in text.split("|") if p.strip())


def _parts_batch(df: pd.DataFrame) -> tuple[pa.Table, list[int]]:
    """Each row's skill split as the readers split it; a part's context is the row's
    context plus the other parts of its list ("C/C++": "C" is listed beside "C++")."""
    skills: list[str] = []
    contexts: list[str] = []
    owner: list[int] = []
    ctx_col = df["context"] if "context" in df.columns else pd.Series([""] * len(df))
    for i, (skill, ctx) in enumerate(zip(df["skill"], ctx_col, strict=True)):
        parts = split_skill_list(skill) or [""]
        for part in parts:
            others = [p for p in parts if p != part]
            skills.append(part)
            contexts.append("; ".join([*others, *([ctx] if ctx else [])]))
            owner.append(i)
    return pa.table({"skill": skills, "context": contexts}), owner


def concept_rows_to_strings(df: pd.DataFrame) -> pd.DataFrame:
    """One row per ``(skill, context)``, its expected labels ``|``-joined.

    Why: a file may label one expected concept per row ("C/C++" twice: C, then C++; the
    frozen split does). Scored row by row, a coder that rightly returns both concepts
    would be wrong twice; the set of concepts is what is scored. An ``is_digital``
    column (yes/no, yes for the string when any of its concepts is digital) becomes
    ``digital`` (true/false). Files already one row per string pass unchanged.
    """
    df = df.copy()
    if "context" not in df.columns:
        df["context"] = ""
    df["context"] = df["context"].fillna("")
    if "digital" not in df.columns and "is_digital" in df.columns:
        yes = df["is_digital"].str.strip().str.lower().isin(["yes", "true"])
        known = df["is_digital"].str.strip().str.lower().isin(["yes", "no", "true", "false"])
        df["digital"] = np.where(known, np.where(yes, "true", "false"), "")
    keys = ["skill", "context"]
    if not df.duplicated(keys).any():
        return df.reset_index(drop=True)
    agg: dict[str, Any] = {
        "expected_label": lambda s: " | ".join(sorted({v for v in s if v})),
    }
    if "digital" in df.columns:
        agg["digital"] = lambda s: "true" if (s == "true").any() else s.iloc[0]
    if "language" in df.columns:
        agg["language"] = "first"
    return df.groupby(keys, sort=False, as_index=False).agg(agg)


def evaluate_skills(
    df_or_path: pd.DataFrame | str | Path, coder: SkillCoder | None = None
) -> SkillsReport:
    """Accuracy of the coded labels against ``expected_label`` (empty = expected unknown;
    several labels ``|``-separated for a list), coverage, wrong mappings, digital flag.

    A row is right when the set of labels coded for its parts (the string split as the
    readers split it) equals the expected set. Optional columns: ``context`` (the other
    skills of the same list), ``digital`` (true/false: the expected digital flag; a row is
    coded digital when one of its parts is), ``language``.
    """
    if isinstance(df_or_path, pd.DataFrame):
        df, where = df_or_path.copy().reset_index(drop=True), "data frame"
    else:
        df, where = pd.read_csv(df_or_path, dtype=str, keep_default_na=False), str(df_or_path)
    for col in ("skill", "expected_label"):
        if col not in df.columns:
            raise ValueError(f"{where}: labelled file lacks column {col!r}")
    df = concept_rows_to_strings(df)
    coder = coder or SkillCoder.load()
    batch, owner = _parts_batch(df)
    coded = coder.code(batch).to_pandas()
    coded["owner"] = owner
    got_sets: list[set[str]] = [set() for _ in range(len(df))]
    digital = np.zeros(len(df), bool)
    methods: list[str] = ["none"] * len(df)
    for r in coded.itertuples(index=False):
        if isinstance(r.skill_label, str) and r.skill_label:
            got_sets[r.owner].add(r.skill_label)
            methods[r.owner] = str(r.coding_method).split(":")[0]
        digital[r.owner] |= bool(r.is_digital) if r.is_digital is not None else False
    want_sets = [_labels(w) for w in df["expected_label"].fillna("")]
    ok = np.array([g == w for g, w in zip(got_sets, want_sets, strict=True)])
    has = np.array([bool(w) for w in want_sets])
    gave = np.array([bool(g) for g in got_sets])
    got = np.array([" | ".join(sorted(g)) for g in got_sets], dtype=object)
    want = np.array([" | ".join(sorted(w)) for w in want_sets], dtype=object)
    by_method = (
        pd.DataFrame({"method": methods, "ok": ok}).groupby("method")["ok"].agg(["size", "mean"])
    )
    by_method.columns = ["n", "accuracy"]
    by_language = (
        {str(k): float(ok[list(v)].mean()) for k, v in df.groupby("language").groups.items()}
        if "language" in df.columns
        else {}
    )
    rates = {
        "label right (rows with a label)": Rate(int((ok & has).sum()), int(has.sum())),
        "coverage (rows with a label)": Rate(int((gave & has).sum()), int(has.sum())),
        "wrong mappings (all rows)": Rate(int((gave & ~ok).sum()), len(df)),
        "unknown kept unknown": Rate(int((ok & ~has).sum()), int((~has).sum())),
    }
    confusion: dict[str, Any] = {"coder": "skills", "source": where, "n": len(df)}
    confusion["label"] = {
        "right": int((ok & has).sum()),
        "wrong": int((gave & ~ok & has).sum()),
        "abstained": int((~gave & has).sum()),
        "unknown_kept": int((~gave & ~has).sum()),
        "unknown_coded": int((gave & ~has).sum()),
    }
    if "digital" in df.columns:
        exp = df["digital"].str.strip().str.lower()
        flagged = exp.isin(["true", "false"]).to_numpy()
        truth = (exp == "true").to_numpy()
        rates["digital flag right"] = Rate(
            int(((digital == truth) & flagged).sum()), int(flagged.sum())
        )
        classes = ["digital", "not_digital"]
        matrix = [
            [
                int((flagged & (truth == (a == "digital")) & (digital == (b == "digital"))).sum())
                for b in classes
            ]
            for a in classes
        ]
        confusion["digital"] = {
            "rows": "expected",
            "columns": "coded (an uncoded skill counts as not digital)",
            "classes": classes,
            "matrix": matrix,
        }
    errors = pd.DataFrame(
        {"skill": df["skill"], "expected": want, "coded": got, "method": methods}
    )[~ok]
    return SkillsReport(
        n=len(df),
        accuracy=float(ok.mean()) if len(df) else 0.0,
        coverage=float(gave[has].mean()) if has.any() else 0.0,
        known_accuracy=float(ok[has].mean()) if has.any() else None,
        unknown_kept=float(ok[~has].mean()) if (~has).any() else None,
        by_language=by_language,
        by_method=by_method,
        errors=errors,
        rates=rates,
        confusion=confusion,
    )


def write_confusion(report: SkillsReport, path: str | Path) -> Path:
    """The report's confusion counts as JSON (what the analysis corrects estimates with)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {**report.confusion, "rates": {k: {"k": r.k, "n": r.n} for k, r in report.rates.items()}}
    out.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return out


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
