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
    """(title, noc2021, confidence, seniority, language) → a TITLES_CODED table with each
    title's ``seniority`` appended (what the career features read; see ``seniority_coded``)."""
    codes = table(
        schema.TITLES_CODED,
        [
            dict(
                title=t,
                noc2021=code,
                noc2021_title=None if code is None else f"title {code}",
                noc2021_confidence=conf,
                title_language=lang,
            )
            for t, code, conf, _, lang in rows
        ],
    )
    return codes.append_column("seniority", pa.array([r[3] for r in rows], pa.string()))


def seniority_coded(titles: pa.Table) -> pa.Table:
    """The seniority coder's table for the titles of a ``titles_coded`` table."""
    return table(
        schema.SENIORITY_CODED,
        [
            dict(title=t, seniority=s)
            for t, s in zip(
                titles["title"].to_pylist(), titles["seniority"].to_pylist(), strict=True
            )
        ],
    )
