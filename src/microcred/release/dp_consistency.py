"""Noisy counts → one set of non-negative integer counts that add up (TopDown-style).

Why: independent noise makes a published table contradict itself (a group with more
holders than all groups together, negative counts). Like the 2020 US Census TopDown
algorithm (Abowd et al. 2022) we post-process — which costs no privacy budget — in two steps:

1. **Least squares over the hierarchy** (all → occupation group → NOC unit group): the
   generalised least-squares estimate of the finest measured cells from every measured
   level, each weighted by its noise variance. Coarser nodes are sums of these, so the
   estimate is consistent by construction and uses every measurement of a node's
   descendants and ancestors. Its covariance (``(AᵀWA)⁻¹``) gives the DP variance of
   every node, which the intervals use.
2. **Non-negative integer rounding top-down**: the root is rounded; then, level by level,
   each parent's children are projected onto ``{z ≥ 0, Σ z = parent}`` (Euclidean
   projection onto a scaled simplex; Duchi et al. 2008) and rounded keeping the sum
   (floor, then the remainder to the largest fractions). Children sum to their parent
   exactly, and a noiseless input comes back unchanged.

Every column (a holder status, see ``dp_plan.holder_statuses``) is an independent
hierarchy with the same design, so the solves are vectorised over columns. Written by
hand: scipy's ``lsq_linear``/``nnls`` do not take the equality constraint to the parent,
and the simplex projection is a dozen lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Level:
    """One level of a hierarchy over the finest cells ("units").

    ``members[u]`` is the node of this level that unit ``u`` belongs to; ``noisy`` the
    measured counts (nodes × columns) or None when the level was not measured.
    """

    name: str
    members: np.ndarray
    noisy: np.ndarray | None = None
    sigma: float | None = None

    @property
    def nodes(self) -> int:
        return int(self.members.max()) + 1 if len(self.members) else 0

    def indicator(self) -> np.ndarray:
        """nodes × units 0/1 matrix: which units each node sums."""
        m = np.zeros((self.nodes, len(self.members)))
        m[self.members, np.arange(len(self.members))] = 1.0
        return m


@dataclass(frozen=True)
class Estimate:
    """Real-valued GLS estimate of every unit (units × columns) and its noise covariance."""

    units: np.ndarray
    covariance: np.ndarray  # units × units, the same for every column

    def of(self, level: Level) -> tuple[np.ndarray, np.ndarray]:
        """Node estimates (nodes × columns) and node noise variances (nodes) of ``level``."""
        m = level.indicator()
        return m @ self.units, np.einsum("ij,jk,ik->i", m, self.covariance, m)


def least_squares(levels: list[Level]) -> Estimate:
    """GLS estimate of the units from every measured level (at least the finest one).

    Raises ``ValueError`` when the measured levels do not identify every unit.
    """
    measured = [lv for lv in levels if lv.noisy is not None]
    if not measured:
        raise ValueError("no measured level")
    rows, weights, ys = [], [], []
    for lv in measured:
        if not lv.sigma or lv.sigma <= 0:
            raise ValueError(f"level {lv.name!r}: sigma must be positive")
        m = lv.indicator()
        rows.append(m)
        weights.append(np.full(m.shape[0], 1.0 / lv.sigma**2))
        ys.append(np.asarray(lv.noisy, dtype=float))
    a, w, y = np.vstack(rows), np.concatenate(weights), np.vstack(ys)
    normal = a.T @ (w[:, None] * a)
    if np.linalg.matrix_rank(normal) < normal.shape[0]:
        raise ValueError("the measured levels do not identify every finest cell")
    cov = np.linalg.inv(normal)
    return Estimate(cov @ (a.T @ (w[:, None] * y)), cov)


def project_simplex(x: np.ndarray, total: float) -> np.ndarray:
    """The closest point to ``x`` (Euclidean) with non-negative entries summing to ``total``."""
    x = np.asarray(x, dtype=float)
    if total <= 0 or x.size == 0:
        return np.zeros_like(x)
    u = np.sort(x)[::-1]
    css = np.cumsum(u) - total
    k = np.arange(1, x.size + 1)
    rho = np.nonzero(u - css / k > 0)[0][-1]
    tau = css[rho] / (rho + 1)
    projected: np.ndarray = np.maximum(x - tau, 0.0)
    return projected


def round_keeping_sum(z: np.ndarray, total: int) -> np.ndarray:
    """Non-negative integers near ``z`` (≥ 0, Σ z = total) that sum to ``total`` exactly.

    Floors, then gives the remaining units to the largest fractional parts (ties: first).
    """
    z = np.maximum(np.asarray(z, dtype=float), 0.0)
    out = np.floor(z + 1e-9).astype(np.int64)
    rest = int(total) - int(out.sum())
    if rest > 0:
        order = np.argsort(-(z - out), kind="stable")
        out[order[:rest]] += 1
    elif rest < 0:  # only from float slack: take from the largest
        order = np.argsort(-out, kind="stable")
        for i in order[:-rest]:
            out[i] -= 1
    return out


def topdown(levels: list[Level], estimate: Estimate) -> list[np.ndarray]:
    """Non-negative integer counts (nodes × columns) for each level, coarse to fine.

    ``levels`` run from the root (one node) to the units; each level's nodes nest in the
    previous level's. Children of every node sum exactly to it.
    """
    out: list[np.ndarray] = []
    for k, lv in enumerate(levels):
        est, _ = estimate.of(lv)
        if k == 0:
            if lv.nodes != 1:
                raise ValueError("the first level must be the root (one node)")
            out.append(np.maximum(np.rint(est), 0).astype(np.int64))
            continue
        prev = levels[k - 1]
        parent = np.zeros(lv.nodes, dtype=np.int64)
        parent[lv.members] = prev.members
        counts = np.zeros_like(est, dtype=np.int64)
        for p in range(prev.nodes):
            kids = np.nonzero(parent == p)[0]
            for c in range(est.shape[1]):
                total = int(out[-1][p, c])
                counts[kids, c] = round_keeping_sum(project_simplex(est[kids, c], total), total)
        out.append(counts)
    return out


def within_total(noisy: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Non-negative integer categories (categories × columns) summing to fixed ``totals``.

    For a margin measured beside a hierarchy whose root is already fixed (holders by
    education level, say): each column is projected onto the simplex of its total, then
    rounded keeping it.
    """
    noisy = np.asarray(noisy, dtype=float)
    out = np.zeros(noisy.shape, dtype=np.int64)
    for c in range(noisy.shape[1]):
        t = int(totals[c])
        out[:, c] = round_keeping_sum(project_simplex(noisy[:, c], t), t)
    return out
