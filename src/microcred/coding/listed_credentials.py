"""Bootcamps and MOOCs people listed under education, added to their credentials.

Why: the education coder recognises them (``is_credential``) but they are credentials,
and a study that ignored them would undercount learning-based microcredentials. It is
the credential coder's input hook: it runs once education is coded, before credentials.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
from ibis.formats.pyarrow import PyArrowType

from microcred import schema
from microcred.engine import Engine


def with_education_listed(
    engine: Engine, files: dict[str, Path], education_coded: pa.Table
) -> int | None:
    """Add the education entries coded ``is_credential`` to the staged credentials file.

    They get origin ``education`` and ``credential_idx`` = the person's largest listed
    credential index + 1 + ``education_idx``, so they follow that person's own credentials
    and cannot collide with them. Returns the credentials' new row count, or None when
    there was nothing to add.
    """
    flagged = education_coded.filter(pc.fill_null(education_coded["is_credential"], False))
    if flagged.num_rows == 0:
        return None
    keys = engine.table(flagged.select(["degree", "field"]).rename_columns(["k_degree", "k_field"]))
    ed = engine.table(files["educations"])
    hit = ed.inner_join(
        keys, [ed.degree.identical_to(keys.k_degree), ed.field.identical_to(keys.k_field)]
    )
    creds = engine.table(files["credentials"]).select(*schema.CREDENTIALS.names)
    extra = _as_credentials(_with_first_free_index(hit, creds))
    combined = creds.union(extra, distinct=False)
    return engine.to_parquet(
        combined, files["credentials"], schema.CREDENTIALS, ["person_id", "credential_idx"]
    )


def _with_first_free_index(hit: ir.Table, creds: ir.Table) -> ir.Table:
    """``hit`` with ``first_free``: 1 + the person's largest credential index (0 if none)."""
    last = creds.group_by(c_person=creds.person_id).aggregate(c_last=creds.credential_idx.max())
    joined = hit.left_join(last, hit.person_id == last.c_person)
    return joined.mutate(first_free=joined.c_last.fill_null(-1).cast("int64") + 1)


def _as_credentials(hit: ir.Table) -> ir.Table:
    """The matched education rows in the shape of ``schema.CREDENTIALS``."""
    values = {
        "person_id": hit.person_id,
        "credential_idx": hit.first_free + hit.education_idx,
        "name": ibis.coalesce(hit.degree, hit.field),
        "authority": hit.school,
        "url_host": ibis.null(),
        "has_url": ibis.literal(False),
        "has_credential_id": ibis.literal(False),
        "issued_date": hit.end_date,
        "issued_precision": hit.end_precision,
        "expires_date": ibis.null(),
        "expires_precision": ibis.null(),
        "origin": ibis.literal("education"),
    }
    target = schema.CREDENTIALS
    return hit.select(**{f.name: values[f.name].cast(PyArrowType.to_ibis(f.type)) for f in target})


__all__ = ["with_education_listed"]
