"""The seniority analysis's input built straight from a synthetic cohort's truth.

Why: the recovery benchmark needs hundreds of replications of the seniority estimator
at 5k–20k profiles; the whole pipeline takes over a minute per 5k cohort. Here the
person frame the analysis reads is built from the truth tables with the same
observation model as the pipeline for seniority: a rank is known only when the
current title shows a seniority word (``seniority_in_title``), as the seniority coder
reads nothing else. Occupation, holding, education and experience are the true values
(coder error is measured elsewhere), so what this measures is the estimator.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd

from microcred.config import StudyConfig
from microcred.datadir import DataDir
from microcred.features.bands import band_of
from microcred.features.ladder import rank_of
from microcred.synth.cohort import SynthCohort
from microcred.synth.knowledge import load_knowledge


@contextmanager
def planted_seniority_effect(
    log_odds_per_rank: float, data_dir: DataDir | None = None
) -> Iterator[None]:
    """Generate cohorts whose holding depends on seniority (``holder_model.seniority``).

    With a positive value, holders are more senior than non-holders with the same
    covariates: the planted difference the seniority analysis must detect.
    """
    hm = load_knowledge(data_dir).model["holder_model"]
    before = hm["seniority"]
    hm["seniority"] = log_odds_per_rank
    try:
        yield
    finally:
        hm["seniority"] = before


def seniority_truth_frame(cohort: SynthCohort, config: StudyConfig) -> pd.DataFrame:
    """One row per person in study, with the columns :mod:`microcred.analysis.seniority` reads."""
    p = cohort.truth["persons"].to_pandas()
    pos = cohort.truth["positions"].to_pandas()
    last = pos.sort_values(["source_identity", "position_idx"]).groupby("source_identity").tail(1)
    shown = last.set_index("source_identity")["seniority_in_title"].reindex(p["source_identity"])
    groups = config.occupation_codes
    p["occupation_group"] = p["true_noc2021"].map(groups)
    rank = p["seniority_current"].map(rank_of).astype(float)
    rank[~shown.fillna(False).to_numpy(dtype=bool)] = np.nan
    ref = pd.Timestamp(config.reference_date)
    yrs = p["years_experience"].astype(float)
    entry = pd.to_datetime(p["entry_date"])
    tenure = np.minimum((ref - entry).dt.days / 365.25, yrs)
    out = pd.DataFrame(
        {
            "person_id": p["source_identity"],
            "in_study": p["occupation_group"].notna(),
            "occupation_group": p["occupation_group"],
            "seniority_rank": rank,
            "years_experience": yrs,
            "experience_band": [band_of(y, config.experience_bands) for y in yrs],
            "years_in_occupation": tenure,
            "education_level": p["true_education_level_coded"],
            "formal_digital_training": np.where(p["formal_digital_training"], "yes", "no"),
            "province": p["province"],
            "weight": p["design_weight"].astype(float),
            **{f"holder_{d}": p[f"holder_{d}"] for d in config.definition_names()},
        }
    )
    return out[out["in_study"]].reset_index(drop=True)
