"""The coding stage: every registered coder over the distinct values of the staged tables.

Why one loop: a coder says what it reads, writes and counts as unknown (``coding.base``),
so the stage needs no per-coder case. Where a coder's input needs another's output, an
input hook (``INPUT_HOOKS``) prepares it; a hook whose producer is not registered is
skipped, so removing a registry line removes that coder from the run and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from microcred.coding.base import Coder, CoderSettings, in_coverage, loader_for, registered
from microcred.coding.cache import CodingCache
from microcred.coding.listed_credentials import with_education_listed
from microcred.config import StudyConfig
from microcred.engine import Engine
from microcred.progress import StageProgress

#: hook(engine, staged files, coded so far) run before a coder; keyed by
#: (coder name, output the hook needs)
InputHook = Callable[[Engine, dict[str, Path], pa.Table], Any]
INPUT_HOOKS: dict[tuple[str, str], InputHook] = {
    ("credentials", "education_coded"): with_education_listed,
}


def code_all(
    engine: Engine,
    files: dict[str, Path],
    data_dir: Path | Any,
    config: StudyConfig,
    progress: StageProgress,
    cache_dir: Path | None = None,
) -> tuple[dict[str, pa.Table], list[dict[str, Any]]]:
    """Code the distinct inputs of every registered coder, in coding order.

    Returns the coded tables by output name and one coverage row per coder that has one
    (``coding.base.in_coverage``: distinct inputs, coded, abstained, low confidence). Each coder runs from a picklable loader (in
    process on DuckDB, on executors on Spark); with ``cache_dir`` results are cached by
    content under the coder's ``fingerprint_for``.
    """
    settings = CoderSettings(config)
    cache = CodingCache(cache_dir) if cache_dir else None
    coded: dict[str, pa.Table] = {}
    summary: list[dict[str, Any]] = []
    for cls in registered():
        for (name, needs), hook in INPUT_HOOKS.items():
            if name == cls.name and needs in coded:
                hook(engine, files, coded[needs])
        inputs = distinct_inputs(engine, files[cls.source_table], cls.reads)
        with progress.step(f"coding {cls.label}", total=inputs.num_rows):
            out = _code(engine, cls, data_dir, settings, inputs, cache)
        coded[cls.output] = out
        if in_coverage(cls):
            summary.append(coverage_row(cls, out, config.coding.low_confidence))
    return coded, summary


def _code(
    engine: Engine,
    cls: type[Coder],
    data_dir: Path | Any,
    settings: CoderSettings,
    inputs: pa.Table,
    cache: CodingCache | None,
) -> pa.Table:
    # on a Spark cluster the loader runs on executors: it names the data as they see it
    loader = loader_for(cls, engine.executor_data_dir(data_dir), settings)

    def run(batch: pa.Table) -> pa.Table:
        return engine.code_distinct(batch, loader)

    if cache is None:
        return run(inputs)
    return cache.code(cls.output, cls.fingerprint_for(data_dir, settings), inputs, run)


def distinct_inputs(engine: Engine, table: Path, reads: tuple[str, ...]) -> pa.Table:
    """Distinct combinations of ``reads`` (the unit every coder works on), sorted.

    A coder reading one column codes its non-null values; a coder reading several codes
    every combination, nulls included (a credential may have no authority). The backend
    computes this from the staged Parquet file, so the whole column is never in memory.
    """
    columns = list(reads)
    t = engine.table(table)
    if len(columns) == 1:
        t = t.filter(t[columns[0]].notnull())
    return engine.to_arrow(t.select(*columns).distinct().order_by(columns))


def coverage_row(cls: type[Coder], out: pa.Table, low_confidence: float) -> dict[str, Any]:
    """One row of the coding-coverage table: how much of a coder's distinct input it coded."""
    column, value = cls.unknown
    unknown = _count(
        out, pc.is_null(out[column]) if value is None else pc.equal(out[column], value)
    )
    low = 0
    if cls.confidence_column is not None:
        conf = pc.fill_null(out[cls.confidence_column], 0.0)
        low = _count(out, pc.less(conf, low_confidence))
    return {
        "coder": cls.label,
        "distinct": out.num_rows,
        "coded": out.num_rows - unknown,
        "abstained": unknown,
        "low_confidence": low,
    }


def _count(table: pa.Table, mask: Any) -> int:
    return 0 if table.num_rows == 0 else int(pc.sum(mask).as_py() or 0)


__all__ = ["INPUT_HOOKS", "code_all", "coverage_row", "distinct_inputs"]
