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
    learning: LearningRule = Field(default_factory=LearningRule)


__all__ = ["MIB", "IngestConfig", "LearningRule"]
