"""Benchmark the occupation coder against two baselines over the same NOC 2021 example titles.

Prints, in one table, for the coder, a TF-IDF nearest-neighbour baseline (sklearn)
and a rapidfuzz best-match baseline: top-1 accuracy at 5 digits on the hand-labelled
profile set and on a held-out split of the example titles (every method is built
without the held-out titles), and throughput in distinct titles per second on one
core. Also: load time (warm and cold cache) and resident memory.

    uv run python bench/titles.py [--synthetic 100000] [--baseline-sample 400] [--repeat 3]
    uv run python bench/titles.py --ablation     # lexicon only / learned only / combined

Speed is also measured on a *long tail*: distinct titles made of an example title and a
word of another one, which the lookups miss, so nearly all of them take the learned path
(the synthetic set above is ≈99 % lookups).

The coder's speed is the median of ``--repeat`` runs, each with a freshly loaded
coder (warmed on 1,000 titles, as a worker would be), in titles per CPU-second
of this process: the machine is shared, so wall-clock time would measure the
other jobs too.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")  # one core

import argparse  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import psutil  # noqa: E402
import pyarrow as pa  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402

from microcred.coding.base import CoderSettings  # noqa: E402
from microcred.coding.occupation import OccupationCoder  # noqa: E402
from microcred.coding.occupation.knowledge import load_examples, load_structure  # noqa: E402
from microcred.datadir import DataDir  # noqa: E402
from microcred.evaluation.titles import (  # noqa: E402
    evaluate_titles,
    noc_example_holdout,
    wilson,
)

ROOT = Path(__file__).resolve().parents[1]
PROFILE = ROOT / "eval" / "titles" / "profile_titles.csv"
US_STYLE = ROOT / "eval" / "titles" / "us_style_dev.csv"
ABLATION = {  # name -> the coder's paths
    "lexicon only": ("lookup",),  # curated lexicon + exact example lookup
    "learned only": ("model",),  # word x character naive Bayes
    "combined": ("lookup", "model"),
}
PREFIXES = ["", "Senior ", "Sr. ", "Junior ", "Lead ", "Principal ", "Stagiaire ", "Intern "]
SUFFIXES = ["", " @ Acme", " - Remote", " | PhD", " (Contract)", " chez Bell", " II", ", Toronto"]


def synthetic_titles(examples: list[str], n: int, seed: int = 7) -> list[str]:
    """Distinct noisy titles built from example titles with seniority and noise."""
    rng = np.random.default_rng(seed)
    out: set[str] = set()
    while len(out) < n:
        e = examples[rng.integers(len(examples))]
        out.add(
            f"{PREFIXES[rng.integers(len(PREFIXES))]}{e}{SUFFIXES[rng.integers(len(SUFFIXES))]}"
        )
    return sorted(out)


def right(pred: list[str], gold: pd.DataFrame) -> float:
    ok = []
    for p, (_, row) in zip(pred, gold.iterrows(), strict=True):
        allowed = {row["noc2021"], *[c for c in str(row.get("acceptable") or "").split(";") if c]}
        ok.append(p in allowed)
    return float(np.mean(ok))


class TfidfNN:
    """Nearest example title by cosine over character n-gram TF-IDF."""

    def __init__(self, titles: list[str], codes: list[str]):
        self.vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        self.m = self.vec.fit_transform(titles)
        self.codes = np.array(codes)

    def predict(self, titles: list[str]) -> list[str]:
        out = []
        for start in range(0, len(titles), 256):
            sims = self.vec.transform(titles[start : start + 256]) @ self.m.T
            out.extend(self.codes[np.asarray(sims.argmax(axis=1)).ravel()])
        return [str(c) for c in out]


class FuzzBest:
    """Best rapidfuzz WRatio match among example titles."""

    def __init__(self, titles: list[str], codes: list[str]):
        self.titles = titles
        self.codes = codes

    def predict(self, titles: list[str]) -> list[str]:
        out = []
        for t in titles:
            hit = process.extractOne(t, self.titles, scorer=fuzz.WRatio, processor=str.lower)
            out.append(self.codes[hit[2]] if hit else "")
        return out


def long_tail_titles(examples: list[str], n: int, seed: int = 3) -> list[str]:
    """Distinct titles the lookups miss: an example title plus a word of another one."""
    rng = np.random.default_rng(seed)
    words = sorted({w for t in examples for w in t.split() if len(w) > 3})
    out: set[str] = set()
    while len(out) < n:
        out.add(f"{examples[rng.integers(len(examples))]} {words[rng.integers(len(words))]}")
    return sorted(out)


def ablation(dd: DataDir, console: Console) -> None:
    """Lexicon only / learned only / combined on the dev sets and the leave-examples-out split."""
    us = pd.read_csv(US_STYLE, dtype=str, keep_default_na=False)
    holdout = noc_example_holdout(dd)
    held_coder = OccupationCoder.load(
        dd, CoderSettings(options={"exclude_titles": list(holdout["title"])})
    )
    coder = OccupationCoder.load(dd)
    sets = [
        ("profile_titles.csv", pd.read_csv(PROFILE, dtype=str, keep_default_na=False), coder),
        ("us_style_dev.csv tune", us[us["split"] == "tune"], coder),
        ("us_style_dev.csv holdout", us[us["split"] == "holdout"], coder),
        ("leave-examples-out", holdout, held_coder),
    ]
    table = Table(title="Occupation coder ablation (top-1 5-digit, abstentions count wrong)")
    for col in (
        "set",
        "paths",
        "n",
        "top-1 [95% Wilson]",
        "coverage",
        "acc. coded",
        "ECE",
        "top-70%",
    ):
        table.add_column(col, justify="left" if col in ("set", "paths") else "right")
    for set_name, df, c in sets:
        for name, paths in ABLATION.items():
            c.paths = paths
            rep = evaluate_titles(df, "title", "noc2021", "acceptable", coder=c)
            lo, hi = wilson(rep.accuracy[5], rep.n)
            table.add_row(
                set_name,
                name,
                str(rep.n),
                f"{rep.accuracy[5]:.3f} [{lo:.3f}, {hi:.3f}]",
                f"{rep.coverage:.3f}",
                f"{rep.accuracy_coded:.3f}",
                f"{rep.ece:.3f}",
                f"{rep.top70_accuracy:.3f}",
            )
        c.paths = ("lookup", "model")
    Console(width=max(console.width, 130)).print(table)


def rate(fn, titles: list[str]) -> float:
    """Titles per CPU-second of this process (the machine may be shared: wall time would lie)."""
    t0 = time.process_time()
    fn(titles)
    return len(titles) / (time.process_time() - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--synthetic", type=int, default=100_000)
    ap.add_argument("--baseline-sample", type=int, default=400)
    ap.add_argument("--repeat", type=int, default=3, help="coder speed runs (median reported)")
    ap.add_argument("--ablation", action="store_true", help="print only the ablation table")
    args = ap.parse_args()
    console = Console()
    proc = psutil.Process()
    dd = DataDir()
    if args.ablation:
        ablation(dd, console)
        return

    rss0 = proc.memory_info().rss
    t0 = time.perf_counter()
    coder = OccupationCoder.load(dd)
    warm = time.perf_counter() - t0
    rss = proc.memory_info().rss - rss0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        OccupationCoder.load(dd, CoderSettings(options={"model_cache_dir": tmp}))
        cold = time.perf_counter() - t0
    console.print(
        f"load: warm cache {warm:.2f} s, cold cache (train + calibrate) {cold:.1f} s; "
        f"coder memory {rss / 2**20:.0f} MiB (process RSS {proc.memory_info().rss / 2**20:.0f} MiB)"
    )

    units = load_structure(dd.path("noc_structure"))
    examples = load_examples(dd.path("noc_examples_en"), dd.path("noc_examples_fr"), units)
    holdout = noc_example_holdout(dd)
    held = set(holdout["title"])
    train_t = [e.title for e in examples if e.title not in held]
    train_c = [e.code for e in examples if e.title not in held]
    sample = holdout.sample(n=min(args.baseline_sample, len(holdout)), random_state=1)
    profile = pd.read_csv(PROFILE, dtype=str, keep_default_na=False)

    held = CoderSettings(options={"exclude_titles": list(holdout["title"])})
    held_coder = OccupationCoder.load(dd, held)
    full_rep = evaluate_titles(holdout, "title", "noc2021", "acceptable", coder=held_coder)
    prof_rep = evaluate_titles(profile, "title", "noc2021", "acceptable", coder=coder)
    synth = synthetic_titles([e.title for e in examples], args.synthetic)
    runs, walls = [], []
    for _ in range(max(1, args.repeat)):
        fresh = OccupationCoder.load(dd)
        fresh.code(pa.array(synth[:1000]))  # warm the token caches a little, as a worker would
        w0 = time.perf_counter()
        runs.append(rate(lambda t, c=fresh: c.code(pa.array(t)), synth[1000:]))
        walls.append((len(synth) - 1000) / (time.perf_counter() - w0))
    coder_rate = statistics.median(runs)
    wall_rate = statistics.median(walls)
    tail = long_tail_titles([e.title for e in examples], args.synthetic)
    tail_runs = []
    for _ in range(max(1, args.repeat)):
        fresh = OccupationCoder.load(dd)
        fresh.code(pa.array(tail[:1000]))
        tail_runs.append(rate(lambda t, c=fresh: c.code(pa.array(t)), tail[1000:]))
    # the coder runs lookups and the classifier once per distinct normalised form (counted after timing:
    # counting first would warm the token caches);
    # say how much that collapses this synthetic set (real profile titles collapse too)
    n_forms = len({coder.normaliser.normalise(t) for t in synth[1000:]})

    def coder_pred(c: OccupationCoder, titles: list[str]) -> list[str]:
        return [p or "" for p in c.code(pa.array(titles)).column("noc2021").to_pylist()]

    rows = [
        (
            "microcred coder",
            right(coder_pred(coder, profile.title.tolist()), profile),
            right(coder_pred(held_coder, sample.title.tolist()), sample),
            coder_rate,
        )
    ]
    t0 = time.perf_counter()
    tfidf = TfidfNN(train_t, train_c)
    tfidf_build = time.perf_counter() - t0
    fz = FuzzBest(train_t, train_c)
    n_speed = 2000
    rows.append(
        (
            "TF-IDF nearest neighbour",
            right(tfidf.predict(profile.title.tolist()), profile),
            right(tfidf.predict(sample.title.tolist()), sample),
            rate(tfidf.predict, synth[:n_speed]),
        )
    )
    rows.append(
        (
            "rapidfuzz best match",
            right(fz.predict(profile.title.tolist()), profile),
            right(fz.predict(sample.title.tolist()), sample),
            rate(fz.predict, synth[:200]),
        )
    )
    table = Table(title="Occupation coding: accuracy (top-1, 5-digit) and speed")
    for col in ("method", "profile titles", f"NOC held-out (n={len(sample)})", "titles/s (1 core)"):
        table.add_column(col, justify="right" if col != "method" else "left")
    for name, a, b, r in rows:
        table.add_row(name, f"{a:.1%}", f"{b:.1%}", f"{r:,.0f}")
    console.print(table)
    console.print(
        f"(speed: distinct synthetic titles per CPU-second, single thread; coder on "
        f"{len(synth) - 1000:,} titles ({n_forms:,} distinct normalised forms), median of "
        f"{len(runs)} runs ({', '.join(f'{r:,.0f}' for r in runs)}), "
        f"wall-clock {wall_rate:,.0f}/s on this machine; "
        f"TF-IDF index built in {tfidf_build:.1f} s)"
    )
    console.print(
        f"long tail (titles the lookups miss, {len(tail) - 1000:,}): "
        f"{statistics.median(tail_runs):,.0f} titles per CPU-second, median of "
        f"{len(tail_runs)} runs ({', '.join(f'{r:,.0f}' for r in tail_runs)})"
    )
    console.print(
        f"coder on the full NOC held-out split (n={full_rep.n}): top-1 5-digit "
        f"{full_rep.accuracy[5]:.1%}, 4-digit {full_rep.accuracy[4]:.1%}, coverage {full_rep.coverage:.1%}"
    )
    console.print("\n[bold]Profile set[/]\n" + prof_rep.format())
    console.print("\n[bold]NOC held-out split[/]\n" + full_rep.format())


if __name__ == "__main__":
    main()
