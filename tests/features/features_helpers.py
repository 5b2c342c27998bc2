"""Hand-built canonical and coded tables for the features tests."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from microcred import schema


def table(sch: pa.Schema, rows: list[dict]) -> pa.Table:
    """An Arrow table with the given schema from row dicts (missing keys → null)."""
    return pa.table({f.name: [r.get(f.name) for r in rows] for f in sch}, schema=sch)


def position(
    person: str,
    idx: int,
    title: str | None,
    start: dt.date | None,
    end: dt.date | None = None,
    *,
    precision: str = "month",
    end_precision: str | None = None,
    current: bool | None = None,
    company: str | None = None,
) -> dict:
    return dict(
        person_id=person,
        position_idx=idx,
        title=title,
        company=company,
        start_date=start,
        start_precision=precision if start else None,
        end_date=end,
        end_precision=(end_precision or precision) if end else None,
        is_current=current,
    )


def titles_coded(rows: list[tuple[str, str | None, float | None, str, str]]) -> pa.Table:
    """(title, noc2021, confidence, seniority, language) → a TITLES_CODED table."""
    return table(
        schema.TITLES_CODED,
        [
            dict(
                title=t,
                noc2021=code,
                noc2021_title=None if code is None else f"title {code}",
                noc2021_confidence=conf,
                seniority=sen,
                title_language=lang,
            )
            for t, code, conf, sen, lang in rows
        ],
    )
