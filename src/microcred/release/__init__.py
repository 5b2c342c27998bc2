"""Release stage: the only way a table reaches ``tables/``, the report and figures.

``release_tables`` takes the analyses' ``AnalysisTable`` objects, applies
differential privacy when ``config.dp.enabled`` (noise first, so that the
suppression that follows is post-processing of noisy counts), then disclosure
control over all tables at once (always; :mod:`microcred.release.linked`), marks them ``released=True`` and writes them deterministically
as ``tables/<name>.csv`` and ``tables/<name>.parquet``, with ``tables/_structure.json``
describing which persons every count covers (what the disclosure audit reads). The personal-data gate
(:mod:`microcred.release.pii_gate`) is run over the whole output directory by the
pipeline once the report is written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from microcred.analysis.result import AnalysisTable
from microcred.extras import require

if TYPE_CHECKING:
    from microcred.config import StudyConfig
from microcred.release.cells import neutralise_frame
from microcred.release.disclosure import SUPPRESSED_COLUMN, DisclosureReport
from microcred.release.formats import integer_counts, write_csv_frame
from microcred.release.linked import (
    STRUCTURE_FILE,
    DisclosureAuditError,
    protect_release,
    settings_of,
    write_structure,
)
from microcred.release.pii_gate import Finding, PersonalDataFound, gate, scan_outputs
from microcred.release.vocabulary import check_table

__all__ = [
    "BudgetExceededError",
    "DisclosureAuditError",
    "Finding",
    "PersonalDataFound",
    "PrivacyAccountant",
    "ReleaseResult",
    "gate",
    "release_tables",
    "scan_outputs",
    "write_table",
]


@dataclass
class ReleaseResult:
    tables: list[AnalysisTable]
    manifest_entries: list[dict[str, Any]] = field(default_factory=list)
    privacy: dict[str, Any] = field(
        default_factory=dict
    )  # disclosure settings and, with DP, the ε ledger


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_table(table: AnalysisTable, tables_dir: Path) -> list[Path]:
    """Write one released table as CSV and Parquet; byte-identical for identical data."""
    if not table.released:
        raise ValueError(f"table {table.name!r} has not been through release; refusing to write it")
    tables_dir.mkdir(parents=True, exist_ok=True)
    df = integer_counts(table.data.reset_index(drop=True), table.count_columns)
    df = neutralise_frame(df)  # no cell may start a formula
    csv_path = tables_dir / f"{table.name}.csv"
    write_csv_frame(df, csv_path)
    pq_path = tables_dir / f"{table.name}.parquet"
    arrow = pa.Table.from_pandas(df, preserve_index=False)
    arrow = arrow.replace_schema_metadata(None)  # pandas metadata carries library versions
    pq.write_table(arrow, pq_path, compression="zstd")
    return [csv_path, pq_path]


def _tables_dir(out_dir: Path) -> Path:
    """``<out_dir>/tables``; a folder already named ``tables`` is taken as that folder."""
    return out_dir if out_dir.name == "tables" else out_dir / "tables"


def _dp_module() -> ModuleType:
    """``release.dp``, imported only when DP is on: opendp is the optional ``dp`` extra."""
    return require("microcred.release.dp", "dp", "differential privacy (dp.enabled: true)")


def __getattr__(name: str) -> Any:
    """``BudgetExceededError`` and ``PrivacyAccountant`` from ``release.dp``, on first use."""
    if name in ("BudgetExceededError", "PrivacyAccountant"):
        return getattr(_dp_module(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def release_tables(
    tables: list[AnalysisTable], config: StudyConfig, out_dir: Path | None, seed: int
) -> ReleaseResult:
    """Protect every table (DP when configured, then disclosure control) and write them.

    ``config`` is a ``StudyConfig``. ``out_dir`` is the run's output folder (files go
    to ``out_dir/tables/``; a folder already named ``tables`` is used as is); None
    releases in memory only. Manifest file paths are relative to the run folder.
    Raises :class:`BudgetExceededError` when DP is on and the tables need more ε
    than ``config.dp.epsilon_total``; nothing is written in that case.
    """
    names = [t.name for t in tables]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"table names must be unique; repeated: {dupes}")
    for table in tables:
        check_table(table)  # only coded values: refuse profile text outside its vocabulary
    dc = config.disclosure
    dp = _dp_module() if config.dp.enabled else None
    accountant = dp.PrivacyAccountant.from_config(config) if dp is not None else None
    dp_by_table: dict[str, list[dict[str, Any]]] = {}
    noised: list[AnalysisTable] = []
    for table in sorted(tables, key=lambda t: t.name):
        current = table
        if dp is not None and accountant is not None:
            current, rels = dp.dp_table(current, accountant)
            dp_by_table[table.name] = [r.as_dict() for r in rels]
        noised.append(current)
    linked = protect_release(noised, dc, config, seed)
    released = [replace(t, released=True) for t in linked.tables]
    reports: list[DisclosureReport] = linked.reports
    entries: list[dict[str, Any]] = []
    for table, report in zip(released, reports, strict=True):
        entry = {
            "table": table.name,
            "section": table.section,
            "rows": len(table.data),
            "columns": list(map(str, table.data.columns)),
            **report.as_dict(),
        }
        if table.name in dp_by_table:
            entry["dp"] = dp_by_table[table.name]
        if out_dir is not None:
            tables_dir = _tables_dir(Path(out_dir))
            paths = write_table(table, tables_dir)
            entry["files"] = {
                p.relative_to(tables_dir.parent).as_posix(): _sha256(p) for p in sorted(paths)
            }
        entries.append(entry)
    if out_dir is not None:
        tables_dir = _tables_dir(Path(out_dir))
        tables_dir.mkdir(parents=True, exist_ok=True)
        write_structure(tables_dir / STRUCTURE_FILE, linked.structure)
    privacy = {
        "disclosure": {
            "min_cell": dc.min_cell,
            "complementary": dc.complementary,
            "rounding_base": dc.rounding_base,
            **settings_of(dc),
            "suppressed_symbol": "x",
            "status_column": SUPPRESSED_COLUMN,
        },
        "dp": accountant.manifest() if accountant is not None else {"enabled": False},
    }
    return ReleaseResult(tables=released, manifest_entries=entries, privacy=privacy)


def released_frame(table: AnalysisTable) -> pd.DataFrame:
    """The data of a released table (raises for an unreleased one): the report's accessor."""
    if not table.released:
        raise ValueError(f"table {table.name!r} has not been through release")
    return table.data
