"""features stage: person-level features (career, education, skills, holders).

The public names are loaded lazily so that light helpers (``features.bands``,
``features.ladder``) can be imported without pulling in the relational engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from microcred.features.person import PERSON_FEATURES, FeatureSet, build_person_features

__all__ = ["PERSON_FEATURES", "FeatureSet", "build_person_features"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from microcred.features import person

        return getattr(person, name)
    raise AttributeError(name)
