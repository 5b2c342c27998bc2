"""features stage: person-level features (career, education, skills, holders)."""

from microcred.features.person import PERSON_FEATURES, FeatureSet, build_person_features

__all__ = ["PERSON_FEATURES", "FeatureSet", "build_person_features"]
