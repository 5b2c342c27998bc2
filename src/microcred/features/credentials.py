"""Credentials joined to their codes, and per-person holder flags per definition.

Assumption (stated in docs/analysis-methods.md): a person who lists no
credential is a non-holder (``holder_<d> = False``), not unknown — profiles are
the only evidence and an empty certifications section is read as "none listed".
"""

from __future__ import annotations

import ibis.expr.types as ir

from microcred.config import StudyConfig

CREDENTIAL_KEY = ("name", "authority", "url_host")
_NULL_KEY = "\u0000"  # join sentinel: SQL equality never matches nulls


def micro_column(definition: str) -> str:
    return f"is_micro_{definition}"


def enrich_credentials(credentials: ir.Table, credentials_coded: ir.Table) -> ir.Table:
    """Canonical credentials left-joined to their codes on (name, authority, url_host).

    Null key parts match null key parts (the coder codes distinct tuples, nulls
    included), hence the sentinel.
    """
    coded_cols = [c for c in credentials_coded.columns if c not in CREDENTIAL_KEY]
    coded = credentials_coded.mutate(
        **{f"_k_{k}": credentials_coded[k].fill_null(_NULL_KEY) for k in CREDENTIAL_KEY}
    ).select(*[f"_k_{k}" for k in CREDENTIAL_KEY], *coded_cols)
    creds = credentials.mutate(
        **{f"_k_{k}": credentials[k].fill_null(_NULL_KEY) for k in CREDENTIAL_KEY}
    )
    joined = creds.left_join(coded, [creds[f"_k_{k}"] == coded[f"_k_{k}"] for k in CREDENTIAL_KEY])
    drop = [c for c in joined.columns if c.startswith("_k_")]
    return joined.drop(*drop)


def holder_features(enriched: ir.Table, config: StudyConfig) -> ir.Table:
    """Per person with at least one credential: counts, holder flags, first dates.

    ``holder_<d>_hiconf`` counts only credentials coded with confidence at or above
    ``config.coding.low_confidence``.
    """
    hi = enriched.coding_confidence.fill_null(0.0) >= config.coding.low_confidence
    aggs: dict[str, ir.Value] = {"n_credentials": enriched.count()}
    for d in config.definition_names():
        micro = enriched[micro_column(d)].fill_null(False)
        micro_hi = micro & hi
        aggs[f"n_micro_{d}"] = micro.ifelse(1, 0).sum()
        aggs[f"first_micro_date_{d}"] = enriched.issued_date.min(where=micro)
        aggs[f"n_micro_{d}_hiconf"] = micro_hi.ifelse(1, 0).sum()
        aggs[f"first_micro_date_{d}_hiconf"] = enriched.issued_date.min(where=micro_hi)
    return enriched.group_by("person_id").aggregate(**aggs)


def holder_columns(config: StudyConfig) -> list[str]:
    """The per-definition feature columns, in output order."""
    cols: list[str] = []
    for d in config.definition_names():
        cols += [f"holder_{d}", f"n_micro_{d}", f"first_micro_date_{d}"]
        cols += [f"holder_{d}_hiconf", f"n_micro_{d}_hiconf", f"first_micro_date_{d}_hiconf"]
    return cols


def finish_holder_columns(t: ir.Table, config: StudyConfig) -> dict[str, ir.Value]:
    """Null counts (no credential at all) → 0 and the boolean holder flags."""
    out: dict[str, ir.Value] = {}
    for d in config.definition_names():
        for suffix in ("", "_hiconf"):
            n = t[f"n_micro_{d}{suffix}"].fill_null(0).cast("int64")
            out[f"n_micro_{d}{suffix}"] = n
            out[f"holder_{d}{suffix}"] = n > 0
    out["n_credentials"] = t.n_credentials.fill_null(0).cast("int64")
    return out


__all__ = [
    "CREDENTIAL_KEY",
    "enrich_credentials",
    "finish_holder_columns",
    "holder_columns",
    "holder_features",
    "micro_column",
]
