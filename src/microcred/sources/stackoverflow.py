"""Stack Overflow Developer Survey results CSV: one person a response.

A second, independent source that analyses put beside profile data: it fills
``persons`` (country from the survey's country names) and ``survey``
(education, years coding / working, developer type, age band, employment, and
whether the respondent learned to code through online courses or certification).
Identity for the pseudonym is ``stackoverflow:<file stem>:<ResponseId>`` so two
survey years never collide. Free-text ("please specify") columns are never read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyarrow as pa

from microcred import schema
from microcred.geo import country_code
from microcred.pseudonym import Pseudonymizer
from microcred.sources.batch import SourceBatch, SourceError
from microcred.sources.builder import ReadContext, clean_text
from microcred.sources.textio import UnreadableFile, decode_text, parse_csv, resolve_columns

SOURCE = "stackoverflow"
ONLINE_OR_CERT = "online courses or certification"

ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("responseid", "respondent"),
    "country": ("country",),
    "education": ("edlevel", "formaleducation"),
    "years_code": ("yearscode",),
    "years_work": ("workexp", "yearscodepro"),
    "dev_type": ("devtype",),
    "age": ("age",),
    "employment": ("employment",),
    "learn_code": ("learncode",),
    "industry": ("industry",),
}
_NA = frozenset({"", "na", "n/a", "nan"})
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


class _BadNumber(ValueError):
    pass


def years(value: str | None) -> float | None:
    """Survey years: "7" → 7.0, "Less than 1 year" → 0.5, "More than 50 years" → 51.0, NA → None."""
    if value is None or value.strip().lower() in _NA:
        return None
    text = value.strip().lower()
    if _NUMBER.match(text):
        return float(text)
    if text.startswith("less than 1"):
        return 0.5
    if m := re.match(r"^more than (\d+)", text):
        return float(m[1]) + 1
    raise _BadNumber(f"not a number of years: {value!r}")


def learned_online_or_cert(value: str | None) -> bool | None:
    """Whether LearnCode lists "Online Courses or Certification"; None when not answered."""
    if value is None or value.strip().lower() in _NA:
        return None
    return any(part.strip().lower().startswith(ONLINE_OR_CERT) for part in value.split(";"))


def read_stackoverflow(path: str | Path, pseudonymize: Pseudonymizer) -> SourceBatch:
    """Read one survey results CSV (or a folder of ``survey_results_public*.csv``)."""
    root = Path(path)
    if root.is_dir():
        files = sorted(root.glob("survey_results_public*.csv"))
        if not files:
            raise SourceError(f"{root}: no survey_results_public*.csv file")
    elif root.is_file():
        files = [root]
    else:
        raise SourceError(f"{root}: no such file or directory")
    ctx = ReadContext(SOURCE, pseudonymize)
    survey: dict[str, list[Any]] = {f.name: [] for f in schema.SURVEY}
    for file_path in files:
        _read_file(ctx, file_path, file_path.name, survey)
    extra = {"survey": _survey_table(survey)}
    return ctx.finish(extra)


def _read_file(
    ctx: ReadContext, file_path: Path, display: str, survey: dict[str, list[Any]]
) -> None:
    try:
        text, encoding = decode_text(file_path.read_bytes())
        header, records = parse_csv(text)
    except (OSError, UnreadableFile) as exc:
        raise SourceError(f"{file_path}: not a readable survey CSV: {exc}") from exc
    cols = resolve_columns(header, ALIASES)
    if "id" not in cols:
        raise SourceError(f"{file_path}: no ResponseId column; is this the survey results file?")
    names = {k: header[i] for k, i in cols.items()}
    acct = ctx.account(display, encoding)
    q = ctx.quarantine
    seen: set[str] = set()
    for rec in records:
        acct.rows_read += 1
        if rec.values is None:
            q.drop(acct, rec.row, None, rec.error or "unreadable row")
            continue
        v = {k: rec.values[i] for k, i in cols.items()}
        response_id = (v.get("id") or "").strip()
        if not response_id or response_id in seen:
            why = "missing ResponseId" if not response_id else "duplicate ResponseId"
            q.drop(acct, rec.row, names["id"], why)
            continue
        seen.add(response_id)
        number = {}
        for key in ("years_code", "years_work"):
            try:
                number[key] = years(v.get(key))
            except _BadNumber as exc:
                q.null_field(display, rec.row, names[key], str(exc))
                number[key] = None
        person_id = ctx.pseudonymize(f"stackoverflow:{file_path.stem}:{response_id}")
        country = country_code(clean_text(v.get("country")))
        ctx.rows.person(person_id, SOURCE, country, None, "unknown", _na(v.get("industry")))
        row = {
            "person_id": person_id,
            "country": country,
            "education_raw": _na(v.get("education")),
            "years_code": number["years_code"],
            "years_work": number["years_work"],
            "dev_type": _na(v.get("dev_type")),
            "age_band": _na(v.get("age")),
            "employment": _na(v.get("employment")),
            "learned_online_or_cert": learned_online_or_cert(v.get("learn_code")),
        }
        for key, value in row.items():
            survey[key].append(value)
        acct.rows_ingested += 1


def _na(value: str | None) -> str | None:
    text = clean_text(value)
    return None if text is None or text.lower() in _NA else text


def _survey_table(cols: dict[str, list[Any]]) -> pa.Table:
    table = pa.table({f.name: pa.array(cols[f.name], f.type) for f in schema.SURVEY})
    table = table.sort_by([("person_id", "ascending")])
    return schema.conform(table, schema.SURVEY)
