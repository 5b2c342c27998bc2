"""Every path of one run, in one place: release, staging, restricted folder, log, cache.

Why: the stages, the output transaction, ``status`` and the tests all need to agree on
where a run writes what. Building those paths in one class means a file is moved (or a
folder added) by editing one line, and no stage can write outside the run's folders.

The release folder ``out`` and the restricted folder are published by
:class:`microcred.output_folder.OutputTransaction`; until then the stages write into
their ``.staging-<run id>`` subfolders (``staged_*`` and ``restricted_*`` below).
``run.log`` is the one file written straight into ``out``, as the run goes, so a failed
run leaves its log where ``microcred status`` finds it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

MANIFEST = "manifest.json"
RUN_LOG = "run.log"
LOCK = ".lock"
STAGING_PREFIX = ".staging-"
RESTRICTED_SUFFIX = ".restricted"
RESTRICTED_INDEX = "restricted.json"  # the restricted folder's list of what a run wrote there
TABLES_DIR = "tables"
FIGURES_DIR = "figures"
REPORT_FILE = "report.html"
CANONICAL_DIR = "canonical"
CODED_DIR = "coded"
AUDIT_DIR = "audit"
ACCOUNTING_FILE = "accounting.parquet"


def default_restricted_dir(out: Path) -> Path:
    """``OUT.restricted`` beside ``OUT``: outside the release folder, named for what it is."""
    out = Path(out).absolute()
    return out.with_name(out.name + RESTRICTED_SUFFIX)


@dataclass(frozen=True)
class RunLayout:
    """The folders and files of one run (absolute paths)."""

    out: Path  # the release folder (``--out``)
    restricted: Path  # the owner-only folder of person-level outputs
    run_id: str  # names the staging folders
    cache_dir: Path | None = None  # content-addressed coding cache (``--cache-dir``)

    @classmethod
    def create(
        cls,
        out: Path,
        restricted: Path | None = None,
        cache_dir: Path | None = None,
        run_id: str | None = None,
    ) -> RunLayout:
        out = Path(out).absolute()
        return cls(
            out=out,
            restricted=Path(restricted).absolute() if restricted else default_restricted_dir(out),
            run_id=run_id or secrets.token_hex(6),
            cache_dir=Path(cache_dir).absolute() if cache_dir else None,
        )

    # ---- published (after commit) -----------------------------------------------------
    @property
    def manifest(self) -> Path:
        return self.out / MANIFEST

    @property
    def run_log(self) -> Path:
        """Written during the run, straight into ``out`` (not staged, not in the manifest)."""
        return self.out / RUN_LOG

    @property
    def report(self) -> Path:
        return self.out / REPORT_FILE

    # ---- staging of the release -------------------------------------------------------
    @property
    def staging(self) -> Path:
        return self.out / f"{STAGING_PREFIX}{self.run_id}"

    @property
    def staged_tables(self) -> Path:
        return self.staging / TABLES_DIR

    @property
    def staged_manifest(self) -> Path:
        return self.staging / MANIFEST

    # ---- restricted (person-level) ----------------------------------------------------
    @property
    def restricted_staging(self) -> Path:
        return self.restricted / f"{STAGING_PREFIX}{self.run_id}"

    @property
    def restricted_index(self) -> Path:
        return self.restricted_staging / RESTRICTED_INDEX

    @property
    def canonical(self) -> Path:
        return self.restricted_staging / CANONICAL_DIR

    @property
    def coded(self) -> Path:
        return self.restricted_staging / CODED_DIR

    @property
    def disclosure_audit(self) -> Path:
        return self.restricted_staging / AUDIT_DIR / "disclosure_audit.json"

    @property
    def accounting(self) -> Path:
        return self.restricted_staging / ACCOUNTING_FILE

    # ---- mapping ----------------------------------------------------------------------
    def published(self, staged: Path) -> Path:
        """Where a file staged for the release ends up once the run is committed."""
        return self.out / Path(staged).relative_to(self.staging)


__all__ = [
    "LOCK",
    "MANIFEST",
    "RESTRICTED_INDEX",
    "RESTRICTED_SUFFIX",
    "RUN_LOG",
    "STAGING_PREFIX",
    "RunLayout",
    "default_restricted_dir",
]
