"""Analysis stage: person features → analysis tables (coverage tables first, as released)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from microcred.analysis.misclassification import ValidationCounts
from microcred.analysis.result import AnalysisTable
from microcred.features.person import FeatureSet
from microcred.stages.env import StageEnv


@dataclass(frozen=True)
class AnalysisInput:
    env: StageEnv
    features: FeatureSet
    weighted: bool = False  # person weights were raked to margins
    survey: pa.Table | None = None  # the second source (Stack Overflow survey)
    # tables made by earlier stages (coverage, weighting), released before the analyses
    earlier: list[AnalysisTable] = field(default_factory=list)
    # holder-status counts from a reviewed sample (``microcred validate score``), per definition
    validation: dict[str, ValidationCounts] | None = None


@dataclass(frozen=True)
class AnalysisOutput:
    tables: list[AnalysisTable]  # every table to release, in release order


def analyse(inp: AnalysisInput) -> AnalysisOutput:
    from microcred.analysis import run_analyses

    env = inp.env
    with env.progress.step("running analyses"):
        tables = run_analyses(
            inp.features,
            env.config,
            survey=inp.survey,
            weighted=inp.weighted,
            validation=inp.validation,
        )
    return AnalysisOutput(list(inp.earlier) + tables)
