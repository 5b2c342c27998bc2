"""Time the personal-data gate on a canonical-sized folder: narrow (restricted) vs wide scan.

Usage: uv run python bench/gate.py [ROWS]   (default 1,000,000)

Writes a Parquet table shaped like canonical positions (hex person ids, titles,
employers with ~ROWS/10 distinct values, a few planted items) to a temporary folder
twice, once as ``canonical/positions.parquet`` (restricted: narrow scan) and once at
the top level (the wide detectors and the RE2 prefilter), and prints the wall time of
``scan_outputs`` for each, with and without an identifier collector fed with 100,000
names. Figures quoted in docs/performance.md come from this script.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from microcred.release.identifiers import IdentifierCollector
from microcred.release.pii_gate import scan_outputs

WORDS = ["Senior", "Data", "Software", "Engineer", "Analyst", "Developer", "Lead", "Cloud", "Web", "Scientist"]  # fmt: skip


def _table(rows: int, seed: int = 1) -> pa.Table:
    rng = np.random.default_rng(seed)
    distinct = max(rows // 10, 10)
    titles = [
        " ".join(rng.choice(WORDS, size=3)) + f" {i}" for i in range(distinct)
    ]  # unique-ish titles
    companies = [f"Company {i} Inc" for i in range(distinct)]
    pick = rng.integers(0, distinct, size=rows)
    ids = [f"{int(x):016x}{int(y):016x}" for x, y in rng.integers(0, 2**63, size=(rows, 2))]
    return pa.table(
        {
            "person_id": ids,
            "title": pa.array(titles).take(pa.array(pick)),
            "company": pa.array(companies).take(pa.array(pick[::-1].copy())),
        }
    )


def main(rows: int) -> None:
    table = _table(rows)
    ids = IdentifierCollector(b"bench-key-0123456789abcdef")
    for i in range(100_000):
        ids.person_name(f"Given{i}", f"Family{i}")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        narrow = root / "narrow"
        (narrow / "canonical").mkdir(parents=True)
        pq.write_table(table, narrow / "canonical" / "positions.parquet")
        wide = root / "wide"
        wide.mkdir()
        pq.write_table(table, wide / "positions.parquet")
        for label, folder, kw in [
            ("restricted (narrow scan)", narrow, {}),
            ("wide scan, no identifiers", wide, {}),
            ("wide scan, 100k identifiers", wide, {"identifiers": ids}),
        ]:
            start = time.perf_counter()
            found = scan_outputs(folder, **kw)
            print(
                f"{rows:,} rows, {label}: {time.perf_counter() - start:.2f} s, {len(found)} findings"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
