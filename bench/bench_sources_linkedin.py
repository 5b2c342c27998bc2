"""Throughput of the LinkedIn export reader on a cohort of N folder exports.

Copies the hand-made fixture exports (tests/sources/fixtures/linkedin_cohort) N/2 times
each into a temporary cohort (each copy's Profile.csv made distinct, so each is a
person) and times ``read_source("linkedin-export", ...)``.

    uv run python bench/bench_sources_linkedin.py [N]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa

from microcred.pseudonym import Pseudonymizer
from microcred.sources import read_source

FIXTURE = Path(__file__).resolve().parents[1] / "tests/sources/fixtures/linkedin_cohort"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    sources = sorted(p for p in FIXTURE.iterdir() if p.is_dir())
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cohort"
        for i in range(n):
            export = root / f"export_{i:07d}"
            shutil.copytree(sources[i % len(sources)], export)
            # a distinct person per copy: byte-identical exports are read once (one person)
            profile = export / "Profile.csv"
            head, _, rest = profile.read_text(encoding="utf-8").partition("\n")
            profile.write_text(f"{head}\nP{i}{rest}", encoding="utf-8")
        pa.array([1])  # warm-up: pyarrow's first list conversion imports pandas
        start, cpu = time.perf_counter(), time.process_time()
        batch = read_source("linkedin-export", root, Pseudonymizer(b"bench-key-0123456789abcdef"))
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    t = batch.totals()
    print(f"exports={n} files={t['files']} rows={t['rows_read']} wall={wall:.2f}s cpu={cpu:.2f}s")
    print(f"throughput={n / wall:.0f} exports/s (wall), {n / cpu:.0f} (cpu)")


if __name__ == "__main__":
    main()
