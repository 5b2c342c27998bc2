"""analysis stage: statistics on the person-level features.

``run_analyses`` returns :class:`~microcred.analysis.result.AnalysisTable` objects
for release; nothing here writes files or renders charts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from microcred.analysis.frame import to_frame
from microcred.analysis.holders import holders_tables
from microcred.analysis.misclassification import ValidationCounts
from microcred.analysis.models import model_tables, seniority_verdict
from microcred.analysis.pathways import pathways
from microcred.analysis.quality import quality_tables, study_credentials
from microcred.analysis.result import AnalysisTable, ChartSpec
from microcred.analysis.second_source import second_source
from microcred.analysis.sensitivity import headline_estimates, sensitivity
from microcred.analysis.skills import distinctive_skills
from microcred.analysis.timeline import time_tables
from microcred.analysis.uptake import uptake_tables
from microcred.config import StudyConfig

if TYPE_CHECKING:
    from microcred.features.person import FeatureSet


def run_analyses(
    features: FeatureSet,
    config: StudyConfig,
    survey: pa.Table | None = None,
    weighted: bool = False,
    validation: dict[str, ValidationCounts] | None = None,
) -> list[AnalysisTable]:
    """All analyses of the study, in report order.

    ``weighted``: use the ``weight`` column of the person features (set by the
    weighting step) for design-based estimates; counts stay unweighted.
    ``validation``: per definition, holder-status counts from a reviewed sample
    (``microcred validate score``); uptake is then corrected with them instead of the
    probabilistic bias analysis from the coder's published confusion counts.
    """
    sf = to_frame(features.person_features, config, weighted)
    tables: list[AnalysisTable] = []
    tables += uptake_tables(sf, features.credentials_enriched, validation)
    tables += holders_tables(sf)
    tables += distinctive_skills(sf, features.person_skills)
    tables += model_tables(sf)
    tables.append(pathways(sf))
    ce = study_credentials(sf, features.credentials_enriched)
    tables += quality_tables(sf, ce)
    tables += time_tables(sf, ce)
    tables.append(sensitivity(sf))
    if survey is not None and survey.num_rows:
        tables.append(second_source(sf, survey))
    return tables


__all__ = [
    "AnalysisTable",
    "ChartSpec",
    "headline_estimates",
    "run_analyses",
    "seniority_verdict",
]
