"""Opt-in differentially private release through OpenDP.

Why: suppression protects against recomputation from one table, but a stream of
overlapping tables can still be differenced. Differential privacy bounds what
any set of releases reveals about one person, at the price of noise whose size
we state with every figure.

Unit of privacy: one person added to or removed from the profile data
(``symmetric_distance``, ``d_in = 1``). Mechanisms (OpenDP, ``contrib``):

- counts: discrete Laplace (``make_laplace`` on integers), scale = sensitivity / ε;
- proportions: noisy count / noisy total, ε split in half between them;
- means: values clamped to declared bounds, noisy sum / noisy count, ε split in half;
- table counts: a vector discrete Laplace over a count column, sensitivity 1 per
  column under the assumption that each person is counted in at most one row of a
  count column (the tidy tables of ``analysis`` partition people by their dims);
  the table's ε is split evenly over its count columns.

Every release is charged to a :class:`PrivacyAccountant` *before* any noise is
drawn; a release that would exceed ``epsilon_total`` raises
:class:`BudgetExceededError` and draws nothing. OpenDP samples noise from the
operating system's cryptographic RNG and cannot be seeded, so DP outputs are not
byte-reproducible between runs (everything else in a run is).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import opendp.accuracy as dp_accuracy
import opendp.domains as dp_domains
import opendp.measurements as dp_m
import opendp.metrics as dp_metrics
import opendp.mod as dp_mod
import opendp.transformations as dp_t

if TYPE_CHECKING:
    import pandas as pd

    from microcred.analysis.result import AnalysisTable

# Why not ``opendp.prelude``: it also imports opendp's scikit-learn extras (~20 s on a cold
# start); the submodules below are the same functions.
dp_mod.enable_features("contrib")

_EPS_SLACK = 1e-9  # float tolerance when comparing spent ε to the budget
ALPHA = 0.05  # expected-error statements are 95 % bounds


class BudgetExceededError(RuntimeError):
    """A release would spend more privacy budget (ε) than the study configuration allows."""


@dataclass(frozen=True)
class DPRelease:
    """One differentially private figure, with what the report must say about it."""

    name: str
    kind: str  # count | proportion | mean | table
    value: float | None
    epsilon: float
    mechanism: str
    noise_scale: float  # Laplace scale b of the (main) noise
    error95: float  # |released - true| is below this with ≈95 % probability
    sensitivity: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def count_accuracy(scale: float, alpha: float = ALPHA) -> float:
    """Half-width that contains a discrete-Laplace(scale) noise draw with prob. 1 - alpha."""
    return float(dp_accuracy.discrete_laplacian_scale_to_accuracy(scale, alpha))


def continuous_accuracy(scale: float, alpha: float = ALPHA) -> float:
    """Half-width that contains a Laplace(scale) noise draw with prob. 1 - alpha."""
    return float(dp_accuracy.laplacian_scale_to_accuracy(scale, alpha))


def _int_count_measurement(scale: float, sensitivity: int = 1) -> dp_mod.Measurement:
    return dp_m.make_laplace(
        dp_domains.atom_domain(T=int), dp_metrics.absolute_distance(T=int), scale=scale
    )


def _vector_count_measurement(size: int, scale: float) -> dp_mod.Measurement:
    return dp_m.make_laplace(
        dp_domains.vector_domain(dp_domains.atom_domain(T=int), size=size),
        dp_metrics.l1_distance(T=int),
        scale=scale,
    )


class PrivacyAccountant:
    """Keeps the ε ledger of one run and draws the noise for each release."""

    def __init__(self, epsilon_total: float, epsilon_per_release: float):
        if epsilon_total <= 0 or epsilon_per_release <= 0:
            raise ValueError("ε budget and per-release ε must be positive")
        self.epsilon_total = float(epsilon_total)
        self.epsilon_per_release = float(epsilon_per_release)
        self.releases: list[DPRelease] = []
        self._spent = 0.0

    @property
    def spent(self) -> float:
        return self._spent

    @property
    def remaining(self) -> float:
        return max(self.epsilon_total - self._spent, 0.0)

    def charge(self, name: str, epsilon: float) -> None:
        """Reserve ``epsilon`` for release ``name``, or refuse it."""
        if epsilon <= 0:
            raise ValueError(f"release {name!r}: ε must be positive, got {epsilon}")
        if self._spent + epsilon > self.epsilon_total + _EPS_SLACK:
            raise BudgetExceededError(
                f"release {name!r} needs ε={epsilon:g} but only {self.remaining:g} of the total "
                f"budget ε={self.epsilon_total:g} is left ({len(self.releases)} releases made, "
                f"ε={self._spent:g} spent). Release fewer tables, lower dp.epsilon_per_release, "
                "or raise dp.epsilon_total in the study configuration."
            )
        self._spent += epsilon

    def _eps(self, epsilon: float | None) -> float:
        return self.epsilon_per_release if epsilon is None else float(epsilon)

    # ---- scalar releases from person-level data -------------------------------------------

    def count(
        self,
        name: str,
        data: Sequence[object] | int,
        epsilon: float | None = None,
        sensitivity: int = 1,
    ) -> DPRelease:
        """A noisy count of ``data`` (a sequence of person records, or an exact count)."""
        eps = self._eps(epsilon)
        true = int(data) if isinstance(data, int | np.integer) else len(data)
        scale = sensitivity / eps
        meas = _int_count_measurement(scale)
        assert meas.map(sensitivity) <= eps + _EPS_SLACK
        self.charge(name, eps)
        noisy = int(meas(true))
        rel = DPRelease(
            name, "count", float(max(noisy, 0)), eps, "discrete Laplace", scale,
            count_accuracy(scale), float(sensitivity),
        )  # fmt: skip
        self.releases.append(rel)
        return rel

    def proportion(
        self, name: str, flags: Sequence[bool], epsilon: float | None = None
    ) -> DPRelease:
        """Noisy share of True in ``flags``: noisy count / noisy total (ε split in half)."""
        eps = self._eps(epsilon)
        half = eps / 2
        scale = 1 / half
        meas = _int_count_measurement(scale)
        self.charge(name, eps)
        flags_arr = np.asarray(flags, dtype=bool)
        num = max(int(meas(int(flags_arr.sum()))), 0)
        den = max(int(meas(int(flags_arr.size))), 1)
        p = min(num / den, 1.0)
        acc = count_accuracy(scale, ALPHA / 2)  # union bound over the two noises
        rel = DPRelease(
            name, "proportion", p, eps, "discrete Laplace (count and total)", scale,
            acc * (1 + p) / den, 1.0,
        )  # fmt: skip
        self.releases.append(rel)
        return rel

    def mean(
        self,
        name: str,
        values: Sequence[float],
        bounds: tuple[float, float],
        epsilon: float | None = None,
    ) -> DPRelease:
        """Noisy mean of ``values`` clamped to ``bounds``: noisy sum / noisy count."""
        eps = self._eps(epsilon)
        half = eps / 2
        lo, hi = float(bounds[0]), float(bounds[1])
        if not lo < hi:
            raise ValueError(f"release {name!r}: bounds must satisfy lower < upper, got {bounds}")
        space = (
            dp_domains.vector_domain(dp_domains.atom_domain(T=float, nan=False)),
            dp_metrics.symmetric_distance(),
        )
        pre = space >> dp_t.then_clamp((lo, hi)) >> dp_t.then_sum()
        sum_scale = dp_mod.binary_search_param(
            lambda s: pre >> dp_m.then_laplace(s), d_in=1, d_out=half
        )
        sum_meas = pre >> dp_m.then_laplace(sum_scale)
        cnt_scale = 1 / half
        cnt_meas = _int_count_measurement(cnt_scale)
        self.charge(name, eps)
        clean = [float(v) for v in values if v is not None and not math.isnan(float(v))]
        noisy_sum = float(sum_meas(clean))
        noisy_n = max(int(cnt_meas(len(clean))), 1)
        m = min(max(noisy_sum / noisy_n, lo), hi)
        err = (
            continuous_accuracy(sum_scale, ALPHA / 2)
            + abs(m) * count_accuracy(cnt_scale, ALPHA / 2)
        ) / noisy_n
        rel = DPRelease(
            name, "mean", m, eps, "Laplace sum / discrete Laplace count", sum_scale, err,
            max(abs(lo), abs(hi)),
        )  # fmt: skip
        self.releases.append(rel)
        return rel

    # ---- tables of counts -----------------------------------------------------------------

    def table_counts(
        self, name: str, counts: np.ndarray, epsilon: float | None = None
    ) -> tuple[np.ndarray, DPRelease]:
        """Noisy version of one count column (a histogram: each person in at most one cell).

        Negative noisy counts are set to 0 (post-processing, which costs no ε).
        """
        eps = self._eps(epsilon)
        arr = np.asarray(counts, dtype=float)
        missing = np.isnan(arr)
        ints = [int(v) for v in np.where(missing, 0, arr)]
        scale = 1 / eps
        if not ints:  # an empty column releases nothing and costs nothing
            return arr, DPRelease(name, "table", None, 0.0, "none (empty)", scale, 0.0, 1.0)
        meas = _vector_count_measurement(len(ints), scale)
        assert meas.map(1) <= eps + _EPS_SLACK
        self.charge(name, eps)
        noisy = np.maximum(np.asarray(meas(ints), dtype=float), 0.0)
        noisy[missing] = np.nan
        rel = DPRelease(
            name, "table", None, eps, "discrete Laplace (vector)", scale, count_accuracy(scale), 1.0
        )
        self.releases.append(rel)
        return noisy, rel

    def manifest(self) -> dict[str, Any]:
        """The ε ledger for manifest.json."""
        return {
            "epsilon_total": self.epsilon_total,
            "epsilon_per_release": self.epsilon_per_release,
            "epsilon_spent": round(self._spent, 12),
            "releases": [r.as_dict() for r in self.releases],
            "note": "OpenDP noise is drawn from a cryptographic RNG and is not seedable; "
            "DP figures differ between runs.",
        }


def _is_ratio_of(data: pd.DataFrame, dep: str, num: str, den: str) -> float | None:
    """The multiplier k (1 or 100) when ``dep`` == k * num / den on all rows, else None."""
    import pandas as pd

    n = pd.to_numeric(data[num], errors="coerce").to_numpy(dtype=float)
    d = pd.to_numeric(data[den], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(data[dep], errors="coerce").to_numpy(dtype=float)
    ok = (d > 0) & ~np.isnan(y) & ~np.isnan(n)
    if not ok.any():
        return None
    for k in (1.0, 100.0):
        if np.allclose(y[ok], k * n[ok] / d[ok], rtol=1e-6, atol=1e-9):
            return k
    return None


def dp_table(
    table: AnalysisTable, accountant: PrivacyAccountant
) -> tuple[AnalysisTable, list[DPRelease]]:
    """A DP copy of an ``AnalysisTable``: noisy count columns, re-derived ratios.

    The table's ε (``epsilon_per_release``) is split evenly over its count columns.
    A dependent column that is exactly ``k * num / den`` of two count columns
    (k = 1 or 100) is recomputed from the noisy counts (post-processing); other
    derived columns (intervals, weighted figures, means) cannot be released under
    this mode and are set to NaN, which the table notes say. Each count column gets
    a ``<col>_dp_error95`` column with the 95 % absolute error bound of its cells.
    """
    from microcred.analysis.result import AnalysisTable

    data = table.data.reset_index(drop=True).copy()
    cols = list(table.count_columns)
    notes = list(table.notes)
    if not cols:
        return table, []
    eps_col = accountant.epsilon_per_release / len(cols)
    ratio = {
        dep: (bases[0], bases[1], _is_ratio_of(data, dep, bases[0], bases[1]))
        for dep, bases in table.dependent.items()
        if dep in data.columns and len(bases) == 2 and all(b in cols for b in bases)
    }
    releases = []
    errors: dict[str, float] = {}
    for col in cols:
        noisy, rel = accountant.table_counts(f"{table.name}.{col}", data[col].to_numpy(), eps_col)
        data[col] = np.round(noisy)
        errors[col] = rel.error95
        data[f"{col}_dp_error95"] = rel.error95
        releases.append(rel)
    dropped = []
    for dep in sorted(table.dependent):
        if dep not in data.columns:
            continue
        num, den, k = ratio.get(dep, ("", "", None))
        if k is None:
            data[dep] = np.nan
            dropped.append(dep)
            continue
        d = data[den].to_numpy(dtype=float)
        n = data[num].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            p = np.where(d > 0, np.minimum(n / d, 1.0), np.nan)
            err = (errors[num] + p * errors[den]) / np.where(d > 0, d, np.nan)
        data[dep] = k * p
        data[f"{dep}_dp_error95"] = k * err
    notes.append(
        f"Differentially private release: ε={accountant.epsilon_per_release:g} for this table "
        f"(discrete Laplace, scale {1 / eps_col:g} per count cell); "
        "the *_dp_error95 columns give the 95 % error bound of each figure."
    )
    if dropped:
        notes.append(
            "Not released under differential privacy (cannot be derived from the noisy counts): "
            + ", ".join(dropped)
            + "."
        )
    out = AnalysisTable(
        name=table.name,
        title=table.title,
        section=table.section,
        method=table.method,
        data=data,
        count_columns=cols,
        dependent=dict(table.dependent),
        dims=list(table.dims),
        chart=table.chart,
        notes=notes,
        released=False,
    )
    return out, releases
