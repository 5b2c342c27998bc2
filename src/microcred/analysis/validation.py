"""Hand review of coded persons: a stratified sample to review, and its score.

Why: the coders' published confusion matrices are measured on labelled strings from other
sources; how often *this* study's people are coded holder (or in the occupation) wrongly
is only known from a sample of them reviewed by hand. The sample is stratified by
occupation group × holder status (under the first definition) with equal allocation, so
the rare holders are reviewed in numbers; every reviewed person carries the inverse of
their stratum's sampling fraction as a weight, and the rates are weighted back to the
population of coded persons. Intervals: Wilson at Kish's effective sample size.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from microcred.analysis.misclassification import ValidationCounts
from microcred.analysis.stats import kish_n, wilson
from microcred.errors import InputError

OTHER_GROUP = "Other occupations"
FORMAT = "microcred-validation/1"
YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0"})
NO_CODE = frozenset({"none", "unknown", "-"})  # the reviewer found no codable occupation


def holder_columns(definitions: Sequence[str]) -> list[str]:
    return [f"reviewed_holder_{d}" for d in definitions]


def draw_sample(
    persons: pd.DataFrame, definitions: Sequence[str], n: int, seed: int
) -> pd.DataFrame:
    """``n`` persons (or all, when fewer) by stratum = occupation group × holder status.

    ``persons``: one row a person with ``person_id``, ``occupation_group`` (null outside
    the groups) and ``holder_<d>``. Equal allocation, capped at each stratum's size, the
    remainder spread over strata that still have people. Returns the sampled rows with
    ``stratum``, ``stratum_size``, ``stratum_sample`` and ``sampling_weight``, by stratum
    then person_id (the order is part of the seeded output).
    """
    primary = definitions[0]
    group = persons["occupation_group"].fillna(OTHER_GROUP).astype(str)
    held = persons[f"holder_{primary}"].fillna(False).astype(bool)
    stratum = group + " | " + np.where(held, f"{primary} holder", f"not {primary} holder")
    sizes = stratum.value_counts().sort_index()
    take = pd.Series(0, index=sizes.index)
    left = min(n, int(sizes.sum()))
    while left > 0:
        open_ = take.index[take < sizes]
        share = max(1, left // len(open_))
        for s in open_:
            add = min(share, int(sizes[s] - take[s]), left)
            take[s] += add
            left -= add
            if left == 0:
                break
    rng = np.random.default_rng(seed)
    parts = []
    for s in sizes.index:
        members = persons.index[stratum == s].to_numpy()
        members = members[np.argsort(persons.loc[members, "person_id"].to_numpy(dtype=str))]
        chosen = np.sort(rng.choice(len(members), size=int(take[s]), replace=False))
        part = persons.loc[members[chosen]].copy()
        part["stratum"] = s
        part["stratum_size"] = int(sizes[s])
        part["stratum_sample"] = int(take[s])
        part["sampling_weight"] = sizes[s] / take[s] if take[s] else math.nan
        parts.append(part.sort_values("person_id"))
    return pd.concat(parts, ignore_index=True) if parts else persons.iloc[:0]


# ---- scoring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """A weighted rate with its Wilson interval at Kish's effective size."""

    estimate: float
    lower: float
    upper: float
    n: int  # reviewed persons in the denominator
    n_effective: float

    def as_dict(self) -> dict:
        return {
            "estimate": _num(self.estimate),
            "lower": _num(self.lower),
            "upper": _num(self.upper),
            "n": self.n,
            "n_effective": _num(self.n_effective),
        }


def _num(x: float) -> float | None:
    return None if math.isnan(x) else round(float(x), 10)


def weighted_rate(hit: np.ndarray, w: np.ndarray) -> Rate:
    if len(w) == 0 or w.sum() <= 0:
        return Rate(math.nan, math.nan, math.nan, 0, 0.0)
    p = float(np.sum(w * hit) / np.sum(w))
    m = kish_n(w)
    lo, hi = wilson(p * m, m)
    return Rate(p, lo, hi, int(len(w)), m)


def _bad(path: Path, row: int, field: str, why: str) -> InputError:
    return InputError(f"{path}: row {row}, field {field}: {why}", "correct the review file")


def _review_row(
    path: Path, df: pd.DataFrame, text: pd.DataFrame, i: int, definitions: Sequence[str]
) -> dict[str, object]:
    """One fully reviewed row, checked field by field (``i`` is 0-based; errors say row i+2)."""
    line = i + 2
    out: dict[str, object] = {
        "person_id": df["person_id"].iloc[i],
        "stratum": df["stratum"].iloc[i],
    }
    try:
        w = float(df["sampling_weight"].iloc[i])
    except (TypeError, ValueError):
        w = math.nan
    if not (w >= 1.0 and math.isfinite(w)):
        raise _bad(path, line, "sampling_weight", "not a number ≥ 1 (keep the sampled value)")
    out["weight"] = w
    for d in definitions:
        for prefix in ("coded", "reviewed"):
            col = f"{prefix}_holder_{d}"
            v = str(df[col].iloc[i]).strip().lower()
            if v not in YES | NO:
                raise _bad(path, line, col, f"{v!r} is not yes or no")
            out[col] = v in YES
    noc = text["reviewed_noc2021"].iloc[i].lower()
    if noc in NO_CODE:
        noc = ""
    elif not (len(noc) == 5 and noc.isdigit()):
        raise _bad(
            path, line, "reviewed_noc2021", f"{noc!r} is not a 5-digit NOC 2021 code or 'none'"
        )
    coded = df["coded_noc2021"].iloc[i]
    out["coded_noc2021"] = "" if pd.isna(coded) else str(coded).strip().zfill(5)
    out["reviewed_noc2021"] = noc
    return out


def parse_review(path: Path, df: pd.DataFrame, definitions: Sequence[str]) -> pd.DataFrame:
    """The reviewed rows, checked: yes/no holder answers, 5-digit NOC or 'none'.

    Rows with every reviewed field empty were not reviewed and are left out; a partly
    filled row is an error (half a review would bias the rates). Row numbers count the
    header as row 1, as a spreadsheet shows them.
    """
    needed = ["person_id", "stratum", "sampling_weight", "coded_noc2021", "reviewed_noc2021"]
    needed += [f"coded_holder_{d}" for d in definitions] + holder_columns(definitions)
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise InputError(
            f"{path}: row 1, field {missing[0]}: column missing",
            "review the file written by `microcred validate sample`, keeping its columns",
        )
    reviewed = ["reviewed_noc2021", *holder_columns(definitions)]
    text = df[reviewed].astype("string").fillna("").apply(lambda c: c.str.strip())
    filled = text.ne("")
    rows = []
    for i in range(len(df)):
        line = i + 2
        if not filled.iloc[i].any():
            continue
        if not filled.iloc[i].all():
            field = reviewed[int(np.argmin(filled.iloc[i].to_numpy()))]
            raise _bad(path, line, field, "empty while other reviewed fields are filled")
        rows.append(_review_row(path, df, text, i, definitions))
    if not rows:
        raise InputError(f"{path}: no reviewed row", "fill the reviewed_* columns of some rows")
    return pd.DataFrame(rows)


def _binary(coded: np.ndarray, truth: np.ndarray, w: np.ndarray) -> dict:
    """Sensitivity, specificity and the raw and effective confusion counts."""
    pos, neg = truth, ~truth
    se, sp = weighted_rate(coded[pos], w[pos]), weighted_rate(~coded[neg], w[neg])
    counts = {
        "tp": int(np.sum(coded & truth)),
        "fn": int(np.sum(~coded & truth)),
        "fp": int(np.sum(coded & ~truth)),
        "tn": int(np.sum(~coded & ~truth)),
    }
    eff = {
        "tp": _eff(se.estimate * se.n_effective),
        "fn": _eff((1 - se.estimate) * se.n_effective),
        "fp": _eff((1 - sp.estimate) * sp.n_effective),
        "tn": _eff(sp.estimate * sp.n_effective),
    }
    return {
        "sensitivity": se.as_dict(),
        "specificity": sp.as_dict(),
        "counts": counts,
        "effective_counts": eff,
    }


def _eff(x: float) -> float:
    return 0.0 if math.isnan(x) else round(float(x), 6)


def score_review(
    reviewed: pd.DataFrame, definitions: Sequence[str], groups: dict[str, str]
) -> dict:
    """Holder status (per definition) and occupation (per group, and the exact NOC) rates.

    ``groups``: NOC 2021 code → occupation group of the study. Holder rates are among
    reviewed persons the coder placed in a group of interest (where uptake is measured).
    """
    w = reviewed["weight"].to_numpy(dtype=float)
    coded_group = reviewed["coded_noc2021"].map(groups).fillna(OTHER_GROUP).to_numpy(dtype=str)
    true_group = reviewed["reviewed_noc2021"].map(groups).fillna(OTHER_GROUP).to_numpy(dtype=str)
    in_study = coded_group != OTHER_GROUP
    holder = {}
    for d in definitions:
        coded = reviewed[f"coded_holder_{d}"].to_numpy(dtype=bool)
        truth = reviewed[f"reviewed_holder_{d}"].to_numpy(dtype=bool)
        holder[d] = _binary(coded[in_study], truth[in_study], w[in_study])
    occupation = {}
    for g in sorted(set(groups.values())):
        occupation[g] = _binary(coded_group == g, true_group == g, w)
    agree = reviewed["coded_noc2021"].to_numpy(dtype=str) == reviewed["reviewed_noc2021"].to_numpy(
        dtype=str
    )
    return {
        "format": FORMAT,
        "reviewed": int(len(reviewed)),
        "reviewed_in_study": int(in_study.sum()),
        "weights": "inverse sampling fraction of the stratum (occupation group × holder status)",
        "interval": "wilson at Kish's effective sample size",
        "holder_status": holder,
        "occupation_group": occupation,
        "noc2021_exact_agreement": weighted_rate(agree, w).as_dict(),
    }


def load_validation(path: Path) -> dict[str, ValidationCounts]:
    """Per definition, the effective holder-status counts of a ``validation.json``."""
    import json

    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(
            f"{path}: cannot read ({exc.strerror})",
            "give the file `microcred validate score` wrote",
        ) from None
    except ValueError:
        raise InputError(
            f"{path}: not JSON", "give the file `microcred validate score` wrote"
        ) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError(
            f"{path}: not a {FORMAT} file", "give the file `microcred validate score` wrote"
        )
    out = {}
    for d, entry in doc.get("holder_status", {}).items():
        try:
            c = entry["effective_counts"]
            out[d] = ValidationCounts(tp=c["tp"], fn=c["fn"], fp=c["fp"], tn=c["tn"])
        except (KeyError, TypeError):
            raise InputError(
                f"{path}: holder_status.{d}: effective_counts missing",
                "rerun `microcred validate score`",
            ) from None
    return out
