"""Education coder package: ``coder.EducationCoder`` (the ``Coder`` contract), ``rules`` and ``data/``."""

from microcred.coding.education.coder import EducationCoder
from microcred.coding.education.rules import (
    DATA_DIR,
    LEVEL_RANK,
    LEVELS,
    NOT_EDUCATION,
    TAXONOMY_VERSION,
    UNKNOWN,
    normalise,
    normalise_array,
)

__all__ = [
    "DATA_DIR",
    "LEVELS",
    "LEVEL_RANK",
    "NOT_EDUCATION",
    "TAXONOMY_VERSION",
    "UNKNOWN",
    "EducationCoder",
    "normalise",
    "normalise_array",
]
