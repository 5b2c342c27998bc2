"""Release stage: the only way a table reaches ``tables/``, the report and figures.

``release_tables`` takes the analyses' ``AnalysisTable`` objects and applies
disclosure control over all tables at once (:mod:`microcred.release.linked`) — or, when
``config.dp.enabled``, replaces them by the differentially private tables of the query plan
(:mod:`microcred.release.dp_release`; no suppression, the rest left out) — marks them
``released=True`` and writes them deterministically
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


def require_dp() -> None:
    """Fail with one line naming the ``dp`` extra before any DP module (they import opendp)."""
    require("opendp", "dp", "differential privacy (dp.enabled: true)")


def __getattr__(name: str) -> Any:
    """``BudgetExceededError`` and ``PrivacyAccountant`` from ``release.dp``, on first use."""
    if name in ("BudgetExceededError", "PrivacyAccountant"):
        return getattr(_dp_module(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def release_tables(
    tables: list[AnalysisTable],
    config: StudyConfig,
    out_dir: Path | None,
    seed: int,
    persons: Any = None,
    input_key: str | None = None,
) -> ReleaseResult:
    """Protect every table (DP when configured, else disclosure control) and write them.

    ``config`` is a ``StudyConfig``. ``out_dir`` is the run's output folder (files go
    to ``out_dir/tables/``; a folder already named ``tables`` is used as is); None
    releases in memory only. Manifest file paths are relative to the run folder.

    With ``config.dp.enabled`` the analyses' tables are replaced by the DP tables of the
    query plan, measured on ``persons`` (the person features; required), and the budget is
    charged to the ledger of ``input_key`` (the input's sha256; default: a hash of the
    study's person ids) before any noise is drawn (:mod:`microcred.release.dp_release`).
    """
    names = [t.name for t in tables]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"table names must be unique; repeated: {dupes}")
    for table in tables:
        check_table(table)  # only coded values: refuse profile text outside its vocabulary
    dc = config.disclosure
    if config.dp.enabled:
        return _release_dp(names, config, out_dir, persons, input_key)
    noised = sorted(tables, key=lambda t: t.name)
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
        "dp": {"enabled": False},
    }
    return ReleaseResult(tables=released, manifest_entries=entries, privacy=privacy)


def _release_dp(
    analysed: list[str],
    config: StudyConfig,
    out_dir: Path | None,
    persons: Any,
    input_key: str | None,
) -> ReleaseResult:
    """DP mode: the plan's tables only; no suppression (DP protects them; every published
    number is post-processing of the measured histograms), the rest left out."""
    require_dp()
    from microcred.release.dp_ledger import Ledger, ledger_dir
    from microcred.release.dp_plan import build_plan
    from microcred.release.dp_release import dp_release, input_key_of

    if persons is None:
        raise ValueError("a DP release needs the person features (persons=...)")
    plan = build_plan(config)
    key = input_key or input_key_of(persons)
    ledger = Ledger(ledger_dir(config.dp.ledger_dir), key)
    before = ledger.charge(
        plan.rho_planned, plan.rho_total, config.dp.budget_label(), config.fingerprint()
    )
    outcome = dp_release(persons, config, plan, analysed)
    entries: list[dict[str, Any]] = []
    released = []
    for table in sorted(outcome.tables, key=lambda t: t.name):
        check_table(table)
        table = replace(table, released=True)
        released.append(table)
        entry: dict[str, Any] = {
            "table": table.name,
            "section": table.section,
            "rows": len(table.data),
            "columns": list(map(str, table.data.columns)),
            "dp": {
                "from_measurements": [
                    m["block"]
                    for m in plan.measured
                    if m["block"].startswith("uptake_") or m["block"].startswith(table.name)
                ],
                "derived_by_post_processing": True,
            },
        }
        if out_dir is not None:
            tables_dir = _tables_dir(Path(out_dir))
            paths = write_table(table, tables_dir)
            entry["files"] = {
                p.relative_to(tables_dir.parent).as_posix(): _sha256(p) for p in sorted(paths)
            }
        entries.append(entry)
    dp_manifest = plan.manifest()
    dp_manifest.update(
        {
            "ledger": {
                "input_sha256": key,
                "rho_spent_before_this_run": before,
                "rho_spent_after_this_run": before + plan.spent,
            },
            "published_tables": [t.name for t in released],
            "left_out": outcome.left_out,
            "derived_by_post_processing": outcome.derived,
        }
    )
    privacy = {
        "disclosure": {
            "method": "differential privacy (no suppression: every count is noisy)",
            "min_cell": None,
        },
        "dp": dp_manifest,
    }
    return ReleaseResult(tables=released, manifest_entries=entries, privacy=privacy)


def released_frame(table: AnalysisTable) -> pd.DataFrame:
    """The data of a released table (raises for an unreleased one): the report's accessor."""
    if not table.released:
        raise ValueError(f"table {table.name!r} has not been through release")
    return table.data
