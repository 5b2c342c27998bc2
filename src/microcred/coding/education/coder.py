"""Education coder: how people write degrees (EN/FR) → level, CIP 2021 field, formal digital training.

Implements the ``Coder`` contract of ``coding.base``. The rules and lexicons are in
``rules.py`` and ``data/*.yaml``; this module reads each distinct text once and runs the
rules once per distinct combination of what the texts say, which keeps it far above
50,000 entries/s.

Bootcamps, MOOCs and certifications that people list under education are coded
``not_education`` with ``is_credential=True`` so that the credential side of the study
counts them and the schooling side does not (the pipeline adds them to the credentials).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa

from microcred import schema
from microcred.coding.base import CoderSettings
from microcred.coding.education import rules
from microcred.coding.education.rules import (
    COLLEGE_RANK,
    CONFIDENCE,
    DATA_DIR,
    LEVEL_RANK,
    LEXICON_FILES,
    NOT_EDUCATION,
    TAXONOMY_VERSION,
    UNKNOWN,
    WEAK,
    Lexicon,
    TextInfo,
)
from microcred.coding.fingerprint import coder_fingerprint
from microcred.coding.gcpause import gc_paused

#: ``CoderSettings.options`` key: a folder of lexicons to use instead of the shipped ``data/``
LEXICON_OPTION = "education_lexicon_dir"

_CODED_FIELDS = list(schema.EDUCATION_CODED)[2:]
_CODED_NAMES = [f.name for f in _CODED_FIELDS]


def _lexicon_root(settings: CoderSettings | None) -> Path:
    chosen = (settings.options if settings else {}).get(LEXICON_OPTION)
    return Path(chosen) if chosen else DATA_DIR


@dataclass
class EducationCoder:
    """Lexicons loaded once; ``code`` works over distinct (degree, field[, school])."""

    name: ClassVar[str] = "education"
    version: ClassVar[str] = TAXONOMY_VERSION
    label: ClassVar[str] = "education level"
    source_table: ClassVar[str] = "educations"
    reads: ClassVar[tuple[str, ...]] = ("degree", "field")
    output: ClassVar[str] = "education_coded"
    unknown: ClassVar[tuple[str, Any]] = ("education_level", UNKNOWN)
    confidence_column: ClassVar[str | None] = None
    after: ClassVar[tuple[str, ...]] = ()

    lexicon: Lexicon
    source_fingerprint: str = field(default="", repr=False, compare=False)  # set by ``load``
    _digital_cache: dict[str, bool] = field(default_factory=dict, repr=False)

    # ---- the contract -------------------------------------------------------------------

    @classmethod
    def load(
        cls, data_dir: Path | None = None, settings: CoderSettings | None = None
    ) -> EducationCoder:
        """Read the lexicons. ``data_dir`` (reference data) is not needed: they ship with the
        package; ``settings.options["education_lexicon_dir"]`` points to other lexicons."""
        settings = settings or CoderSettings()
        return cls(
            lexicon=Lexicon.read(_lexicon_root(settings)),
            source_fingerprint=cls.fingerprint_for(data_dir, settings),
        )

    @classmethod
    def fingerprint_for(
        cls, data_dir: Path | None = None, settings: CoderSettings | None = None
    ) -> str:
        """What ``load`` with these arguments codes by (see ``coding.fingerprint``), without loading."""
        root = _lexicon_root(settings)
        here = Path(__file__).parent
        return coder_fingerprint(
            cls.name,
            TAXONOMY_VERSION,
            files=[root / n for n in LEXICON_FILES],
            settings={},
            code=[here / "coder.py", here / "rules.py"],
        )

    def fingerprint(self) -> str:
        """The cache key of this coder's output (set by ``load``)."""
        if not self.source_fingerprint:
            raise ValueError("this EducationCoder was not built by load(); it has no fingerprint")
        return self.source_fingerprint

    def output_schema(self) -> pa.Schema:
        """``schema.EDUCATION_CODED`` (a ``school`` column is appended when the batch has one)."""
        return schema.EDUCATION_CODED

    def code(self, batch: pa.Table) -> pa.Table:
        """Code distinct (degree, field[, school]) rows; output follows ``schema.EDUCATION_CODED``.

        When the batch has a ``school`` column it is appended as a last column, because
        the school then takes part in the join key.
        """
        if "degree" not in batch.column_names:
            raise ValueError(f"education batch needs a 'degree' column; got {batch.column_names}")
        n = batch.num_rows

        def strings(name: str) -> pa.Array:
            try:
                col = batch[name].cast(pa.string())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise ValueError(f"education batch: column {name!r} is not text ({exc})") from exc
            return col.combine_chunks() if col.num_chunks else pa.array([], pa.string())

        degrees = strings("degree")
        fields = strings("field") if "field" in batch.column_names else pa.nulls(n, pa.string())
        has_school = "school" in batch.column_names
        schools = strings("school") if has_school else pa.nulls(n, pa.string())
        with gc_paused():
            coded = self._code_columns(degrees, fields, schools)
        table = pa.Table.from_arrays([degrees, fields, *coded], schema=schema.EDUCATION_CODED)
        if has_school:
            table = table.append_column("school", schools)
        return table

    # ---- batch work -----------------------------------------------------------------------

    def _code_columns(
        self, degrees: pa.Array, fields: pa.Array, schools: pa.Array
    ) -> list[pa.Array]:
        """The coded columns (after ``degree`` and ``field``), one value per row.

        Why in layers: each distinct text is normalised (Arrow) and read once; texts that
        read alike share a small signature of what the rules use; the rules run once per
        distinct (degree, field, school) signature triple, and rows are taken by index.
        """
        texts: dict[str, TextInfo] = {}  # degrees, fields and schools share one reading
        deg_sig, deg_info = self._signatures(degrees, texts, rules.degree_signature)
        fld_sig, fld_info = self._signatures(fields, texts, rules.field_signature)
        sch_sig, sch_info = self._signatures(schools, texts, rules.school_signature)
        n_f, n_s = len(fld_info), len(sch_info)
        keys = (deg_sig * n_f + fld_sig) * n_s + sch_sig
        uniq, row_combo = np.unique(keys, return_inverse=True)
        rest, s_ids = np.divmod(uniq, n_s)
        d_ids, f_ids = np.divmod(rest, n_f)
        rows = [
            self._code_one(deg_info[d], fld_info[f], sch_info[s])
            for d, f, s in zip(d_ids.tolist(), f_ids.tolist(), s_ids.tolist(), strict=True)
        ]
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in _CODED_NAMES]
        take = pa.array(row_combo.reshape(-1).astype(np.int64))
        return [
            pa.array(list(col), f.type).take(take)
            for f, col in zip(_CODED_FIELDS, columns, strict=True)
        ]

    def _signatures(
        self,
        values: pa.Array,
        texts: dict[str, TextInfo],
        signature: Callable[[TextInfo], tuple[Any, ...]],
    ) -> tuple[np.ndarray, list[TextInfo]]:
        """Per row, the id of its text's signature; and one reading per signature id."""
        encoded = values.dictionary_encode(null_encoding="encode")
        normalised = rules.normalise_array(encoded.dictionary).to_pylist()
        ids: dict[tuple[Any, ...], int] = {}
        infos: list[TextInfo] = []
        text_sig = np.empty(len(normalised), np.int64)
        for i, norm in enumerate(normalised):
            info = texts.get(norm)
            if info is None:
                info = texts[norm] = self.lexicon.read_normalised(norm)
            sig = signature(info)
            sid = ids.get(sig)
            if sid is None:
                sid = ids[sig] = len(infos)
                infos.append(info)
            text_sig[i] = sid
        indices = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        return text_sig[indices], infos

    def _code_one(self, deg: TextInfo, fld: TextInfo, school: TextInfo) -> tuple[Any, ...]:
        level, strength, level_method = rules.decide_level(deg, fld, school)
        cip, field_method = rules.decide_field(deg, fld)
        rank = LEVEL_RANK.get(level)
        confidence = CONFIDENCE[level_method]
        if level_method == "degree_phrase" and strength == WEAK:
            confidence = CONFIDENCE["degree_phrase_weak"]
        return (
            level,
            rank,
            level == NOT_EDUCATION,
            cip,
            self.lexicon.cip_titles.get(cip) if cip else None,
            self._formal_digital(level, rank, cip),
            confidence,
            f"rules:level={level_method};field={field_method}",
            TAXONOMY_VERSION,
        )

    def _formal_digital(self, level: str, rank: int | None, cip: str | None) -> str:
        """yes/no/unknown: a college-or-higher degree in a digital field (see cip2021.yaml)."""
        if level == NOT_EDUCATION or (rank is not None and rank < COLLEGE_RANK):
            return "no"  # not a degree: bootcamps, MOOCs, secondary school, trades
        if rank is None or cip is None:
            return UNKNOWN
        digital = self._digital_cache.get(cip)
        if digital is None:
            digital = self._digital_cache[cip] = self.lexicon.is_digital_field(cip)
        return "yes" if digital else "no"

    def is_digital_field(self, cip: str) -> bool:
        """Whether a CIP code counts as a digital field."""
        return self.lexicon.is_digital_field(cip)
