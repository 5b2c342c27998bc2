"""The release as one set of linked tables: every published count as a sum of person cells.

Why: suppression table by table leaves a hidden cell a subtraction away from another
table (NOC → group → all, category margins, the ``n`` beside a share). Here every count
of every table is a *key* — a universe (the population) and, per attribute, the set of
finest values it covers (``occupation`` → NOC codes, ``experience_band`` → a band …) —
so it is the sum of the person-level cells (atoms) of the cross-classification that
match. What the published numbers imply about a hidden count is then a linear
programme: minimise and maximise its sum of atoms subject to every published count
(exactly, or within ± (base − 1) when rounded) and atoms ≥ 0 (HiGHS through highspy,
one model per programme re-solved per target). The width of that feasible interval is what the audit checks.

Which constraints enter. For a count over attributes A the programme is built over the
atoms of A, with every published count whose attributes lie in A — that covers
hierarchies, category margins, copies of the same count in several tables and every
``n`` and total. Counts over A plus one further attribute b are added when b links
two or more attributes of A (a cycle of margins, where Fréchet-type bounds can narrow
the interval); the intervals found are intersected. Counts over attributes that meet
A in one attribute only are a decomposable extension and cannot narrow the interval
further as long as their shared margin is modelled. Logical implications between
attributes (a narrow holder is a broad holder) are not modelled: see docs/privacy.md.

The release side (:func:`repair`) hides, for every hidden count whose interval is too
narrow, one more published count chosen by trial (line siblings before margins, cheap
and singly-published counts before headline figures) and repeats until every interval
is wide enough; complements left exactly determined are published again. See
docs/privacy.md for the rule and for what the model does not cover.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import highspy
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from microcred.analysis.result import AnalysisTable, CellSet
from microcred.errors import UserError

STRUCTURE_FILE = "_structure.json"
STRUCTURE_VERSION = 1
OTHER = "~other"  # the unpublished remainder of an open attribute
MAX_ATOMS = 250_000  # larger programmes are skipped (the base programme never is)
_TOTAL_LABELS = frozenset({"total", "all"})
_EPS = 1e-6

Key = tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]  # universe, ((attribute, values), ...)


class DisclosureAuditError(UserError, RuntimeError):
    """A suppressed cell can be worked out (its feasible interval is too narrow).

    A :class:`UserError`: nothing was published, and the command line says so in one line.
    """

    def __init__(
        self,
        message: str,
        hint: str = "nothing was published; raise disclosure.min_cell or "
        "disclosure.protection_absolute, or use disclosure.method: rounding",
    ) -> None:
        super().__init__(message, hint)


@dataclass
class Count:
    """One published (or hidden) count: where it is and which persons it counts."""

    table: str
    row: int
    column: str
    key: Key
    value: float  # the true value at release; the published value (NaN if hidden) in the audit
    hidden: bool = False
    target: bool = False  # must be protected (hidden cells; small counts when rounding)

    @cached_property
    def universe(self) -> str:
        return self.key[0]

    @cached_property
    def attrs(self) -> frozenset[str]:
        return frozenset(a for a, _ in self.key[1])


@dataclass
class Interval:
    count: Count
    lower: float
    upper: float
    required: float
    programmes: int = 0
    binding: set[Key] = field(default_factory=set)  # keys of the published counts that pin it

    @property
    def width(self) -> float:
        return self.upper - self.lower

    min_cell: float = 0.0

    @property
    def ok(self) -> bool:
        """Wide enough — or provably at least the minimum cell size, so not a small cell."""
        return self.width + _EPS >= self.required or self.lower + _EPS >= self.min_cell

    def as_dict(self) -> dict[str, Any]:
        c = self.count
        return {
            "table": c.table,
            "row": c.row,
            "column": c.column,
            "universe": c.universe,
            "lower": round(self.lower, 6),
            "upper": round(self.upper, 6),
            "width": round(self.width, 6),
            "required": round(self.required, 6),
            "at_least_min_cell": self.lower + _EPS >= self.min_cell,
            "ok": self.ok,
        }


@dataclass
class Protection:
    """The protection interval a hidden cell needs: max(absolute, relative × upper bound)."""

    absolute: float = 5.0
    relative: float = 0.0
    rounding_base: int | None = None  # published counts are known to ± (base - 1)
    min_cell: float = 10.0  # a cell provably at least this large is not a small cell
    cap: float | None = None  # rounding alone can promise no more than base - 1

    def required(self, upper: float) -> float:
        need = max(self.absolute, self.relative * max(upper, 0.0))
        return need if self.cap is None else min(need, self.cap)


# ---------------------------------------------------------------------------------------------
# keys


def _is_total(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower() in _TOTAL_LABELS


def _fill(template: str, row: dict[str, Any]) -> str | None:
    """A template with ``{column}`` filled from the row; None when a column is missing/NaN."""
    try:
        out = template.format_map(_RowValues(row))
    except _MissingValue:
        return None
    return out


class _MissingValue(KeyError):
    pass


class _RowValues(dict[str, Any]):
    def __init__(self, row: dict[str, Any]):
        super().__init__()
        self._row = row

    def __missing__(self, k: str) -> str:
        v = self._row.get(k)
        if v is None or (isinstance(v, float) and math.isnan(v)):
            raise _MissingValue(k)
        return str(v)


def make_key(
    universe: str, attrs: dict[str, str], hierarchies: dict[str, dict[str, list[str]]]
) -> Key:
    """The canonical key: totals dropped, labels expanded to their finest values, sorted."""
    items = []
    for a, v in attrs.items():
        if _is_total(v):
            continue
        items.append((a, tuple(sorted(_expand(v, hierarchies.get(a, {}), set())))))
    return universe, tuple(sorted(items))


def _expand(value: str, groups: dict[str, list[str]], seen: set[str]) -> set[str]:
    """The finest values a label pools (labels may pool labels: "other" → groups → codes)."""
    children = groups.get(value)
    if children is None or value in seen or list(children) == [value]:
        return {str(value)}
    out: set[str] = set()
    for ch in children:
        out |= _expand(ch, groups, seen | {value})
    return out


def generic_cellset(table: AnalysisTable, column: str) -> CellSet:
    """The fallback for an undeclared count: its own universe, indexed by the table's dims."""
    return CellSet(
        attrs={d: "{" + d + "}" for d in table.dims}, universe=f"table:{table.name}:{column}"
    )


def table_keys(
    table: AnalysisTable, hierarchies: dict[str, dict[str, list[str]]]
) -> tuple[dict[str, list[Key | None]], dict[str, set[str]]]:
    """Per count column, the key of each row (None: not a person count); open attributes."""
    data = table.data.reset_index(drop=True)
    records = data.to_dict("records")
    keys: dict[str, list[Key | None]] = {}
    opened: dict[str, set[str]] = defaultdict(set)
    for col in table.count_columns:
        if col not in data.columns:
            continue
        cs = table.cells.get(col) or generic_cellset(table, col)
        hier = {a: dict(m) for a, m in hierarchies.items()}
        for a, m in cs.groups.items():
            hier.setdefault(a, {}).update(m)
        out: list[Key | None] = []
        for i, rec in enumerate(records):
            attrs = cs.rows[i] if cs.rows is not None else cs.attrs
            if attrs is None:
                out.append(None)
                continue
            filled: dict[str, str] = {}
            bad = False
            for a_t, v_t in attrs.items():
                attr, val = _fill(a_t, rec), _fill(v_t, rec)
                if attr is None or val is None:
                    bad = True
                    break
                filled[attr] = val
            universe = filled.pop("universe", None) or _fill(cs.universe, rec)
            if bad or universe is None:
                out.append(None)
                continue
            out.append(make_key(universe, filled, hier))
            for o in cs.open:
                name = _fill(o, rec)
                if name is not None:
                    opened[universe].add(name)
        keys[col] = out
    return keys, opened


# ---------------------------------------------------------------------------------------------
# the linear programmes


@dataclass
class _Programme:
    """Atoms of one universe over attributes S, and the published counts over them."""

    attrs: tuple[str, ...]
    domains: dict[str, list[frozenset[str]]]  # attribute -> classes of values
    atom_index: dict[str, np.ndarray]  # attribute -> domain index per atom
    n_atoms: int
    rows: list[np.ndarray] = field(default_factory=list)
    row_keys: list[Key] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    _matrix: Any = None
    solver: _Solver | None = None
    solver_base: int | None = None

    def matrix(self) -> Any:
        if self._matrix is None:
            self._matrix = csr_matrix(np.vstack(self.rows).astype(float))
        return self._matrix

    def mask(self, key: Key) -> np.ndarray:
        m = np.ones(self.n_atoms, dtype=bool)
        for a, vals in key[1]:
            wanted = set(vals)
            idx = [i for i, cls in enumerate(self.domains[a]) if cls & wanted]
            m &= np.isin(self.atom_index[a], idx)
        return m


def _domains(counts: list[Count], opened: dict[str, set[str]]) -> dict[str, dict[str, list[str]]]:
    dom: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for c in counts:
        for a, vals in c.key[1]:
            dom[c.universe][a].update(vals)
    out: dict[str, dict[str, list[str]]] = {}
    for u, attrs in dom.items():
        out[u] = {}
        for a, seen in attrs.items():
            # a one-valued attribute ("lists skill X: yes") is a subset marker, never constant
            extra = [OTHER] if a in opened.get(u, set()) or len(seen) == 1 else []
            out[u][a] = sorted(seen) + extra
    return out


def _classes(values: list[str], value_sets: set[tuple[str, ...]]) -> list[frozenset[str]]:
    """Values no count tells apart, merged: the same feasible sums with far fewer atoms."""
    sets = sorted(value_sets)
    by_sig: dict[tuple[bool, ...], list[str]] = defaultdict(list)
    for v in values:
        by_sig[tuple(v in vs for vs in sets)].append(v)
    return [frozenset(m) for _, m in sorted(by_sig.items(), key=lambda kv: sorted(kv[1]))]


def _build(
    universe: str,
    attrs: tuple[str, ...],
    domains: dict[str, list[str]],
    published: list[Count],
    everything: list[Count],
) -> _Programme | None:
    aset = set(attrs)
    mine = [c for c in everything if c.universe == universe and c.attrs <= aset]
    value_sets: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for c in mine:
        for a, vals in c.key[1]:
            value_sets[a].add(vals)
    classes = {a: _classes(domains[a], value_sets[a]) for a in attrs}
    sizes = [len(classes[a]) for a in attrs]
    n_atoms = int(np.prod(sizes)) if sizes else 1
    if n_atoms > MAX_ATOMS:
        return None
    grids = np.indices(sizes).reshape(len(sizes), -1) if sizes else np.zeros((0, 1), dtype=int)
    prog = _Programme(
        attrs=attrs,
        domains=classes,
        atom_index={a: grids[i] for i, a in enumerate(attrs)},
        n_atoms=n_atoms,
    )
    seen: set[tuple[Key, float]] = set()
    for c in published:
        if c.universe != universe or not c.attrs <= aset:
            continue
        if (c.key, c.value) in seen:
            continue
        seen.add((c.key, c.value))
        prog.rows.append(prog.mask(c.key))
        prog.row_keys.append(c.key)
        prog.values.append(c.value)
    return prog


def _quiet_highs() -> Any:
    """A silent HiGHS instance (its C++ constructor prints a banner to fd 1; we mute it)."""
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


class _Solver:
    """One HiGHS model per programme; each target only changes the objective.

    Why highspy rather than ``scipy.optimize.linprog`` (the same HiGHS solver): linprog
    rebuilds the model on every call, which costs ten times the solve itself when an audit
    asks thousands of small programmes for a minimum and a maximum; a kept model is also
    warm-started from the previous basis.
    """

    def __init__(self, prog: _Programme, base: int | None):
        self.prog = prog
        self.highs = _quiet_highs()
        a = prog.matrix()
        b = np.asarray(prog.values, dtype=float)
        slack = float(base - 1) if base and base > 1 else 0.0
        lp = highspy.HighsLp()
        lp.num_col_ = prog.n_atoms
        lp.num_row_ = len(b)
        lp.col_cost_ = np.zeros(prog.n_atoms)
        lp.col_lower_ = np.zeros(prog.n_atoms)
        lp.col_upper_ = np.full(prog.n_atoms, highspy.kHighsInf)
        lp.row_lower_ = b - slack
        lp.row_upper_ = b + slack
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_ = prog.n_atoms
        lp.a_matrix_.num_row_ = len(b)
        lp.a_matrix_.start_ = a.indptr.astype(np.int32)
        lp.a_matrix_.index_ = a.indices.astype(np.int32)
        lp.a_matrix_.value_ = a.data.astype(float)
        self.highs.passModel(lp)
        self._cols = np.arange(prog.n_atoms, dtype=np.int32)

    def bounds(self, target: np.ndarray) -> tuple[float, float, set[Key]]:
        """Min and max of the target's atoms subject to the programme's counts."""
        h = self.highs
        h.changeColsCost(len(self._cols), self._cols, target.astype(float))
        out: list[float] = []
        binding: set[Key] = set()
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            h.changeObjectiveSense(sense)
            h.run()
            status = h.getModelStatus()
            if status == highspy.HighsModelStatus.kOptimal:
                out.append(h.getInfo().objective_function_value)
                duals = np.asarray(h.getSolution().row_dual)
                binding |= {self.prog.row_keys[i] for i in np.nonzero(np.abs(duals) > _EPS)[0]}
            elif (
                status
                in (
                    highspy.HighsModelStatus.kUnbounded,
                    highspy.HighsModelStatus.kUnboundedOrInfeasible,
                )
                and sense == highspy.ObjSense.kMaximize
            ):
                out.append(math.inf)
            else:
                raise DisclosureAuditError(
                    f"the published counts over {list(self.prog.attrs)} are inconsistent with "
                    f"each other ({h.modelStatusToString(status)}); check the tables' cell "
                    "declarations"
                )
        return max(out[0], 0.0), out[1], binding


def _solve(prog: _Programme, target: np.ndarray, base: int | None) -> tuple[float, float, set[Key]]:
    if not prog.rows:
        return 0.0, math.inf, set()
    if prog.solver is None or prog.solver_base != base:
        prog.solver, prog.solver_base = _Solver(prog, base), base
    return prog.solver.bounds(target)


def _extensions(target: Count, counts: list[Count]) -> list[str]:
    """Attributes b whose counts split two or more attributes of the target's key.

    Only then do the margins form a cycle (a1–b–a2) that can narrow the interval; an
    attribute a b-count holds at one value only (occupation = all groups) is a filter.
    """
    a = target.attrs
    split: dict[str, dict[str, set[tuple[str, ...]]]] = defaultdict(lambda: defaultdict(set))
    for c in counts:
        if c.universe != target.universe or c.hidden:
            continue
        extra = c.attrs - a
        if len(extra) != 1:
            continue
        (b,) = extra
        for attr, vals in c.key[1]:
            if attr in a:
                split[b][attr].add(vals)
    return sorted(b for b, by in split.items() if sum(len(v) >= 2 for v in by.values()) >= 2)


class LinkedModel:
    """Every count of the release, with the open attributes of each universe."""

    def __init__(self, counts: list[Count], opened: dict[str, set[str]]):
        self.counts = counts
        self.opened = opened
        self._domains = _domains(counts, opened)
        self._cache: dict[tuple[str, tuple[str, ...]], _Programme | None] = {}
        self._ext: dict[tuple[str, frozenset[str]], list[str]] = {}

    def invalidate(self) -> None:
        self._cache.clear()
        self._ext.clear()

    def extensions(self, target: Count) -> list[str]:
        k = (target.universe, target.attrs)
        if k not in self._ext:
            self._ext[k] = _extensions(target, self.counts)
        return self._ext[k]

    def _programme(self, universe: str, attrs: tuple[str, ...]) -> _Programme | None:
        k = (universe, attrs)
        if k not in self._cache:
            published = [c for c in self.counts if not c.hidden and not math.isnan(c.value)]
            self._cache[k] = _build(
                universe, attrs, self._domains[universe], published, self.counts
            )
        return self._cache[k]

    def interval(self, target: Count, protection: Protection) -> Interval:
        base_attrs = tuple(sorted(target.attrs))
        sets = [base_attrs] + [tuple(sorted({*base_attrs, b})) for b in self.extensions(target)]
        lo, hi, used = 0.0, math.inf, 0
        binding: set[Key] = set()
        for attrs in sets:
            prog = self._programme(target.universe, attrs)
            if prog is None:
                if attrs == base_attrs:
                    raise DisclosureAuditError(
                        f"{target.table}.{target.column} row {target.row}: too many cells to audit "
                        f"over {list(attrs)}; declare coarser cells"
                    )
                continue
            low, high, keys = _solve(prog, prog.mask(target.key), protection.rounding_base)
            lo, hi, used = max(lo, low), min(hi, high), used + 1
            binding |= keys
        return Interval(target, lo, hi, protection.required(hi), used, binding, protection.min_cell)

    def audit(self, protection: Protection, skip: set[int] | None = None) -> list[Interval]:
        """Intervals of every target (``skip``: ids of counts known to be safe already)."""
        return [
            self.interval(c, protection)
            for c in self.counts
            if c.target and (skip is None or id(c) not in skip)
        ]


# ---------------------------------------------------------------------------------------------
# release side: choose complements across tables


def _overlaps(a: Key, b: Key) -> bool:
    if a[0] != b[0]:
        return False
    av, bv = dict(a[1]), dict(b[1])
    return all(set(av[k]) & set(bv[k]) for k in av.keys() & bv.keys())


_PER_GROUP = 3  # complements tried per kind of candidate, per failing cell and round


def _ranked(groups: list[list[Count]], copies: dict[Key, int]) -> list[list[Count]]:
    """The cheapest few candidates of each group (siblings, margins, pinning counts …).

    Cost is the value (zeros last) times the number of places the count is published:
    hiding a count that several tables carry costs every one of them.
    """
    out: list[list[Count]] = []
    seen: set[Key] = set()
    for group in groups:
        ranked = sorted(
            group, key=lambda c: (_value_cost(c) * copies[c.key] ** 3, c.table, c.column, c.row)
        )
        picked = [c for c in ranked if c.key not in seen][:_PER_GROUP]
        seen.update(c.key for c in picked)
        if picked:
            out.append(picked)
    return out


def _value_cost(c: Count) -> float:
    return c.value + 1.0 if c.value > 0 else 1e9


def _best_complement(
    model: LinkedModel,
    target: Count,
    groups: list[list[Count]],
    protection: Protection,
    copies: dict[Key, int],
    width: float,
) -> Count:
    """From the first kind of candidate that widens the target's interval at all: the
    cheapest that makes it safe on its own, else the one that widens it most."""
    for options in groups:
        tried: list[tuple[bool, float, float, Count]] = []
        for c in options:
            same = [x for x in model.counts if x.key == c.key]
            for x in same:
                x.hidden = True
            model.invalidate()
            try:
                r = model.interval(target, protection)
            finally:
                for x in same:
                    x.hidden = False
                model.invalidate()
            tried.append((r.ok, r.width, _value_cost(c) * copies[c.key] ** 3, c))
        safe = [t for t in tried if t[0]]
        if safe:
            return min(safe, key=lambda t: t[2])[3]
        wider = [t for t in tried if t[1] > width + _EPS]
        if wider:
            return min(wider, key=lambda t: (-t[1], t[2]))[3]
    return groups[0][0]


def _sibling(a: Key, b: Key) -> bool:
    """Same attributes, different value in exactly one: the cells of one line of a table."""
    if a[0] != b[0]:
        return False
    av, bv = dict(a[1]), dict(b[1])
    return av.keys() == bv.keys() and sum(av[k] != bv[k] for k in av) == 1


def _candidate_cost(target: Count, c: Count) -> float:
    same_shape = c.attrs == target.attrs
    cost = c.value + 1.0 if c.value > 0 else 1e9
    return cost + (0.0 if same_shape else 1e6)


def _hide_key(counts: list[Count], key: Key) -> None:
    for c in counts:
        if c.key == key:
            c.hidden = c.target = True


def _settle_copies(counts: list[Count], min_cell: float) -> set[Key]:
    """Make the copies of a count agree; return the keys of the small cells.

    A small cell hidden in one table is hidden in every table that publishes it; a
    complement one table hid but another publishes is published again.
    """
    small = {c.key for c in counts if 1 <= c.value < min_cell}
    for key in {c.key for c in counts if c.hidden}:
        if key in small:
            _hide_key(counts, key)
    published = {c.key for c in counts if not c.hidden}
    for c in counts:
        if c.hidden and c.key not in small and c.key in published:
            c.hidden = c.target = False
    return small


def repair(model: LinkedModel, protection: Protection, max_rounds: int = 200) -> list[Interval]:
    """Hide complements until every target's interval is wide enough; the final audit.

    A small cell (1 .. min_cell - 1) is hidden wherever the same count is published; a
    complement a table chose that another table publishes anyway protects nothing, so it
    is published again. Raises :class:`DisclosureAuditError` when a cell cannot be protected.
    """
    counts = model.counts
    copies: dict[Key, int] = defaultdict(int)
    for c in counts:
        copies[c.key] += 1
    small = _settle_copies(counts, protection.min_cell)
    model.invalidate()
    # hiding more only removes constraints, so an interval wide enough stays wide enough:
    # each round audits the cells not yet known to be wide. (A cell passing because it is
    # provably >= min_cell is audited again: a wider interval can lose that proof.)
    wide: dict[int, Interval] = {}
    for _ in range(max_rounds):
        results = model.audit(protection, skip=set(wide))
        wide.update((id(r.count), r) for r in results if r.width + _EPS >= r.required)
        unsafe = [r for r in results if not r.ok]
        if not unsafe:
            latest = {id(r.count): r for r in results}
            final = [latest.get(id(c)) or wide[id(c)] for c in counts if c.target]
            # a complement the other numbers determine exactly hides nothing: publish it
            # (an implied value adds no constraint, so no other interval changes)
            implied = {r.count.key for r in final if r.width <= _EPS and r.count.key not in small}
            for c in counts:
                if c.key in implied:
                    c.hidden = c.target = False
            model.invalidate()
            return [r for r in final if r.count.key not in implied]
        changed = False
        hidden_now: set[Key] = set()
        for r in unsafe:
            t = r.count
            if t.key in hidden_now:
                continue
            attrs = t.attrs
            pool = [
                c
                for c in counts
                if not c.hidden
                and c.key not in hidden_now
                and c.universe == t.universe
                and c.attrs <= attrs | frozenset(model.extensions(t))
            ]
            # the counts that pin the bound (non-zero duals): siblings of the same shape first,
            # then margins of the cell, then any; failing that any overlapping count
            pinning = [c for c in pool if c.key in r.binding and c.key != t.key]
            siblings = [c for c in pool if _sibling(c.key, t.key)]
            margins = [c for c in pool if c.attrs < attrs and _overlaps(c.key, t.key)]
            groups = [
                [c for c in pinning if c in siblings],
                siblings,
                [c for c in pinning if c in margins],
                margins,
                pinning,
                [c for c in pool if _overlaps(c.key, t.key)],
            ]
            options = _ranked(groups, copies)
            if not options:
                continue
            best = _best_complement(model, t, options, protection, copies, r.width)
            hidden_now.add(best.key)
            changed = True
        if not changed:
            bad = unsafe[0]
            raise DisclosureAuditError(
                f"{bad.count.table}.{bad.count.column} row {bad.count.row}: no complementary "
                "cell can protect it; coarsen the table or raise disclosure.min_cell"
            )
        for key in hidden_now:
            _hide_key(counts, key)
        model.invalidate()
    raise DisclosureAuditError("complementary suppression did not converge")


# ---------------------------------------------------------------------------------------------
# the structure file the release writes next to its tables


def occupation_hierarchy(config: Any) -> dict[str, dict[str, list[str]]]:
    from microcred.analysis.frame import ALL_GROUPS

    groups = {g.name: list(g.noc2021) for g in config.occupations}
    groups[ALL_GROUPS] = sorted({c for g in config.occupations for c in g.noc2021})
    return {"occupation": groups}


def structure(
    tables: list[AnalysisTable],
    keys: dict[str, dict[str, list[Key | None]]],
    opened: dict[str, set[str]],
    settings: dict[str, Any],
) -> dict[str, Any]:
    """The machine-readable linkage: per table, file and per count column each row's key.

    Holds coded values only (codes, category labels, table and column names).
    """
    out_tables = []
    for t in sorted(tables, key=lambda t: t.name):
        cols = {}
        for col, row_keys in sorted(keys.get(t.name, {}).items()):
            cols[col] = [
                None if k is None else {"universe": k[0], "attrs": {a: list(v) for a, v in k[1]}}
                for k in row_keys
            ]
        out_tables.append({"name": t.name, "file": f"{t.name}.parquet", "counts": cols})
    return {
        "version": STRUCTURE_VERSION,
        "settings": settings,
        "open_attributes": {u: sorted(v) for u, v in sorted(opened.items())},
        "tables": out_tables,
    }


def write_structure(path: Path, doc: dict[str, Any]) -> None:
    path.write_text(json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def counts_from_tables(
    frames: dict[str, pd.DataFrame],
    keys: dict[str, dict[str, list[Key | None]]],
    hidden: dict[str, dict[str, set[int]]] | None = None,
) -> list[Count]:
    """Every declared count cell of the given frames as a :class:`Count` (deterministic order)."""
    out = []
    for name in sorted(keys):
        df = frames[name].reset_index(drop=True)
        for col in sorted(keys[name]):
            vals = df[col].to_numpy(dtype=float) if col in df else np.full(len(df), np.nan)
            hid = (hidden or {}).get(name, {}).get(col, set())
            for i, k in enumerate(keys[name][col]):
                if k is None or i >= len(vals):
                    continue
                out.append(Count(name, i, col, k, float(vals[i]), hidden=i in hid))
    return out


def _key_from_json(entry: dict[str, Any]) -> Key:
    return entry["universe"], tuple(
        sorted((a, tuple(sorted(v))) for a, v in entry["attrs"].items())
    )


def keys_from_structure(doc: dict[str, Any]) -> dict[str, dict[str, list[Key | None]]]:
    return {
        t["name"]: {
            col: [None if e is None else _key_from_json(e) for e in rows]
            for col, rows in t["counts"].items()
        }
        for t in doc["tables"]
    }


__all__ = [
    "Count",
    "DisclosureAuditError",
    "Interval",
    "LinkedModel",
    "Protection",
]


# ---------------------------------------------------------------------------------------------
# the release: plan per table, link, repair, apply


def protection_from(dc: Any) -> Protection:
    """The protection interval and rounding a ``DisclosureConfig`` asks for."""
    return Protection(
        absolute=float(dc.protection_absolute),
        relative=float(dc.protection_relative),
        rounding_base=rounding_base_of(dc),
        min_cell=float(dc.min_cell),
    )


def rounding_base_of(dc: Any) -> int | None:
    """The rounding base in force: ``rounding_base``, or 5 when the method is rounding."""
    if dc.method == "rounding":
        return int(dc.rounding_base or 5)
    return int(dc.rounding_base) if dc.rounding_base and dc.rounding_base > 1 else None


def settings_of(dc: Any) -> dict[str, Any]:
    return {
        "method": dc.method,
        "min_cell": int(dc.min_cell),
        "rounding_base": rounding_base_of(dc),
        "protection_absolute": float(dc.protection_absolute),
        "protection_relative": float(dc.protection_relative),
    }


def _key_seed(seed: int, key: Key) -> int:
    import hashlib

    digest = hashlib.sha256(f"{seed}:{json.dumps(key)}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def round_by_key(value: float, key: Key, base: int, seed: int) -> float:
    """Unbiased random rounding seeded by the count's key: a count published in several
    tables is rounded the same way everywhere (independent roundings would average out)."""
    if math.isnan(value):
        return value
    rem = value % base
    if rem == 0:
        return value
    up = np.random.default_rng(_key_seed(seed, key)).random() < rem / base
    return value - rem + (base if up else 0)


@dataclass
class LinkedRelease:
    tables: list[AnalysisTable]
    reports: list[Any]
    structure: dict[str, Any]
    intervals: list[Interval]


def protect_release(tables: list[AnalysisTable], dc: Any, config: Any, seed: int) -> LinkedRelease:
    """Disclosure control over the whole release (tables in name order, DP already applied).

    Suppression: primary and within-table complements per table, then complements across
    tables until the linked model gives every hidden cell a wide enough interval.
    Rounding: every count randomly rounded (seeded per key), nothing hidden; small counts
    must still have a wide enough interval. Raises :class:`DisclosureAuditError` when a
    cell cannot be protected.
    """
    from microcred.release.disclosure import apply_suppression, suppression_plan

    hierarchies = occupation_hierarchy(config)
    protection = protection_from(dc)
    base = protection.rounding_base
    suppress = dc.method == "suppression"
    keys: dict[str, dict[str, list[Key | None]]] = {}
    opened: dict[str, set[str]] = defaultdict(set)
    plans: dict[str, dict[str, set[int]]] = {}
    reports = {}
    for t in tables:
        k, o = table_keys(t, hierarchies)
        keys[t.name] = k
        for u, attrs in o.items():
            opened[u] |= attrs
        if suppress:
            plans[t.name], reports[t.name] = suppression_plan(t, dc.min_cell, dc.complementary)
        else:
            from microcred.release.disclosure import DisclosureReport

            plans[t.name], reports[t.name] = {}, DisclosureReport(table=t.name)
    frames = {t.name: t.data for t in tables}
    counts = counts_from_tables(frames, keys, plans)
    for c in counts:
        c.target = c.hidden
    model = LinkedModel(counts, opened)
    if suppress:
        # the programmes use exact values here: stricter than the audit's rounded ones
        exact = Protection(protection.absolute, protection.relative, None, protection.min_cell)
        intervals = repair(model, exact)
    else:
        if base is None:  # rounding_base_of gives every rounding method a base
            raise ValueError(f"disclosure method {dc.method!r}: no rounding base to apply")
        intervals = _audit_rounded(counts, opened, protection, base, dc.min_cell, seed)
    by_cell = {(c.table, c.column, c.row): c for c in counts}
    out, out_reports = [], []
    for t in tables:
        hidden = {
            col: {
                i
                for i in range(len(rows))
                if by_cell.get((t.name, col, i)) and by_cell[(t.name, col, i)].hidden
            }
            for col, rows in keys[t.name].items()
        }
        report = reports[t.name]
        after = sum(len(v) for v in hidden.values())
        report.complementary = max(after - report.primary, 0)  # within and across tables
        protected = apply_suppression(t, hidden, report, dc.min_cell, None, seed)
        if base:
            protected = _rounded_table(protected, keys[t.name], base, seed)
            report.rounded, report.rounding_base = True, base
        out.append(protected)
        out_reports.append(report)
    doc = structure(tables, keys, opened, settings_of(dc))
    return LinkedRelease(out, out_reports, doc, intervals)


def _audit_rounded(
    counts: list[Count],
    opened: dict[str, set[str]],
    protection: Protection,
    base: int,
    min_cell: float,
    seed: int,
) -> list[Interval]:
    """Round every count (seeded per key), target the small ones, audit; raise if one is exposed."""
    for c in counts:
        c.value = round_by_key(c.value, c.key, base, seed)
        c.target = not math.isnan(c.value) and c.value < min_cell
    model = LinkedModel(counts, opened)
    protection.cap = float(base - 1)
    intervals = model.audit(protection)
    bad = [r for r in intervals if not r.ok]
    if bad:
        c = bad[0].count
        raise DisclosureAuditError(
            f"{c.table}.{c.column} row {c.row}: rounding leaves it within "
            f"[{bad[0].lower:g}, {bad[0].upper:g}]; use method: suppression"
        )
    return intervals


def _rounded_table(
    protected: AnalysisTable, keys: dict[str, list[Key | None]], base: int, seed: int
) -> AnalysisTable:
    """The table's count columns randomly rounded (seeded per key), with a note saying so."""
    data = protected.data.copy()
    for col, rows in keys.items():
        vals = data[col].to_numpy(dtype=float).copy()
        for i, row_key in enumerate(rows):
            if row_key is not None:
                vals[i] = round_by_key(vals[i], row_key, base, seed)
        data[col] = vals
    note = f"Counts are randomly rounded to a multiple of {base}."
    return replace_data(protected, data, note)


def replace_data(table: AnalysisTable, data: pd.DataFrame, note: str) -> AnalysisTable:
    from dataclasses import replace

    return replace(table, data=data, notes=[*table.notes, note])
