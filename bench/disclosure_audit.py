"""Disclosure audit over random cohorts: can any suppressed cell of a release be worked out?

    uv run python bench/disclosure_audit.py --cohorts 20 --min-profiles 200 --max-profiles 5000

Each cohort draws a synthetic population of a random size (seeded) and runs the whole
demo pipeline (which already refuses to publish a release that fails the audit); the
published tables are then audited again from the files. Per cohort it prints the
profiles, the protected cells checked, the suppressed counts, the narrowest interval
among cells that need one, the number of recoverable cells (must be 0) and the time the
release and the audit took. Exits 1 when any cohort has a recoverable cell.
"""

from __future__ import annotations

import argparse
import math
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from microcred.datadir import DataDir
from microcred.demo import run_demo
from microcred.release.audit import audit_tables
from microcred.release.linked import DisclosureAuditError


def cohort(i: int, profiles: int, seed: int, work: Path) -> dict:
    t0 = time.perf_counter()
    try:
        res = run_demo(
            profiles=profiles, out=work / f"c{i}", seed=seed, data_dir=DataDir(), quiet=True
        )
    except DisclosureAuditError as exc:  # the run refused to publish
        return {"cohort": i, "profiles": profiles, "seed": seed, "error": str(exc)}
    timings = res.manifest["timings_seconds"]
    t1 = time.perf_counter()
    result = audit_tables(res.out_dir / "tables")
    audit_s = time.perf_counter() - t1
    needing = [r for r in result.intervals if r.lower < r.min_cell]
    narrowest = min((r.width for r in needing), default=math.inf)
    return {
        "cohort": i,
        "profiles": profiles,
        "seed": seed,
        "protected_cells": len(result.intervals),
        "suppressed": sum(t["suppressed"] for t in result.tables),
        "counts": sum(t["counts"] for t in result.tables),
        "narrowest_small_cell_width": narrowest,
        "recoverable": len(result.failures),
        "release_s": timings.get("release", float("nan")),
        "audit_s": audit_s,
        "run_s": t1 - t0,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cohorts", type=int, default=20)
    p.add_argument("--min-profiles", type=int, default=200)
    p.add_argument("--max-profiles", type=int, default=5000)
    p.add_argument("--seed", type=int, default=2026)
    args = p.parse_args()
    os.environ.setdefault("MICROCRED_PSEUDONYM_KEY", secrets.token_hex(32))
    rng = np.random.default_rng(args.seed)
    sizes = rng.integers(args.min_profiles, args.max_profiles + 1, size=args.cohorts)
    print(
        "cohort profiles  counts suppressed protected narrowest recoverable "
        "release_s audit_s run_s",
        flush=True,
    )
    bad = 0
    with tempfile.TemporaryDirectory(prefix="microcred-audit-") as tmp:
        for i, n in enumerate(sizes):
            row = cohort(i, int(n), args.seed + i, Path(tmp))
            if "error" in row:
                bad += 1
                print(f"{i:6d} {n:8d}  run refused: {row['error']}", flush=True)
                continue
            bad += row["recoverable"] > 0
            print(
                f"{i:6d} {row['profiles']:8d} {row['counts']:7d} {row['suppressed']:10d} "
                f"{row['protected_cells']:9d} {row['narrowest_small_cell_width']:9.1f} "
                f"{row['recoverable']:11d} {row['release_s']:9.1f} {row['audit_s']:7.1f} "
                f"{row['run_s']:5.0f}",
                flush=True,
            )
    print(f"{args.cohorts - bad}/{args.cohorts} cohorts with 0 recoverable cells")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
