"""Coding stage: distinct strings of the canonical tables → coded tables with provenance.

A thin wrapper: the coding itself (coders, cache, education-listed credentials) lives in
the coding package; this stage runs it, writes the coded tables to the restricted
folder, and makes the coding-rate coverage table (its numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from microcred.analysis.result import AnalysisTable, ChartSpec
from microcred.coding.stage import code_all
from microcred.datadir import DataDir
from microcred.stages.env import StageEnv


@dataclass(frozen=True)
class CodingInput:
    env: StageEnv
    files: dict[str, Path]  # staged canonical tables (credentials gains education-listed rows)
    data_dir: DataDir


@dataclass
class CodingOutput:
    coded: dict[str, pa.Table]  # titles_coded, education_coded, credentials_coded, skills_coded
    summary: list[dict[str, Any]]  # per coder: distinct, coded, abstained, low_confidence
    credentials_rows: int  # rows of the staged credentials file after coding

    def coverage_table(self) -> AnalysisTable:
        coding = pd.DataFrame(self.summary)
        coding["coded_share"] = (
            coding["coded"] / coding["distinct"].where(coding["distinct"] > 0)
        ).round(4)
        return AnalysisTable(
            name="coverage_coding",
            title="Coding rates on distinct strings",
            section="coverage",
            method="Coders work on distinct strings. 'abstained' counts strings left uncoded (occupation below the "
            "confidence threshold, credential type unknown, education level unknown, skill not in the taxonomy); "
            "'low_confidence' counts codes below the low-confidence threshold used in the sensitivity analysis.",
            data=coding,
            dims=["coder"],
            chart=ChartSpec(
                kind="bar",
                x="coder",
                y="coded_share",
                title="Share of distinct strings coded",
                x_title="Coder",
                y_title="Share coded",
                y_format=".0%",
                description="Bar chart of the share of distinct input strings each coder assigned a code.",
            ),
        )


def code_tables(inp: CodingInput) -> CodingOutput:
    """Code every coder's distinct strings and keep the coded tables (restricted).

    Progress step names (``coding <label>``) are the coding code's own.
    """
    env = inp.env
    coded, summary = code_all(
        env.engine, inp.files, inp.data_dir, env.config, env.progress, env.layout.cache_dir
    )
    rows = pq.ParquetFile(inp.files["credentials"]).metadata.num_rows
    env.layout.coded.mkdir(parents=True, exist_ok=True)
    for name, table in sorted(coded.items()):
        pq.write_table(table, env.layout.coded / f"{name}.parquet", compression="zstd")
    return CodingOutput(coded, summary, rows)
