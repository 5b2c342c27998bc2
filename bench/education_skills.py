"""Throughput of the education and skills coders: distinct strings per second on one core.

Run: ``uv run python bench/education_skills.py [--n 100000] [--repeat 3]``. Prints load
time and throughput over ``--repeat`` runs: the median (the headline figure) and the
best, in CPU time of the one Python thread (``time.process_time``: the host is shared,
so wall clock mostly measures the other jobs) and in wall clock.
Inputs are synthetic but realistic: labelled-set spellings recombined, case and
punctuation varied, typos and junk added so that the fuzzy pass has a residue.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import string
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa

from microcred.coding.education import EducationCoder
from microcred.coding.skills import SkillCoder

ROOT = Path(__file__).resolve().parents[1]


def _timed(fn, repeat: int = 1):
    """Runs ``fn`` ``repeat`` times: (last output, wall times, CPU times)."""
    out, walls, cpus = None, [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return out, walls, cpus


def _rate(label: str, n: int, walls: list[float], cpus: list[float]) -> str:
    """Distinct strings per CPU second (median / best) and per wall-clock second (median)."""
    med, best = statistics.median(cpus), min(cpus)
    return (
        f"{label}: {n:,} distinct in {med:.2f} s CPU (median of {len(cpus)}) "
        f"→ {n / med:,.0f}/s CPU median, {n / best:,.0f}/s CPU best, "
        f"{n / statistics.median(walls):,.0f}/s wall median"
    )


def _vary(rng: random.Random, s: str) -> str:
    r = rng.random()
    if r < 0.25:
        return s.upper()
    if r < 0.5:
        return s.lower()
    if r < 0.6:
        return s.replace(" ", "  ") + " "
    return s


def _typo(rng: random.Random, s: str) -> str:
    if len(s) < 4:
        return s
    i = rng.randrange(1, len(s) - 1)
    return s[:i] + rng.choice(string.ascii_lowercase) + s[i + 1 :]


def education_inputs(n: int, seed: int) -> pa.Table:
    rng = random.Random(seed)
    frames = [
        pd.read_csv(ROOT / "eval" / "education" / f, dtype=str, keep_default_na=False)
        for f in ("labelled.csv", "dev.csv", "holdout.csv")
    ]
    df = pd.concat(frames)
    degrees, fields, schools = df.degree.tolist(), df.field.tolist(), df.school.tolist()
    rows: set[tuple[str, str, str]] = set()
    while len(rows) < n:
        d = _vary(rng, rng.choice(degrees))
        f = _vary(rng, rng.choice(fields))
        s = rng.choice(schools) + ("" if rng.random() < 0.7 else f" {rng.randrange(10_000)}")
        rows.add((d, f, s))
    ordered = sorted(rows)
    return pa.table(
        {
            "degree": [r[0] or None for r in ordered],
            "field": [r[1] or None for r in ordered],
            "school": [r[2] or None for r in ordered],
        }
    )


def skill_inputs(coder: SkillCoder, n: int, seed: int) -> pa.Array:
    rng = random.Random(seed)
    labels = pd.read_csv(ROOT / "eval" / "skills" / "labelled.csv", dtype=str).skill.tolist()
    keys = sorted(coder.exact)
    words = [w for k in keys[:5000] for w in k.split()]
    out: set[str] = set()
    while len(out) < n:
        r = rng.random()
        base = rng.choice(labels) if r < 0.3 else rng.choice(keys)
        if r < 0.6:
            s = _vary(rng, base)
        elif r < 0.75:
            s = f"{rng.choice(['Advanced', 'Basic'])} {base} ({rng.choice(['Software', 'Programming Language'])})"
        elif r < 0.9:
            s = _typo(rng, base)
        else:
            s = " ".join(rng.choice(words) for _ in range(rng.randint(1, 3)))
        out.add(s)
    return pa.array(sorted(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=100_000, help="distinct strings per coder")
    ap.add_argument("--seed", type=int, default=20231129)
    ap.add_argument("--repeat", type=int, default=3, help="runs per coder (median and best)")
    args = ap.parse_args()

    edu, (wall,), (cpu,) = _timed(EducationCoder.load)
    print(f"education: load {wall:.2f} s wall / {cpu:.2f} s CPU")
    batch = education_inputs(args.n, args.seed)
    _, walls, cpus = _timed(lambda: edu.code(batch), args.repeat)
    print(_rate("education (degree, field, school)", batch.num_rows, walls, cpus))

    sk, (wall,), (cpu,) = _timed(SkillCoder.load)
    print(f"skills: load {wall:.2f} s wall / {cpu:.2f} s CPU")
    skills = skill_inputs(sk, args.n, args.seed)
    coded, walls, cpus = _timed(lambda: sk.code(skills), args.repeat)
    methods = pd.Series(coded["coding_method"].to_pylist()).str.split(":").str[0].value_counts()
    print(_rate("skills (hard mix)", len(skills), walls, cpus))
    print("skills methods: " + ", ".join(f"{k}={v}" for k, v in methods.items()))

    # The other end: only spellings the dictionaries know (what most profile skills are).
    known = pa.array(sorted(sk.exact)[: args.n])
    _, walls, cpus = _timed(lambda: sk.code(known), args.repeat)
    print(_rate("skills (dictionary spellings only)", len(known), walls, cpus))
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
