"""The coder contract: one shape for every coder, and the registry the pipeline loops over.

Why: four coders had four load signatures and the pipeline wired them through an
8-field tuple with per-coder special cases. A coder now says, as class attributes, what
it reads (a canonical table and its columns), what it writes (an Arrow schema and a key),
how coverage is counted (its "unknown" column and value, its confidence column), and it
is built the same way everywhere: ``load(data_dir, settings)``. Its ``fingerprint()`` is
the cache key of the coding cache (everything that changes its output; see
``coding.fingerprint``). The same class loads on a Spark worker: ``loader_for`` gives a
picklable zero-argument loader.

Adding a coder is one package (``coder.py``, ``rules.py``/``model.py``, ``data/``, a model
card in ``docs/``) and one line in ``REGISTRY``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import pyarrow as pa

if TYPE_CHECKING:
    from microcred.config import StudyConfig


@dataclass(frozen=True)
class CoderSettings:
    """What a coder may be configured by: the study configuration (its ``coding`` section,
    the microcredential definitions) plus options a caller passes (e.g. titles held out of
    training for an evaluation). Picklable, so it travels to Spark executors."""

    config: StudyConfig | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def study(self) -> StudyConfig:
        """The study configuration, the default study when none was given."""
        if self.config is not None:
            return self.config
        from microcred.config import StudyConfig

        return StudyConfig()

    @classmethod
    def with_coding(
        cls,
        config: StudyConfig | None = None,
        options: dict[str, Any] | None = None,
        **coding: Any,
    ) -> CoderSettings:
        """Settings whose study has these ``coding`` values, e.g. ``occupation_min_confidence=0.5``.

        Why: callers outside a run (the API, evaluations, tests) set one threshold without
        writing a whole configuration.
        """
        from microcred.config import CodingConfig, StudyConfig

        study = config if config is not None else StudyConfig()
        if coding:
            merged = CodingConfig(**{**study.coding.model_dump(), **coding})  # validated
            study = study.model_copy(update={"coding": merged})
        return cls(study, dict(options or {}))


@runtime_checkable
class Coder(Protocol):
    """What every coder is. Class attributes describe it without loading it."""

    #: short stable name, e.g. "occupation"; the registry key and the cache key's prefix
    name: ClassVar[str]
    #: version of the coder's method and taxonomy (bumped on purpose; the fingerprint also
    #: covers code and data changes nobody bumped it for)
    version: ClassVar[str]
    #: human label used in progress bars and the coverage table, e.g. "occupation (NOC 2021)"
    label: ClassVar[str]
    #: canonical table the coder reads (``schema.py``), e.g. "positions"
    source_table: ClassVar[str]
    #: columns of that table it reads; their distinct combinations are what it codes
    reads: ClassVar[tuple[str, ...]]
    #: key of its output among the coded tables, e.g. "titles_coded"
    output: ClassVar[str]
    #: (column, value) that marks "not coded" in its output; value None means null
    unknown: ClassVar[tuple[str, Any]]
    #: column holding a confidence in [0, 1], or None when the coder gives none
    confidence_column: ClassVar[str | None]
    #: names of coders whose output this one's input needs (coding order)
    after: ClassVar[tuple[str, ...]]

    @classmethod
    def load(cls, data_dir: Path | None, settings: CoderSettings) -> Coder:
        """Build the coder from reference data and settings (may train and cache a model)."""
        ...

    @classmethod
    def fingerprint_for(cls, data_dir: Path | None, settings: CoderSettings) -> str:
        """``fingerprint()`` of what ``load`` with these arguments would build, without loading."""
        ...

    def fingerprint(self) -> str:
        """sha256 over everything that changes this coder's output (the coding-cache key)."""
        ...

    def output_schema(self) -> pa.Schema:
        """Schema of ``code``'s result: the ``reads`` columns first, then the coded columns."""
        ...

    def code(self, batch: pa.Table) -> pa.Table:
        """One output row per input row, same order; ``batch`` holds the ``reads`` columns."""
        ...


#: every coder of a run, in coding order: "module:Class". Removing a line removes the
#: coder from the run (its tables and the features built on them become absent/unknown).
REGISTRY: tuple[str, ...] = (
    "microcred.coding.occupation.coder:OccupationCoder",
    "microcred.coding.seniority.coder:SeniorityCoder",
    "microcred.coding.education.coder:EducationCoder",
    "microcred.coding.credentials.coder:CredentialCoder",
    "microcred.coding.skills.coder:SkillCoder",
)


def coder_class(entry: str) -> type[Coder]:
    """The class a registry entry names."""
    module, _, name = entry.partition(":")
    cls: type[Coder] = getattr(importlib.import_module(module), name)
    return cls


def registered(entries: Sequence[str] | None = None) -> list[type[Coder]]:
    """The registered coder classes, ordered so each comes after the coders it needs."""
    classes = [coder_class(e) for e in (REGISTRY if entries is None else entries)]
    names = {c.name for c in classes}
    done: list[type[Coder]] = []
    pending = list(classes)
    while pending:
        ready = [
            c
            for c in pending
            if all(a in {d.name for d in done} or a not in names for a in c.after)
        ]
        if not ready:
            raise ValueError(
                f"coders {[c.name for c in pending]} need each other (cycle in 'after')"
            )
        done.append(ready[0])
        pending.remove(ready[0])
    return done


def in_coverage(cls: type[Coder]) -> bool:
    """Whether the coder has a row in the released coding-coverage table.

    An optional class attribute ``in_coverage`` (default True): a coder that labels
    another coder's inputs again (seniority over the occupation coder's titles) may
    keep its figures out of that table, whose rows are a published shape.
    """
    return bool(getattr(cls, "in_coverage", True))


def loader_for(
    cls: type[Coder], data_dir: Path | None, settings: CoderSettings
) -> Callable[[], Coder]:
    """A picklable zero-argument loader (what Spark ships to executors)."""
    return partial(cls.load, data_dir, settings)


__all__ = [
    "REGISTRY",
    "Coder",
    "CoderSettings",
    "coder_class",
    "in_coverage",
    "loader_for",
    "registered",
]
