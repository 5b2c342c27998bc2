"""Accuracy and interval coverage of the DP headline (uptake by occupation group).

    uv run python bench/dp_accuracy.py --sizes 5000 20000 100000 --reps 300 --epsilon 1

Synthetic counts with a known truth, not the pipeline: for each cohort size, people in the
occupations of interest (``--in-study`` of the profiles, spread evenly over the NOC unit
groups of the default configuration) are drawn each replication from a population with
known uptake per group (sampling), and the real DP release code measures and
post-processes them (OpenDP discrete Gaussian, least squares, TopDown rounding, shares and
intervals: ``dp_release.uptake_tables``). Per size it prints (``--noc``: per NOC unit group), for every group and the
all-groups row under each definition, the 95th percentile of the DP error
|share − sample share|, the analytic 95 % DP error the plan promises, and the share of
intervals covering the population share. Targets (issue 21): DP error ≤ 1 pp at 100k and
≤ 3 pp at 20k for every group; coverage 93–97 %.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np
import pandas as pd

from microcred.analysis.frame import ALL_GROUPS
from microcred.config import StudyConfig
from microcred.release.dp_accuracy import expected_errors
from microcred.release.dp_plan import build_plan, holder_statuses
from microcred.release.dp_release import uptake_tables

# population uptake (broad, narrow) per group: the truth the intervals must cover
TRUTH = {"Data scientists": (0.35, 0.20), "Software professionals": (0.25, 0.12)}


def _status_probs(broad: float, narrow: float, statuses: list[tuple[bool, ...]]) -> np.ndarray:
    p = {(False, False): 1 - broad, (True, False): broad - narrow, (True, True): narrow}
    return np.array([p[s] for s in statuses])


def _study(cfg: StudyConfig, people_noc: int, rng: np.random.Generator) -> pd.DataFrame:
    statuses = holder_statuses(cfg)
    nocs, flags = [], []
    for code, group in cfg.occupation_codes.items():
        counts = rng.multinomial(people_noc, _status_probs(*TRUTH[group], statuses))
        for s, c in zip(statuses, counts, strict=True):
            nocs.append(np.full(c, code, dtype=object))
            flags.append(np.tile(np.array(s, dtype=bool), (c, 1)))
    f = np.vstack(flags)
    n = len(f)
    return pd.DataFrame(
        {
            "person_id": np.arange(n),
            "in_study": True,
            "noc2021": np.concatenate(nocs),
            "holder_broad": f[:, 0],
            "holder_narrow": f[:, 1],
        }
    )


def _population_share(cfg: StudyConfig, group: str, d: int) -> float:
    if group != ALL_GROUPS:
        return TRUTH[group][d]
    sizes = {g.name: len(g.noc2021) for g in cfg.occupations}
    return sum(TRUTH[g][d] * k for g, k in sizes.items()) / sum(sizes.values())


def bench(
    size: int, reps: int, epsilon: float, in_study: float, seed: int, noc: bool = False
) -> list[dict]:
    cfg = StudyConfig.model_validate({"dp": {"enabled": True, "total": {"epsilon": epsilon}}})
    plan0 = build_plan(cfg)
    people_noc = round(size * in_study / len(cfg.occupation_codes))
    rng = np.random.default_rng(seed)
    defs = cfg.definition_names()
    rows: dict[tuple[str, str], dict[str, list[float]]] = {}
    for _ in range(reps):
        study = _study(cfg, people_noc, rng)
        plan = replace(plan0, spent=0.0, measured=[])
        made = uptake_tables(study, cfg, plan)[0]
        table = (made[1] if noc else made[0]).data
        for _, r in table.iterrows():
            d = defs.index(r["definition"])
            g = r["occupation_group"]
            if noc:
                cell, sub = str(r["noc2021"]), study[study.noc2021 == r["noc2021"]]
            else:
                cell = g
                sub = study if g == ALL_GROUPS else study[
                    study.noc2021.map(cfg.occupation_codes) == g
                ]  # fmt: skip
            sample = float(sub[f"holder_{r['definition']}"].mean())
            truth = _population_share(cfg, g, d)
            acc = rows.setdefault((r["definition"], cell), {"dp": [], "cover": []})
            acc["dp"].append(abs(r["share"] - sample))
            acc["cover"].append(float(r["lower"] <= truth <= r["upper"]))

    def promised(d: str, cell: str) -> float:
        di = defs.index(d)
        group = cfg.occupation_codes[cell] if noc else cell
        p = _population_share(cfg, group, di)
        errs = expected_errors(cfg, plan0, size, in_study, p, definition=di)
        estimand = "uptake_by_noc" if noc else "uptake_by_group"
        return next(e.share_error95 for e in errs if e.estimand == estimand and e.cell == cell)

    def people(cell: str) -> int:
        if noc:
            return people_noc
        if cell == ALL_GROUPS:
            return people_noc * len(cfg.occupation_codes)
        return people_noc * sum(1 for g in cfg.occupation_codes.values() if g == cell)

    return [
        {
            "profiles": size,
            "definition": d,
            "group": cell,
            "people": people(cell),
            "dp_error95_pp": 100 * float(np.quantile(v["dp"], 0.95)),
            "promised_pp": 100 * promised(d, cell),
            "coverage": float(np.mean(v["cover"])),
        }
        for (d, cell), v in rows.items()
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000, 100000])
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--epsilon", type=float, default=1.0)
    ap.add_argument("--in-study", type=float, default=0.4)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--noc", action="store_true", help="uptake_by_noc instead of by group")
    args = ap.parse_args()
    print(
        f"total ε={args.epsilon:g} (δ=1e-6), {args.reps} replications, "
        f"{args.in_study:.0%} of profiles in study; DP error = 95th percentile of "
        "|DP share − sample share|; coverage of the population share"
    )
    print(
        f"{'profiles':>8} {'definition':<8} {'group or NOC':<28} {'people':>7} "
        f"{'DP err95 pp':>11} {'promised pp':>11} {'coverage':>8}"
    )
    for size in args.sizes:
        t0 = time.perf_counter()
        for r in bench(size, args.reps, args.epsilon, args.in_study, args.seed, args.noc):
            print(
                f"{r['profiles']:>8} {r['definition']:<8} {r['group']:<28} {r['people']:>7} "
                f"{r['dp_error95_pp']:>11.2f} {r['promised_pp']:>11.2f} {r['coverage']:>8.1%}"
            )
        print(f"  ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
