"""Hand-made real-layout inputs with personal data planted in every free-text field and file name.

Why: the release must publish coded values only, whatever people type. Each
source here (a LinkedIn cohort of folders and zips, a JSONL file, a folder of JSON
Resume files) carries the same planted people: names, e-mails, phones of several
countries, a SIN, postal codes, street addresses, personal and social URLs, their
own companies and schools, issuers that are a person's name or a spreadsheet
formula, and export files named after them. ``PLANTED`` lists every string that
must never appear in a released file; ``PLANTED_TOKENS`` the words that exist only
in planted values (any of them in an output is a leak).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

from microcred.synth.writers import PROFILE_COLUMNS

FORMULAS = (
    '=HYPERLINK("http://evil.example/x","click")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+1+cmd",
    "-2+3+cmd",
)

PEOPLE = [
    {
        "first": "Zorbalina",
        "last": "Quux",
        "email": "zorbalina.quux@example.org",
        "phone": "+44 20 7946 0958",
        "sin": "130 692 544",
        "postal": "K1A 0B1",
        "address": "221B Baker Street, Ottawa",
        "site": "https://zorbalina-quux.dev",
        "social": "https://www.facebook.com/zorbalina.quux",
        "handle": "zquux84",
        "employer": "Zorbalina Quux Consulting",
        "school": "Quuxford Academy of Zorb",
        "title": "Data Scientist",
        "city": "Ottawa, Ontario, Canada",
    },
    {
        "first": "Xanthippe",
        "last": "Vorlauf",
        "email": "x.vorlauf@example.com",
        "phone": "06 12 34 56 78",
        "sin": "046 454 286",
        "postal": "H2X 1Y4",
        "address": "1234, rue Imaginaire-Vorlauf",
        "site": "https://gitlab.com/xvorlauf",
        "social": "https://www.instagram.com/xvorlauf/",
        "handle": "xvorlauf",
        "employer": "Vorlauf Widgetry Ltd",
        "school": "Collège Vorlaufien",
        "title": "Software Engineer",
        "city": "Montréal, Québec, Canada",
    },
    {
        "first": "Quillon",
        "last": "Marchetti-Zed",
        "email": "quillon@marchettized.ca",
        "phone": "(416) 555-0199",
        "sin": "193 456 787",
        "postal": "M5V 3L9",
        "address": "77 Imaginary Avenue",
        "site": "https://quillonzed.github.io",
        "social": "https://twitter.com/quillonzed",
        "handle": "quillonzed",
        "employer": "Marchetti-Zed Holdings",
        "school": "Zedmore Institute",
        "title": "Web Developer",
        "city": "Toronto, Ontario, Canada",
    },
]

# A few ordinary colleagues, so the analyses have catalogue issuers beside the planted ones.
COLLEAGUES = [
    ("Data Scientist", "Google Data Analytics Professional Certificate", "Coursera"),
    ("Software Engineer", "AWS Certified Solutions Architect – Associate", "Amazon Web Services"),
    ("Software Developer", "Microsoft Certified: Azure Fundamentals", "Microsoft"),
    ("Data Scientist", "IBM Data Science Professional Certificate", "Coursera"),
    ("Web Developer", "Professional Scrum Master I", "Scrum.org"),
    ("Software Engineer", "Certified Kubernetes Administrator (CKA)", "The Linux Foundation"),
]


def _free_text(p: dict) -> str:
    return (
        f"{p['first']} {p['last']}, {p['address']} {p['postal']}; call {p['phone']}, "
        f"SIN {p['sin']}, mail {p['email']}, see {p['site']} and {p['social']} (@{p['handle']})"
    )


def _issuers(p: dict, i: int) -> list[tuple[str, str]]:
    """(credential name, issuer): the person's own name, employer, a formula, a URL."""
    return [
        ("Certified Data Professional", f"{p['first']} {p['last']}"),
        ("Internal Cloud Certificate", p["employer"]),
        ("Spreadsheet Wizard Certificate", FORMULAS[i % len(FORMULAS)]),
        ("Online course certificate", p["site"]),
        ("Google Data Analytics Professional Certificate", "Coursera"),
    ]


_KEYS = ("email", "phone", "sin", "postal", "address", "site", "social", "handle", "employer", "school")  # fmt: skip
PLANTED: tuple[str, ...] = tuple(
    sorted(
        {f"{p['first']} {p['last']}" for p in PEOPLE}
        | {p["last"] for p in PEOPLE}
        | {p[k] for p in PEOPLE for k in _KEYS}
        | set(FORMULAS)
    )
)
PLANTED_TOKENS = ("zorbalina", "xanthippe", "vorlauf", "quillon", "quux", "zquux84", "quuxford", "zedmore", "marchetti")  # fmt: skip


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _linkedin_files(p: dict, i: int) -> dict[str, str]:
    free = _free_text(p)
    return {
        "Profile.csv": _csv(
            [
                PROFILE_COLUMNS,
                [
                    p["first"],
                    p["last"],
                    p["last"],
                    p["address"],
                    "1990-03-14",
                    f"{p['title']} at {p['employer']}",
                    free,
                    "Software Development",
                    p["postal"],
                    p["city"],
                    f"[{p['handle']}]",
                    f"[PERSONAL:{p['site']}]",
                    p["email"],
                ],  # fmt: skip
            ]
        ),
        "Positions.csv": _csv(
            [
                ["Company Name", "Title", "Description", "Location", "Started On", "Finished On"],
                [p["employer"], p["title"], free, p["city"], "Mar 2021", ""],
                [
                    FORMULAS[i % len(FORMULAS)],
                    "Junior Developer",
                    free,
                    p["address"],
                    "Jan 2018",
                    "Feb 2021",
                ],  # fmt: skip
            ]
        ),
        "Education.csv": _csv(
            [
                ["School Name", "Start Date", "End Date", "Notes", "Degree Name", "Activities"],
                [p["school"], "2012", "2016", free, "Bachelor of Science - Computer Science", free],
            ]
        ),
        "Certifications.csv": _csv(
            [["Name", "Url", "Authority", "Started On", "Finished On", "License Number"]]
            + [[n, p["social"], a, "Jun 2022", "", p["sin"]] for n, a in _issuers(p, i)]
        ),
        "Skills.csv": _csv([["Name"], ["Python"], [FORMULAS[i % len(FORMULAS)]], [p["handle"]]]),
        "Email Addresses.csv": _csv(
            [["Email Address", "Confirmed", "Primary"], [p["email"], "Yes", "Yes"]]
        ),  # fmt: skip
        "PhoneNumbers.csv": _csv([["Extension", "Number", "Type"], ["", p["phone"], "Mobile"]]),
        "Connections.csv": _csv(
            [
                [
                    "First Name",
                    "Last Name",
                    "URL",
                    "Email Address",
                    "Company",
                    "Position",
                    "Connected On",
                ],  # fmt: skip
                [
                    p["first"],
                    "Friend",
                    p["social"],
                    p["email"],
                    p["employer"],
                    "CEO",
                    "01 Jan 2020",
                ],
            ]
        ),
    }


def _colleague_files(j: int) -> dict[str, str]:
    title, cred, issuer = COLLEAGUES[j]
    return {
        "Profile.csv": _csv(
            [
                ["First Name", "Last Name", "Headline", "Industry", "Geo Location"],
                [
                    "Alex",
                    f"Colleague{j}",
                    title,
                    "Software Development",
                    "Toronto, Ontario, Canada",
                ],
            ]
        ),
        "Positions.csv": _csv(
            [
                ["Company Name", "Title", "Location", "Started On", "Finished On"],
                ["Shopify", title, "Toronto, Ontario, Canada", "Jan 2020", ""],
            ]
        ),
        "Certifications.csv": _csv(
            [
                ["Name", "Url", "Authority", "Started On", "Finished On"],
                [cred, "", issuer, "May 2023", ""],
            ]  # fmt: skip
        ),
        "Skills.csv": _csv([["Name"], ["Python"], ["SQL"]]),
    }


def write_linkedin(root: Path) -> Path:
    """A cohort folder: planted people as a folder named after them and zips named by e-mail."""
    cohort = root / "linkedin"
    cohort.mkdir(parents=True)
    for i, p in enumerate(PEOPLE):
        files = _linkedin_files(p, i)
        if i % 2 == 0:
            with zipfile.ZipFile(cohort / f"{p['email']}.zip", "w") as zf:
                for name, text in files.items():
                    zf.writestr(f"Basic_LinkedInDataExport_{p['handle']}/{name}", text)
        else:
            folder = cohort / f"{p['first']}_{p['last']}_LinkedIn"
            folder.mkdir()
            for name, text in files.items():
                (folder / name).write_text(text, encoding="utf-8")
    for j in range(len(COLLEAGUES)):
        folder = cohort / f"export_{j:03d}"
        folder.mkdir()
        for name, text in _colleague_files(j).items():
            (folder / name).write_text(text, encoding="utf-8")
    return cohort


def _json_person(p: dict, i: int) -> dict:
    free = _free_text(p)
    return {
        "id": p["handle"],
        "public_identifier": f"{p['first'].lower()}-{p['last'].lower()}-4a1b",
        "full_name": f"{p['first']} {p['last']}",
        "first_name": p["first"],
        "last_name": p["last"],
        "email": p["email"],
        "phone": p["phone"],
        "linkedin_url": f"https://www.linkedin.com/in/{p['handle']}",
        "summary": free,
        "headline": f"{p['title']} at {p['employer']}",
        "address": p["address"],
        "postal_code": p["postal"],
        "location": p["city"],
        "country": "CA",
        "experience": [
            {
                "title": p["title"],
                "company": p["employer"],
                "start": "2021-03",
                "end": None,
                "location": p["city"],
                "description": free,
            },  # fmt: skip
            {
                "title": "Junior Developer",
                "company": FORMULAS[i % len(FORMULAS)],
                "start": "2018-01",
                "end": "2021-02",
                "description": free,
            },  # fmt: skip
        ],
        "education": [
            {
                "school": p["school"],
                "degree": "Bachelor of Science",
                "field": "Computer Science",
                "start": "2012",
                "end": "2016",
                "notes": free,
            },  # fmt: skip
        ],
        "certifications": [
            {
                "name": n,
                "authority": a,
                "url": p["social"],
                "credential_id": p["sin"],
                "issued": "2022-06",
            }  # fmt: skip
            for n, a in _issuers(p, i)
        ],
        "skills": ["Python", FORMULAS[i % len(FORMULAS)], p["handle"]],
    }


def _json_colleague(j: int) -> dict:
    title, cred, issuer = COLLEAGUES[j]
    return {
        "id": f"colleague-{j:03d}",
        "country": "CA",
        "location": "Toronto, Ontario, Canada",
        "experience": [{"title": title, "company": "Shopify", "start": "2020-01", "end": None}],
        "certifications": [{"name": cred, "authority": issuer, "issued": "2023-05"}],
        "skills": ["Python", "SQL"],
    }


def write_jsonl(root: Path) -> Path:
    folder = root / "jsonl"
    folder.mkdir(parents=True)
    people = [_json_person(p, i) for i, p in enumerate(PEOPLE)]
    people += [_json_colleague(j) for j in range(len(COLLEAGUES))]
    path = folder / f"{PEOPLE[0]['email']}_profiles.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in people), "utf-8")
    return folder


def _resume(p: dict, i: int) -> dict:
    free = _free_text(p)
    return {
        "basics": {
            "name": f"{p['first']} {p['last']}",
            "label": p["title"],
            "email": p["email"],
            "phone": p["phone"],
            "url": p["site"],
            "summary": free,
            "location": {
                "address": p["address"],
                "postalCode": p["postal"],
                "city": p["city"].split(",")[0],
                "countryCode": "CA",
                "region": p["city"].split(", ")[1],
            },  # fmt: skip
            "profiles": [
                {"network": "Twitter", "username": p["handle"], "url": p["social"]},
                {
                    "network": "LinkedIn",
                    "username": p["handle"],
                    "url": f"https://www.linkedin.com/in/{p['handle']}",
                },  # fmt: skip
            ],
        },
        "work": [
            {
                "name": p["employer"],
                "position": p["title"],
                "location": p["city"],
                "startDate": "2021-03-01",
                "summary": free,
                "highlights": [free],
            },  # fmt: skip
            {
                "name": FORMULAS[i % len(FORMULAS)],
                "position": "Junior Developer",
                "startDate": "2018-01",
                "endDate": "2021-02",
            },  # fmt: skip
        ],
        "education": [
            {
                "institution": p["school"],
                "area": "Computer Science",
                "studyType": "Bachelor",
                "startDate": "2012",
                "endDate": "2016",
            },  # fmt: skip
        ],
        "certificates": [
            {"name": n, "date": "2022-06-01", "issuer": a, "url": p["social"]}
            for n, a in _issuers(p, i)
        ],
        "skills": [
            {
                "name": "Programming",
                "keywords": ["Python", FORMULAS[i % len(FORMULAS)], p["handle"]],
            }
        ],  # fmt: skip
        "references": [{"name": f"{p['first']} {p['last']}", "reference": free}],
    }


def _resume_colleague(j: int) -> dict:
    title, cred, issuer = COLLEAGUES[j]
    return {
        "basics": {
            "label": title,
            "location": {"city": "Toronto", "countryCode": "CA", "region": "Ontario"},
        },  # fmt: skip
        "work": [{"name": "Shopify", "position": title, "startDate": "2020-01-01"}],
        "certificates": [{"name": cred, "date": "2023-05-01", "issuer": issuer}],
        "skills": [{"name": "Python"}, {"name": "SQL"}],
    }


def write_jsonresume(root: Path) -> Path:
    folder = root / "jsonresume"
    folder.mkdir(parents=True)
    for i, p in enumerate(PEOPLE):
        name = f"{p['first']}-{p['last']}.json" if i % 2 else f"{p['email']}.json"
        (folder / name).write_text(json.dumps(_resume(p, i), ensure_ascii=False), "utf-8")
    for j in range(len(COLLEAGUES)):
        (folder / f"resume_{j:03d}.json").write_text(json.dumps(_resume_colleague(j)), "utf-8")
    return folder


WRITERS = {"linkedin-export": write_linkedin, "jsonl": write_jsonl, "jsonresume": write_jsonresume}
