"""Peak memory of the LinkedIn reader on hostile inputs: a zip bomb, a nested bomb, a huge cell.

Each case is built in a temporary folder and read in a fresh Python process, which
prints the peak of Python allocations while reading (``tracemalloc``), its peak RSS
(``ru_maxrss``, which includes the imports) and what the reader made of the input; with
the default caps none of them should cost more than a few times ``max_file_bytes``.

    uv run python bench/bench_linkedin_faults.py [--bomb-gib 4] [--cell-mib 200]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

CHILD = """
import resource, sys, time, tracemalloc
from pathlib import Path
from microcred.pseudonym import Pseudonymizer
from microcred.sources import read_source
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
t = time.perf_counter()
batch = read_source("linkedin-export", Path(sys.argv[1]), Pseudonymizer(b"bench-key-0123456789abcdef"))
wall = time.perf_counter() - t
q = batch.tables["quarantine"].to_pylist()
reasons = sorted({r["reason"][:70] for r in q if r["action"] == "row_dropped"})
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
traced = tracemalloc.get_traced_memory()[1]
print(f"python_peak={traced / 2**20:.0f} MiB peak_rss={peak / 1024:.0f} MiB "
      f"(after imports {base / 1024:.0f} MiB) wall={wall:.2f}s "
      f"persons={batch.tables['persons'].num_rows} quarantined: {reasons}")
"""

PROFILE = "First Name,Geo Location\nAda,Toronto\n"


def _bomb(target: Path, gib: float) -> None:
    chunk = b"\0" * (1 << 24)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("Profile.csv", PROFILE)
        with zf.open("Skills.csv", "w", force_zip64=True) as fh:
            fh.write(b"Name\n")
            for _ in range(int(gib * 64)):
                fh.write(chunk)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bomb-gib", type=float, default=4.0)
    ap.add_argument("--cell-mib", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        cases: dict[str, Path] = {}
        bomb = root / "bomb" / "p.zip"
        bomb.parent.mkdir()
        _bomb(bomb, args.bomb_gib)
        cases[f"zip bomb ({args.bomb_gib:g} GiB of zeros, {bomb.stat().st_size >> 10} KiB)"] = (
            bomb.parent
        )
        nested = root / "nested" / "outer.zip"
        nested.parent.mkdir()
        with zipfile.ZipFile(nested, "w") as zf:
            zf.write(bomb, "inner.zip")
        cases["nested zip bomb"] = nested.parent
        cell = root / "cell" / "p"
        cell.mkdir(parents=True)
        (cell / "Profile.csv").write_text(PROFILE)
        with (cell / "Skills.csv").open("w") as fh:
            fh.write("Name\nPython\n")
            fh.write("x" * (args.cell_mib << 20))
            fh.write("\nSQL\n")
        cases[f"{args.cell_mib} MiB cell in a file on disk"] = cell.parent
        small = root / "small" / "p"
        small.mkdir(parents=True)
        (small / "Profile.csv").write_text(PROFILE)
        with (small / "Skills.csv").open("w") as fh:
            fh.write("Name\nPython\n" + "x" * (40 << 20) + "\nSQL\n")
        cases["40 MiB cell (file under max_file_bytes)"] = small.parent
        for name, path in cases.items():
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True
            )
            print(f"{name}: {out.stdout.strip() or out.stderr.strip()[-300:]}")


if __name__ == "__main__":
    main()
