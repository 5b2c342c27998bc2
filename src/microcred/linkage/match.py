"""Match two sets of CLKs with anonlink (Sørensen–Dice similarity, greedy 1:1 solving)."""

from __future__ import annotations

import base64
import warnings
from dataclasses import dataclass

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from anonlink import candidate_generation, similarities, solving
    from bitarray import bitarray


def _bits(clks: list[str]) -> list[bitarray]:
    out = []
    for s in clks:
        b = bitarray()
        b.frombytes(base64.b64decode(s))
        out.append(b)
    return out


@dataclass(frozen=True)
class Match:
    left: int  # index into the left CLK list
    right: int
    similarity: float


def match(left: list[str], right: list[str], threshold: float = 0.8) -> list[Match]:
    """One-to-one matches above ``threshold``, sorted by left index."""
    cands = candidate_generation.find_candidate_pairs(
        [_bits(left), _bits(right)], similarities.dice_coefficient_accelerated, threshold
    )
    sims, _, (ia, ib) = cands
    score = {(int(i), int(j)): float(s) for s, i, j in zip(sims, ia, ib, strict=True)}
    out = []
    for group in solving.greedy_solve(cands):
        (da, i), (db, j) = sorted(group)
        if (da, db) == (0, 1):
            out.append(Match(int(i), int(j), round(score[(int(i), int(j))], 6)))
    return sorted(out, key=lambda m: m.left)
