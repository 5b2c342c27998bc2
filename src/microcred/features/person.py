"""One row a person: the table every analysis starts from.

All relational work is ibis (DuckDB or Spark); the result is pulled to Arrow
only at the end, sorted by ``person_id`` so the same input gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from microcred import schema
from microcred.arrowsort import sort_by_keys
from microcred.config import StudyConfig
from microcred.engine import Engine
from microcred.features.bands import band_expr
from microcred.features.career import career_features
from microcred.features.credentials import (
    CREDENTIAL_KEY,
    enrich_credentials,
    finish_holder_columns,
    holder_columns,
    holder_features,
    micro_column,
)

_NULL_KEY = "\u0000"

#: the fixed part of the person-feature schema; per-definition holder columns follow
PERSON_FEATURES = pa.schema(
    [
        pa.field("person_id", pa.string(), nullable=False),
        pa.field("source", pa.string()),
        pa.field("province", pa.string()),
        pa.field("profile_language", pa.string()),
        pa.field("noc2021", pa.string()),
        pa.field("noc2021_title", pa.string()),
        pa.field("noc2021_confidence", pa.float64()),
        pa.field("occupation_abstained", pa.bool_()),
        pa.field("occupation_low_confidence", pa.bool_()),
        pa.field("occupation_group", pa.string()),
        pa.field("in_study", pa.bool_()),
        pa.field("seniority", pa.string()),
        pa.field("seniority_rank", pa.int8()),
        pa.field("seniority_trajectory", pa.string()),
        pa.field("years_experience", pa.float64()),
        pa.field("experience_band", pa.string()),
        pa.field("years_in_occupation", pa.float64()),
        pa.field("occupation_entry_date", pa.date32()),
        pa.field("n_employers", pa.int64()),
        pa.field("current_employer", pa.string()),
        pa.field("education_level", pa.string()),
        pa.field("education_rank", pa.int8()),
        pa.field("field_cip2021", pa.string()),
        pa.field("formal_digital_training", pa.string()),
        pa.field("n_skills", pa.int64()),
        pa.field("n_digital_skills", pa.int64()),
        pa.field("digital_skill_share", pa.float64()),
        pa.field("n_hot_skills", pa.int64()),
        pa.field("n_credentials", pa.int64()),
    ]
)


def person_features_schema(config: StudyConfig) -> pa.Schema:
    """The full output schema: fixed columns, holder columns per definition, weight."""
    fields = list(PERSON_FEATURES)
    for col in holder_columns(config):
        if col.startswith("holder_"):
            fields.append(pa.field(col, pa.bool_()))
        elif col.startswith("n_micro_"):
            fields.append(pa.field(col, pa.int64()))
        else:
            fields.append(pa.field(col, pa.date32()))
    fields.append(pa.field("weight", pa.float64()))
    return pa.schema(fields)


@dataclass
class FeatureSet:
    """What the features stage hands to the analyses."""

    person_features: pa.Table
    credentials_enriched: pa.Table
    # (person_id, skill, is_digital): distinct coded skill labels a person in the study
    # lists; raw, uncoded skill strings are left out (they can be free text). In no particular order:
    # it is only counted, and sorting ten million rows by two strings costs seconds
    person_skills: pa.Table | None = None


# ---- inputs ------------------------------------------------------------------------------


def _canonical(tables: Mapping[str, pa.Table | Path], name: str) -> pa.Table | Path:
    """The table conformed to its schema; a Parquet path is taken as written conformed."""
    t = tables.get(name)
    if isinstance(t, Path):
        return t
    return (
        schema.empty(schema.CANONICAL[name])
        if t is None
        else schema.conform(t, schema.CANONICAL[name])
    )


def _coded(coded: dict[str, pa.Table], name: str, sch: pa.Schema, key: tuple[str, ...]) -> pa.Table:
    """A coded table conformed to its schema, checked to be unique on its key."""
    t = coded.get(name)
    if t is None:
        return sch.empty_table()
    t = schema.conform(t, sch)
    if t.num_rows:
        distinct = t.select(list(key)).group_by(list(key)).aggregate([]).num_rows
        if distinct != t.num_rows:
            raise ValueError(
                f"{name}: {t.num_rows - distinct} duplicate key rows on {list(key)}; "
                "coded tables must hold one row per distinct input"
            )
    return t


def titles_with_seniority(coded: dict[str, pa.Table]) -> pa.Table:
    """The title codes with each title's ``seniority`` label (``unknown`` when not coded).

    Why here: two coders label titles (occupation, seniority); the career features read
    both from one table keyed by title. Without the seniority coder every label is unknown.
    """
    titles = _coded(coded, "titles_coded", schema.TITLES_CODED, ("title",))
    sen = _coded(coded, "seniority_coded", schema.SENIORITY_CODED, ("title",))
    at = pc.index_in(titles["title"], value_set=sen["title"])
    labels = pc.fill_null(sen["seniority"].take(at), "unknown")
    return titles.append_column("seniority", labels)


def _credentials_coded_schema(config: StudyConfig) -> pa.Schema:
    base = list(schema.CREDENTIALS_CODED_BASE)
    at = [f.name for f in base].index("credential_type") + 1
    micro = [pa.field(micro_column(d), pa.bool_()) for d in config.definition_names()]
    return pa.schema(base[:at] + micro + base[at:])


# ---- person-level aggregations ------------------------------------------------------------


def _education(educations: ir.Table, education_coded: ir.Table) -> ir.Table:
    """Highest level (max level_rank; ties by index), its field, formal digital training."""
    keys = ("degree", "field")
    ec = education_coded.mutate(
        **{f"_k_{k}": education_coded[k].fill_null(_NULL_KEY) for k in keys}
    )
    ec = ec.select(
        "_k_degree",
        "_k_field",
        "education_level",
        "level_rank",
        "cip2021",
        "formal_digital_training",
    )
    ed = educations.mutate(**{f"_k_{k}": educations[k].fill_null(_NULL_KEY) for k in keys})
    e = ed.left_join(ec, [ed._k_degree == ec._k_degree, ed._k_field == ec._k_field])
    ranked = e.filter(e.level_rank.notnull())
    w = ibis.window(group_by="person_id", order_by=[ibis.desc("level_rank"), "education_idx"])
    ranked = ranked.mutate(rn=ibis.row_number().over(w))
    highest = ranked.filter(ranked.rn == 0).select(
        "person_id",
        education_level="education_level",
        education_rank="level_rank",
        field_cip2021="cip2021",
    )
    fdt = e.formal_digital_training
    training = e.group_by("person_id").aggregate(
        _yes=(fdt == "yes").ifelse(1, 0).max(), _no=(fdt == "no").ifelse(1, 0).max()
    )
    training = training.select(
        "person_id",
        formal_digital_training=ibis.cases(
            (training._yes == 1, "yes"), (training._no == 1, "no"), else_="unknown"
        ),
    )
    return training.left_join(highest, "person_id").drop("person_id_right")


def _skills(skills: ir.Table, skills_coded: ir.Table) -> ir.Table:
    """Breadth, digital count and share, hot technologies (distinct skills).

    Distinct (person, skill) pairs first, then plain sums: the same counts as
    ``nunique`` per person, at a fraction of the cost on tens of millions of rows.
    """
    pairs = skills.filter(skills.skill.notnull()).select("person_id", "skill").distinct()
    sc = skills_coded.select(sc_skill="skill", is_digital="is_digital", hot="hot_technology")
    s = pairs.left_join(sc, pairs.skill == sc.sc_skill)
    return s.group_by("person_id").aggregate(
        n_skills=s.count(),
        n_digital_skills=s.is_digital.fill_null(False).cast("int64").sum(),
        n_hot_skills=s.hot.fill_null(False).cast("int64").sum(),
    )


def _person_skills(skills: ir.Table, skills_coded: ir.Table) -> ir.Table:
    sc = skills_coded.filter(skills_coded.skill_label.notnull()).select(
        sc_skill="skill", label="skill_label", is_digital="is_digital"
    )
    s = skills.inner_join(sc, skills.skill == sc.sc_skill)
    return (
        s.group_by(["person_id", "label"])
        .aggregate(is_digital=s.is_digital.fill_null(False).max())
        .rename(skill="label")
    )


def _occupation_group(noc: ir.StringValue, config: StudyConfig) -> ir.StringValue:
    cases = [(noc.isin(g.noc2021), ibis.literal(g.name)) for g in config.occupations]
    return ibis.cases(*cases, else_=ibis.null("string"))


def build_person_features(
    engine: Engine,
    tables: Mapping[str, pa.Table | Path],
    coded: dict[str, pa.Table],
    config: StudyConfig,
) -> FeatureSet:
    """Person features (one row a person, sorted by person_id) and enriched credentials.

    ``tables`` holds canonical tables, in memory or as Parquet files written from
    conformed tables (missing ones are taken as empty); ``coded``
    holds ``titles_coded``, ``credentials_coded``, ``education_coded``, ``skills_coded``.
    """
    persons = engine.table(_canonical(tables, "persons"))
    positions = engine.table(_canonical(tables, "positions"))
    educations = engine.table(_canonical(tables, "educations"))
    credentials = engine.table(_canonical(tables, "credentials"))
    skills = engine.table(_canonical(tables, "skills"))
    titles_coded = engine.table(titles_with_seniority(coded))
    cred_coded = engine.table(
        _coded(coded, "credentials_coded", _credentials_coded_schema(config), CREDENTIAL_KEY)
    )
    edu_coded = engine.table(
        _coded(coded, "education_coded", schema.EDUCATION_CODED, ("degree", "field"))
    )
    skills_coded = engine.table(_coded(coded, "skills_coded", schema.SKILLS_CODED, ("skill",)))

    # each part is materialised (``cache``) before the final join: ibis compiles
    # small trees much faster than one large one, and the backend computes each once
    enriched = enrich_credentials(credentials, cred_coded).cache()
    career = career_features(positions, titles_coded, config).cache()
    holders = holder_features(enriched, config).cache()
    edu = _education(educations, edu_coded).cache()
    sk = _skills(skills, skills_coded).cache()

    t = persons
    for part in (career, edu, sk, holders):
        t = t.left_join(part, "person_id").drop("person_id_right")

    low = config.coding.low_confidence
    lang = t.profile_language.lower()
    derived_lang = ibis.cases(
        ((t.n_titles_en.fill_null(0) + t.n_titles_fr.fill_null(0)) == 0, "unknown"),
        (t.n_titles_fr.fill_null(0) > t.n_titles_en.fill_null(0), "fr"),
        else_="en",
    )
    group = _occupation_group(t.noc2021, config)
    has_code = t.noc2021.notnull()
    n_skills = t.n_skills.fill_null(0).cast("int64")
    n_digital = t.n_digital_skills.fill_null(0).cast("int64")
    cols: dict[str, ir.Value] = {
        "person_id": t.person_id,
        "source": t.source,
        "province": t.province.fill_null(t.current_province),
        "profile_language": lang.isin(["en", "fr"]).fill_null(False).ifelse(lang, derived_lang),
        "noc2021": t.noc2021,
        "noc2021_title": t.noc2021_title,
        "noc2021_confidence": t.noc2021_confidence,
        "occupation_abstained": t.current_position_idx.isnull().ifelse(
            ibis.null("boolean"), ~has_code
        ),
        "occupation_low_confidence": has_code.ifelse(
            t.noc2021_confidence.fill_null(0.0) < low, ibis.null("boolean")
        ),
        "occupation_group": group,
        "in_study": group.notnull() & (t.country.fill_null(config.country) == config.country),
        "seniority": t.seniority,
        "seniority_rank": t.seniority_rank.cast("int8"),
        "seniority_trajectory": t.seniority_trajectory.fill_null("unknown"),
        "years_experience": t.years_experience,
        "experience_band": band_expr(t.years_experience, config.experience_bands),
        "years_in_occupation": t.years_in_occupation,
        "occupation_entry_date": t.occupation_entry_date,
        "n_employers": t.n_employers.fill_null(0).cast("int64"),
        "current_employer": t.current_employer,
        "education_level": t.education_level.fill_null("unknown"),
        "education_rank": t.education_rank.cast("int8"),
        "field_cip2021": t.field_cip2021,
        "formal_digital_training": t.formal_digital_training.fill_null("unknown"),
        "n_skills": n_skills,
        "n_digital_skills": n_digital,
        "digital_skill_share": (n_skills > 0).ifelse(
            n_digital.cast("float64") / n_skills.cast("float64"), ibis.null("float64")
        ),
        "n_hot_skills": t.n_hot_skills.fill_null(0).cast("int64"),
    }
    cols.update(finish_holder_columns(t, config))
    for d in config.definition_names():
        for suffix in ("", "_hiconf"):
            cols[f"first_micro_date_{d}{suffix}"] = t[f"first_micro_date_{d}{suffix}"]
    cols["weight"] = ibis.literal(1.0, "float64")
    out = t.select(**cols).order_by("person_id")

    target = person_features_schema(config)
    person_features = engine.to_arrow(out.select(*target.names))
    person_features = _sorted(person_features.cast(target), "person_id")
    enriched_arrow = engine.to_arrow(enriched)
    enriched_arrow = _sorted(enriched_arrow, ["person_id", "credential_idx"])
    # skills are compared among people in the study only; the others' pairs (more than
    # half of a typical extract, tens of millions of rows at scale) are not fetched
    in_study = pc.fill_null(person_features["in_study"], False)
    people = engine.table(person_features.filter(in_study).select(["person_id"]))
    studied = skills.semi_join(people, skills.person_id == people.person_id)
    person_skills = engine.to_arrow(_person_skills(studied, skills_coded))
    return FeatureSet(
        person_features=person_features,
        credentials_enriched=enriched_arrow,
        person_skills=person_skills,
    )


def _sorted(t: pa.Table, keys: str | list[str]) -> pa.Table:
    """Sort on the client too: a distributed backend does not promise order on collect.

    DuckDB does keep the query's order, and re-sorting millions of rows by string keys
    costs seconds, so an already sorted table is returned as it is.
    """
    return sort_by_keys(t, [keys] if isinstance(keys, str) else keys)
