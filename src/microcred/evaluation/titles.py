"""How good is the occupation coder? Measured on hand-labelled titles it never trained on.

Figures: top-1 accuracy at 5, 4, 3 and 2 digits (an abstention counts as wrong;
an acceptable alternative listed by the labeller counts as right; at 4 digits
and coarser, the minor group given on abstention counts), coverage, precision
and recall for the digital occupations, accuracy by language, by coding method,
and a reliability table (is a confidence of 0.8 right about 80 % of the time?).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from microcred.analysis.stats import wilson as stats_wilson
from microcred.datadir import DataDir

DIGITAL_CODES: tuple[str, ...] = (
    "20012",
    "21211",
    "21220",
    "21221",
    "21222",
    "21223",
    "21230",
    "21231",
    "21232",
    "21233",
    "21234",
    "21311",
    "22220",
    "22221",
    "22222",
)
DIGITS = (5, 4, 3, 2)
RELIABILITY_BINS = (0.0, 0.35, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0001)


@dataclass
class TitleEvalReport:
    n: int
    coverage: float
    accuracy: dict[int, float]  # digits -> top-1 accuracy over all titles
    accuracy_coded: float  # 5-digit accuracy among coded titles
    digital_precision: float  # predicted a digital code: share right
    digital_recall: float  # gold is a digital code: share coded right
    digital_membership_precision: float  # predicted digital: share whose gold is digital
    digital_membership_recall: float
    digital_by_code: pd.DataFrame
    by_language: pd.DataFrame
    by_method: pd.DataFrame
    reliability: pd.DataFrame
    errors: pd.DataFrame
    ece: float = float("nan")  # expected calibration error over the coded titles
    top70_accuracy: float = float("nan")  # accuracy of the 70 % most confident titles
    confusion: dict = field(default_factory=dict)  # gold -> predicted -> count ("" = abstained)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        out = {"n": float(self.n), "coverage": self.coverage}
        out.update({f"top1_{d}digit": v for d, v in self.accuracy.items()})
        out["digital_precision"] = self.digital_precision
        out["digital_recall"] = self.digital_recall
        out["ece"] = self.ece
        out["top70_accuracy"] = self.top70_accuracy
        return out

    def confusion_json(self) -> dict:
        """The confusion matrix as data (the analysis corrects estimates with it)."""
        return {
            "format": "microcred-confusion-1",
            "coder": "occupation",
            "n": self.n,
            "abstained_label": "",
            "counts": self.confusion,
        }

    def format(self) -> str:
        lines = [
            f"titles: {self.n}   coverage: {self.coverage:.1%}   "
            f"accuracy among coded (5-digit): {self.accuracy_coded:.1%}",
            "top-1 accuracy (abstentions count as wrong): "
            + "   ".join(f"{d}-digit {v:.1%}" for d, v in self.accuracy.items()),
            f"digital occupations: precision {self.digital_precision:.1%}  recall "
            f"{self.digital_recall:.1%}  (membership: precision "
            f"{self.digital_membership_precision:.1%}, recall {self.digital_membership_recall:.1%})",
            f"top-1 5-digit 95% interval (Wilson): "
            f"[{wilson(self.accuracy[5], self.n)[0]:.3f}, {wilson(self.accuracy[5], self.n)[1]:.3f}]"
            f"   ECE: {self.ece:.3f}   accuracy of the 70% most confident: "
            f"{self.top70_accuracy:.1%}",
            "",
            "by language:",
            self.by_language.to_string(index=False),
            "",
            "by coding method:",
            self.by_method.to_string(index=False),
            "",
            "reliability (confidence of the top candidate vs share right):",
            self.reliability.to_string(index=False),
            "",
            "digital occupations by code:",
            self.digital_by_code.to_string(index=False),
        ]
        lines.extend(self.notes)
        return "\n".join(lines)


def wilson(p: float, n: int) -> tuple[float, float]:
    """95 % Wilson score interval for a proportion ``p`` observed over ``n`` trials."""
    if n <= 0 or np.isnan(p):
        return (float("nan"), float("nan"))
    return stats_wilson(p * n, n)


def expected_calibration_error(conf: np.ndarray, right: np.ndarray, bins: int = 10) -> float:
    """ECE: the title-weighted mean |confidence - share right| over equal-width bins."""
    ok = ~np.isnan(conf)
    conf, right = conf[ok], right[ok].astype(float)
    if not len(conf):
        return float("nan")
    which = np.minimum((conf * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        m = which == b
        if m.any():
            total += m.sum() * abs(conf[m].mean() - right[m].mean())
    return float(total / len(conf))


def top_share_accuracy(conf: np.ndarray, right: np.ndarray, share: float = 0.70) -> float:
    """Accuracy of the ``share`` most confident titles (abstentions rank last, count wrong)."""
    if not len(conf):
        return float("nan")
    key = np.where(np.isnan(conf), -1.0, conf)
    order = np.argsort(-key, kind="stable")
    k = max(1, int(round(len(conf) * share)))
    return float(right[order[:k]].mean())


def read_labelled(path: str | Path) -> pd.DataFrame:
    p = Path(path)
    if p.suffix.lower() == ".parquet":
        return pd.read_parquet(p)
    return pd.read_csv(p, dtype=str, keep_default_na=False)


def _codes(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [c.strip().zfill(5) for c in str(value).replace(",", ";").split(";") if c.strip()]


def evaluate_titles(
    df_or_path: pd.DataFrame | str | Path,
    title_column: str = "title",
    code_column: str = "noc2021",
    acceptable_column: str | None = None,
    coder=None,
    language_column: str | None = "language",
) -> TitleEvalReport:
    """Code the labelled titles with ``coder`` (default: ``OccupationCoder.load()``) and score them."""
    df = df_or_path if isinstance(df_or_path, pd.DataFrame) else read_labelled(df_or_path)
    if acceptable_column is None and "acceptable" in df.columns:
        acceptable_column = "acceptable"  # used whenever the file has one
    for col in [title_column, code_column] + ([acceptable_column] if acceptable_column else []):
        if col not in df.columns:
            raise ValueError(f"labelled file has no column {col!r} (columns: {list(df.columns)})")
    if coder is None:
        from microcred.coding.occupation import OccupationCoder

        coder = OccupationCoder.load()
    df = df.reset_index(drop=True)
    titles = df[title_column].astype(str).tolist()
    distinct = sorted(set(titles))
    coded = coder.code(pa.array(distinct, pa.string())).to_pandas()
    coded = coded.set_index("title").loc[titles].reset_index()

    gold = [_codes(v)[0] if _codes(v) else "" for v in df[code_column]]
    ok_sets = [
        set([g] + (_codes(df.at[i, acceptable_column]) if acceptable_column else []))
        for i, g in enumerate(gold)
    ]
    pred = coded["noc2021"].fillna("").tolist()
    minor = coded["noc2021_minor"].fillna("").tolist()
    top_cand = [
        p or (str(a).split(";")[0].split(":")[0] if isinstance(a, str) and a else "")
        for p, a in zip(pred, coded["noc2021_alternatives"], strict=True)
    ]
    conf = coded["noc2021_confidence"].astype(float).to_numpy()
    n = len(df)
    coded_mask = np.array([bool(p) for p in pred])

    def right(k: int, i: int) -> bool:
        guess = pred[i] or (minor[i] if k <= 4 else "")
        return bool(guess) and any(guess[:k] == c[:k] for c in ok_sets[i])

    acc = {k: float(np.mean([right(k, i) for i in range(n)])) if n else 0.0 for k in DIGITS}
    right5 = np.array([right(5, i) for i in range(n)], dtype=bool)
    acc_coded = float(right5[coded_mask].mean()) if coded_mask.any() else 0.0

    digital = set(DIGITAL_CODES)
    pred_dig = np.array([p in digital for p in pred])
    gold_dig = np.array([g in digital for g in gold])
    dp = float(right5[pred_dig].mean()) if pred_dig.any() else float("nan")
    dr = float(right5[gold_dig].mean()) if gold_dig.any() else float("nan")
    mp = float(gold_dig[pred_dig].mean()) if pred_dig.any() else float("nan")
    mr = float(pred_dig[gold_dig].mean()) if gold_dig.any() else float("nan")
    rows = []
    for code in DIGITAL_CODES:
        p_mask = np.array([p == code for p in pred])
        g_mask = np.array([g == code for g in gold])
        rows.append(
            {
                "noc2021": code,
                "gold": int(g_mask.sum()),
                "predicted": int(p_mask.sum()),
                "precision": round(float(right5[p_mask].mean()), 3) if p_mask.any() else None,
                "recall": round(float(right5[g_mask].mean()), 3) if g_mask.any() else None,
            }
        )
    by_code = pd.DataFrame(rows)

    if language_column and language_column in df.columns:
        lang = df[language_column].astype(str).tolist()
    else:
        lang = coded["title_language"].fillna("unknown").tolist()
    frame = pd.DataFrame(
        {"language": lang, "method": coded["coding_method"], "right": right5, "coded": coded_mask}
    )
    by_lang = (
        frame.groupby("language", sort=True)
        .agg(titles=("right", "size"), top1_5digit=("right", "mean"), coverage=("coded", "mean"))
        .reset_index()
        .round(3)
    )
    by_method = (
        frame.groupby("method", sort=True)
        .agg(titles=("right", "size"), top1_5digit=("right", "mean"), coverage=("coded", "mean"))
        .reset_index()
        .round(3)
    )

    cand_right = np.array([bool(c) and c in ok_sets[i] for i, c in enumerate(top_cand)], dtype=bool)
    has_conf = ~np.isnan(conf)
    rel_rows = []
    for lo, hi in zip(RELIABILITY_BINS, RELIABILITY_BINS[1:], strict=False):
        m = has_conf & (conf >= lo) & (conf < hi)
        if m.any():
            rel_rows.append(
                {
                    "confidence": f"[{lo:.2f}, {min(hi, 1.0):.2f}{']' if hi > 1 else ')'}",
                    "titles": int(m.sum()),
                    "mean_confidence": round(float(conf[m].mean()), 3),
                    "share_right": round(float(cand_right[m].mean()), 3),
                }
            )
    reliability = pd.DataFrame(rel_rows)

    # calibration of what the coder answered: its confidence vs whether the code is right
    ece = expected_calibration_error(np.where(coded_mask, conf, np.nan), right5)
    top70 = top_share_accuracy(np.where(coded_mask, conf, np.nan), right5)
    confusion: dict[str, dict[str, int]] = {}
    for g, p in zip(gold, pred, strict=True):
        row = confusion.setdefault(g, {})
        row[p] = row.get(p, 0) + 1
    confusion = {g: dict(sorted(r.items())) for g, r in sorted(confusion.items())}

    errors = pd.DataFrame(
        {
            "title": titles,
            "gold": gold,
            "predicted": pred,
            "confidence": conf,
            "method": coded["coding_method"],
            "reason": coded["abstain_reason"],
        }
    )[~right5]
    return TitleEvalReport(
        n=n,
        coverage=float(coded_mask.mean()) if n else 0.0,
        accuracy=acc,
        accuracy_coded=acc_coded,
        digital_precision=dp,
        digital_recall=dr,
        digital_membership_precision=mp,
        digital_membership_recall=mr,
        digital_by_code=by_code,
        by_language=by_lang,
        by_method=by_method,
        reliability=reliability,
        errors=errors.reset_index(drop=True),
        ece=ece,
        top70_accuracy=top70,
        confusion=confusion,
    )


def noc_example_holdout(
    data_dir: DataDir | str | Path | None = None, share: float = 0.10, seed: int = 2021
) -> pd.DataFrame:
    """A held-out split of the NOC example titles, by distinct title (EN and FR).

    Returns ``title, noc2021, acceptable, language``; ``acceptable`` lists the other
    unit groups the same title is an example of. Train a coder without them with
    ``OccupationCoder.load(None, CoderSettings(options={"exclude_titles": list(split.title)}))``.
    """
    from microcred.coding.occupation.knowledge import load_examples, load_structure

    dd = data_dir if isinstance(data_dir, DataDir) else DataDir(data_dir)
    units = load_structure(dd.path("noc_structure"))
    examples = load_examples(dd.path("noc_examples_en"), dd.path("noc_examples_fr"), units)
    by_title: dict[str, dict[str, object]] = {}
    for ex in examples:
        rec = by_title.setdefault(ex.title, {"codes": [], "language": ex.language})
        if ex.code not in rec["codes"]:
            rec["codes"].append(ex.code)  # type: ignore[union-attr]
    distinct = sorted(by_title)
    rng = np.random.default_rng(seed)
    pick = sorted(rng.choice(len(distinct), size=int(len(distinct) * share), replace=False))
    rows = []
    for i in pick:
        t = distinct[i]
        codes = by_title[t]["codes"]
        rows.append(
            {
                "title": t,
                "noc2021": codes[0],  # type: ignore[index]
                "acceptable": ";".join(codes[1:]),  # type: ignore[index]
                "language": by_title[t]["language"],
            }
        )
    return pd.DataFrame(rows, columns=["title", "noc2021", "acceptable", "language"])
