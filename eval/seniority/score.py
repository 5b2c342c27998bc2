"""Score the seniority coder on the hand-labelled dev set: accuracy, precision of the
labels it gives, recall of the levels titles state, and every disagreement.

Run: ``uv run python eval/seniority/score.py [path/to/labelled.csv]``.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

import pyarrow as pa

from microcred.analysis.stats import wilson
from microcred.coding.seniority.coder import SeniorityCoder

HERE = Path(__file__).parent


def main(path: Path = HERE / "dev.csv") -> None:
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    titles = pa.table({"title": pa.array([r["title"] for r in rows], pa.string())})
    got = SeniorityCoder.load().code(titles)["seniority"].to_pylist()
    pairs = [(r["seniority"], g) for r, g in zip(rows, got, strict=True)]
    n = len(pairs)
    right = sum(t == g for t, g in pairs)
    coded = [(t, g) for t, g in pairs if g != "unknown"]
    stated = [(t, g) for t, g in pairs if t != "unknown"]
    for name, k, m in (
        ("accuracy (all titles)", right, n),
        ("precision (labels given)", sum(t == g for t, g in coded), len(coded)),
        ("recall (levels stated)", sum(t == g for t, g in stated), len(stated)),
        (
            "unknown kept unknown",
            sum(g == "unknown" for t, g in pairs if t == "unknown"),
            sum(t == "unknown" for t, _ in pairs),
        ),
    ):
        low, high = wilson(k, m)
        print(f"{name:28s} {k:4d}/{m:<4d} = {k / m:.3f}  (95% Wilson {low:.3f}-{high:.3f})")
    print("disagreements (truth -> coded):")
    for (t, g), c in sorted(Counter((t, g) for t, g in pairs if t != g).items()):
        titles_wrong = [
            r["title"] for r, x in zip(rows, got, strict=True) if (r["seniority"], x) == (t, g)
        ]
        print(f"  {t:>12s} -> {g:<12s} {c}: {'; '.join(titles_wrong)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "dev.csv")
