"""Simulation study: do the released 95 % intervals cover the truth, and how biased are the estimates?

    uv run python bench/recovery.py --replications 20 --profiles 5000

Each replication draws a fresh synthetic cohort (seed = base seed + r) with known
truth, runs the whole pipeline from raw strings (coders included), and reads the
released `tables/sensitivity.csv`. For every occupation group and definition it
compares
  * the unweighted estimate with the profile population's rate (the mean, over
    replications, of the realised sample rates), and
  * the weighted estimate with the census population's rate (the mean of the
    realised design-weighted rates),
and prints the coverage of the 95 % intervals (should be near 95 %) and the bias.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from microcred import synth
from microcred.config import StudyConfig
from microcred.datadir import DataDir
from microcred.pipeline import RunOptions, run


def _key(group: str) -> str:
    return group.lower().replace(" ", "_")


def replicate(r: int, args: argparse.Namespace, work: Path) -> list[dict]:
    seed = args.seed + r
    cohort = synth.generate(args.profiles, seed=seed, data_dir=DataDir())
    written = synth.write(cohort, "parquet", work / f"rep{r}" / "input")
    cfg = StudyConfig(seed=seed)
    res = run(
        RunOptions(
            source="parquet",
            input_path=written.input_path,
            out_dir=work / f"rep{r}" / "run",
            config=cfg,
            margins_path=written.margins_dir,
            quiet=True,
            overwrite=True,  # a bench rerun replaces its own earlier output
        )
    )
    params = json.loads((written.truth_dir / "parameters.json").read_text())["realised"]["by_group"]
    table = pd.read_csv(res.out_dir / "tables" / "sensitivity.csv")
    table = table[table["codes"] == "all codes"]
    rows = []
    for g in cfg.occupations:
        for d in cfg.definitions:
            truth = params[_key(g.name)][d.name]
            for weighting in ("unweighted", "weighted"):
                est = table[
                    (table["occupation_group"] == g.name)
                    & (table["definition"] == d.name)
                    & (table["weighting"] == weighting)
                ]
                if est.empty:
                    continue
                e = est.iloc[0]
                rows.append(
                    {
                        "rep": r,
                        "group": g.name,
                        "definition": d.name,
                        "weighting": weighting,
                        "share": e["share"],
                        "lower": e["lower"],
                        "upper": e["upper"],
                        "sample_rate": truth["sample_rate"],
                        "population_rate": truth["population_rate"],
                    }
                )
    return rows


def seniority_bench(args: argparse.Namespace) -> None:
    """Replications of the seniority estimator on truth frames: null and a planted effect."""
    import warnings

    from microcred.analysis.seniority import (
        DETECTED,
        EQUIVALENT,
        estimate_seniority,
        seniority_design,
        seniority_frame,
        verdict,
    )  # fmt: skip
    from microcred.synth.seniority_truth import planted_seniority_effect, seniority_truth_frame

    warnings.simplefilter("ignore")
    cfg = StudyConfig()
    sc = cfg.seniority
    for n in args.sizes:
        for beta in (0.0, args.planted):
            rows = []
            for r in range(args.replications):
                with planted_seniority_effect(beta):
                    cohort = synth.generate(n, seed=args.seed + r, data_dir=DataDir())
                df = seniority_truth_frame(cohort, cfg)
                cov = seniority_frame(df, cfg.reference_date)
                dz = seniority_design(cov)
                res = estimate_seniority(
                    df["seniority_rank"].to_numpy(float), df["holder_broad"].to_numpy(bool), cov,
                    dz.X, None, imputations=sc.imputations, margin=sc.equivalence_margin,
                    margin_senior=sc.equivalence_margin_senior_share, seed=args.seed + r,
                )  # fmt: skip
                v = verdict(res.rank.lower, res.rank.upper, res.rank_equivalence_p)
                rows.append((res.rank.estimate, res.rank.lower, res.rank.upper, v))
            est = np.array([x[0] for x in rows])
            cover = np.mean([lo <= 0 <= hi for _, lo, hi, _ in rows])
            eq = np.mean([x[3] == EQUIVALENT for x in rows])
            det = np.mean([x[3] == DETECTED for x in rows])
            label = "null" if beta == 0 else f"planted {beta:g}/rank"
            line = f"{n:>7,} {label:<16} mean {est.mean():+.4f} sd {est.std(ddof=1):.4f}"
            if beta == 0:
                rmse = float(np.sqrt(np.mean(est**2)))
                line += f" bias {est.mean():+.4f} rmse {rmse:.4f} coverage {cover:.1%}"
            print(f"{line} equivalent {eq:.1%} detected (power) {det:.1%}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--replications", type=int, default=20)
    ap.add_argument("--profiles", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--seniority", action="store_true", help="the seniority estimator only")
    ap.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    ap.add_argument("--planted", type=float, default=0.5, help="holder log-odds per rank")
    args = ap.parse_args()
    if args.seniority:
        seniority_bench(args)
        return
    os.environ.setdefault("MICROCRED_PSEUDONYM_KEY", "recovery-bench-key-0123456789abcdef")
    rows: list[dict] = []
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="microcred-recovery-") as tmp:
        for r in range(args.replications):
            rows += replicate(r, args, Path(tmp))
            print(
                f"  replication {r + 1}/{args.replications} done ({time.perf_counter() - t0:.0f}s)",
                flush=True,
            )
    df = pd.DataFrame(rows)
    out = defaultdict(list)
    print(f"\n{args.replications} replications × {args.profiles:,} profiles")
    print(
        f"{'group':<26} {'def':<7} {'weighting':<11} {'truth':>7} {'mean est':>9} {'bias':>8} {'coverage':>9} {'missing':>8}"
    )
    for (g, d, w), part in df.groupby(["group", "definition", "weighting"], sort=True):
        truth = part["population_rate" if w == "weighted" else "sample_rate"].mean()
        valid = part.dropna(subset=["lower", "upper"])
        covered = (
            ((valid["lower"] <= truth) & (truth <= valid["upper"])).mean() if len(valid) else np.nan
        )
        bias = part["share"].mean() - truth
        out["coverage"].append(covered)
        print(
            f"{g:<26} {d:<7} {w:<11} {truth:>7.4f} {part['share'].mean():>9.4f} {bias:>+8.4f} "
            f"{covered:>9.1%} {len(part) - len(valid):>8d}"
        )
    print(f"\nmean coverage of the 95 % intervals: {np.nanmean(out['coverage']):.1%}")


if __name__ == "__main__":
    main()
