"""Public category lists of the variables a DP release compares holders on.

Why: under differential privacy the rows of a table must not depend on the data — a
category that appears only because someone has it discloses that someone. Each variable's
categories come from the configuration or a fixed vocabulary, with ``unknown`` for missing
and ``other`` for any value outside the list (both always published, zero or not).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from microcred.config import StudyConfig

UNKNOWN = "unknown"
OTHER_VALUE = "other"


def category_domain(variable: str, config: StudyConfig) -> list[str]:
    """The fixed, ordered categories of ``variable`` (ending with ``unknown``, ``other``)."""
    if variable == "experience_band":
        from microcred.features.bands import band_labels

        values = band_labels(list(config.experience_bands))
    elif variable == "education_level":
        from microcred.coding.education import LEVELS

        values = list(LEVELS)
    elif variable == "province":
        from microcred.geo import PROVINCE_CODES

        values = sorted(PROVINCE_CODES)
    else:
        raise ValueError(f"no public category list for {variable!r}")
    return [*values, UNKNOWN, OTHER_VALUE]


def category_index(values: pd.Series, domain: list[str]) -> np.ndarray:
    """Index into ``domain`` of every value (missing → ``unknown``, outside → ``other``)."""
    pos = {v: i for i, v in enumerate(domain)}
    unknown, other = pos[UNKNOWN], pos[OTHER_VALUE]
    obj = pd.Series(values, dtype=object).reset_index(drop=True)
    missing = obj.isna().to_numpy() | (obj == "").to_numpy()
    found = obj.map(lambda v: pos.get(str(v), other)).to_numpy(dtype=np.int64)
    return np.where(missing, unknown, found)
