"""Simulation study: do the released 95 % intervals cover the truth, and how biased are the estimates?

    uv run python bench/recovery.py --replications 20 --profiles 5000          # whole pipeline
    uv run python bench/recovery.py --uptake --replications 200 --profiles 5000 20000 100000 1000000
    uv run python bench/recovery.py --seniority --replications 12 --sizes 5000 20000

``--uptake`` (misclassification, any size up to 1M): running the whole pipeline per
replication is too slow past 20k profiles, so this mode simulates at the level of person
features, where the coder error is planted and known. Each replication draws N profiles
(15 % data scientists, 45 % software professionals, 40 % other occupations); in the study
groups a person truly holds a broad microcredential with probability 3.4 % / 3.2 % (the
seed study's figures) and then lists 1 + Poisson(0.3) of them, each also narrow with
probability 0.6; everyone lists Poisson(0.5) other credentials. Every credential is coded
micro with the planted per-credential sensitivity (broad 0.95, narrow 0.90) and specificity
(0.97 both), so the coded holder status carries both false negatives and false positives.
The estimand is the true holding probability of the group (planted, computed exactly).
Three estimates per group and definition are scored:
  * ``naive``: the coded share with its Wilson interval (what was published before);
  * ``bias_analysis``: the probabilistic bias analysis from credential-level confusion counts
    of an evaluation sample drawn with the planted rates (324 micro, 118 other credentials,
    as the credential coder's published matrix), i.e. the run without a validation sample;
  * ``validation``: Rogan–Gladen with the person-level rates of a stratified review sample
    (``--review`` persons, ``analysis.validation.draw_sample`` and ``score_review``, the
    reviewer knowing the truth), i.e. the run with ``--validation``.
It prints bias, RMSE and 95 % coverage for each. What it does not cover: coder error that
differs between this source and the evaluation set (the bias analysis assumes it does not).

Without a mode flag each replication draws a fresh synthetic cohort (seed = base seed + r) with known
truth, runs the whole pipeline from raw strings (coders included), and reads the
released `tables/sensitivity.csv`. For every occupation group and definition it
compares
  * the unweighted estimate with the profile population's rate (the mean, over
    replications, of the realised sample rates), and
  * the weighted estimate with the census population's rate (the mean of the
    realised design-weighted rates),
and prints the coverage of the 95 % intervals (should be near 95 %) and the bias; rows
``…+pba`` score the published corrected uptake (``uptake_by_group.corrected_share``, the
probabilistic bias analysis from the credential coder's confusion counts) against the
truth of the same weighting, so the real coders' error and its correction are measured.
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
    # the published corrected uptake (probabilistic bias analysis: no validation file here),
    # scored against the truth of the same weighting as the table's share
    up = pd.read_csv(res.out_dir / "tables" / "uptake_by_group.csv")
    for g in cfg.occupations:
        for d in cfg.definitions:
            e = up[(up["occupation_group"] == g.name) & (up["definition"] == d.name)]
            if e.empty:
                continue
            e = e.iloc[0]
            truth = params[_key(g.name)][d.name]
            weighted = e["interval"] == "wilson-kish"
            rows.append(
                {
                    "rep": r,
                    "group": g.name,
                    "definition": d.name,
                    "weighting": "weighted+pba" if weighted else "unweighted+pba",
                    "share": e["corrected_share"],
                    "lower": e["corrected_lower"],
                    "upper": e["corrected_upper"],
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


UPTAKE_GROUPS = (("Data scientists", 0.15, 0.034), ("Software professionals", 0.45, 0.032))
OTHER_SHARE = 0.40
PLANTED = {"broad": (0.95, 0.97), "narrow": (0.90, 0.97)}  # per-credential (se, sp)
NARROW_GIVEN_BROAD, EXTRA_MICRO, OTHER_CREDS = 0.6, 0.3, 0.5
EVAL_POSITIVES, EVAL_NEGATIVES = 324, 118


def _true_rates() -> dict[tuple[str, str], float]:
    """Planted holding probabilities by (group, definition); 'All' mixes the groups."""
    q, mu = NARROW_GIVEN_BROAD, EXTRA_MICRO
    narrow_given_holder = 1.0 - (1.0 - q) * np.exp(-mu * q)  # 1 − E[(1−q)^K], K = 1 + Pois(μ)
    out, total = {}, sum(w for _, w, _ in UPTAKE_GROUPS)
    for d in PLANTED:
        mix = 0.0
        for g, w, h in UPTAKE_GROUPS:
            out[(g, d)] = h if d == "broad" else h * narrow_given_holder
            mix += w / total * out[(g, d)]
        out[("All occupations of interest", d)] = mix
    return out


def _simulate_persons(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Person features with true and coded holder status (see the module docstring)."""
    names = [g for g, _, _ in UPTAKE_GROUPS] + [None]
    probs = [w for _, w, _ in UPTAKE_GROUPS] + [OTHER_SHARE]
    which = rng.choice(len(names), size=n, p=probs)
    rate = np.array([h for _, _, h in UPTAKE_GROUPS] + [0.03])[which]
    holds = rng.random(n) < rate
    k_broad = np.where(holds, 1 + rng.poisson(EXTRA_MICRO, n), 0)
    k_narrow = rng.binomial(k_broad, NARROW_GIVEN_BROAD)
    k_other = rng.poisson(OTHER_CREDS, n)
    n_creds = k_broad + k_other
    df = pd.DataFrame(
        {
            "person_id": np.char.add("p", np.arange(n).astype(str)),
            "occupation_group": pd.Series(np.array(names, dtype=object)[which]),
            "n_credentials": n_creds,
        }
    )
    for d, k_true in (("broad", k_broad), ("narrow", k_narrow)):
        se, sp = PLANTED[d]
        coded = rng.binomial(k_true, se) + rng.binomial(n_creds - k_true, 1.0 - sp)
        df[f"true_holder_{d}"] = k_true > 0
        df[f"holder_{d}"] = coded > 0
        df[f"n_micro_{d}"] = coded
    return df


def _review(persons: pd.DataFrame, n: int, seed: int) -> dict:
    """A stratified review of ``n`` persons by a reviewer who knows the truth."""
    from microcred.analysis.validation import draw_sample, score_review

    defs = list(PLANTED)
    s = draw_sample(persons, defs, n, seed)
    reviewed = pd.DataFrame(
        {
            "person_id": s["person_id"],
            "stratum": s["stratum"],
            "weight": s["sampling_weight"],
            "coded_noc2021": "",
            "reviewed_noc2021": "",
            **{f"coded_holder_{d}": s[f"holder_{d}"].to_numpy(bool) for d in defs},
            **{f"reviewed_holder_{d}": s[f"true_holder_{d}"].to_numpy(bool) for d in defs},
        }
    )
    # occupation is taken as coded right here: code every study person's row to its group
    groups = {g: g for g, _, _ in UPTAKE_GROUPS}
    reviewed["coded_noc2021"] = s["occupation_group"].fillna("").to_numpy()
    reviewed["reviewed_noc2021"] = reviewed["coded_noc2021"]
    return score_review(reviewed, defs, groups)


def uptake_replicate(n: int, r: int, args: argparse.Namespace) -> list[dict]:
    from microcred.analysis.misclassification import (
        ValidationCounts,
        bias_analysis_share,
        validated_share,
    )
    from microcred.analysis.stats import proportion

    rng = np.random.default_rng([args.seed, n, r])
    persons = _simulate_persons(n, rng)
    review = _review(persons, args.review, seed=args.seed + r)
    rows = []
    groups = [g for g, _, _ in UPTAKE_GROUPS]
    study = persons[persons["occupation_group"].notna()]
    for d, (se, sp) in PLANTED.items():
        tp = rng.binomial(EVAL_POSITIVES, se)
        tn = rng.binomial(EVAL_NEGATIVES, sp)
        confusion = ValidationCounts(tp, EVAL_POSITIVES - tp, EVAL_NEGATIVES - tn, tn)
        e = review["holder_status"][d]["effective_counts"]
        validation = ValidationCounts(e["tp"], e["fn"], e["fp"], e["tn"])
        for g in [*groups, "All occupations of interest"]:
            part = study if g not in groups else study[study["occupation_group"] == g]
            y = part[f"holder_{d}"].to_numpy(bool)
            p = proportion(y)
            seed = args.seed * 7919 + r
            pba = bias_analysis_share(
                part[f"n_micro_{d}"].to_numpy(), part["n_credentials"].to_numpy(), None,
                confusion, seed=seed, draws=args.draws,
            )  # fmt: skip
            val = validated_share(y, None, validation, seed=seed, draws=args.draws)
            for method, (est, lo, hi) in (
                ("naive", (p.share, p.lower, p.upper)),
                ("bias_analysis", (pba.share, pba.lower, pba.upper)),
                ("validation", (val.share, val.lower, val.upper)),
            ):
                rows.append(
                    {"size": n, "rep": r, "group": g, "definition": d, "method": method,
                     "estimate": est, "lower": lo, "upper": hi}
                )  # fmt: skip
    return rows


def uptake_bench(args: argparse.Namespace) -> None:
    """Bias, RMSE and coverage of naive and corrected uptake at each size."""
    truth = _true_rates()
    for n in args.profiles:
        t0 = time.perf_counter()
        rows = []
        for r in range(args.replications):
            rows += uptake_replicate(n, r, args)
        df = pd.DataFrame(rows)
        df["truth"] = [truth[(g, d)] for g, d in zip(df["group"], df["definition"], strict=True)]
        secs = time.perf_counter() - t0
        print(
            f"\n{n:,} profiles × {args.replications} replications ({secs:.0f}s; review sample "
            f"{args.review}; planted per-credential se/sp broad {PLANTED['broad']}, narrow "
            f"{PLANTED['narrow']})"
        )
        print(
            f"{'group':<28} {'def':<7} {'method':<14} {'truth':>7} {'mean':>8} {'bias':>8} "
            f"{'rmse':>7} {'coverage':>9} {'width':>7}"
        )
        for (g, d, m), part in df.groupby(["group", "definition", "method"], sort=False):
            err = part["estimate"] - part["truth"]
            cover = ((part["lower"] <= part["truth"]) & (part["truth"] <= part["upper"])).mean()
            width = (part["upper"] - part["lower"]).mean()
            print(
                f"{g:<28} {d:<7} {m:<14} {part['truth'].iloc[0]:>7.4f} "
                f"{part['estimate'].mean():>8.4f} {err.mean():>+8.4f} "
                f"{np.sqrt((err**2).mean()):>7.4f} {cover:>9.1%} {width:>7.4f}",
                flush=True,
            )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--replications", type=int, default=20)
    ap.add_argument(
        "--profiles", type=int, nargs="+", default=[5000], help="cohort sizes (e.g. 5000 1000000)"
    )
    ap.add_argument("--uptake", action="store_true", help="misclassification, person-level sim")
    ap.add_argument("--review", type=int, default=400, help="review sample size (--uptake)")
    ap.add_argument("--draws", type=int, default=2000, help="Monte Carlo draws (--uptake)")
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--seniority", action="store_true", help="the seniority estimator only")
    ap.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    ap.add_argument("--planted", type=float, default=0.5, help="holder log-odds per rank")
    args = ap.parse_args()
    if args.seniority:
        seniority_bench(args)
        return
    if args.uptake:
        uptake_bench(args)
        return
    for n in args.profiles:
        pipeline_bench(n, args)


def pipeline_bench(profiles: int, args: argparse.Namespace) -> None:
    """The whole pipeline per replication (slow: keep it to 5k–20k profiles)."""
    args = argparse.Namespace(**{**vars(args), "profiles": profiles})
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
        truth = part["population_rate" if w.startswith("weighted") else "sample_rate"].mean()
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
