"""The person-level frame every analysis reads, and the helpers to slice it.

Why pandas here: after the features stage a study is one row a person in the
study (millions at most, a few hundred bytes each), which statsmodels and scipy
take directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from microcred.config import StudyConfig

ALL_GROUPS = "All occupations of interest"
CELL_PREFIX = "weighting_cell_"  # person-feature columns: the person's raking cell per margin


@dataclass
class StudyFrame:
    """People (``to_frame`` keeps those in the study only) plus the study's settings."""

    persons: pd.DataFrame
    config: StudyConfig
    weighted: bool

    @cached_property
    def study(self) -> pd.DataFrame:
        """People in the occupations of interest (and the study country).

        Computed once: every analysis reads it, and filtering a million-row frame
        with Arrow-backed strings costs a second each time. Treat it as read-only.
        """
        mask = self.persons["in_study"].fillna(False).astype(bool)
        return self.persons if mask.all() else self.persons[mask]

    def weights(self, df: pd.DataFrame) -> np.ndarray | None:
        """Survey weights for ``df`` when the run is weighted, else None."""
        if not self.weighted or "weight" not in df:
            return None
        return df["weight"].fillna(1.0).to_numpy(dtype=float)

    def cells(self, df: pd.DataFrame) -> np.ndarray | None:
        """Raking cells of ``df``'s people (a column per margin) when the run is weighted.

        Given to the estimators, they make the variance the linearisation with
        calibration residuals; None (unweighted, or no cells recorded) falls back to Kish.
        """
        cols = sorted((c for c in df.columns if c.startswith(CELL_PREFIX)), key=_cell_index)
        if not self.weighted or not cols:
            return None
        return df[cols].fillna(-1).to_numpy(dtype=np.int64)

    @property
    def definitions(self) -> list[str]:
        return self.config.definition_names()

    @property
    def primary(self) -> str:
        """The first configured definition: the one single-definition tables use."""
        return self.definitions[0]

    def groups(self, df: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
        """(label, rows) for every configured group, then all groups together."""
        if df is self.study:  # most analyses split the study frame: split it once
            return self._study_groups
        return self._split(df)

    @cached_property
    def _study_groups(self) -> list[tuple[str, pd.DataFrame]]:
        return self._split(self.study)

    def _split(self, df: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
        out = [(g.name, df[df["occupation_group"] == g.name]) for g in self.config.occupations]
        out.append((ALL_GROUPS, df))
        return out


def to_frame(person_features: pa.Table, config: StudyConfig, weighted: bool) -> StudyFrame:
    """The study's people as a pandas frame, sorted by person_id.

    Only people in the study are converted: every analysis reads them alone, and the
    others (more than half of a typical extract) would cost gigabytes at ten million.
    """
    in_study = pc.fill_null(person_features["in_study"], False)
    df = person_features.filter(in_study).to_pandas()
    df = df.sort_values("person_id", kind="stable").reset_index(drop=True)
    return StudyFrame(df, config, weighted)


def _cell_index(column: str) -> int:
    return int(column[len(CELL_PREFIX) :])


def holder(df: pd.DataFrame, definition: str, hiconf: bool = False) -> np.ndarray:
    col = f"holder_{definition}_hiconf" if hiconf else f"holder_{definition}"
    return df[col].fillna(False).to_numpy(dtype=bool)
