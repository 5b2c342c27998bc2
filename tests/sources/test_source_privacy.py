"""Nothing personal planted in the inputs reaches any output table."""

from __future__ import annotations

import shutil
from pathlib import Path

from microcred.pseudonym import Pseudonymizer
from microcred.sources import read_source, write_canonical

# Planted in the fixtures' Profile.csv, Connections.csv, descriptions, notes, JSON basics, ...
PLANTED = [
    # names
    "Amélie", "Tremblay-Fictive", "Kowalczyk", "Gaston", "Lagaffe", "Zoë", "Quasar-Imaginaire",
    "Priya", "Fictional-Raman", "Camille", "Gagnon", "Référence-Fictif",
    # emails, phones
    "@example", "555-01", "555 01", "555-41",
    # URLs of people, addresses, birth date, postal codes
    "linkedin.com/in", "amelie-fictive.example", "jordan-fictional.example", "camille-fictive",
    "rue Imaginaire", "Imaginary Ave", "rue Inventée", "1990-03-14", "H2X 1Y4", "M5V 0A1", "G1R 0A1",
    # headline / summary / descriptions / notes / activities (free text)
    "Passionnée", "Reach me", "Led payments team", "Modèles de risque", "Mémoire sur",
    "Note privée", "Robotics club", "Club de programmation", "Migration vers Kubernetes",
    "Excellente collègue", "Les bases de Python", "Tableaux de bord",
    # credential numbers and the person-specific part of verification URLs
    "ABCDEF123456", "AWS-JF-998877", "0f1e2d3c", "abcd-priya", "AmelieFictive", "ZX81SPECTRUM",
    "TF-123", "123456",
]  # fmt: skip


def _strings(tables) -> list[str]:
    out = []
    for table in tables.values():
        for column in table.columns:
            out.extend(v for v in column.to_pylist() if isinstance(v, str))
    return out


def test_no_planted_personal_data_in_any_output(
    tmp_path: Path, fixtures: Path, pseudonymize: Pseudonymizer
) -> None:
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    # neutral export names: the folder name is the identity, and folder names are not data
    shutil.copytree(fixtures / "linkedin_cohort" / "amelie_export", cohort / "export_001")
    shutil.copytree(fixtures / "linkedin_cohort" / "jordan_export", cohort / "export_002")
    shutil.copy(fixtures / "jsonresume" / "camille_fictive.json", tmp_path / "resume_003.json")
    batches = [
        read_source("linkedin-export", cohort, pseudonymize),
        read_source("jsonl", fixtures / "vendor_profiles.jsonl", pseudonymize),
        read_source("jsonresume", tmp_path / "resume_003.json", pseudonymize),
    ]
    values: list[str] = []
    for i, batch in enumerate(batches):
        values += _strings(batch.tables)
        for path in write_canonical(batch, tmp_path / f"out{i}"):
            assert path.stat().st_size > 0
    assert len(values) > 100  # the scan saw real output
    leaks = sorted({p for p in PLANTED for v in values if p.lower() in v.lower()})
    assert leaks == []
