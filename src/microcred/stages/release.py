"""Release stage: disclosure control, the disclosure audit, files for people, the data gate.

Why together: these are the only way out of a run; every check runs on the staged files,
so a failure publishes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from microcred.analysis.result import AnalysisTable
from microcred.release import ReleaseResult
from microcred.release.identifiers import IdentifierCollector
from microcred.stages.env import StageEnv


@dataclass(frozen=True)
class ReleaseInput:
    env: StageEnv
    tables: list[AnalysisTable]
    persons: pa.Table | None = None  # person features: what a DP release measures
    input_key: str | None = None  # sha256 of the input: the DP budget ledger's key


@dataclass(frozen=True)
class ReleaseOutput:
    released: ReleaseResult  # the tables as published (suppressed, rounded, noised)

    @property
    def tables(self) -> list[AnalysisTable]:
        return self.released.tables


def release(inp: ReleaseInput) -> ReleaseOutput:
    """Disclosure control on every table, written to the staged ``tables/``; then the audit
    (raises ``DisclosureAuditError`` when a suppressed cell can be worked out; its details
    are restricted), the codebook and ``release.xlsx``."""
    from microcred.release import release_tables
    from microcred.release.audit import audit_release
    from microcred.release.workbook import write_release_files

    env, cfg = inp.env, inp.env.config
    layout = env.layout
    with env.progress.step("disclosure control and release"):
        released = release_tables(
            inp.tables,
            cfg,
            layout.staged_tables,
            seed=cfg.seed,
            persons=inp.persons,
            input_key=inp.input_key,
        )
        if not cfg.dp.enabled:  # DP mode suppresses nothing: there is no hidden cell to audit
            audit_release(layout.staged_tables, cfg, layout.disclosure_audit)
        write_release_files(released.tables, cfg, layout.staging)  # codebook.csv, release.xlsx
    return ReleaseOutput(released)


@dataclass(frozen=True)
class GateInput:
    env: StageEnv
    planted: tuple[str, ...]  # strings known to be personal (the demo's synthetic people)
    key: bytes | None  # the pseudonymisation key: must appear nowhere
    identifiers: IdentifierCollector  # names, employers, schools the readers saw


def check_personal_data(inp: GateInput) -> None:
    """The personal-data gate over the whole staged release, manifest included (raises)."""
    from microcred.release.pii_gate import gate

    with inp.env.progress.step("personal-data gate"):
        gate(inp.env.layout.staging, planted=inp.planted, key=inp.key, identifiers=inp.identifiers)
