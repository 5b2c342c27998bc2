"""Seniority from job-title words (EN/FR): the ``SeniorityCoder`` and its rules.

``rules.py`` compiles the word lists of ``data/levels.yaml``; ``coder.py`` is the
registered coder. The ladder itself (``SENIORITY_LEVELS``) is defined once, in
``microcred.schema``.
"""

from microcred.coding.seniority.rules import (
    SENIORITY_LEVELS,
    UNKNOWN,
    code_seniority,
    seniority_of,
    seniority_rank,
)

__all__ = ["SENIORITY_LEVELS", "UNKNOWN", "code_seniority", "seniority_of", "seniority_rank"]
