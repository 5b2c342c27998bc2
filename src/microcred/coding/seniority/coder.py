"""``SeniorityCoder``: job titles (EN/FR) -> a seniority label, from the words the title uses.

Implements the ``Coder`` contract of ``coding.base``. The rules are in ``rules.py`` and the
word lists in ``data/levels.yaml``; the method and its measured accuracy are in
``docs/model-cards/seniority-coder.md``.

Why its own coder (it was a column the occupation coder wrote): seniority is read from
other words than the occupation (the occupation coder strips them), has its own
lexicon, version and accuracy, and can be removed or replaced by one registry line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from microcred import schema
from microcred.coding.base import CoderSettings
from microcred.coding.fingerprint import coder_fingerprint, package_sources
from microcred.coding.seniority.rules import (
    DATA_DIR,
    LEXICON_FILE,
    UNKNOWN,
    SeniorityRules,
    shipped_rules,
)

TAXONOMY_VERSION = "microcred-seniority-ladder-1"
METHOD_WORDS = "title-words"
METHOD_NONE = "none"
#: confidence of a label the title's words give: the rule's precision on the labelled
#: dev set (96/104 on eval/seniority/dev.csv; docs/model-cards/seniority-coder.md), one figure
#: for every level (too few titles a level to fit each)
WORDS_CONFIDENCE = 0.92

#: ``CoderSettings.options`` key: a folder holding another ``levels.yaml``
LEXICON_OPTION = "seniority_lexicon_dir"


def _lexicon_root(settings: CoderSettings | None) -> Path:
    chosen = (settings.options if settings else {}).get(LEXICON_OPTION)
    return Path(chosen) if chosen else DATA_DIR


class SeniorityCoder:
    """Rules loaded once; ``code`` labels distinct titles (``schema.SENIORITY_CODED``)."""

    name: ClassVar[str] = "seniority"
    version: ClassVar[str] = TAXONOMY_VERSION
    label: ClassVar[str] = "seniority (title words)"
    source_table: ClassVar[str] = "positions"
    reads: ClassVar[tuple[str, ...]] = ("title",)
    output: ClassVar[str] = "seniority_coded"
    unknown: ClassVar[tuple[str, Any]] = ("seniority", UNKNOWN)
    confidence_column: ClassVar[str | None] = "seniority_confidence"
    after: ClassVar[tuple[str, ...]] = ()
    #: not a row of the released coverage table: it codes the occupation coder's distinct
    #: titles, and the seniority tables report how many are unknown (models_seniority_*)
    in_coverage: ClassVar[bool] = False

    def __init__(self, rules: SeniorityRules, fingerprint: str = "") -> None:
        self.rules = rules
        self._fingerprint = fingerprint

    @classmethod
    def load(
        cls, data_dir: Path | None = None, settings: CoderSettings | None = None
    ) -> SeniorityCoder:
        """Read the word lists. ``data_dir`` is not needed (they ship with the package);
        ``settings.options["seniority_lexicon_dir"]`` points to another ``levels.yaml``."""
        root = _lexicon_root(settings)
        return cls(shipped_rules(str(root)), cls.fingerprint_for(data_dir, settings))

    @classmethod
    def fingerprint_for(
        cls, data_dir: Path | None = None, settings: CoderSettings | None = None
    ) -> str:
        """What ``load`` with these arguments codes by (see ``coding.fingerprint``), without loading."""
        return coder_fingerprint(
            cls.name,
            cls.version,
            files=[_lexicon_root(settings) / LEXICON_FILE],
            settings={},
            code=package_sources(Path(__file__).parent),
        )

    def fingerprint(self) -> str:
        """The cache key of this coder's output (set by ``load``)."""
        if not self._fingerprint:
            raise ValueError("this SeniorityCoder was not built by load(); it has no fingerprint")
        return self._fingerprint

    def output_schema(self) -> pa.Schema:
        return schema.SENIORITY_CODED

    def code(self, batch: pa.Table) -> pa.Table:
        """One row per input row, same order: the title, its label, confidence and provenance."""
        if "title" not in batch.column_names:
            raise ValueError(f"seniority batch needs a 'title' column, got {batch.column_names}")
        col = batch["title"].cast(pa.string())
        titles = col.combine_chunks() if col.num_chunks else pa.array([], pa.string())
        labels = self.rules.code(titles)
        known = pc.not_equal(labels, UNKNOWN)
        n = len(titles)
        confidence = pc.if_else(known, WORDS_CONFIDENCE, pa.scalar(None, pa.float64()))
        method = pc.if_else(known, METHOD_WORDS, METHOD_NONE)
        return pa.Table.from_arrays(
            [titles, labels, confidence, method, pa.array([TAXONOMY_VERSION] * n, pa.string())],
            schema=schema.SENIORITY_CODED,
        )


__all__ = ["LEXICON_OPTION", "TAXONOMY_VERSION", "SeniorityCoder"]
