"""Shared fixtures: one DuckDB-backed engine per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from microcred.engine import Engine


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    e = Engine()
    yield e
    e.close()
