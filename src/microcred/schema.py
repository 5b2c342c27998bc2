"""Canonical tables: the only shapes that pass between pipeline stages.

Every stage reads and writes tables with these Arrow schemas, so a stage can be
replaced (or run on another engine) without the others noticing. Dates are kept
as the first day of the period they name plus a precision (``year``, ``month``,
``day``), because profiles say "2019" far more often than "2019-08-14".
Names, emails, phones, person URLs, addresses and free-text summaries have no
column here: readers drop them at the door.
"""

from __future__ import annotations

import pyarrow as pa

PRECISIONS = ("year", "month", "day")

_date = pa.date32()
_str = pa.string()

PERSONS = pa.schema(
    [
        pa.field("person_id", _str, nullable=False),  # keyed pseudonym (HMAC-SHA256, hex)
        pa.field(
            "source", _str, nullable=False
        ),  # linkedin-export, jsonl, jsonresume, stackoverflow, parquet
        pa.field("country", _str),  # ISO 3166-1 alpha-2 where known
        pa.field("province", _str),  # Canadian province/territory code (ON, QC, ...) where known
        pa.field("profile_language", _str),  # en, fr, or unknown
        pa.field("industry", _str),  # industry label as given by the source (not free text)
    ]
)

POSITIONS = pa.schema(
    [
        pa.field("person_id", _str, nullable=False),
        pa.field("position_idx", pa.int32(), nullable=False),
        pa.field("title", _str),
        pa.field("company", _str),
        pa.field("province", _str),
        pa.field("country", _str),
        pa.field("start_date", _date),
        pa.field("start_precision", _str),
        pa.field("end_date", _date),
        pa.field("end_precision", _str),
        pa.field("is_current", pa.bool_()),
    ]
)

EDUCATIONS = pa.schema(
    [
        pa.field("person_id", _str, nullable=False),
        pa.field("education_idx", pa.int32(), nullable=False),
        pa.field("school", _str),
        pa.field("degree", _str),
        pa.field("field", _str),
        pa.field("start_date", _date),
        pa.field("start_precision", _str),
        pa.field("end_date", _date),
        pa.field("end_precision", _str),
    ]
)

CREDENTIALS = pa.schema(
    [
        pa.field("person_id", _str, nullable=False),
        pa.field("credential_idx", pa.int32(), nullable=False),
        pa.field("name", _str),
        pa.field("authority", _str),
        # Only the host and the first path segment of a verification URL are kept
        # (e.g. "coursera.org/verify"): the rest of the URL identifies the person.
        pa.field("url_host", _str),
        pa.field("has_url", pa.bool_()),
        pa.field(
            "has_credential_id", pa.bool_()
        ),  # licence/credential number present (value dropped)
        pa.field("issued_date", _date),
        pa.field("issued_precision", _str),
        pa.field("expires_date", _date),
        pa.field("expires_precision", _str),
        pa.field("origin", _str),  # certifications, learning, education, certificates, survey
    ]
)

SKILLS = pa.schema(
    [
        pa.field("person_id", _str, nullable=False),
        pa.field("skill", _str, nullable=False),
    ]
)

LEARNING = pa.schema(
    [
        pa.field("person_id", _str, nullable=False),
        pa.field("learning_idx", pa.int32(), nullable=False),
        pa.field("title", _str),
        pa.field("content_type", _str),
        pa.field("completed", pa.bool_()),
        pa.field("completed_date", _date),
        pa.field("completed_precision", _str),
    ]
)

QUARANTINE = pa.schema(
    [
        pa.field("source", _str, nullable=False),
        pa.field("file", _str, nullable=False),  # path relative to the input root
        pa.field("row", pa.int64()),  # 1-based data row (CSV) or line (JSONL); null = whole file
        pa.field("field", _str),
        pa.field("reason", _str, nullable=False),
        # row_dropped: the record was not ingested (counts as quarantined in the accounting);
        # field_nulled: the record was ingested with this field set to null.
        pa.field("action", _str),
    ]
)

# Survey answers (Stack Overflow) are a separate, person-level source: one row a response.
SURVEY = pa.schema(
    [
        pa.field("person_id", _str, nullable=False),
        pa.field("country", _str),
        pa.field("education_raw", _str),
        pa.field("years_code", pa.float64()),
        pa.field("years_work", pa.float64()),
        pa.field("dev_type", _str),
        pa.field("age_band", _str),
        pa.field("employment", _str),
        pa.field("learned_online_or_cert", pa.bool_()),  # null = did not answer
    ]
)

CANONICAL = {
    "persons": PERSONS,
    "positions": POSITIONS,
    "educations": EDUCATIONS,
    "credentials": CREDENTIALS,
    "skills": SKILLS,
    "learning": LEARNING,
    "quarantine": QUARANTINE,
}

# ---- coded tables (one row per distinct input string or tuple) -------------------------

#: the seniority ladder, lowest first: the labels the seniority coder writes, their order
#: (rank = position) for the analyses, the levels the synthetic cohort draws. Defined once.
SENIORITY_LEVELS: tuple[str, ...] = (
    "intern",
    "entry",
    "intermediate",
    "senior",
    "lead",
    "manager",
    "director",
    "executive",
)

TITLES_CODED = pa.schema(
    [
        pa.field("title", _str),  # the raw title as it appears in positions (join key)
        pa.field("title_language", _str),  # en, fr, mixed, unknown
        pa.field("noc2021", _str),  # 5-digit code, null when the coder abstains
        pa.field("noc2021_title", _str),
        pa.field("teer", pa.int8()),
        pa.field("noc2021_minor", _str),  # 3-digit minor group, may be set when noc2021 is not
        pa.field("noc2021_confidence", pa.float64()),
        pa.field("noc2021_alternatives", _str),  # "code:conf;code:conf;code:conf"
        pa.field("abstain_reason", _str),
        pa.field("soc2018", _str),  # ';'-joined SOC 2018 codes from the crosswalk
        pa.field("coding_method", _str),
        pa.field("taxonomy_version", _str),
    ]
)

SENIORITY_CODED = pa.schema(
    [
        pa.field("title", _str),  # the raw title as it appears in positions (join key)
        pa.field("seniority", _str),  # SENIORITY_LEVELS label or "unknown"
        pa.field("seniority_confidence", pa.float64()),  # null when unknown
        pa.field("coding_method", _str),
        pa.field("taxonomy_version", _str),
    ]
)

CREDENTIALS_CODED_BASE = [
    pa.field("name", _str),
    pa.field("authority", _str),
    pa.field("url_host", _str),
    pa.field("credential_type", _str),
    # is_micro_<definition> bool columns are appended per configured definition
    pa.field("provider", _str),
    pa.field("provider_kind", _str),
    pa.field("platform", _str),
    pa.field("verifiable", _str),  # yes / no / unknown
    pa.field("assessed", _str),  # yes / no / unknown
    pa.field("workload_hours", pa.float64()),
    pa.field("stackable", _str),  # yes / no / unknown
    pa.field("expires", _str),  # yes / no / unknown
    pa.field("issuer_country", _str),
    pa.field("credential_family", _str),
    pa.field("coding_confidence", pa.float64()),
    pa.field("coding_method", _str),
    pa.field("taxonomy_version", _str),
]

EDUCATION_CODED = pa.schema(
    [
        pa.field("degree", _str),
        pa.field("field", _str),
        pa.field("education_level", _str),  # see coding.education.LEVELS, or unknown
        pa.field("level_rank", pa.int8()),  # ordinal for "highest", null when unknown
        pa.field("is_credential", pa.bool_()),  # bootcamp / MOOC listed under education
        pa.field("cip2021", _str),  # 2-digit series or 4-digit code ("11", "14.09", ...)
        pa.field("cip2021_title", _str),
        pa.field("formal_digital_training", _str),  # yes / no / unknown
        pa.field("coding_confidence", pa.float64()),
        pa.field("coding_method", _str),
        pa.field("taxonomy_version", _str),
    ]
)

SKILLS_CODED = pa.schema(
    [
        pa.field("skill", _str),
        pa.field("skill_id", _str),  # onet:<example>, esco:<uri>, or null
        pa.field("skill_label", _str),
        pa.field("skill_category", _str),  # UNSPSC commodity title, or ESCO group
        pa.field("is_digital", pa.bool_()),
        pa.field("hot_technology", pa.bool_()),
        pa.field("in_demand", pa.bool_()),
        pa.field("coding_confidence", pa.float64()),
        pa.field("coding_method", _str),
        pa.field("taxonomy_version", _str),
    ]
)


def empty(schema: pa.Schema) -> pa.Table:
    """An empty table with the given schema (stages must write a table even when nothing came in)."""
    return schema.empty_table()


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """Select and cast ``table`` to ``schema``; missing nullable columns become nulls.

    Why: readers build tables from heterogeneous inputs; this is the single place
    where they are forced into the canonical shape, so a typo in a reader fails here.
    """
    cols = []
    for field in schema:
        if field.name in table.column_names:
            cols.append(table[field.name].cast(field.type))
        elif field.nullable:
            cols.append(pa.nulls(table.num_rows, field.type))
        else:
            raise ValueError(f"required column {field.name!r} missing")
    return pa.Table.from_arrays(cols, schema=schema)
