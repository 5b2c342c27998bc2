"""Encode identifying fields as cryptographic linkage keys (CLKs) with clkhash.

Each holder runs this on its own side, with the same schema and a secret shared
out of band; only the Bloom-filter encodings (and the holder's own record ids)
leave the building. Names and emails never do.
"""

from __future__ import annotations

import base64
import json
import warnings
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from microcred.linkage import names

with warnings.catch_warnings():  # clkhash/anonlink import pkg_resources, which warns on import
    warnings.simplefilter("ignore")
    from clkhash import clk
    from clkhash.schema import Schema, from_json_dict

FIELDS = ("given_name", "surname", "birth_year", "province", "email_local")


def load_schema(path: str | Path | None = None) -> Schema:
    """The linkage schema: the shipped default or a user's clkhash v3 schema JSON."""
    if path is None:
        text = (
            resources.files("microcred.linkage")
            .joinpath("data/default_schema.json")
            .read_text(encoding="utf-8")
        )
    else:
        text = Path(path).read_text(encoding="utf-8")
    return from_json_dict(json.loads(text))


def normalise(record: Mapping[str, Any]) -> list[str]:
    """One record's identifying fields, normalised the same way on both sides, in schema order."""
    year = str(record.get("birth_year") or "").strip()[:4]
    return [
        names.given_name(record.get("given_name")),
        names.surname(record.get("surname")),
        year if year.isdigit() else "",
        (record.get("province") or "").strip().upper()[:2],
        names.email_local(record.get("email")),
    ]


def encode(
    records: Iterable[Mapping[str, Any]], secret: str, schema: Schema | None = None
) -> list[str]:
    """CLKs (base64) for the records, in order."""
    schema = schema or load_schema()
    rows = [normalise(r) for r in records]
    if not secret or len(secret) < 16:
        raise ValueError("the linkage secret must be at least 16 characters, shared out of band")
    bits = clk.generate_clks(rows, schema, secret)
    return [base64.b64encode(b.tobytes()).decode("ascii") for b in bits]
