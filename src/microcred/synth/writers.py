"""Write a synthetic cohort as a source format, with its truth and population margins beside it.

Layout of ``out_dir`` (the same for every format):

* ``tables/<table>.parquet`` (parquet), ``exports/<source identity>/*.csv`` (linkedin-export)
  or ``profiles.jsonl`` (jsonl) - the input for ``microcred run``; ``WriteResult.input_path``;
* ``truth/persons.parquet``, ``truth/credentials.parquet``, ``truth/positions.parquet``,
  ``truth/parameters.json`` - keyed by the source identity ("syn-0000001"), which is the
  parquet ``person_id``, the export folder name and the JSONL ``id``;
* ``margins/`` - population margins in Statistics Canada's format (see ``margins.py``).

Rows of positions, education and certifications are written in the order of their
``*_idx`` so that a reader's row numbers line up with the truth.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from microcred.synth.cohort import SynthCohort
from microcred.synth.margins import write_margins

FORMATS = ("parquet", "linkedin-export", "jsonl")
MONTHS = {
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
    "fr": [
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    ],
}
WWW_HOSTS = (
    "coursera.org",
    "udemy.com",
    "credly.com",
    "linkedin.com",
    "datacamp.com",
    "scrum.org",
    "kaggle.com",
    "freecodecamp.org",
    "codecademy.com",
    "giac.org",
)
CONNECTIONS_PREAMBLE = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses are missing. '
    "You will only see email addresses for connections who have allowed their connections to see or download "
    "their email address using this setting https://www.linkedin.com/psettings/privacy/email. You can learn "
    'more here https://www.linkedin.com/help/linkedin/answer/261"\n\n'
)
PROFILE_COLUMNS = [
    "First Name",
    "Last Name",
    "Maiden Name",
    "Address",
    "Birth Date",
    "Headline",
    "Summary",
    "Industry",
    "Zip Code",
    "Geo Location",
    "Twitter Handles",
    "Websites",
    "Instant Messengers",
]
POSITION_COLUMNS = ["Company Name", "Title", "Description", "Location", "Started On", "Finished On"]
EDUCATION_COLUMNS = ["School Name", "Start Date", "End Date", "Notes", "Degree Name", "Activities"]
CERT_COLUMNS = ["Name", "Url", "Authority", "Started On", "Finished On", "License Number"]
LEARNING_COLUMNS = [
    "Content Title",
    "Content Description",
    "Content Type",
    "Content Last Watched Date (if viewed)",
    "Content Completed At (if completed)",
    "Content Saved",
    "Notes taken on videos (if taken)",
]
CONNECTION_COLUMNS = [
    "First Name",
    "Last Name",
    "URL",
    "Email Address",
    "Company",
    "Position",
    "Connected On",
]


@dataclass(frozen=True)
class WriteResult:
    fmt: str
    input_path: Path  # what to pass to ``microcred run --input``
    truth_dir: Path
    margins_dir: Path
    profiles: int


def write(
    cohort: SynthCohort,
    fmt: str,
    out_dir: str | Path,
    progress: Callable[[str], None] | None = None,
) -> WriteResult:
    """Write ``cohort`` in format ``fmt`` under ``out_dir`` (see the module docstring for the layout)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown synth format {fmt!r}; choose one of {', '.join(FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _msg: None)
    say(f"writing {fmt}")
    if fmt == "parquet":
        input_path = write_parquet_tables(cohort.tables, out / "tables")
    elif fmt == "linkedin-export":
        input_path = write_linkedin_exports(cohort, out / "exports")
    else:
        input_path = write_jsonl(cohort, out / "profiles.jsonl")
    say("writing truth")
    write_truth(cohort, out / "truth")
    say("writing population margins")
    assert cohort.knowledge is not None and cohort.population is not None
    write_margins(cohort.knowledge, cohort.population, out / "margins")
    return WriteResult(fmt, input_path, out / "truth", out / "margins", cohort.n)


def _write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, compression="zstd", row_group_size=1 << 20, write_statistics=True)


def _write_all(tables: dict[str, pa.Table], folder: Path) -> None:
    """One file a table, written on parallel threads (Arrow releases the GIL; files are independent)."""
    folder.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        jobs = [
            pool.submit(_write_parquet, tables[n], folder / f"{n}.parquet") for n in sorted(tables)
        ]
        for job in jobs:
            job.result()


def write_parquet_tables(tables: dict[str, pa.Table], folder: Path) -> Path:
    _write_all(tables, folder)
    return folder


def write_truth(cohort: SynthCohort, folder: Path) -> None:
    _write_all(cohort.truth, folder)
    text = json.dumps(cohort.parameters, sort_keys=True, indent=2, ensure_ascii=False)
    (folder / "parameters.json").write_text(text + "\n", encoding="utf-8")


# ---- per-person views ---------------------------------------------------------------------


def _grouped(table: pa.Table, n: int) -> tuple[dict[str, list], np.ndarray]:
    """Columns as Python lists plus row offsets per person (tables are sorted by person_id)."""
    ids = table["person_id"].to_numpy(zero_copy_only=False).astype(str)
    num = (
        np.char.partition(ids, "-")[:, 2].astype(np.int64) - 1
        if len(ids)
        else np.zeros(0, np.int64)
    )
    offsets = np.searchsorted(num, np.arange(n + 1))
    return {c: table[c].to_pylist() for c in table.column_names}, offsets


def _fmt_date(d: date | None, precision: str | None, lang: str) -> str:
    if d is None:
        return ""
    if precision == "year":
        return str(d.year)
    if precision == "day":
        return d.isoformat()
    return f"{MONTHS[lang][d.month - 1]} {d.year}"


def _url(host: str, rng: np.random.Generator) -> str:
    host = host.rstrip("/")
    bare = host.split("/")[0]
    prefix = "www." if bare in WWW_HOSTS else ""
    token = "".join(rng.choice(list("ABCDEFGHJKLMNPQRSTUVWXYZ23456789"), 12))
    return f"https://{prefix}{host}/{token}"


def _csv(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


class _People:
    """Everything a per-person writer needs, grouped once."""

    def __init__(self, c: SynthCohort):
        n = c.n
        self.n = n
        self.persons = {
            k: c.tables["persons"][k].to_pylist() for k in c.tables["persons"].column_names
        }
        self.pos, self.pos_off = _grouped(c.tables["positions"], n)
        self.edu, self.edu_off = _grouped(c.tables["educations"], n)
        self.cert, self.cert_off = _grouped(c.tables["credentials"], n)
        self.skill, self.skill_off = _grouped(c.tables["skills"], n)
        self.learn, self.learn_off = _grouped(c.tables["learning"], n)
        self.pii = {k: c.pii[k].to_pylist() for k in c.pii.column_names}
        self.person_loc = c.extras["person_location"].to_pylist()
        self.pos_loc = c.extras["position_location"].to_pylist()
        self.headline = c.extras["headline"].to_pylist()
        # Full verification URLs, licence numbers (writer-only, deterministic by seed).
        rng = np.random.default_rng([c.seed, 7])
        self.cert_url = [(_url(h, rng) if h else "") for h in self.cert["url_host"]]
        self.cert_licence = [
            ("".join(rng.choice(list("0123456789ABCDEF"), 10)) if has else "")
            for has in self.cert["has_credential_id"]
        ]
        self.rng = rng

    def rows(self, off: np.ndarray, i: int) -> range:
        return range(int(off[i]), int(off[i + 1]))


def write_linkedin_exports(cohort: SynthCohort, folder: Path) -> Path:
    """One "Download your data" folder per person, named by the source identity."""
    folder.mkdir(parents=True, exist_ok=True)
    p = _People(cohort)
    for i in range(p.n):
        pid = p.persons["person_id"][i]
        lang = p.persons["profile_language"][i]
        d = folder / pid
        d.mkdir(exist_ok=True)
        first, last = p.pii["first_name"][i], p.pii["last_name"][i]
        email, phone, url = p.pii["email"][i], p.pii["phone"][i], p.pii["profile_url"][i]
        summary = (
            "Passionné(e) de données. Écrivez-moi : " + email
            if lang == "fr"
            else f"Builder of data products. Reach me at {email} or {phone}."
        )
        profile = [
            first,
            last,
            "",
            "",
            "",
            p.headline[i],
            summary,
            p.persons["industry"][i] or "",
            "",
            p.person_loc[i],
            "",
            f"[OTHER:{url}]",
            "",
        ]
        files = {"Profile.csv": _csv(PROFILE_COLUMNS, [profile])}
        pos = [
            [p.pos["company"][r] or "", p.pos["title"][r] or "", "", p.pos_loc[r],
             _fmt_date(p.pos["start_date"][r], p.pos["start_precision"][r], lang),
             _fmt_date(p.pos["end_date"][r], p.pos["end_precision"][r], lang)]
            for r in p.rows(p.pos_off, i)
        ]  # fmt: skip
        files["Positions.csv"] = _csv(POSITION_COLUMNS, pos)
        edu = []
        for r in p.rows(p.edu_off, i):
            degree = ", ".join(x for x in (p.edu["degree"][r], p.edu["field"][r]) if x)
            edu.append(
                [
                    p.edu["school"][r] or "",
                    _fmt_date(p.edu["start_date"][r], "year", lang),
                    _fmt_date(p.edu["end_date"][r], "year", lang),
                    "",
                    degree,
                    "",
                ]
            )
        files["Education.csv"] = _csv(EDUCATION_COLUMNS, edu)
        cert = [
            [p.cert["name"][r] or "", p.cert_url[r], p.cert["authority"][r] or "",
             _fmt_date(p.cert["issued_date"][r], p.cert["issued_precision"][r], lang),
             _fmt_date(p.cert["expires_date"][r], p.cert["expires_precision"][r], lang), p.cert_licence[r]]
            for r in p.rows(p.cert_off, i)
        ]  # fmt: skip
        files["Certifications.csv"] = _csv(CERT_COLUMNS, cert)
        files["Skills.csv"] = _csv(
            ["Name"], [[p.skill["skill"][r]] for r in p.rows(p.skill_off, i)]
        )
        learn = []
        for r in p.rows(p.learn_off, i):
            done = p.learn["completed_date"][r]
            stamp = f"{done.isoformat()} 12:00 UTC" if done else ""
            learn.append(
                [p.learn["title"][r], "", p.learn["content_type"][r], stamp, stamp, "false", ""]
            )
        files["Learning.csv"] = _csv(LEARNING_COLUMNS, learn)
        files["Email Addresses.csv"] = _csv(
            ["Email Address", "Confirmed", "Primary", "Updated On"],
            [[email, "Yes", "Yes", "1/15/24, 9:30 AM"]],
        )
        files["PhoneNumbers.csv"] = _csv(["Extension", "Number", "Type"], [["", phone, "Mobile"]])
        files["Connections.csv"] = CONNECTIONS_PREAMBLE + _csv(
            CONNECTION_COLUMNS, _connections(p, i)
        )
        for name in sorted(files):
            (d / name).write_text(files[name], encoding="utf-8")
    return folder


def _connections(p: _People, i: int) -> list[list[str]]:
    """A few connections: other people's names, URLs and emails (personal data of third parties)."""
    out = []
    for _ in range(int(p.rng.integers(0, 5))):
        j = int(p.rng.integers(p.n))
        out.append(
            [
                p.pii["first_name"][j],
                p.pii["last_name"][j],
                p.pii["profile_url"][j],
                p.pii["email"][j] if p.rng.random() < 0.3 else "",
                p.pos["company"][int(p.pos_off[j])] or "",
                p.headline[j],
                "14 Aug 2023",
            ]
        )
    return out


def _iso(d: date | None, precision: str | None) -> str | None:
    if d is None:
        return None
    if precision == "year":
        return str(d.year)
    if precision == "month":
        return f"{d.year:04d}-{d.month:02d}"
    return d.isoformat()


def write_jsonl(cohort: SynthCohort, path: Path) -> Path:
    """One person a line in the shape licensed profile vendors deliver."""
    p = _People(cohort)
    with path.open("w", encoding="utf-8", newline="\n") as fh:
        for i in range(p.n):
            record = {
                "id": p.persons["person_id"][i],
                "full_name": f"{p.pii['first_name'][i]} {p.pii['last_name'][i]}",
                "email": p.pii["email"][i],
                "phone": p.pii["phone"][i],
                "linkedin_url": p.pii["profile_url"][i],
                "location": p.person_loc[i],
                "country": p.persons["country"][i],
                "experience": [
                    {"title": p.pos["title"][r], "company": p.pos["company"][r],
                     "start": _iso(p.pos["start_date"][r], p.pos["start_precision"][r]),
                     "end": _iso(p.pos["end_date"][r], p.pos["end_precision"][r]), "location": p.pos_loc[r]}
                    for r in p.rows(p.pos_off, i)
                ],
                "education": [
                    {"school": p.edu["school"][r], "degree": p.edu["degree"][r], "field": p.edu["field"][r],
                     "start": _iso(p.edu["start_date"][r], p.edu["start_precision"][r]),
                     "end": _iso(p.edu["end_date"][r], p.edu["end_precision"][r])}
                    for r in p.rows(p.edu_off, i)
                ],
                "certifications": [
                    {"name": p.cert["name"][r], "authority": p.cert["authority"][r], "url": p.cert_url[r] or None,
                     "license_number": p.cert_licence[r] or None,
                     "start": _iso(p.cert["issued_date"][r], p.cert["issued_precision"][r])}
                    for r in p.rows(p.cert_off, i)
                ],
                "skills": [p.skill["skill"][r] for r in p.rows(p.skill_off, i)],
            }  # fmt: skip
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path
