"""Pipeline benchmark: the floor query, each stage's time and peak RSS, side by side per size.

    uv run python bench/pipeline.py --profiles 100000 [--engine duckdb|spark] [--scale 10] [--memory-limit 4GB]
    uv run python bench/pipeline.py --profiles 2000 --scale 0 --engine spark --spark-master spark://127.0.0.1:7077

One table: a column per size (N and, with --scale, scale·N) and their ratio; rows for the
floor query, every stage (seconds and that stage's own peak RSS), the whole run, features ÷
floor, and the targets of issue 18 (features ≤ 5× the floor; every stage's scale·N ÷ N ≤ 10.5
for --scale 10; peak RSS ≤ 6 GB).

The cohort is generated once per (N, seed) into --work (synthesis is not timed); past a
million profiles it is drawn a million at a time, so ten million fit on a 24 GB machine.
Each pipeline run happens in a fresh child process so its peak RSS is its own.
The "floor" is DuckDB over the same input reading every column of every table, joining
positions to persons and grouping by person: the least any pipeline must do.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

CHUNK = 1_000_000  # profiles synthesised at a time: the generator holds ~3 GB per million


def ensure_cohort(n: int, seed: int, work: Path) -> Path:
    """The cohort's canonical Parquet tables, synthesised once per (N, seed) and kept in ``work``.

    Up to a million profiles are one draw. Larger cohorts are drawn a million at a time
    (seeds ``seed·1000 + chunk``, person ids prefixed by the chunk so they stay unique and
    sorted) and appended to one file a table, so synthesis never holds more than a chunk.
    """
    target = work / f"cohort-{n}-{seed}"
    if (target / ".done").exists():
        return target / "tables"
    from microcred import synth
    from microcred.datadir import DataDir

    t = time.perf_counter()
    data_dir = DataDir()
    if n <= CHUNK:
        written = synth.write(synth.generate(n, seed=seed, data_dir=data_dir), "parquet", target)
        input_dir = written.input_path
    else:
        input_dir = _chunked_cohort(n, seed, data_dir, target)
    (target / ".done").write_text("ok")
    print(
        f"  synthesised {n:,} profiles in {time.perf_counter() - t:.1f}s (not part of the figures)"
    )
    return input_dir


def _chunked_cohort(n: int, seed: int, data_dir: object, target: Path) -> Path:
    import gc

    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from microcred import synth
    from microcred.synth.margins import write_margins

    tables_dir = target / "tables"
    tables_dir.mkdir(parents=True, exist_ok=True)
    writers: dict[str, pq.ParquetWriter] = {}
    chunks = (n + CHUNK - 1) // CHUNK
    try:
        for i in range(chunks):
            size = min(CHUNK, n - i * CHUNK)
            cohort = synth.generate(size, seed=seed * 1000 + i, data_dir=data_dir)
            if i == 0:  # population margins do not depend on the draw
                write_margins(cohort.knowledge, cohort.population, target / "margins")
            for name, table in sorted(cohort.tables.items()):
                if "person_id" in table.column_names:
                    pid = pc.binary_join_element_wise(f"k{i:03d}-", table["person_id"], "")
                    table = table.set_column(
                        table.schema.get_field_index("person_id"), "person_id", pid
                    )
                if name not in writers:
                    writers[name] = pq.ParquetWriter(
                        tables_dir / f"{name}.parquet", table.schema, compression="zstd"
                    )
                writers[name].write_table(table, row_group_size=1 << 20)
            del cohort
            gc.collect()
            print(f"  chunk {i + 1}/{chunks} synthesised", flush=True)
    finally:
        for w in writers.values():
            w.close()
    return tables_dir


def floor_query(input_dir: Path) -> float:
    """Seconds for DuckDB to read every column of every table, join positions to persons
    and group by person (the result fetched as Arrow): the least any pipeline must do.

    Every value is hashed, so no column is skipped (a bare ``count(*)`` reads only the
    Parquet footer, and fetching millions of rows as Python tuples times Python, not I/O).
    """
    import pyarrow.parquet as pq

    con = duckdb.connect()
    t = time.perf_counter()
    for name in ("persons", "positions", "educations", "credentials", "skills", "learning"):
        p = input_dir / f"{name}.parquet"
        if p.exists():
            cols = ", ".join(f'sum(hash("{c}"))' for c in pq.read_schema(p).names)
            con.execute(f"SELECT count(*), {cols} FROM read_parquet('{p}')").fetchall()
    con.sql(
        f"""SELECT p.person_id, count(*) AS n, max(q.start_date)
            FROM read_parquet('{input_dir / "persons.parquet"}') p
            JOIN read_parquet('{input_dir / "positions.parquet"}') q USING (person_id)
            GROUP BY p.person_id"""
    ).to_arrow_table()
    return time.perf_counter() - t


# Per-stage peak RSS: at each stage start the child resets the kernel's high-water mark
# (/proc/self/clear_refs, "5") and at its end reads it (VmHWM), through the run log's events.
STAGE_PEAKS = """
import microcred.runlog as _rl
PEAKS = {}
def _hwm_mb():
    with open("/proc/self/status") as f:
        return next(int(x.split()[1]) / 1024 for x in f if x.startswith("VmHWM:"))
_event = _rl.RunLog.event
def _peak_event(self, kind, **fields):
    try:
        if kind == "stage_start":  # what came before counts towards the run's peak
            PEAKS["(between stages)"] = max(PEAKS.get("(between stages)", 0), _hwm_mb())
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
        elif kind == "stage_end":
            PEAKS[fields["stage"]] = _hwm_mb()
    except OSError:  # not Linux, or not allowed: the run's peak only
        pass
    return _event(self, kind, **fields)
_rl.RunLog.event = _peak_event
"""


def run_child(
    input_dir: Path, out: Path, engine: str, memory_limit: str | None, master: str | None = None
) -> dict:
    limit = {"memory_limit": memory_limit} if memory_limit else {}  # else the engine's default
    if master:
        limit["spark_master"] = master
    code = f"""
import json, time, resource
from pathlib import Path
from microcred.pipeline import RunOptions, run
from microcred.engine import EngineSettings
{STAGE_PEAKS}
t = time.perf_counter()
res = run(RunOptions(source="parquet", input_path=Path({str(input_dir)!r}), out_dir=Path({str(out)!r}),
                     margins_path=Path({str(input_dir.parent / "margins")!r}),
                     engine=EngineSettings(name={engine!r}, **{limit!r}), quiet=True,
                     overwrite=True))  # a bench rerun replaces its own earlier output
wall = time.perf_counter() - t
print("BENCH" + json.dumps({{"wall": wall, "stages": res.manifest["timings_seconds"],
      "stage_rss_mb": PEAKS,
      # clear_refs also resets getrusage's peak: the run's is the largest window's
      "rss_mb": max([*PEAKS.values(), _hwm_mb()]) if PEAKS
                else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
    env = dict(os.environ)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"pipeline failed (exit {proc.returncode})")
    line = next(x for x in proc.stdout.splitlines() if x.startswith("BENCH"))
    return json.loads(line[5:])


def measure(n: int, args: argparse.Namespace) -> dict:
    input_dir = ensure_cohort(n, args.seed, args.work)
    child = run_child(
        input_dir,
        args.work / f"out-{n}-{args.engine}",
        args.engine,
        args.memory_limit,
        args.spark_master,
    )
    floor = floor_query(input_dir)
    child.update(
        {
            "profiles": n,
            "floor": floor,
            "ratio_floor": child["wall"] / floor if floor else float("nan"),
        }
    )
    return child


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--profiles", type=int, default=100_000)
    ap.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
    ap.add_argument(
        "--scale",
        type=int,
        default=10,
        help="also run scale×N to report time(scale·N)/time(N); 0 to skip",
    )
    ap.add_argument("--memory-limit", default=None)
    ap.add_argument("--spark-master", default=None, help="with --engine spark, e.g. spark://h:7077")
    ap.add_argument(
        "--floor-only",
        type=int,
        default=0,
        metavar="K",
        help="only time the floor query K times on the cohort(s), no pipeline run",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--work", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "microcred-bench"
    )
    args = ap.parse_args()
    os.environ.setdefault("MICROCRED_PSEUDONYM_KEY", "bench-key-not-secret-0123456789abcdef")
    args.work.mkdir(parents=True, exist_ok=True)
    if args.floor_only:
        sizes = [args.profiles] + ([args.profiles * args.scale] if args.scale > 1 else [])
        for n in sizes:
            times = [
                floor_query(ensure_cohort(n, args.seed, args.work)) for _ in range(args.floor_only)
            ]
            print(f"floor at {n:,}: " + ", ".join(f"{x:.2f}s" for x in times))
        return
    rows = [measure(args.profiles, args)]
    if args.scale and args.scale > 1:
        rows.append(measure(args.profiles * args.scale, args))
    from microcred.engine import DEFAULT_MEMORY_LIMIT

    limit = args.memory_limit or f"{DEFAULT_MEMORY_LIMIT} (default)"
    if args.engine == "spark":  # the JVM is a separate process: its memory is not in the figure
        limit = "n/a (peak RSS is the Python driver's only)"
    print(f"\nengine={args.engine} cores={os.cpu_count()} memory_limit={limit}")
    print(side_by_side(rows, args.scale))


FEATURES_TARGET = 5.0  # features stage ≤ 5× the floor query (issue 18)
SCALING_TARGET = 10.5  # 10× the profiles ≤ 10.5× the time, every stage (issue 18)
RSS_TARGET_MB = 6 * 1024  # peak RSS ≤ 6 GB (issue 18, at 10M)


def side_by_side(rows: list[dict], scale: int) -> str:
    """One table: a row per stage, for each size its seconds and peak RSS, then the time ratio."""
    two = len(rows) == 2
    sizes = [f"{r['profiles']:,} profiles" for r in rows]
    ratio_head = f"time {scale}·N ÷ N" if two else ""
    lines = [
        f"{'':<18}" + "".join(f"{x:>22}" for x in sizes) + f"{ratio_head:>16}",
        f"{'stage':<18}" + f"{'s':>9}{'peak RSS MB':>13}" * len(rows),
    ]

    def line(label: str, secs: list[float], peaks: list[float | None]) -> None:
        text = f"{label:<18}"
        for sec, peak in zip(secs, peaks, strict=True):
            text += f"{sec:>9.2f}" + (f"{peak:>13,.0f}" if peak is not None else f"{'':>13}")
        if two:
            ratio = secs[1] / secs[0] if secs[0] else float("nan")
            verdict = ""
            if scale == 10 and label != "floor query":
                verdict = "  ok" if ratio <= SCALING_TARGET else f"  over {SCALING_TARGET:g}"
            text += f"{ratio:>16.2f}{verdict}"
        lines.append(text)

    line("floor query", [r["floor"] for r in rows], [None] * len(rows))
    for st in rows[0]["stages"]:
        line(
            st,
            [r["stages"].get(st, float("nan")) for r in rows],
            [r.get("stage_rss_mb", {}).get(st) for r in rows],
        )
    line("whole run", [r["wall"] for r in rows], [r["rss_mb"] for r in rows])
    lines.append("profiles/s: " + ", ".join(f"{r['profiles'] / r['wall']:,.0f}" for r in rows))
    if "features" in rows[0]["stages"]:
        ratios = [r["stages"]["features"] / r["floor"] for r in rows]
        lines.append(
            f"features ÷ floor (target ≤ {FEATURES_TARGET:g}): "
            + ", ".join(f"{x:.2f} {'ok' if x <= FEATURES_TARGET else 'over'}" for x in ratios)
        )
    lines.append(
        f"peak RSS (target ≤ {RSS_TARGET_MB:,} MB at 10M): "
        + ", ".join(
            f"{r['rss_mb']:,.0f} MB {'ok' if r['rss_mb'] <= RSS_TARGET_MB else 'over'}"
            for r in rows
        )
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
