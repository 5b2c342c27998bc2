"""Shared fixtures for the sources tests: a fixed-key pseudonymizer and the fixture folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from microcred.pseudonym import Pseudonymizer

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def pseudonymize() -> Pseudonymizer:
    return Pseudonymizer(b"sources-tests-key-0123456789abcdef")


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
