"""Throughput of the bulk-JSONL reader (goal: ~1M person lines a minute on one core).

Writes N realistic vendor-shaped lines (3 positions, 1-2 educations, 0-2 certifications,
8 skills, mixed date shapes) to a temporary file and times ``read_source("jsonl", ...)``.

    uv run python bench/bench_sources_jsonl.py [N]
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa

from microcred.pseudonym import Pseudonymizer
from microcred.sources import read_source

TITLES = ["Data Scientist", "Software Engineer", "Développeur logiciel", "Analyste de données"]
TITLES += ["Senior SWE", "ML Engineer", "QA Analyst", "DevOps Engineer", "Business Analyst"]
PLACES = ["Toronto, Ontario, Canada", "Greater Montreal Metropolitan Area", "Vancouver, BC"]
PLACES += ["Ottawa, ON", "Calgary, Alberta, Canada", "Région de Québec", "Halifax, Nova Scotia"]
CERTS = [
    ("AWS Certified Cloud Practitioner", "Amazon Web Services", "https://www.credly.com/badges/x/y")
]
CERTS += [("Google Data Analytics", "Coursera", "https://www.coursera.org/verify/ABC")]
SKILLS = ["Python", "SQL", "Java", "Excel", "Tableau", "Docker", "Kubernetes", "R", "Git", "Spark"]


def _date(rng: random.Random) -> object:
    y, m = rng.randint(2000, 2024), rng.randint(1, 12)
    return rng.choice([f"{y}-{m:02d}", str(y), {"year": y, "month": m}, f"{y}-{m:02d}-15"])


def line(i: int, rng: random.Random) -> str:
    person = {
        "id": f"p{i:08d}",
        "location": rng.choice(PLACES),
        "industry": "IT Services",
        "experience": [
            {
                "title": rng.choice(TITLES),
                "company": f"Company {rng.randint(1, 5000)}",
                "start": _date(rng),
                "end": _date(rng) if k else None,
                "location": rng.choice(PLACES),
            }
            for k in range(3)
        ],  # fmt: skip
        "education": [
            {
                "school": "University of Somewhere",
                "degree": "Bachelor of Science - BS, Computer Science",
                "start": "2010",
                "end": "2014",
            }
            for _ in range(rng.randint(1, 2))
        ],  # fmt: skip
        "certifications": [
            {"name": n, "authority": a, "url": u, "start": _date(rng)}
            for n, a, u in rng.sample(CERTS, rng.randint(0, 2))
        ],
        "skills": rng.sample(SKILLS, 8),
    }
    return json.dumps(person, ensure_ascii=False)


def loop_ns() -> float:
    """CPU ns per empty Python loop step: ~10-15 on an idle modern core; tells a busy machine."""
    start = time.process_time()
    for _ in range(2_000_000):
        pass
    return (time.process_time() - start) / 2_000_000 * 1e9


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for i in range(n):
                fh.write(line(i, rng) + "\n")
        size = path.stat().st_size
        pa.array([1])  # warm-up: pyarrow's first list conversion imports pandas
        start = time.perf_counter()
        cpu = time.process_time()
        batch = read_source("jsonl", path, Pseudonymizer(b"bench-key-0123456789abcdef"))
        wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    t = batch.totals()
    print(f"calibration: empty loop step = {loop_ns():.0f} ns CPU")
    print(f"lines={n} bytes={size / 1e6:.1f}MB wall={wall:.2f}s cpu={cpu:.2f}s")
    print(
        f"throughput={n / wall * 60 / 1e6:.2f}M lines/min (wall), {n / cpu * 60 / 1e6:.2f}M (cpu)"
    )
    print({k: v.num_rows for k, v in batch.tables.items()}, t)


if __name__ == "__main__":
    main()
