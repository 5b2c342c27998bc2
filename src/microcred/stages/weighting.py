"""Weighting stage: rake person weights to population margins (when asked and given)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from microcred.analysis.frame import CELL_PREFIX
from microcred.analysis.result import AnalysisTable
from microcred.features.person import FeatureSet
from microcred.stages.env import StageEnv


@dataclass(frozen=True)
class WeightingInput:
    env: StageEnv
    features: FeatureSet
    margins_path: Path | None  # Statistics Canada margins (folder or files); None: unweighted


@dataclass(frozen=True)
class WeightingOutput:
    features: FeatureSet  # with the ``weight`` column raked, or as given
    diagnostics: dict[str, Any] | None = None  # None: the run is unweighted
    tables: list[AnalysisTable] = field(default_factory=list)  # the weighting's own tables

    @property
    def weighted(self) -> bool:
        return self.diagnostics is not None


def weight_persons(inp: WeightingInput) -> WeightingOutput:
    """Rake when ``weighting.enabled`` and margins are given; otherwise pass the features on."""
    env = inp.env
    if not env.config.weighting.enabled or inp.margins_path is None:
        return WeightingOutput(inp.features)
    with env.progress.step("raking to population margins"):
        return _rake(inp)


def _rake(inp: WeightingInput) -> WeightingOutput:
    from microcred.analysis.weighting import rake
    from microcred.sources.statcan import load_margins

    cfg = inp.env.config
    margins = load_margins(inp.margins_path, cfg.weighting.margins)
    pf = inp.features.person_features
    # raking reads the margin variables only: converting just those keeps ten million
    # people at a few hundred megabytes instead of the whole feature table
    # (plus the study groups, for each group's effective sample size)
    wanted = {c for key in margins for c in key} | {"occupation_group", "in_study"}
    needed = sorted(wanted & set(pf.column_names))
    result = rake(pf.select(needed).to_pandas(), margins, cfg)
    idx = pf.schema.get_field_index("weight")
    weights = pa.array(result.weights, pa.float64())
    pf = pf.set_column(idx, "weight", weights) if idx >= 0 else pf.append_column("weight", weights)
    assert result.cells is not None
    for j in range(result.cells.shape[1]):  # raking cells: the variances use them
        pf = pf.append_column(f"{CELL_PREFIX}{j}", pa.array(result.cells[:, j], pa.int32()))
    fs = dataclasses.replace(inp.features, person_features=pf)
    return WeightingOutput(fs, result.diagnostics, list(result.tables))
