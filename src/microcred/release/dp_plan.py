"""The DP query plan: which counts the privacy budget buys, and how much each gets.

Why a plan: a budget split evenly over every column of every table gives the headline
(uptake by occupation group) the same tiny slice as a list of platforms. The study
configuration names the estimands that matter and their share of the total (``dp.plan``);
nothing else is measured, and every published figure is post-processing of these
measurements (``dp_release``).

Privacy model: ρ-zero-concentrated DP (Bun & Steinke 2016) with the unit of privacy one
person added to or removed from the profile data. Each estimand is one or more *histograms*
(blocks) in which every person falls in exactly one cell, so a block's L2 sensitivity is 1;
each block gets the discrete Gaussian mechanism of OpenDP (``make_gaussian`` on integer
vectors, whose privacy map gives the block's ρ). zCDP composes by adding ρ; a budget given
as (ε, δ) is converted to the largest ρ whose OpenDP privacy profile (``make_zCDP_to_approxDP``)
gives at most ε at δ.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import opendp.combinators as dp_c
import opendp.domains as dp_domains
import opendp.measurements as dp_m
import opendp.metrics as dp_metrics
import opendp.mod as dp_mod

from microcred.release.dp import BudgetExceededError

if TYPE_CHECKING:
    from microcred.config import DPConfig, StudyConfig

dp_mod.enable_features("contrib")

Z95 = 1.959963984540054  # two-sided 95 % normal quantile
_SLACK = 1e-12


def _gaussian(scale: float) -> dp_mod.Measurement:
    """OpenDP's discrete Gaussian over an integer histogram (L2 sensitivity in persons)."""
    return dp_m.make_gaussian(
        dp_domains.vector_domain(dp_domains.atom_domain(T=int)),
        dp_metrics.l2_distance(T=int),
        scale=scale,
    )


def epsilon_of(rho: float, delta: float) -> float:
    """The ε at ``delta`` that ρ-zCDP implies (OpenDP's privacy-profile conversion)."""
    meas = dp_c.make_zCDP_to_approxDP(_gaussian(1.0 / math.sqrt(2.0 * rho)))
    return float(meas.map(1).epsilon(delta))


def rho_of(epsilon: float, delta: float) -> float:
    """The largest ρ whose (ε, δ) conversion stays within ``epsilon`` (bisection)."""
    lo, hi = 0.0, max(epsilon, 1.0)
    while epsilon_of(hi, delta) < epsilon:
        hi *= 2.0
    for _ in range(60):
        mid = (lo + hi) / 2.0
        if mid > 0 and epsilon_of(mid, delta) <= epsilon:
            lo = mid
        else:
            hi = mid
    return lo


def total_rho(dpc: DPConfig) -> float:
    """The total budget as ρ (zCDP), whichever way the configuration states it."""
    t = dpc.total
    return float(t.rho) if t.rho is not None else rho_of(float(t.epsilon or 0.0), t.delta)


def holder_statuses(config: StudyConfig) -> list[tuple[bool, ...]]:
    """Every combination of holder flags (one per definition) a person can have.

    A definition whose credential types are a subset of another's implies it (a narrow
    holder is a broad holder), so combinations that break an implication are structural
    zeros, known from the configuration alone and never measured.
    """
    defs = config.definitions
    implies = [
        (i, j)
        for i, a in enumerate(defs)
        for j, b in enumerate(defs)
        if i != j and set(a.types) <= set(b.types)
    ]
    combos = itertools.product((False, True), repeat=len(defs))
    return [s for s in combos if all(s[j] or not s[i] for i, j in implies)]


def status_index(config: StudyConfig, flags: np.ndarray) -> np.ndarray:
    """Index into :func:`holder_statuses` of each row of ``flags`` (persons × definitions).

    A row breaking an implication (data inconsistent with the configuration) is closed
    under the implications first, so every person still falls in exactly one cell.
    """
    defs = config.definitions
    flags = np.asarray(flags, dtype=bool).copy()
    for _ in defs:  # transitive closure: at most one pass per definition
        for i, a in enumerate(defs):
            for j, b in enumerate(defs):
                if i != j and set(a.types) <= set(b.types):
                    flags[:, j] |= flags[:, i]
    width = flags.shape[1]
    weights = 1 << np.arange(width - 1, -1, -1)
    by_code = np.full(1 << width, -1, dtype=np.int64)
    for k, s in enumerate(holder_statuses(config)):
        by_code[int(np.dot(np.array(s, dtype=np.int64), weights))] = k
    return by_code[flags.astype(np.int64) @ weights]


@dataclass(frozen=True)
class Block:
    """One measured histogram: every person in exactly one of its cells (L2 sensitivity 1)."""

    name: str
    cells: int
    rho: float
    sigma: float  # discrete Gaussian scale; the noise variance is ≈ sigma²


@dataclass(frozen=True)
class PlannedEstimand:
    estimand: str
    share: float
    rho: float
    blocks: tuple[Block, ...]


@dataclass
class DPPlan:
    """The budget, the estimands it buys and the noise scale of every measured histogram."""

    rho_total: float
    epsilon: float | None
    delta: float | None
    estimands: list[PlannedEstimand]
    spent: float = 0.0
    measured: list[dict[str, Any]] = field(default_factory=list)

    @property
    def rho_planned(self) -> float:
        return sum(e.rho for e in self.estimands)

    def estimand(self, name: str) -> PlannedEstimand | None:
        return next((e for e in self.estimands if e.estimand == name), None)

    def block(self, name: str) -> Block:
        for e in self.estimands:
            for b in e.blocks:
                if b.name == name:
                    return b
        raise KeyError(f"block {name!r} is not in the DP plan")

    def measure(self, name: str, counts: np.ndarray) -> np.ndarray:
        """Noisy copy of the histogram ``counts`` of block ``name``, charged before drawing."""
        b = self.block(name)
        arr = np.asarray(counts, dtype=np.int64).ravel()
        if arr.size != b.cells:
            raise ValueError(f"block {name!r} has {b.cells} cells, got {arr.size} counts")
        meas = _gaussian(b.sigma)
        rho = float(meas.map(1))
        if any(m["block"] == name for m in self.measured):
            raise BudgetExceededError(f"block {name!r} was already measured; measure it once")
        if self.spent + rho > self.rho_total * (1 + 1e-9) + _SLACK:
            raise BudgetExceededError(
                f"measuring {name!r} needs ρ={rho:.6g} but only "
                f"{max(self.rho_total - self.spent, 0.0):.6g} of ρ={self.rho_total:.6g} is left"
            )
        self.spent += rho
        self.measured.append({"block": name, "cells": b.cells, "rho": rho, "sigma": b.sigma})
        return np.asarray(meas([int(v) for v in arr]), dtype=np.int64)

    def manifest(self) -> dict[str, Any]:
        return {
            "enabled": True,
            "unit_of_privacy": "a person (added to or removed from the profile data)",
            "definition": "rho-zCDP; discrete Gaussian mechanism (OpenDP make_gaussian)",
            "rho_total": self.rho_total,
            "epsilon_total": self.epsilon,
            "delta": self.delta,
            "rho_spent": round(self.spent, 12),
            "epsilon_spent": (
                round(epsilon_of(self.spent, self.delta), 9)
                if self.delta is not None and self.spent > 0
                else None
            ),
            "plan": [
                {"estimand": e.estimand, "share": e.share, "rho": e.rho} for e in self.estimands
            ],
            "measurements": list(self.measured),
            "note": "OpenDP draws noise from the operating system's cryptographic RNG: DP "
            "figures differ between runs, and each run spends budget (see the ledger).",
        }


def _blocks(estimand: str, config: StudyConfig, rho: float) -> tuple[Block, ...]:
    n_status = len(holder_statuses(config))
    if estimand == "uptake_by_group":
        specs = [("uptake_by_group", len(config.occupations) * n_status)]
    elif estimand == "uptake_by_noc":
        specs = [("uptake_by_noc", len(config.occupation_codes) * n_status)]
    else:
        from microcred.release.dp_domains import category_domain

        specs = [
            (f"holders_vs_non_holders.{var}", len(category_domain(var, config)) * n_status)
            for var in config.dp.comparisons
        ]
    per = rho / len(specs)
    sigma = 1.0 / math.sqrt(2.0 * per)
    while float(_gaussian(sigma).map(1)) > per:  # float rounding in the map: widen a hair
        sigma *= 1 + 1e-12
    return tuple(Block(name, cells, per, sigma) for name, cells in specs)


def build_plan(config: StudyConfig) -> DPPlan:
    """The plan of ``config.dp``: each estimand's ρ is its share of the total."""
    dpc = config.dp
    rho = total_rho(dpc)
    estimands = [
        PlannedEstimand(
            e.estimand, e.share, rho * e.share, _blocks(e.estimand, config, rho * e.share)
        )
        for e in dpc.plan
    ]
    t = dpc.total
    return DPPlan(rho, t.epsilon, t.delta if t.epsilon is not None else None, estimands)
