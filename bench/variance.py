"""Weighted intervals: coverage of the calibrated (linearisation with calibration residuals)
and of Kish's intervals on raked samples, and the cost of one calibrated variance.

    uv run python bench/variance.py --draws 300 --sample 1500
    uv run python bench/variance.py --timing-only --sizes 100000 1000000

Coverage: a fixed population (region × education, a share that depends on both, a
30 % subgroup crossing every cell, a skewed measure) is sampled with unequal,
cell-dependent probabilities; each sample is raked (``analysis.weighting.rake``) to the
population's counts, and the 95 % intervals of the share, of the subgroup's share and
of the mean are checked against the population values. Timing: one calibrated variance
(joint raking cells cached, as the analyses reuse the study-wide cell matrix) on
synthetic people in two NOC-crossed margins.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from microcred.analysis.stats import linearised_variance, mean_ci, proportion
from microcred.analysis.weighting import rake
from microcred.config import WeightingConfig


def coverage(draws: int, sample: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = 60_000
    region = rng.choice(["a", "b", "c", "d"], size, p=[0.4, 0.3, 0.2, 0.1])
    edu = rng.choice(["college", "bachelor", "master"], size, p=[0.3, 0.5, 0.2])
    logit = (
        -2.0
        + pd.Series(region).map({"a": 0.0, "b": 0.8, "c": -0.5, "d": 1.2}).to_numpy()
        + pd.Series(edu).map({"college": -0.7, "bachelor": 0.0, "master": 1.5}).to_numpy()
    )
    y = rng.random(size) < 1 / (1 + np.exp(-logit))
    pop = pd.DataFrame(
        {
            "region": region,
            "edu": edu,
            "y": y,
            "domain": rng.random(size) < 0.3,
            "x": 5 + 3 * y + rng.gamma(2.0, 2.0, size),
        }
    )
    margins = {
        ("region",): pop.groupby("region").size().rename("population").reset_index(),
        ("edu",): pop.groupby("edu").size().rename("population").reset_index(),
    }
    truth = {"share": pop.y.mean(), "domain": pop.y[pop.domain].mean(), "mean": pop.x.mean()}
    pi = (
        pop.region.map({"a": 1.0, "b": 2.0, "c": 1.0, "d": 3.0})
        * pop.edu.map({"college": 0.6, "bachelor": 1.0, "master": 2.0})
    ).to_numpy()
    pi = pi / pi.sum() * sample
    cfg = WeightingConfig(trim_upper=100, tolerance=1e-9, max_iter=200)
    hits = {(k, m): 0 for k in truth for m in ("calibrated", "kish")}
    width = {"calibrated": 0.0, "kish": 0.0}
    for _ in range(draws):
        s = pop[rng.random(len(pop)) < pi].reset_index(drop=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            w = rake(s[["region", "edu"]], margins, cfg).weights
        cells = np.column_stack([pd.factorize(s.region)[0], pd.factorize(s.edu)[0]])
        yy, dom, xx = s.y.to_numpy(), s.domain.to_numpy(), s.x.to_numpy()
        for method, cc in (("calibrated", cells), ("kish", None)):
            p = proportion(yy, w, cc)
            d = proportion(yy, w, cc, domain=dom)
            m = mean_ci(xx, w, cc)
            hits[("share", method)] += p.lower <= truth["share"] <= p.upper
            hits[("domain", method)] += d.lower <= truth["domain"] <= d.upper
            hits[("mean", method)] += m.lower <= truth["mean"] <= m.upper
            width[method] += p.upper - p.lower
    print(f"coverage of 95 % intervals over {draws} raked samples of ~{sample:,}:")
    print(f"{'estimate':<10}{'calibrated':>12}{'kish':>10}")
    for k in truth:
        print(f"{k:<10}{hits[(k, 'calibrated')] / draws:>12.1%}{hits[(k, 'kish')] / draws:>10.1%}")
    print(
        f"mean width of the share's interval: calibrated {width['calibrated'] / draws:.4f}, "
        f"kish {width['kish'] / draws:.4f}"
    )


def timing(sizes: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    for n in sizes:
        noc = rng.integers(0, 50, n)
        cells = np.column_stack(
            [noc * 13 + rng.integers(0, 13, n), noc * 8 + rng.integers(0, 8, n)]
        )
        w = rng.uniform(1, 10, n)
        u = rng.normal(size=n)
        t = time.perf_counter()
        linearised_variance(u, w, cells)
        first = time.perf_counter() - t
        t = time.perf_counter()
        for k in range(5):
            linearised_variance(u * (k + 2), w, cells)
        print(
            f"n={n:>10,}: first call {first:.3f} s (finds the joint cells), "
            f"then {(time.perf_counter() - t) / 5:.3f} s per estimate"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=300)
    ap.add_argument("--sample", type=int, default=1500)
    ap.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--seed", type=int, default=20261205)
    ap.add_argument("--timing-only", action="store_true")
    args = ap.parse_args()
    if not args.timing_only:
        coverage(args.draws, args.sample, args.seed)
    timing(args.sizes, args.seed)


if __name__ == "__main__":
    main()
