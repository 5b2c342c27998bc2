"""Throughput of the credential coder on distinct (name, authority, url_host) triples.

Run: ``uv run python bench/credentials.py [--n 100000] [--repeat 3]``. Prints load time,
distinct strings coded per CPU-second on one core (after loading; best and median of the
runs, each with a fresh coder, because the host is shared), and how much went to the model.
The triples are synthetic variations of catalogue phrases, keyword templates and
free-text topics (seeded), so most are distinct and a realistic share is long tail.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pyarrow as pa  # noqa: E402

from microcred.coding.credentials import CredentialCoder, load_catalogue  # noqa: E402
from microcred.coding.credentials.model import TEMPLATES, TOPICS  # noqa: E402

EXTRA_TOPICS = (
    "Kubernetes networking", "Rust programming", "MLOps", "data governance", "Power Apps",
    "ethique des donnees", "Spark streaming", "graph databases", "computer vision",
    "NLP with transformers", "R Shiny dashboards", "Go microservices", "Terraform modules",
)  # fmt: skip
SUFFIXES = (
    "",
    " 2023",
    " (2022)",
    " - Level 2",
    " v2",
    " Certificate",
    " certification",
    " course",
    " ",
)
HOSTS = (
    None, None, None, "coursera.org/verify", "credly.com/badges", "udemy.com/certificate",
    "linkedin.com/learning", "learn.microsoft.com/api", "verify.skilljar.com/c", "accredible.com/x",
)  # fmt: skip


def triples(n: int, seed: int = 7) -> list[tuple[str, str | None, str | None]]:
    cat = load_catalogue()
    rng = random.Random(seed)
    names = [p for f in cat.families for p in f.phrases] + [f.family for f in cat.families]
    for tpls in TEMPLATES.values():
        for tpl in tpls:
            names += [tpl.format(t=t) for t in (*TOPICS, *EXTRA_TOPICS)]
    authorities = (
        [None, None]
        + [p.name for p in cat.providers]
        + [a for p in cat.providers for a in p.aliases[:2]]
        + ["Acme Analytics Inc", "Institut XYZ", "Self-study"]
    )
    out: set[tuple[str, str | None, str | None]] = set()
    while len(out) < n:
        name = rng.choice(names) + rng.choice(SUFFIXES)
        if rng.random() < 0.3:
            name = name.upper() if rng.random() < 0.3 else name.title()
        if rng.random() < 0.2:
            name = f"{name} #{rng.randint(1, 999)}"
        out.add((name, rng.choice(authorities), rng.choice(HOSTS)))
    return sorted(out, key=lambda t: (t[0], t[1] or "", t[2] or ""))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="coding runs (the host is shared)")
    args = parser.parse_args()
    rows = triples(args.n)
    batch = pa.table(
        {
            "name": [r[0] for r in rows],
            "authority": [r[1] for r in rows],
            "url_host": [r[2] for r in rows],
        }
    )
    t0 = time.perf_counter()
    coder = CredentialCoder.load()
    t1 = time.perf_counter()
    coder._fallback()  # train the fallback model now so the timing below is "after loading"
    t2 = time.perf_counter()
    walls: list[float] = []
    cpus: list[float] = []
    for attempt in range(args.repeat):
        if attempt:
            coder = CredentialCoder.load()  # a fresh coder: no name facts cached from before
        w0, c0 = time.perf_counter(), time.process_time()
        coded = coder.code(batch)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    methods = coded["coding_method"].to_pylist()
    types = coded["credential_type"].to_pylist()
    print(f"distinct triples:          {len(rows):,}")
    print(f"catalogue + rules load:    {t1 - t0:.2f} s")
    print(f"fallback model training:   {t2 - t1:.2f} s")
    cpu_best, cpu_median = min(cpus), statistics.median(cpus)
    print(f"coding runs:               {args.repeat} (fresh coder each; best / median)")
    print(f"coding, wall clock:        {min(walls):.2f} s / {statistics.median(walls):.2f} s")
    print(f"coding, CPU time:          {cpu_best:.2f} s / {cpu_median:.2f} s")
    print(f"throughput, wall clock:    {len(rows) / min(walls):,.0f} distinct strings/s (best)")
    print(
        f"throughput, per CPU second:{len(rows) / cpu_best:,.0f} / {len(rows) / cpu_median:,.0f}"
        " distinct strings/s (one core; best / median)"
    )
    print(f"load average at the end:   {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"coded by the model:        {methods.count('model') / len(rows):.1%}")
    print(f"unknown:                   {types.count('unknown') / len(rows):.1%}")


if __name__ == "__main__":
    main()
