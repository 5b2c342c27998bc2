"""Fixtures for report tests: one report built per session (the JS bundle takes seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_fakes import make_context, make_tables

from microcred.analysis.result import AnalysisTable
from microcred.report import ReportContext, build_report


@pytest.fixture
def tables() -> list[AnalysisTable]:
    return make_tables()


@pytest.fixture
def context() -> ReportContext:
    return make_context()


@pytest.fixture(scope="session")
def built_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of report.html built from the fake tables (figures/ beside it)."""
    out = tmp_path_factory.mktemp("report")
    return build_report(out, make_tables(), make_context())
