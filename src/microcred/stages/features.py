"""Features stage: canonical tables + codes → one row a person (and their credentials, skills)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from microcred.features.person import FeatureSet
from microcred.stages.env import StageEnv


@dataclass(frozen=True)
class FeaturesInput:
    env: StageEnv
    files: dict[str, Path]  # staged canonical tables
    coded: dict[str, pa.Table]  # the coding stage's tables


@dataclass(frozen=True)
class FeaturesOutput:
    features: FeatureSet


def build_features(inp: FeaturesInput) -> FeaturesOutput:
    """Person features; the engine's memory is given back afterwards (the joins are done)."""
    from microcred.features.person import build_person_features

    env = inp.env
    with env.progress.step("building person features"):
        fs = build_person_features(env.engine, inp.files, inp.coded, env.config)
        env.engine.release()
    return FeaturesOutput(fs)
