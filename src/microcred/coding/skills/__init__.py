"""Skills coder: profile skill strings → O*NET Technology Skills or ESCO skills.

Public interface: ``SkillCoder.load(data_dir, settings).code(batch)`` (the ``Coder``
protocol of ``coding.base``), ``credential_skill_signals`` and ``skill_key``.
"""

from microcred.coding.skills.coder import (
    LEXICON_DIR,
    TAXONOMY_VERSION,
    SkillCoder,
    credential_skill_signals,
)
from microcred.coding.skills.taxonomy import ESCO_BASE, Skill, skill_key

__all__ = [
    "ESCO_BASE",
    "LEXICON_DIR",
    "TAXONOMY_VERSION",
    "Skill",
    "SkillCoder",
    "credential_skill_signals",
    "skill_key",
]
