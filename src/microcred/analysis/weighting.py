"""Calibrate the profile sample to Statistics Canada population margins by raking.

Why: profile data over-represents some people (large provinces, recent
graduates, people who curate their profiles). Raking (iterative proportional
fitting) finds the weights closest to the base weights — in the
Kullback-Leibler sense — whose weighted counts reproduce every configured
margin (e.g. occupation × province, and education level).

Library choice: ``samplics`` 0.6 (``SampleWeight.rake``) is installed but is
archived upstream ("no longer maintained", it says so on import), and its
raking returns neither the number of iterations nor whether it converged; it
also divides by zero on a population cell without sample; and importing it
costs over 10 s of CPU (it pulls in statsmodels). Raking and the Taylor
variance of a proportion are each a dozen lines of vectorised numpy, so they
are written here, with the diagnostics the report needs; the tests check both
against ``samplics`` (``SampleWeight.rake``, ``TaylorEstimator``) and against
hand-computed examples.

Unknown categories are handled by a stated rule, never by weight 0 inside the counts.
A margin's first variable is its *anchor* (``noc2021`` in ``noc2021 × education_level``;
a one-variable margin has the whole population as its only anchor). A person whose other
margin variables are unknown, or take a value the population table does not have, goes to
the anchor's own cell (``unknown``, or ``unplaced (…)`` naming the values it pools); its
target is the anchor's
population times the (base-weighted) share of such people among the sample in that
anchor, and the anchor's known cells are scaled by one minus that share, so the anchor
keeps its population and the known cells keep the census distribution. This assumes
that people with an unknown value are as over- or under-represented as the others in
their anchor (missing at random within the anchor); it is counted per margin in the
diagnostics. Only a person whose anchor itself is unknown or absent from the population
cannot be weighted: weight 0, flagged in ``WeightingResult.in_frame`` and counted by
reason. Within an anchor, cells with fewer than ``weighting.min_cell_sample`` people are
pooled into one cell (``pooled (…)``) before raking, so that sparse cross-classified
margins stay consistent. Population cells with no sample cannot be reached; their population is reported
as uncovered and each margin is rescaled to the covered total of the first margin so
that the margins stay consistent.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from microcred.analysis.result import AnalysisTable, CellSet, ChartSpec

POPULATION = "population"
UNKNOWN_VALUES = frozenset({"", "unknown", "Unknown", "UNKNOWN"})


@dataclass
class WeightingResult:
    weights: np.ndarray  # one weight a person, 0 for people outside the frame
    diagnostics: dict
    tables: list[AnalysisTable] = field(default_factory=list)
    in_frame: np.ndarray | None = None  # bool: the person could be placed in every margin
    # raking cell of each person in each margin (a column per margin, -1 outside the frame):
    # the variance estimators regress on them (calibration residuals)
    cells: np.ndarray | None = None


@dataclass
class _Margin:
    key: tuple[str, ...]
    codes: np.ndarray  # cell index a person, -1 outside
    labels: list[tuple]  # cell labels in index order
    target: np.ndarray  # population a cell
    anchor: np.ndarray | None = None  # anchor index a person, -1 unknown or absent
    anchor_labels: list = field(default_factory=list)
    # variable -> label of a pooled or unplaced cell -> the values it pools
    pooled: dict[str, dict[str, list[str]]] = field(default_factory=dict)


def _weighting_config(config):
    return getattr(config, "weighting", config)


def _cell_codes(features: pd.DataFrame, key: tuple[str, ...], labels: list[tuple]) -> np.ndarray:
    """Index of each person's cell in ``labels``; -1 when a margin variable is unknown,
    -2 when the cell is not in the population."""
    df = features[list(key)]
    text = df.astype(str)
    unknown = (df.isna() | text.isin(UNKNOWN_VALUES)).any(axis=1).to_numpy()
    cells = pd.MultiIndex.from_tuples(labels, names=list(key))
    codes = cells.get_indexer(pd.MultiIndex.from_frame(text)).astype(np.int64)
    codes[codes < 0] = -2
    codes[unknown] = -1
    return codes


def _build_margin(features: pd.DataFrame, key: tuple[str, ...], pop: pd.DataFrame):
    missing = [c for c in (*key, POPULATION) if c not in pop.columns]
    if missing:
        raise ValueError(f"margin {key}: population table lacks columns {missing}")
    absent_f = [c for c in key if c not in features.columns]
    if absent_f:
        raise ValueError(f"margin {key}: features lack columns {absent_f}")
    pop = pop.assign(**{c: pop[c].astype(str) for c in key})
    agg = pop.groupby(list(key), sort=True)[POPULATION].sum()
    agg = agg[agg > 0]
    labels = [k if isinstance(k, tuple) else (k,) for k in agg.index]
    codes = _cell_codes(features, key, labels)
    if len(key) > 1:
        anchor_labels = sorted({lab[0] for lab in labels})
        anchor = _cell_codes(features, key[:1], [(a,) for a in anchor_labels])
    else:  # a one-variable margin: the whole population is the anchor
        anchor_labels = ["all"]
        anchor = np.zeros(len(features), dtype=np.int64)
    m = _Margin(key, codes, labels, agg.to_numpy(dtype=float), anchor, anchor_labels)
    return m, codes


def _text_values(features: pd.DataFrame, var: str, rows: np.ndarray) -> np.ndarray:
    """Values of ``var`` for ``rows`` as text, unknown ones as "unknown"."""
    values = features[var].iloc[rows]
    text = values.astype(str)
    return text.where(values.notna() & ~text.isin(UNKNOWN_VALUES), "unknown").to_numpy(object)


def _pool_label(kind: str, values: list[str]) -> str:
    """``unknown`` alone stays ``unknown``; any other pooled set is named with its values."""
    return "unknown" if values == ["unknown"] else f"{kind} ({', '.join(values)})"


def _pool_small_cells(m: _Margin, in_frame: np.ndarray, min_sample: int) -> int:
    """Within each anchor, pool the cells with fewer than ``min_sample`` people into one.

    Why: a cell of one or two people in ``noc2021 × province`` and another in
    ``noc2021 × education_level`` can ask for contradictory weights (no solution, IPF does
    not converge) or for one person to stand for thousands. The pooled cell keeps their
    summed population; the smallest other cells join it until it reaches ``min_sample``.
    Returns the number of people in pooled cells.
    """
    if len(m.key) == 1 or min_sample <= 1:
        return 0
    cell_anchor = _anchor_of_cells(m)
    sample = np.bincount(m.codes[in_frame & (m.codes >= 0)], minlength=len(m.labels))
    remap = np.full(len(m.labels), -1, dtype=np.int64)
    labels: list[tuple] = []
    target: list[float] = []
    pooled_people = 0
    for a in range(len(m.anchor_labels)):
        cells = [int(c) for c in np.flatnonzero(cell_anchor == a)]
        pool = [c for c in cells if 0 < sample[c] < min_sample]
        rest = sorted(
            (c for c in cells if c not in pool and sample[c] > 0), key=lambda c: (sample[c], c)
        )
        while pool and sample[pool].sum() < min_sample and rest:
            pool.append(rest.pop(0))
        if len(pool) == 1:  # one cell alone is not pooled: nothing to gain
            pool = []
        for c in cells:
            if c not in pool:
                remap[c] = len(labels)
                labels.append(m.labels[c])
                target.append(float(m.target[c]))
        if pool:
            pool.sort()
            lab = [m.anchor_labels[a]]
            for j, var in enumerate(m.key[1:], start=1):
                vals = sorted({str(m.labels[c][j]) for c in pool})
                name = _pool_label("pooled", vals)
                m.pooled.setdefault(var, {})[name] = vals
                lab.append(name)
            remap[pool] = len(labels)
            labels.append(tuple(lab))
            target.append(float(m.target[pool].sum()))
            pooled_people += int(sample[pool].sum())
    m.codes = np.where(m.codes >= 0, remap[np.maximum(m.codes, 0)], m.codes)
    m.labels, m.target = labels, np.asarray(target, dtype=float)
    return pooled_people


def _add_unknown_cells(
    m: _Margin, base: np.ndarray, in_frame: np.ndarray, features: pd.DataFrame
) -> int:
    """Give each anchor a cell for its people with an unknown (or unpopulated) value.

    Target: the anchor's population × the base-weighted share of such people among the
    anchor's sample; the anchor's known cells are scaled by the rest. Returns how many
    people were placed there.
    """
    assert m.anchor is not None
    n_anchor = len(m.anchor_labels)
    unplaced = in_frame & (m.codes < 0)
    a = m.anchor
    total = np.bincount(a[in_frame], weights=base[in_frame], minlength=n_anchor)
    unk = np.bincount(a[unplaced], weights=base[unplaced], minlength=n_anchor)
    share = np.divide(unk, total, out=np.zeros(n_anchor), where=total > 0)
    cell_anchor = _anchor_of_cells(m)
    anchor_pop = np.bincount(cell_anchor, weights=m.target, minlength=n_anchor)
    n_cells = len(m.labels)
    m.target = np.concatenate([m.target * (1 - share[cell_anchor]), anchor_pop * share])
    rows = np.flatnonzero(unplaced)
    pooled_vars = m.key[1:] if len(m.key) > 1 else m.key
    text = {var: _text_values(features, var, rows) for var in pooled_vars}
    new_labels = []
    for i, anchor_label in enumerate(m.anchor_labels):
        mine = a[rows] == i
        lab = [anchor_label] if len(m.key) > 1 else []
        for var in pooled_vars:
            vals = sorted(set(text[var][mine])) or ["unknown"]
            name = _pool_label("unplaced", vals)
            if name != "unknown":
                m.pooled.setdefault(var, {})[name] = vals
            lab.append(name)
        new_labels.append(tuple(lab))
    m.labels = m.labels + new_labels
    m.codes = m.codes.copy()
    m.codes[unplaced] = n_cells + a[unplaced]
    return int(unplaced.sum())


def _anchor_of_cells(m: _Margin) -> np.ndarray:
    """Anchor index of each cell of ``m``."""
    if len(m.key) == 1:
        return np.zeros(len(m.labels), dtype=np.int64)
    index = {lab: i for i, lab in enumerate(m.anchor_labels)}
    return np.array([index[lab[0]] for lab in m.labels], dtype=np.int64)


def _make_consistent(built: list[_Margin]) -> None:
    """Rescale every margin to the covered totals of the first one.

    Why: dropping unreachable cells removes different amounts from different margins,
    and IPF cannot converge on margins with different totals. A margin with the same
    anchor as the first (``noc2021 × province`` and ``noc2021 × education_level``) is
    rescaled anchor by anchor, so each occupation keeps one total; any other margin as
    a whole.
    """
    first = built[0]
    ref_total = first.target.sum()
    shared = len(first.key) > 1
    ref_by_anchor = {}
    if shared:
        sums = np.bincount(_anchor_of_cells(first), first.target, len(first.anchor_labels))
        ref_by_anchor = dict(zip(first.anchor_labels, sums, strict=True))
    for m in built[1:]:
        if shared and len(m.key) > 1 and m.key[0] == first.key[0]:
            cell_anchor = _anchor_of_cells(m)
            sums = np.bincount(cell_anchor, m.target, len(m.anchor_labels))
            want = np.array([ref_by_anchor.get(a, 0.0) for a in m.anchor_labels])
            factor = np.divide(want, sums, out=np.zeros_like(sums), where=sums > 0)
            m.target = m.target * factor[cell_anchor]
        elif m.target.sum() > 0:
            m.target = m.target * ref_total / m.target.sum()


def ipf(
    base: np.ndarray, margins: list[_Margin], max_iter: int, tolerance: float
) -> tuple[np.ndarray, int, float, bool]:
    """Iterative proportional fitting: (weights, iterations, max relative margin error, converged).

    Every person in ``base`` must sit in a cell of every margin with a positive target.
    """
    w = base.astype(float).copy()
    err = np.inf
    for it in range(1, max_iter + 1):
        for m in margins:
            sums = np.bincount(m.codes, weights=w, minlength=len(m.target))
            factor = np.divide(m.target, sums, out=np.ones_like(sums), where=sums > 0)
            w *= factor[m.codes]
        err = max_margin_error(w, margins)
        if err <= tolerance:
            return w, it, err, True
    return w, max_iter, err, False


def ipf_capped(
    base: np.ndarray, margins: list[_Margin], cap: float, max_iter: int, tolerance: float
) -> tuple[np.ndarray, int, float, bool]:
    """Raking with an upper bound on every weight: (weights, sweeps, max margin error, ok).

    Why: trimming after raking and raking again undoes the trimming, and alternating the
    two only approaches the cap in the limit. Here each raking step scales only the
    weights below the cap so that the cell still reaches its target (weights at the cap
    stay there), then caps any weight that went over. When a cell's capped weights alone
    exceed its target, the whole cell is scaled down, freeing them. ``ok`` is true when the
    margins hold within ``tolerance`` and no weight exceeds ``cap``.
    """
    w = np.minimum(base.astype(float), cap)
    err = np.inf
    for m in margins:  # a cell needing more than cap × its people cannot be met: stop early
        if (m.target > cap * np.bincount(m.codes, minlength=len(m.target)) * (1 + 1e-9)).any():
            return w, 0, err, False
    for it in range(1, max_iter + 1):
        for m in margins:
            at_cap = w >= cap * (1 - 1e-12)
            k = len(m.target)
            fixed = np.bincount(m.codes, weights=np.where(at_cap, w, 0.0), minlength=k)
            free = np.bincount(m.codes, weights=np.where(at_cap, 0.0, w), minlength=k)
            room = m.target - fixed
            scale_free = (room > 0) & (free > 0)
            f_free = np.divide(room, free, out=np.ones(k), where=scale_free)
            f_all = np.divide(m.target, fixed + free, out=np.ones(k), where=(fixed + free) > 0)
            factor_free = np.where(scale_free, f_free, f_all)
            factor_capped = np.where(scale_free, 1.0, f_all)
            w = w * np.where(at_cap, factor_capped[m.codes], factor_free[m.codes])
            np.minimum(w, cap, out=w)
        err = max_margin_error(w, margins)
        if err <= tolerance:
            return w, it, err, True
    return w, max_iter, err, False


def max_margin_error(w: np.ndarray, margins: list[_Margin]) -> float:
    """Largest |achieved - target| / target over every cell of every margin."""
    worst = 0.0
    for m in margins:
        sums = np.bincount(m.codes, weights=w, minlength=len(m.target))
        worst = max(worst, float(np.max(np.abs(sums - m.target) / m.target)))
    return worst


def trim_weights(w: np.ndarray, cap_ratio: float) -> tuple[np.ndarray, int]:
    """Cap weights at ``cap_ratio`` × mean and spread the excess over the uncapped ones.

    Repeats until no weight exceeds the cap (redistribution can push others over it).
    Total weight is preserved. Returns (weights, number of capped weights).
    """
    w = w.astype(float).copy()
    total = w.sum()
    capped = np.zeros(len(w), dtype=bool)
    for _ in range(100):
        cap = cap_ratio * total / len(w)
        over = (w > cap * (1 + 1e-12)) & ~capped
        if not over.any():
            break
        capped |= over
        w[capped] = cap
        free = ~capped
        if not free.any() or w[free].sum() == 0:
            break
        w[free] *= (total - w[capped].sum()) / w[free].sum()
    return w, int(capped.sum())


def kish_ess(w: np.ndarray) -> float:
    """Kish's effective sample size (Σw)² / Σw² over positive weights."""
    w = w[w > 0]
    return float(w.sum() ** 2 / np.square(w).sum()) if len(w) else 0.0


def design_effect(w: np.ndarray) -> float:
    """Kish's design effect due to unequal weights, 1 + CV² (= n / ESS)."""
    w = w[w > 0]
    if len(w) == 0:
        return float("nan")
    return float(1.0 + np.var(w) / np.mean(w) ** 2)


def rake(
    features: pd.DataFrame,
    margins: dict[tuple[str, ...], pd.DataFrame],
    config,
    base_weights: np.ndarray | None = None,
) -> WeightingResult:
    """Rake ``features`` (one row a person) to population ``margins``; capped when the cap binds.

    ``margins`` maps a tuple of feature column names (e.g. ``("noc2021", "province")``)
    to a DataFrame with those columns plus ``population``. ``config`` is a
    ``StudyConfig`` or its ``WeightingConfig`` (``trim_upper``, ``max_iter``, ``tolerance``).
    """
    wc = _weighting_config(config)
    n = len(features)
    base = np.ones(n) if base_weights is None else np.asarray(base_weights, dtype=float)
    if not margins:
        raise ValueError("rake needs at least one margin")
    built: list[_Margin] = []
    reasons: dict[str, int] = {}
    in_frame = np.ones(n, dtype=bool)
    for key in margins:
        m, codes = _build_margin(features, tuple(key), margins[key])
        name = "×".join(key)
        assert m.anchor is not None
        if len(key) > 1:  # only the anchor can put a person out of the frame
            reasons[f"{name}: {key[0]} unknown"] = int((m.anchor == -1).sum())
            reasons[f"{name}: {key[0]} absent from population"] = int((m.anchor == -2).sum())
        in_frame &= m.anchor >= 0
        built.append(m)
    pooled_cells = {
        "×".join(m.key): _pool_small_cells(m, in_frame, wc.min_cell_sample) for m in built
    }
    unknown_cells = {
        "×".join(m.key): _add_unknown_cells(m, base, in_frame, features) for m in built
    }
    # population cells that the in-frame sample cannot reach
    uncovered: dict[str, float] = {}
    for m in built:
        reach = np.bincount(m.codes[in_frame], minlength=len(m.target)) > 0
        uncovered["×".join(m.key)] = float(m.target[~reach].sum() / m.target.sum())
        m.target = np.where(reach, m.target, 0.0)
    _make_consistent(built)
    # keep reachable cells only, and only in-frame people
    idx = np.flatnonzero(in_frame)
    for m in built:
        keep = m.target > 0
        remap = np.full(len(m.target), -1)
        remap[keep] = np.arange(keep.sum())
        m.codes = remap[m.codes[idx]]
        m.labels = [lab for lab, k in zip(m.labels, keep, strict=True) if k]
        m.target = m.target[keep]
    weights = np.zeros(n)
    diagnostics: dict = {
        "n_persons": n,
        "n_in_frame": int(len(idx)),
        "out_of_frame": {k: v for k, v in sorted(reasons.items()) if v},
        "unknown_cell": {k: v for k, v in unknown_cells.items() if v},
        "pooled_cell": {k: v for k, v in pooled_cells.items() if v},
        "population_uncovered_share": uncovered,
    }
    if len(idx) == 0:
        nan = float("nan")
        diagnostics.update(
            converged=False, iterations=0, trim_rounds=0, trimmed=0, max_margin_error=nan,
            max_weight_ratio=nan, ess=0.0, deff=nan, weight_min=nan, weight_max=nan,
            weight_total=0.0,
        )  # fmt: skip
        warnings.warn(
            "no person could be placed in every margin cell; nobody is weighted "
            f"(reasons: {diagnostics['out_of_frame']})",
            RuntimeWarning,
            stacklevel=2,
        )
        return WeightingResult(
            weights,
            diagnostics,
            _diagnostic_tables(w=np.zeros(0), margins=[], diag=diagnostics),
            in_frame,
            np.full((n, len(built)), -1, dtype=np.int32),
        )
    w, iters, err, ok = ipf(base[idx], built, wc.max_iter, wc.tolerance)
    total_iters, trimmed, rounds = iters, 0, 0
    cap = wc.trim_upper * w.mean()
    if ok and (w > cap * (1 + 1e-6)).any():
        # rake again with the cap inside every step; if no weights satisfy both the margins
        # and the cap, the margins win and the failure is reported (trim_cap_held false)
        wc_, iters, err_c, ok_c = ipf_capped(base[idx], built, cap, 10 * wc.max_iter, wc.tolerance)
        total_iters += iters
        rounds = 1
        if ok_c:
            w, err = wc_, err_c
            trimmed = int((w >= cap * (1 - 1e-9)).sum())
    weights[idx] = w
    cells = np.full((n, len(built)), -1, dtype=np.int32)
    for j, m in enumerate(built):
        cells[idx, j] = m.codes
    ratio = float(w.max() / w.mean())
    cap_held = ratio <= wc.trim_upper * (1 + 1e-6)
    diagnostics.update(
        converged=bool(ok),
        iterations=int(total_iters),
        trim_rounds=int(rounds),
        trimmed=int(trimmed),
        max_margin_error=float(err),
        max_weight_ratio=ratio,
        trim_cap_held=bool(cap_held),
        ess=kish_ess(w),
        ess_by_group=_ess_by_group(features, idx, w),
        deff=design_effect(w),
        weight_min=float(w.min()),
        weight_max=float(w.max()),
        weight_total=float(w.sum()),
    )
    if not ok:
        warnings.warn(
            f"raking did not converge in {wc.max_iter} iterations (max margin error {err:.3g}); "
            "margins may be inconsistent or cells too sparse",
            RuntimeWarning,
            stacklevel=2,
        )
    if not cap_held:
        warnings.warn(
            f"weights reach {ratio:.1f}× the mean: no weights meet both the margins and the cap "
            f"({wc.trim_upper:g}×), and the margins win; coarsen the "
            "margins or raise weighting.trim_upper",
            RuntimeWarning,
            stacklevel=2,
        )
    tables = _diagnostic_tables(w, built, diagnostics)
    return WeightingResult(weights, diagnostics, tables, in_frame, cells)


def _ess_by_group(features: pd.DataFrame, idx: np.ndarray, w: np.ndarray) -> dict[str, float]:
    """Kish's effective sample size of each occupation group of interest among the weighted.

    Why: the frame's effective size says little about the precision of a group's estimate;
    a group the margins weight unevenly can have a far smaller one.
    """
    if "occupation_group" not in features:
        return {}
    groups = features["occupation_group"].to_numpy(dtype=object)[idx]
    if "in_study" in features:
        groups = np.where(features["in_study"].to_numpy(dtype=bool)[idx], groups, None)
    return {
        str(g): kish_ess(w[groups == g])
        for g in sorted({g for g in groups if isinstance(g, str) and g})
    }


def _diagnostic_tables(w: np.ndarray, margins: list[_Margin], diag: dict) -> list[AnalysisTable]:
    summary_rows = [
        ("persons in sample", diag["n_persons"]),
        ("persons weighted (in frame)", diag["n_in_frame"]),
        *[(f"not weighted — {k}", v) for k, v in diag["out_of_frame"].items()],
        *[
            (f"weighted in the unknown cell — {k}", v)
            for k, v in diag.get("unknown_cell", {}).items()
        ],
        *[
            (f"weighted in a pooled small cell — {k}", v)
            for k, v in diag.get("pooled_cell", {}).items()
        ],
        ("converged", int(diag["converged"])),
        ("iterations", diag["iterations"]),
        ("max relative margin error", diag["max_margin_error"]),
        ("weights trimmed", diag["trimmed"]),
        ("max weight / mean weight", diag["max_weight_ratio"]),
        ("trim cap held (1 = yes)", int(diag.get("trim_cap_held", True))),
        ("Kish effective sample size", diag["ess"]),
        *[
            (f"Kish effective sample size — {g}", v)
            for g, v in diag.get("ess_by_group", {}).items()
        ],
        ("design effect (1 + CV²)", diag["deff"]),
        *[
            (f"population share uncovered — {k}", v)
            for k, v in diag["population_uncovered_share"].items()
        ],
    ]
    summary = pd.DataFrame(summary_rows, columns=["statistic", "value"])
    summary["value"] = summary["value"].astype(float)
    t1 = AnalysisTable(
        name="weighting_diagnostics",
        title="Raking diagnostics",
        section="weighting",
        method=(
            "Profiles were raked (iterative proportional fitting) to Statistics Canada "
            "population margins; within an occupation, cells with too few people were pooled, "
            "and people with an unknown value (or one the population table lacks) were given "
            "their occupation's own cell, scaled to their observed share. When a weight "
            "exceeded the configured multiple of the mean, the sample was raked again with "
            "that cap inside every step; if no weights meet both, the margins win and the "
            "'trim cap held' row says 0. The effective sample size and design effect are "
            "Kish's; people whose occupation is unknown or absent from the population are not "
            "weighted and are counted here."
        ),
        data=summary,
        count_columns=[],
        dims=["statistic"],
    )
    tables = [t1]
    for m in margins:
        achieved = np.bincount(m.codes, weights=w, minlength=len(m.target))
        sample = np.bincount(m.codes, minlength=len(m.target))
        cells = pd.DataFrame([dict(zip(m.key, lab, strict=True)) for lab in m.labels])
        cells["sample_n"] = sample.astype(int)
        cells["target"] = m.target
        cells["achieved"] = achieved
        cells["relative_error"] = (achieved - m.target) / m.target
        name = "_".join(m.key)
        tables.append(
            AnalysisTable(
                name=f"weighting_margin_{name}",
                title=f"Population margin {' × '.join(m.key)}: target and achieved by the weights",
                section="weighting",
                method="Weighted totals of the raked sample against the population targets, per cell.",
                data=cells,
                count_columns=["sample_n"],
                dependent={"achieved": ["sample_n"], "relative_error": ["sample_n"]},
                dims=list(m.key),
                # linked-table key: people in the weighting frame in the margin cell
                cells={
                    "sample_n": CellSet(
                        {
                            "in_weighting_frame": "yes",
                            **{("occupation" if k == "noc2021" else k): f"{{{k}}}" for k in m.key},
                        },
                        open=("in_weighting_frame",),
                        groups={
                            ("occupation" if k == "noc2021" else k): v
                            for k, v in sorted(m.pooled.items())
                        },
                    )
                },
                chart=ChartSpec(
                    kind="bar",
                    x=m.key[-1],
                    y="relative_error",
                    color=m.key[0] if len(m.key) > 1 else None,
                    title=f"Margin error after raking: {' × '.join(m.key)}",
                    y_format=".2%",
                    description="Relative difference between weighted totals and population "
                    "targets, per margin cell.",
                ),  # fmt: skip
            )
        )
    return tables


# ---- variance estimation ------------------------------------------------------------------


def weighted_proportion(
    y: np.ndarray, w: np.ndarray, strata: np.ndarray | None = None, alpha: float = 0.05
) -> tuple[float, float, float, float]:
    """Weighted proportion with a Taylor-linearised standard error: (p, se, lower, upper).

    The calibrated weights are treated as the weights of a single-stage
    with-replacement design, each person a PSU, optionally stratified:
    ``z_i = w_i (y_i - p) / Σw`` and ``var(p) = Σ_h n_h/(n_h-1) Σ_i (z_hi - z̄_h)²``.
    This ignores the variance reduction from calibration, so the standard error is
    conservative. The interval is the logit interval with a t quantile on n − H
    degrees of freedom (as ``samplics.TaylorEstimator`` computes it; the tests check
    the two agree), which stays inside [0, 1]. Persons with weight 0 (outside the
    weighting frame) or missing y are excluded. Why not call samplics here: importing
    it pulls in statsmodels and more (over 10 s of CPU), for four lines of algebra.
    """
    from scipy import stats

    y = np.asarray(y, dtype=float)
    w = np.asarray(w, dtype=float)
    keep = (w > 0) & ~np.isnan(y)
    y, w = y[keep], w[keep]
    s = np.zeros(len(y), dtype=int) if strata is None else pd.factorize(np.asarray(strata)[keep])[0]
    if len(y) == 0:
        nan = float("nan")
        return nan, nan, nan, nan
    p = float(np.sum(w * y) / np.sum(w))
    if p in (0.0, 1.0) or len(y) < 2:
        return p, 0.0, p, p
    z = w * (y - p) / w.sum()
    var = 0.0
    for h in np.unique(s):
        zh = z[s == h]
        if len(zh) > 1:  # a stratum with one person contributes nothing (certainty PSU)
            var += len(zh) / (len(zh) - 1) * float(np.sum((zh - zh.mean()) ** 2))
    se = float(np.sqrt(var))
    df = max(len(y) - len(np.unique(s)), 1)
    q = float(stats.t.ppf(1 - alpha / 2, df))
    logit = np.log(p / (1 - p))
    half = q * se / (p * (1 - p))
    lower = float(1 / (1 + np.exp(-(logit - half))))
    upper = float(1 / (1 + np.exp(-(logit + half))))
    return p, se, lower, upper
