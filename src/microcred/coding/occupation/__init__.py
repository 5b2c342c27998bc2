"""Occupation coder: job titles (English/French) -> NOC 2021 unit groups."""

from microcred.coding.occupation.coder import OccupationCoder
from microcred.coding.occupation.knowledge import TAXONOMY_VERSION

__all__ = ["TAXONOMY_VERSION", "OccupationCoder"]
