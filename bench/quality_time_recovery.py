"""Recovery of planted truth by the quality and time tables: coverage and bias per estimand.

    uv run python bench/quality_time_recovery.py --replications 20 --profiles 2000

Each replication draws a study with planted tier shares (quality) or a planted
exponential time from entry to a first microcredential (time) from
``microcred.synth.planted_quality_time`` and runs the analyses (no coders: their
errors would blur the check). Prints, per estimand, the coverage of the 95 %
intervals (should be near 95 %) and the mean bias.
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import pyarrow as pa

from microcred.analysis.quality import quality_tables, study_credentials
from microcred.analysis.timeline import time_tables
from microcred.synth.planted_quality_time import (
    Planted,
    planted_study,
    truth_cumulative,
    truth_uptake_by_year,
)


def _tables(seed: int, p: Planted) -> dict:
    sf, creds = planted_study(seed, p)
    ce = study_credentials(sf, pa.Table.from_pandas(creds, preserve_index=False))
    return {t.name: t.data for t in quality_tables(sf, ce) + time_tables(sf, ce)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replications", type=int, default=20)
    ap.add_argument("--profiles", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    quality = Planted(n=args.profiles, p_tier={"A": 0.15, "B": 0.08}, p_unknown=0.05)
    timing = Planted(n=args.profiles, p_tier={"A": 0.0, "B": 0.0}, p_unknown=0.0, hazard=0.08)
    hits: dict[str, list[bool]] = defaultdict(list)
    err: dict[str, list[float]] = defaultdict(list)
    for r in range(args.replications):
        q = _tables(args.seed + r, quality)["quality_holders_by_tier"]
        q = q[(q.definition == "broad") & q.occupation_group.str.startswith("All")]
        truth = {"A": 0.15, "B": 0.08, "unknown": 0.05}
        for row in q[q.quality_tier.isin(list(truth))].itertuples():
            key = f"holders of tier {row.quality_tier}"
            hits[key].append(row.lower <= truth[row.quality_tier] <= row.upper)
            err[key].append(row.share - truth[row.quality_tier])
        t = _tables(args.seed + 1000 + r, timing)
        up = t["time_uptake_by_year"]
        up = up[(up.definition == "broad") & up.occupation_group.str.startswith("All")]
        for row in up[up.year.isin([2014, 2018, 2022, 2024])].itertuples():
            key, want = f"uptake as of {row.year}", truth_uptake_by_year(timing, row.year)
            hits[key].append(row.lower <= want <= row.upper)
            err[key].append(row.share - want)
        km = t["time_entry_to_first_credential"]
        for row in km[km.definition == "broad"].itertuples():
            key = f"first credential within {row.years_since_entry}y of entry"
            want = truth_cumulative(timing, row.years_since_entry)
            hits[key].append(row.lower <= want <= row.upper)
            err[key].append(row.cumulative_share - want)
    print(f"{'estimand':42s} {'coverage':>9s} {'bias':>9s}  ({args.replications} replications)")
    for key in hits:
        cov = sum(hits[key]) / len(hits[key])
        bias = sum(err[key]) / len(err[key])
        print(f"{key:42s} {cov:9.1%} {bias:+9.4f}")


if __name__ == "__main__":
    main()
