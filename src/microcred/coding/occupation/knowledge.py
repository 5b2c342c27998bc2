"""NOC 2021 reference knowledge: structure, example titles, and the SOC crosswalk.

Read at run time from the data directory (never copied into the repository).
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from microcred.datadir import DataDir

TAXONOMY_VERSION = "NOC 2021 V1.0"


@dataclass(frozen=True)
class UnitGroup:
    code: str
    title: str
    teer: int
    minor: str  # 4-digit minor group of NOC 2021
    minor_title: str


@dataclass(frozen=True)
class Example:
    title: str
    code: str
    language: str  # en / fr


@dataclass(frozen=True)
class NocKnowledge:
    units: dict[str, UnitGroup]
    examples: tuple[Example, ...]
    soc: dict[str, str]  # NOC code -> ';'-joined SOC 2018 codes
    fingerprint: str  # sha256 of the reference files read


def _sha(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_structure(path: Path) -> dict[str, UnitGroup]:
    with path.open(encoding="utf-8") as f:
        doc = json.load(f)
    units = {}
    for n in doc["nocs"]:
        minor = n["hierarchy"]["minor_group"]
        code = str(n["noc_code"]).zfill(5)
        units[code] = UnitGroup(
            code=code,
            title=n["title"],
            teer=int(n["teer"]["level"]),
            minor=str(minor["code"]).zfill(4),
            minor_title=minor["title"],
        )
    return units


def load_examples(en: Path, fr: Path, units: dict[str, UnitGroup]) -> tuple[Example, ...]:
    out: list[Example] = []
    for path, lang in ((en, "en"), (fr, "fr")):
        for i, row in enumerate(_read_csv(path), start=2):
            code = (row.get("noc2021_code") or "").strip().zfill(5)
            title = (row.get(f"example_title_{lang}") or "").strip()
            if not title:
                continue
            if code not in units:
                raise ValueError(f"{path}: row {i}: field noc2021_code: unknown NOC code {code!r}")
            out.append(Example(title, code, lang))
    return tuple(out)


def load_soc(path: Path) -> dict[str, str]:
    """NOC -> SOC 2018 codes: O*NET-SOC ``15-2051.01`` is SOC ``15-2051``."""
    socs: dict[str, set[str]] = {}
    for row in _read_csv(path):
        noc = (row.get("noc") or "").strip()
        onet = (row.get("onet") or "").strip()
        if noc and onet:
            socs.setdefault(noc.zfill(5), set()).add(onet.split(".")[0])
    return {k: ";".join(sorted(v)) for k, v in sorted(socs.items())}


def load_knowledge(data_dir: DataDir) -> NocKnowledge:
    paths = [
        data_dir.path("noc_structure"),
        data_dir.path("noc_examples_en"),
        data_dir.path("noc_examples_fr"),
        data_dir.path("noc_to_soc"),
    ]
    units = load_structure(paths[0])
    return NocKnowledge(
        units=units,
        examples=load_examples(paths[1], paths[2], units),
        soc=load_soc(paths[3]),
        fingerprint=_sha(paths),
    )
