"""The Python API: a study and the coders as functions over pandas or Arrow tables.

Why: analysts work in notebooks. ``Study`` wraps the same ``pipeline.run`` the CLI
calls (it does not re-implement any stage), and each ``code_*`` function is what
``microcred code …`` runs: it codes the *distinct* values of the named columns once
and joins the codes back, so the result has the caller's rows, in their order, with
the code, label, confidence and method columns appended.

A pandas frame comes back as a pandas frame (its index and dtypes untouched, new
columns as nullable pandas types, codes as text so "00010" keeps its zeros); an
Arrow table comes back as an Arrow table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    import pandas as pd

    from microcred.config import StudyConfig
    from microcred.pipeline import RunResult

Frame = TypeVar("Frame", "pd.DataFrame", pa.Table)

# Codes are identifiers, not quantities: they are returned as text.
_CODE_COLUMNS_AS_TEXT = ("teer",)


# --------------------------------------------------------------------------- coders


@lru_cache(maxsize=8)
def _occupation_coder(data_dir: str | None, min_confidence: float):
    from microcred.coding.base import CoderSettings
    from microcred.coding.occupation import OccupationCoder

    settings = CoderSettings.with_coding(occupation_min_confidence=min_confidence)
    return OccupationCoder.load(data_dir, settings)


@lru_cache(maxsize=8)
def _credential_coder(definitions_key: tuple, data_dir: str | None):
    from microcred.coding.base import CoderSettings
    from microcred.coding.credentials import CredentialCoder
    from microcred.config import Definition, StudyConfig
    from microcred.datadir import DataDir

    definitions = [Definition(name=n, types=list(t)) for n, t in definitions_key]
    config = StudyConfig(definitions=definitions) if definitions else None
    return CredentialCoder.load(DataDir(data_dir) if data_dir else None, CoderSettings(config))


@lru_cache(maxsize=2)
def _education_coder():
    from microcred.coding.education import EducationCoder

    return EducationCoder.load()


@lru_cache(maxsize=4)
def _skill_coder(data_dir: str | None):
    from microcred.coding.skills import SkillCoder

    return SkillCoder.load(data_dir)


def _dir_key(data_dir: str | Path | None) -> str | None:
    return str(Path(data_dir).resolve()) if data_dir is not None else None


def _is_pandas(frame: Any) -> bool:
    return type(frame).__module__.split(".")[0] == "pandas"


def _text_column(frame: Any, name: str | None, option: str) -> pa.Array | None:
    """Column ``name`` of a pandas frame or Arrow table as Arrow strings (None when not asked)."""
    if name is None:
        return None
    columns = list(map(str, frame.columns)) if _is_pandas(frame) else frame.column_names
    if name not in columns:
        raise KeyError(f"no column {name!r} for {option} (columns: {', '.join(columns)})")
    if _is_pandas(frame):
        values = frame[name].astype("string")
        return pa.array(values.to_numpy(dtype=object, na_value=None), pa.string())
    col = frame[name]
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    return col.cast(pa.string())


def _distinct(keys: pa.Table, drop_null_first: bool) -> pa.Table:
    """Distinct rows of ``keys``, sorted (nulls last), so coding is deterministic."""
    if drop_null_first:
        keys = keys.filter(pc.is_valid(keys.column(0)))
    distinct = keys.group_by(keys.column_names, use_threads=False).aggregate([])
    order = [(c, "ascending") for c in keys.column_names]
    return distinct.sort_by(order)  # nulls last by default


def _row_index(keys: pa.Table, distinct: pa.Table) -> pa.Array:
    """For each input row, the position of its key in ``distinct`` (null when absent)."""
    if keys.num_columns == 1:
        return pc.index_in(keys.column(0), value_set=distinct.column(0).combine_chunks())
    position = {k: i for i, k in enumerate(zip(*distinct.to_pydict().values(), strict=True))}
    rows = zip(*keys.to_pydict().values(), strict=True)
    return pa.array([position.get(k) for k in rows], pa.int64())


def _as_text_codes(table: pa.Table) -> pa.Table:
    for name in _CODE_COLUMNS_AS_TEXT:
        if name in table.column_names:
            i = table.schema.get_field_index(name)
            table = table.set_column(i, name, table[name].cast(pa.string()))
    return table


def _code_and_join(
    frame: Frame,
    keys: dict[str, pa.Array],
    code: Callable[[pa.Table], pa.Table],
    *,
    drop_null_first: bool,
    distinct: bool,
) -> Frame | pa.Table:
    """Code the distinct key rows once; return the frame with the codes appended in row order.

    ``keys`` maps the coder's input column names to the caller's values (row-aligned);
    ``code`` codes a table of distinct keys and returns one row per key, in order,
    starting with the key columns. With ``distinct=True`` the coded distinct table is
    returned instead (as the same kind of frame).
    """
    key_table = pa.table(keys)
    uniques = _distinct(key_table, drop_null_first)
    coded = _as_text_codes(code(uniques))
    if coded.num_rows != uniques.num_rows:
        raise RuntimeError(f"coder returned {coded.num_rows} rows for {uniques.num_rows} values")
    for c in set(keys) & set(coded.column_names):
        if not coded[c].cast(pa.string()).equals(uniques[c].cast(pa.string())):
            raise RuntimeError(f"coder returned its {c!r} rows out of order")
    if distinct:
        return coded.to_pandas(types_mapper=_pandas_type) if _is_pandas(frame) else coded
    added = coded.drop_columns([c for c in keys if c in coded.column_names])
    added = added.take(_row_index(key_table, uniques))
    return _append(frame, added)


def _pandas_type(arrow_type: pa.DataType):
    """Nullable pandas dtypes, so an integer column with gaps does not become float."""
    import pandas as pd

    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.StringDtype()
    if pa.types.is_integer(arrow_type):
        return pd.Int64Dtype()
    if pa.types.is_boolean(arrow_type):
        return pd.BooleanDtype()
    if pa.types.is_floating(arrow_type):
        return pd.Float64Dtype()
    return None


def _append(frame: Frame, added: pa.Table) -> Frame:
    """``frame`` with ``added``'s columns on the right; an input column of the same name
    is kept as ``<name>_input`` (e.g. a hand-coded ``noc2021``)."""
    clash = [c for c in added.column_names if c in _columns(frame)]
    renames = {c: f"{c}_input" for c in clash}
    if _is_pandas(frame):
        import pandas as pd

        new = added.to_pandas(types_mapper=_pandas_type)
        new.index = frame.index
        return pd.concat([frame.rename(columns=renames), new], axis=1)
    out = frame.rename_columns([renames.get(c, c) for c in frame.column_names])
    for name in added.column_names:
        out = out.append_column(name, added[name])
    return out


def _columns(frame: Any) -> list[str]:
    return list(map(str, frame.columns)) if _is_pandas(frame) else frame.column_names


def code_titles(
    frame: Frame,
    column: str = "title",
    context_column: str | None = None,
    *,
    min_confidence: float = 0.35,
    data_dir: str | Path | None = None,
    distinct: bool = False,
) -> Frame:
    """Append NOC 2021 code, title, TEER, confidence, alternatives, SOC 2018, seniority, method.

    ``context_column`` (e.g. the company) is checked and carried through; the coder does
    not use it yet. Below ``min_confidence`` the coder abstains (``noc2021`` null, with
    ``abstain_reason``).
    """
    titles = _text_column(frame, column, "column")
    _text_column(frame, context_column, "context_column")
    coder = _occupation_coder(_dir_key(data_dir), float(min_confidence))

    def code(u: pa.Table) -> pa.Table:
        # two coders label titles: the occupation's columns, with the seniority label
        # placed before the provenance columns (the API's column order)
        from microcred.coding.seniority import code_seniority

        out = coder.code(u.column(0))
        at = out.schema.get_field_index("coding_method")
        return out.add_column(at, "seniority", code_seniority(u.column(0)))

    return _code_and_join(
        frame,
        {"title": titles},
        code,
        drop_null_first=True,
        distinct=distinct,
    )


def code_credentials(
    frame: Frame,
    name_column: str = "name",
    authority_column: str | None = None,
    url_column: str | None = None,
    *,
    definitions: list[Any] | None = None,
    data_dir: str | Path | None = None,
    distinct: bool = False,
) -> Frame:
    """Append credential type, ``is_micro_<definition>`` flags, provider, platform, quality and method.

    ``url_column`` may hold a verification URL or just its host; only the host is used
    (and appended as ``url_host``). ``definitions`` are ``config.Definition`` objects
    (default: the shipped study's).
    """
    from microcred.coding.credentials.text import reduce_url

    names = _text_column(frame, name_column, "name_column")
    n = len(names)
    authorities = _text_column(frame, authority_column, "authority_column")
    urls = _text_column(frame, url_column, "url_column")
    hosts = (
        pa.array([reduce_url(u) or None if u else None for u in urls.to_pylist()], pa.string())
        if urls is not None
        else pa.nulls(n, pa.string())
    )
    keys = {
        "name": names,
        "authority": authorities if authorities is not None else pa.nulls(n, pa.string()),
        "url_host": hosts,
    }
    definitions_key = tuple((d.name, tuple(d.types)) for d in definitions or [])
    coder = _credential_coder(definitions_key, _dir_key(data_dir))
    joined = _code_and_join(frame, keys, coder.code, drop_null_first=False, distinct=distinct)
    if distinct or url_column is None:
        return joined
    return _append(joined, pa.table({"url_host": hosts}))


def code_education(
    frame: Frame,
    degree_column: str = "degree",
    field_column: str | None = None,
    school_column: str | None = None,
    *,
    distinct: bool = False,
) -> Frame:
    """Append education level, level rank, CIP 2021 field, formal digital training, confidence, method.

    The school helps recognise bootcamps and cégeps; ``is_credential`` marks a
    bootcamp or MOOC listed as education.
    """
    degrees = _text_column(frame, degree_column, "degree_column")
    n = len(degrees)
    fields = _text_column(frame, field_column, "field_column")
    keys = {"degree": degrees, "field": fields if fields is not None else pa.nulls(n, pa.string())}
    schools = _text_column(frame, school_column, "school_column")
    if schools is not None:
        keys["school"] = schools
    coder = _education_coder()
    return _code_and_join(frame, keys, coder.code, drop_null_first=False, distinct=distinct)


def code_skills(
    frame: Frame,
    column: str = "skill",
    *,
    data_dir: str | Path | None = None,
    distinct: bool = False,
) -> Frame:
    """Append skill id (O*NET technology or ESCO skill), label, category, digital flags, method."""
    skills = _text_column(frame, column, "column")
    coder = _skill_coder(_dir_key(data_dir))
    return _code_and_join(
        frame,
        {"skill": skills},
        lambda u: coder.code(u.column(0)),
        drop_null_first=True,
        distinct=distinct,
    )


# --------------------------------------------------------------------------- the study


@dataclass
class Study:
    """A study configuration plus where its reference data are and which engine runs it.

    ``Study()`` is the shipped default study; ``Study.from_yaml("study.yaml")`` reads a
    configuration file (the same file ``microcred run --config`` takes).
    """

    config: StudyConfig = field(default_factory=lambda: _default_config())
    data_dir: str | Path | None = None  # default: $MICROCRED_DATA_DIR
    engine: str = "duckdb"  # or "spark"
    memory_limit: str | None = None  # DuckDB memory limit, e.g. "4GB"
    cache_dir: str | Path | None = None  # content-addressed coding cache

    @classmethod
    def from_yaml(cls, path: str | Path, **options: Any) -> Study:
        from microcred.config import load_config

        return cls(config=load_config(path), **options)

    def _engine_settings(self):
        from microcred.engine import DEFAULT_MEMORY_LIMIT, EngineSettings

        if self.engine not in ("duckdb", "spark"):
            raise ValueError(f"engine must be 'duckdb' or 'spark', not {self.engine!r}")
        return EngineSettings(
            name=self.engine, memory_limit=self.memory_limit or DEFAULT_MEMORY_LIMIT
        )

    def run(
        self,
        source: str,
        input: str | Path,
        out: str | Path,
        *,
        survey: str | Path | None = None,
        margins: str | Path | None = None,
        key_file: str | Path | None = None,
        quiet: bool = True,
    ) -> RunResult:
        """Run the whole study (``microcred run``): tables, report and manifest under ``out``.

        ``source`` is one of linkedin-export, jsonl, jsonresume, stackoverflow, parquet.
        The pseudonymisation key comes from ``key_file`` or the environment, as on the CLI.
        """
        from microcred.commands.run import SOURCES
        from microcred.datadir import DataDir
        from microcred.pipeline import RunOptions, run

        if source not in SOURCES:
            raise ValueError(f"unknown source {source!r}; use one of {', '.join(SOURCES)}")
        opts = RunOptions(
            source=source,
            input_path=Path(input),
            out_dir=Path(out),
            config=self.config,
            data_dir=DataDir(self.data_dir),
            engine=self._engine_settings(),
            survey_path=Path(survey) if survey else None,
            margins_path=Path(margins) if margins else None,
            cache_dir=Path(self.cache_dir) if self.cache_dir else None,
            quiet=quiet,
        )
        from microcred.pseudonym import key_file_env

        with key_file_env(key_file):
            return run(opts)

    def demo(
        self, out: str | Path, profiles: int = 300, seed: int | None = None, quiet: bool = True
    ) -> RunResult:
        """Generate a synthetic cohort and run this study on it (``microcred demo``).

        Needs a pseudonymisation key in the environment, like ``run``.
        """
        from microcred.datadir import DataDir
        from microcred.demo import run_demo

        config = self.config if seed is None else self.config.model_copy(update={"seed": seed})
        return run_demo(
            profiles=profiles,
            out=Path(out),
            seed=config.seed,
            data_dir=DataDir(self.data_dir),
            engine=self._engine_settings(),
            quiet=quiet,
            config=config,
        )

    def code_titles(self, frame: Frame, column: str = "title", **options: Any) -> Frame:
        """:func:`code_titles` with this study's abstention threshold and reference data."""
        options.setdefault("min_confidence", self.config.coding.occupation_min_confidence)
        options.setdefault("data_dir", self.data_dir)
        return code_titles(frame, column, **options)

    def code_credentials(self, frame: Frame, name_column: str = "name", **options: Any) -> Frame:
        """:func:`code_credentials` with this study's microcredential definitions."""
        options.setdefault("definitions", self.config.definitions)
        options.setdefault("data_dir", self.data_dir)
        return code_credentials(frame, name_column, **options)

    def code_education(self, frame: Frame, degree_column: str = "degree", **options: Any) -> Frame:
        return code_education(frame, degree_column, **options)

    def code_skills(self, frame: Frame, column: str = "skill", **options: Any) -> Frame:
        options.setdefault("data_dir", self.data_dir)
        return code_skills(frame, column, **options)


def _default_config() -> StudyConfig:
    from microcred.config import StudyConfig

    return StudyConfig()
