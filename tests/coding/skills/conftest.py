"""One skills coder per test session: loading O*NET and ESCO takes seconds."""

from __future__ import annotations

import pytest

from microcred.coding.skills import SkillCoder


@pytest.fixture(scope="session")
def skill_coder() -> SkillCoder:
    return SkillCoder.load()
