"""Thin ``Coder`` adapters over the education and skills coders of before issue 14.

DELETED WHEN THE PACKAGES LAND: ``coding/education/coder.py:EducationCoder`` and
``coding/skills/coder.py:SkillCoder`` implement the protocol themselves; the registry
lines in ``coding/base.py`` then name them and this module goes.

Why adapters: the two coders are being rebuilt as packages in parallel; the pipeline
loops over the registry now, so until then these give them the contract's shape
(class attributes, ``load(data_dir, settings)``, ``code(batch)``) without touching them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa

from microcred import schema
from microcred.coding.base import CoderSettings


class EducationAdapter:
    """The education coder (level, CIP 2021 field, listed credentials) as a ``Coder``.

    Option ``lexicon_dir``: a folder of education lexicons replacing the shipped ones.
    The coder needs no reference data: its lexicons ship with the package.
    """

    name: ClassVar[str] = "education"
    version: ClassVar[str] = "microcred-education-levels-1; CIP Canada 2021"
    label: ClassVar[str] = "education level"
    source_table: ClassVar[str] = "educations"
    reads: ClassVar[tuple[str, ...]] = ("degree", "field")
    output: ClassVar[str] = "education_coded"
    unknown: ClassVar[tuple[str, Any]] = ("education_level", "unknown")
    confidence_column: ClassVar[str | None] = None
    after: ClassVar[tuple[str, ...]] = ()

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    @classmethod
    def load(
        cls, data_dir: Path | None = None, settings: CoderSettings | None = None
    ) -> EducationAdapter:
        from microcred.coding.education import EducationCoder

        return cls(EducationCoder.load(_option(settings, "lexicon_dir")))

    @classmethod
    def fingerprint_for(
        cls, data_dir: Path | None = None, settings: CoderSettings | None = None
    ) -> str:
        from microcred.coding.education import EducationCoder

        return str(EducationCoder.fingerprint_for(_option(settings, "lexicon_dir")))

    def fingerprint(self) -> str:
        return str(self.inner.fingerprint())

    def output_schema(self) -> pa.Schema:
        return schema.EDUCATION_CODED

    def code(self, batch: pa.Table) -> pa.Table:
        return self.inner.code(batch.select(list(self.reads)))  # type: ignore[no-any-return]


class SkillAdapter:
    """The skills coder (O*NET Technology Skills / ESCO) as a ``Coder``.

    Option ``lexicon_dir``: a folder of skills lexicons replacing the shipped ones.
    """

    name: ClassVar[str] = "skills"
    version: ClassVar[str] = "O*NET 29.2 Technology Skills; ESCO v1"
    label: ClassVar[str] = "skills taxonomy"
    source_table: ClassVar[str] = "skills"
    reads: ClassVar[tuple[str, ...]] = ("skill",)
    output: ClassVar[str] = "skills_coded"
    unknown: ClassVar[tuple[str, Any]] = ("skill_id", None)
    confidence_column: ClassVar[str | None] = None
    after: ClassVar[tuple[str, ...]] = ()

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    @classmethod
    def load(
        cls, data_dir: Path | None = None, settings: CoderSettings | None = None
    ) -> SkillAdapter:
        from microcred.coding.skills import SkillCoder

        return cls(SkillCoder.load(data_dir, _option(settings, "lexicon_dir")))

    @classmethod
    def fingerprint_for(
        cls, data_dir: Path | None = None, settings: CoderSettings | None = None
    ) -> str:
        from microcred.coding.skills import SkillCoder

        return str(SkillCoder.fingerprint_for(data_dir, _option(settings, "lexicon_dir")))

    def fingerprint(self) -> str:
        return str(self.inner.fingerprint())

    def output_schema(self) -> pa.Schema:
        return schema.SKILLS_CODED

    def code(self, batch: pa.Table) -> pa.Table:
        return self.inner.code(batch["skill"].combine_chunks())  # type: ignore[no-any-return]


def _option(settings: CoderSettings | None, key: str) -> Any:
    return (settings or CoderSettings()).options.get(key)


__all__ = ["EducationAdapter", "SkillAdapter"]
