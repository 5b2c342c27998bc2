"""A simulated person-feature table (with known structure) for the analysis tests."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa

from microcred.config import StudyConfig
from microcred.features.bands import band_of
from microcred.features.person import FeatureSet, person_features_schema

CONFIG = StudyConfig()


def simulate(
    n: int = 1500,
    seed: int = 7,
    uptake: float = 0.2,
    seniority_effect: float = 0.0,
    config: StudyConfig = CONFIG,
) -> FeatureSet:
    """People in the two default groups; experience drives both holding and seniority
    (a confounder), and holding adds ``seniority_effect`` ranks on a latent scale."""
    rng = np.random.default_rng(seed)
    groups = rng.choice(["Data scientists", "Software professionals"], size=n, p=[0.3, 0.7])
    noc = np.where(
        groups == "Data scientists", "21211", rng.choice(["21231", "21232", "21234"], size=n)
    )
    years = rng.gamma(2.0, 4.0, size=n)
    training = rng.choice(["yes", "no", "unknown"], size=n, p=[0.5, 0.4, 0.1])
    edu = rng.choice(["bachelor", "master", "college"], size=n, p=[0.5, 0.3, 0.2])
    province = rng.choice(["ON", "QC", "BC", "AB"], size=n, p=[0.4, 0.25, 0.2, 0.15])
    logit = np.log(uptake / (1 - uptake)) - 0.08 * (years - 8) + 0.5 * (training == "no")
    hold = rng.random(n) < 1 / (1 + np.exp(-logit))
    latent = 0.35 * years + seniority_effect * hold + rng.logistic(size=n)
    rank = np.clip(np.floor(latent / 1.5), 0, 7).astype("int8")
    n_micro = np.where(hold, rng.integers(1, 6, size=n), 0)
    entry = [dt.date(2025, 1, 1) - dt.timedelta(days=int(365.25 * y * 0.8)) for y in years]
    first = [
        e + dt.timedelta(days=int(rng.integers(-1500, 1500))) if h else None
        for e, h in zip(entry, hold, strict=True)
    ]
    conf = rng.uniform(0.3, 1.0, size=n)
    df = pd.DataFrame(
        {
            "person_id": [f"p{i:05d}" for i in range(n)],
            "source": "synthetic",
            "province": province,
            "profile_language": np.where(province == "QC", "fr", "en"),
            "noc2021": noc,
            "noc2021_title": noc,
            "noc2021_confidence": conf,
            "occupation_abstained": False,
            "occupation_low_confidence": conf < config.coding.low_confidence,
            "occupation_group": groups,
            "in_study": True,
            "seniority": None,
            "seniority_rank": rank,
            "seniority_trajectory": "unknown",
            "years_experience": years,
            "experience_band": [band_of(y, config.experience_bands) for y in years],
            "years_in_occupation": years * 0.8,
            "occupation_entry_date": entry,
            "n_employers": rng.integers(1, 5, size=n),
            "current_employer": rng.choice(["shopify", "desjardins", "rbc", None], size=n),
            "education_level": edu,
            "education_rank": np.where(edu == "master", 5, np.where(edu == "bachelor", 4, 3)),
            "field_cip2021": rng.choice(["11.07", "27.05", "14.09"], size=n),
            "formal_digital_training": training,
            "n_skills": rng.integers(0, 30, size=n),
            "n_digital_skills": 0,
            "digital_skill_share": rng.uniform(0, 1, size=n),
            "n_hot_skills": rng.integers(0, 8, size=n) + 2 * hold,
            "n_credentials": n_micro + rng.integers(0, 2, size=n),
            "weight": 1.0,
        }
    )
    for d in config.definition_names():
        df[f"holder_{d}"] = hold
        df[f"n_micro_{d}"] = n_micro
        df[f"first_micro_date_{d}"] = first
        hi = hold & (rng.random(n) < 0.8)
        df[f"holder_{d}_hiconf"] = hi
        df[f"n_micro_{d}_hiconf"] = np.where(hi, n_micro, 0)
        df[f"first_micro_date_{d}_hiconf"] = [
            f if h else None for f, h in zip(first, hi, strict=True)
        ]
    sch = person_features_schema(config)
    pf = pa.Table.from_pandas(df[sch.names], schema=sch, preserve_index=False)
    creds = []
    for pid, k in zip(df["person_id"], n_micro, strict=True):
        for j in range(int(k)):
            creds.append(
                {
                    "person_id": pid,
                    "credential_idx": j,
                    "credential_type": "mooc_certificate" if j % 2 else "vendor_certification",
                    "provider": ["Amazon Web Services", "Google", "IBM"][j % 3],
                    "platform": "Coursera" if j % 2 else None,
                    **{f"is_micro_{d}": True for d in config.definition_names()},
                }
            )
    enriched = pa.Table.from_pylist(creds)
    skills = []
    for pid, h in zip(df["person_id"], hold, strict=True):
        for s in ("Python", "SQL", "Excel"):
            skills.append({"person_id": pid, "skill": s, "is_digital": True})
        if h and rng.random() < 0.6:
            skills.append({"person_id": pid, "skill": "Kubernetes", "is_digital": True})
    return FeatureSet(pf, enriched, pa.Table.from_pylist(skills))
