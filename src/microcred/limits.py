"""Ingest settings: resource caps checked at the door, and the LinkedIn Learning rule.

Why caps: inputs come from many people by hand (zips of zips, Excel round trips), and a
zip bomb or a 200 MB cell must cost a quarantine record, not the machine's memory. Every
cap is enforced while the bytes stream in, so nothing over a cap is ever held whole.

The models repeat ``config._Strict``'s ``extra="forbid"`` rather than import it:
``config.py`` imports this module for ``StudyConfig.ingest``, so importing back would be
circular.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

MIB = 1 << 20


class LearningRule(BaseModel):
    """Which LinkedIn Learning completions count as credentials, and how duplicates merge.

    A completed Learning.csv item whose content type is in ``credential_content_types``
    (or has no type: older exports) becomes a credential with authority "LinkedIn
    Learning" and origin ``learning``; the credential coder types it like any other
    (LinkedIn Learning → ``mooc_certificate``), so the study definitions decide where it
    counts. When ``merge_with_certifications`` is on, a completion whose normalised title
    equals the name of a Certifications.csv entry issued by LinkedIn (an authority in
    ``linkedin_authorities`` or a URL on a ``linkedin_hosts`` host) is the same credential
    listed twice: the certification is kept, the Learning row is skipped ("duplicate of
    certification").
    """

    model_config = ConfigDict(extra="forbid")

    count_completions: bool = True
    credential_content_types: list[str] = Field(default_factory=lambda: ["course", "learning path"])
    merge_with_certifications: bool = True
    linkedin_authorities: list[str] = Field(
        default_factory=lambda: ["LinkedIn", "LinkedIn Learning", "Lynda.com", "Lynda"]
    )
    linkedin_hosts: list[str] = Field(default_factory=lambda: ["linkedin.com", "lynda.com"])


class IngestConfig(BaseModel):
    """Caps on what one input may cost, and the LinkedIn Learning rule (``ingest:`` in the YAML)."""

    model_config = ConfigDict(extra="forbid")

    max_file_bytes: int = Field(64 * MIB, gt=0)  # one file, on disk or inflated from a zip
    max_total_bytes: int = Field(20 * 1024 * MIB, gt=0)  # all bytes inflated from zips
    max_compression_ratio: float = Field(200.0, gt=1)  # inflated / compressed, per member
    max_members: int = Field(1_000_000, gt=0)  # entries in one zip
    max_depth: int = Field(4, gt=0)  # zips inside zips (the input zip is depth 1)
    max_cell_chars: int = Field(1 * MIB, gt=0)  # one CSV cell (characters, after decoding)
    max_records: int = Field(1_000_000, gt=0)  # data rows used from one CSV file
    # the record-at-a-time readers (JSONL, JSON Resume) and canonical Parquet
    max_persons: int = Field(50_000_000, gt=0)  # JSONL lines / résumé files read per source
    max_line_bytes: int = Field(16 * MIB, gt=0)  # one JSONL line (quarantined unparsed past it)
    max_json_cell_chars: int = Field(1 << 16, gt=0)  # one text value in JSON (nulled past it)
    max_table_rows: int = Field(200_000_000, gt=0)  # rows of one canonical Parquet table
    max_parquet_cell_bytes: int = Field(1 << 16, gt=0)  # one Parquet text cell (nulled past it)
    learning: LearningRule = Field(default_factory=LearningRule)

    def options_for(self, kind: str) -> dict[str, object]:
        """Keyword arguments for the reader of source ``kind`` (each takes only what it knows).

        Why a mapping: the readers name their caps for what they read (``max_records`` is
        lines for JSONL, files for JSON Resume, rows for Parquet); the configuration names
        them once, for the user. LinkedIn takes this whole object (caps and Learning rule).
        """
        by_kind: dict[str, dict[str, object]] = {
            "jsonl": {
                "max_records": self.max_persons,
                "max_line_bytes": self.max_line_bytes,
                "max_cell_chars": self.max_json_cell_chars,
            },
            "jsonresume": {
                "max_records": self.max_persons,
                "max_file_bytes": self.max_file_bytes,
                "max_cell_chars": self.max_json_cell_chars,
            },
            "parquet": {
                "max_records": self.max_table_rows,
                "max_cell_bytes": self.max_parquet_cell_bytes,
            },
        }
        return {"settings": self, **by_kind.get(kind, {})}


__all__ = ["MIB", "IngestConfig", "LearningRule"]
