"""Benchmark ``microcred synth``: generate time, parquet write time and peak RSS.

Usage: uv run python bench/synth.py --profiles 1000000 [--seed 1] [--format parquet] [--out DIR]
Target (issue 2): 1,000,000 profiles generated and written as parquet in under 2 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from microcred import synth
from microcred.synth.knowledge import load_knowledge


def _peak_rss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def _cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profiles", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--format", default="parquet", choices=synth.FORMATS)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    c0 = _cpu_s()
    t0 = time.perf_counter()
    load_knowledge()
    t1 = time.perf_counter()
    cohort = synth.generate(args.profiles, args.seed)
    t2 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        synth.write(cohort, args.format, out)
        t3 = time.perf_counter()
    rows = {name: t.num_rows for name, t in cohort.tables.items()}
    print(f"profiles            {args.profiles:,}")
    print(f"rows                {', '.join(f'{k}={v:,}' for k, v in rows.items())}")
    print(f"load reference data {t1 - t0:6.1f} s")
    print(f"generate            {t2 - t1:6.1f} s")
    print(f"write {args.format:<14}{t3 - t2:6.1f} s")
    print(f"total               {t3 - t0:6.1f} s")
    print(f"CPU time (user+sys) {_cpu_s() - c0:6.1f} s  (wall time is inflated on a busy machine)")
    print(
        f"load average        {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores"
    )
    print(f"peak RSS            {_peak_rss_mb():,.0f} MB")


if __name__ == "__main__":
    main()
