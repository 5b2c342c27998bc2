"""One occupation coder per test session (training is cached under the user cache)."""

from __future__ import annotations

import pytest

from microcred.coding.occupation import OccupationCoder


@pytest.fixture(scope="session")
def coder() -> OccupationCoder:
    return OccupationCoder.load()
