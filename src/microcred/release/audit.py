"""The disclosure audit: can any suppressed cell of a release be worked back out?

Why separate from the release: it reads only what is published — the tables in a
``tables/`` folder and ``tables/_structure.json`` (which persons every count covers) —
so it checks the files a reader gets, not the release's intentions, and can be run by
anyone on any release (``microcred release audit DIR``). For every protected cell
(suppressed cells; with rounding, every count published below the minimum cell size)
it computes the feasible interval implied by every other published number
(:class:`microcred.release.linked.LinkedModel`) and fails when the interval is narrower
than the protection interval. The report (JSON) lists each table checked and each
cell's interval; it is for the run's owner, not for the release.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from microcred.release.disclosure import SUPPRESSED_COLUMN
from microcred.release.linked import (
    STRUCTURE_FILE,
    Count,
    DisclosureAuditError,
    Interval,
    LinkedModel,
    Protection,
    keys_from_structure,
)

__all__ = ["AuditResult", "DisclosureAuditError", "audit_release", "audit_tables"]


@dataclass
class AuditResult:
    tables: list[dict[str, Any]]
    intervals: list[Interval]
    settings: dict[str, Any]

    @property
    def failures(self) -> list[Interval]:
        return [r for r in self.intervals if not r.ok]

    def as_dict(self) -> dict[str, Any]:
        return {
            "settings": self.settings,
            "tables": self.tables,
            "cells_checked": len(self.intervals),
            "recoverable": len(self.failures),
            "intervals": [r.as_dict() for r in self.intervals],
        }


def _tables_dir(path: Path) -> Path:
    path = Path(path)
    if (path / STRUCTURE_FILE).is_file():
        return path
    if (path / "tables" / STRUCTURE_FILE).is_file():
        return path / "tables"
    raise DisclosureAuditError(
        f"{path}: no {STRUCTURE_FILE} here or in {path / 'tables'}; "
        "audit a folder written by `microcred run` (or its tables/ folder)"
    )


def _read(tables_dir: Path, name: str, file: str) -> pd.DataFrame:
    pq_path = tables_dir / file
    if pq_path.is_file():
        return pq.read_table(pq_path).to_pandas()
    csv_path = tables_dir / f"{name}.csv"
    if csv_path.is_file():
        return pd.read_csv(csv_path, keep_default_na=False, na_values=[""])
    raise DisclosureAuditError(
        f"{tables_dir}: table {name!r} is described in {STRUCTURE_FILE} but neither "
        f"{file} nor {name}.csv is there; the release is incomplete"
    )


def _settings(doc: dict[str, Any], config: Any | None) -> dict[str, Any]:
    settings = dict(doc.get("settings", {}))
    if config is not None:
        from microcred.release.linked import settings_of

        settings.update(settings_of(config.disclosure))
    return settings


def audit_tables(tables_dir: Path, config: Any | None = None) -> AuditResult:
    """Audit a published tables folder (config: a ``StudyConfig`` overriding the settings
    recorded in the structure file)."""
    tables_dir = _tables_dir(Path(tables_dir))
    doc = json.loads((tables_dir / STRUCTURE_FILE).read_text(encoding="utf-8"))
    settings = _settings(doc, config)
    keys = keys_from_structure(doc)
    opened = {u: set(v) for u, v in doc.get("open_attributes", {}).items()}
    base = settings.get("rounding_base")
    rounding = settings.get("method") == "rounding"
    min_cell = float(settings.get("min_cell", 10))
    counts: list[Count] = []
    checked: list[dict[str, Any]] = []
    for entry in doc["tables"]:
        name = entry["name"]
        df = _read(tables_dir, name, entry["file"])
        flags = (
            df[SUPPRESSED_COLUMN].fillna("").astype(str).str.split(";")
            if SUPPRESSED_COLUMN in df
            else pd.Series([[]] * len(df))
        )
        n_before = len(counts)
        for col, rows in sorted(keys[name].items()):
            if len(rows) != len(df):
                raise DisclosureAuditError(
                    f"{name}: {STRUCTURE_FILE} describes {len(rows)} rows, the table has {len(df)}"
                )
            if col not in df:
                raise DisclosureAuditError(f"{name}: count column {col!r} is missing")
            values = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=float)
            for i, key in enumerate(rows):
                if key is None:
                    continue
                v = float(values[i])
                hidden = math.isnan(v) and col in flags.iloc[i]
                target = hidden or (rounding and not math.isnan(v) and v < min_cell)
                counts.append(Count(name, i, col, key, v, hidden=hidden, target=target))
        mine = counts[n_before:]
        checked.append(
            {
                "table": name,
                "counts": len(mine),
                "suppressed": sum(c.hidden for c in mine),
                "protected_cells": sum(c.target for c in mine),
            }
        )
    protection = Protection(
        absolute=float(settings.get("protection_absolute", 5.0)),
        relative=float(settings.get("protection_relative", 0.0)),
        rounding_base=base if base and base > 1 else None,
        min_cell=min_cell,
        cap=float(base - 1) if rounding and base else None,
    )
    intervals = LinkedModel(counts, opened).audit(protection)
    return AuditResult(checked, intervals, settings)


def audit_release(
    tables_dir: Path, config: Any | None = None, report_path: Path | None = None
) -> AuditResult:
    """Audit a release before it is published; raise :class:`DisclosureAuditError` (one
    line, naming the first recoverable cell) when any cell's interval is too narrow.

    The JSON report goes to ``report_path`` (default: ``<run>/audit/disclosure_audit.json``,
    beside — never inside — ``tables/``).
    """
    result = audit_tables(tables_dir, config)
    tdir = _tables_dir(Path(tables_dir))
    path = report_path or tdir.parent / "audit" / "disclosure_audit.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result.as_dict(), indent=1, sort_keys=True) + "\n")
    if result.failures:
        r = result.failures[0]
        c = r.count
        raise DisclosureAuditError(
            f"disclosure audit: {len(result.failures)} cell(s) can be worked out; first "
            f"{c.table}.{c.column} row {c.row + 1} lies in [{r.lower:g}, {r.upper:g}] "
            f"(width {r.width:g} < {r.required:g}); report: {path}"
        )
    return result
