"""One synthetic demo run shared by the end-to-end tests of a worker (it is the expensive part)."""

from __future__ import annotations

import os

import pytest
from e2e_support import E2E_KEY, DemoRun, make_demo_run


@pytest.fixture(scope="session", autouse=True)
def _pseudonym_key() -> None:
    os.environ.setdefault("MICROCRED_PSEUDONYM_KEY", E2E_KEY)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    return make_demo_run(tmp_path_factory.mktemp("e2e"))
