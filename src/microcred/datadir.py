"""Where reference data lives, and what is missing from it.

Reference data is never copied into the repository. It is looked up in
``--data-dir``, else ``$MICROCRED_DATA_DIR``, else ``../shared/data`` beside the
repository (the development layout).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from microcred.errors import UserError

DATA_ENV = "MICROCRED_DATA_DIR"


@dataclass(frozen=True)
class ReferenceFile:
    key: str
    relpath: str
    description: str
    official: str  # where to download it if missing
    required: bool = True


REFERENCE_FILES: tuple[ReferenceFile, ...] = (
    ReferenceFile(
        "noc_structure",
        "reference/noc2021/noc2021_structure.json",
        "NOC 2021 v1.0 unit groups, hierarchy, TEER",
        "https://www.statcan.gc.ca/en/subjects/standard/noc/2021/indexV1 (structure CSV), "
        "or github.com/sagunji/noc-canada packages/nocs/data/noc.json",
    ),
    ReferenceFile(
        "noc_examples_en",
        "reference/noc2021/noc2021_examples_en.csv",
        "NOC 2021 example titles, English",
        "https://www.statcan.gc.ca/en/subjects/standard/noc/2021/indexV1 (NOC 2021 V1.0 elements CSV)",
    ),
    ReferenceFile(
        "noc_examples_fr",
        "reference/noc2021/noc2021_examples_fr.csv",
        "NOC 2021 example titles, French",
        "https://www.statcan.gc.ca/fr/concepts/noc/2021/indexV1 (CNP 2021 V1.0 éléments CSV)",
    ),
    ReferenceFile(
        "noc_to_soc",
        "reference/crosswalks/noc2021_to_onetsoc.csv",
        "NOC 2021 → O*NET-SOC 2019 crosswalk (The Dais / Brookfield Institute)",
        "https://github.com/thedaisTMU/NOC_ONet_Crosswalk",
    ),
    ReferenceFile(
        "noc2016_to_2021",
        "reference/crosswalks/noc2016_to_noc2021.csv",
        "NOC 2016 v1.3 → NOC 2021 v1.0 correspondence",
        "https://www.statcan.gc.ca/en/statistical-programs/document/noc2021v1-noc2016v13",
        required=False,
    ),
    ReferenceFile(
        "onet_tech_skills",
        "reference/onet/Technology Skills.txt",
        "O*NET Technology Skills",
        "https://www.onetcenter.org/database.html (text format)",
    ),
    ReferenceFile(
        "onet_unspsc",
        "reference/onet/UNSPSC Reference.txt",
        "O*NET UNSPSC reference",
        "https://www.onetcenter.org/database.html (text format)",
        required=False,
    ),
    ReferenceFile(
        "onet_occupations",
        "reference/onet/Occupation Data.txt",
        "O*NET occupations",
        "https://www.onetcenter.org/database.html (text format)",
        required=False,
    ),
    ReferenceFile(
        "esco_occupations",
        "reference/esco/occupations_en.csv",
        "ESCO occupations (English)",
        "https://esco.ec.europa.eu/en/use-esco/download (v1.x, CSV, English)",
        required=False,
    ),
    ReferenceFile(
        "esco_skills",
        "reference/esco/skills_labels_merged.csv",
        "ESCO skills with labels",
        "https://esco.ec.europa.eu/en/use-esco/download (skills_en.csv)",
        required=False,
    ),
    ReferenceFile(
        "esco_ict_skills",
        "reference/esco/ictSkillsCollection_en.csv",
        "ESCO ICT skills collection",
        "https://esco.ec.europa.eu/en/use-esco/download",
        required=False,
    ),
)


class DataDirError(UserError, FileNotFoundError):
    """The reference-data folder, or a required file in it, is missing."""


def default_data_dir() -> Path:
    """``$MICROCRED_DATA_DIR`` or ``../shared/data`` beside the repository / working directory."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env)
    repo_root = Path(__file__).resolve().parents[2]
    for candidate in (repo_root.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"):
        if candidate.is_dir():
            return candidate
    return repo_root.parent / "shared" / "data"


class DataDir:
    """A resolved reference-data directory."""

    def __init__(self, root: str | Path | DataDir | None = None):
        self.root: Path
        if isinstance(root, DataDir):
            self.root = root.root
        else:
            self.root = Path(root) if root else default_data_dir()

    def path(self, key: str) -> Path:
        """The path of reference file ``key``; a clear error if it is missing."""
        ref = next((r for r in REFERENCE_FILES if r.key == key), None)
        if ref is None:
            raise KeyError(f"unknown reference file {key!r}")
        self.require()
        p = self.root / ref.relpath
        if not p.exists():
            raise DataDirError(
                f"reference file missing: {p} ({ref.description})",
                f"download it from {ref.official} and place it there, or point --data-dir / "
                f"${DATA_ENV} at a directory that has it",
            )
        return p

    def require(self) -> DataDir:
        """This directory, or a clear error when it does not exist at all."""
        if not self.root.is_dir():
            raise DataDirError(
                f"reference data folder not found: {self.root}",
                f"pass --data-dir or set ${DATA_ENV} to the folder that holds reference/ "
                "(`microcred data check --data-dir DIR` lists what it needs)",
            )
        return self

    def noc_titles(self) -> dict[str, str]:
        """NOC 2021 unit group code → title, from the structure file (to check codes users type)."""
        return dict(_noc_titles(self.path("noc_structure")))

    def check(self) -> list[tuple[ReferenceFile, bool]]:
        return [(r, (self.root / r.relpath).exists()) for r in REFERENCE_FILES]


@cache
def _noc_titles(path: Path) -> tuple[tuple[str, str], ...]:
    """Read once a process: the same structure file the occupation coder reads."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    return tuple((str(n["noc_code"]).zfill(5), str(n["title"])) for n in doc["nocs"])
