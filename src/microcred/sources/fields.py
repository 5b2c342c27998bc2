"""Field-level reductions applied at the door: URLs → host, degree strings → (degree, field).

A credential's verification URL usually ends with something that identifies the
person (a badge id, a user name). Only ``host + first path segment`` is kept —
enough to tell "coursera.org/verify" from "credly.com/badges" — and the rest is
dropped before it reaches any table.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

# A first path segment that is only a locale ("en-us", "fr") says nothing about the issuer.
_LOCALE = re.compile(r"^[a-z]{2}(?:[-_][a-z]{2,4})?$", re.IGNORECASE)
# A segment kept must look like a route ("verify", "badges", "api"), not an id or a handle.
_ROUTE = re.compile(r"^[a-z]{1,20}$")
_HOST = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")


@lru_cache(maxsize=1 << 16)
def url_host(url: str | None) -> str | None:
    """``host/first-segment`` of a credential URL ("coursera.org/verify"), else None.

    The scheme, "www.", query, fragment, locale segments and everything after the first
    meaningful path segment are dropped. The first segment itself is kept only when more
    path follows it and it is a short lower-case word (a route such as ``verify`` or ``c``); a
    last segment, or one with digits, hyphens or capitals, is likely the person's id or
    handle ("credential.net/jane-doe-1234"), so only the host is kept. Non-URLs give None.
    """
    if not url:
        return None
    text = url.strip()
    if not text:
        return None
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if host.startswith("www."):
        host = host[4:]
    if not _HOST.match(host):
        return None
    segments = [s for s in parts.path.split("/") if s]
    while segments and _LOCALE.match(segments[0]):
        segments.pop(0)
    if len(segments) >= 2 and _ROUTE.match(segments[0]):
        return f"{host}/{segments[0]}"
    return host


# Words that make a string a degree rather than a field of study.
_DEGREE_WORDS = re.compile(
    r"\b(bachelor|bachelors|bachelor's|master|masters|master's|doctor|doctorate|ph\.?d|"
    r"diploma|diplome|diplôme|certificate|certificat|associate|associate's|honours|honors|"
    r"degree|b\.?sc|m\.?sc|b\.?a|m\.?a|b\.?s|m\.?s|b\.?eng|m\.?eng|b\.?comm?|mba|dec|aec|"
    r"dess|baccalaureat|baccalauréat|maîtrise|maitrise|doctorat|licence|bootcamp|"
    r"high school|secondary|college|cegep|cégep)\b",
    re.IGNORECASE,
)
# "Bachelor of Science - BS": the part after " - " is the degree's abbreviation.
_ABBREVIATION = re.compile(r"^[A-Z][A-Za-z.']{0,7}$")


@lru_cache(maxsize=1 << 16)
def split_degree(raw: str | None) -> tuple[str | None, str | None]:
    """Split LinkedIn's combined "Degree Name" into (degree, field of study).

    "Bachelor of Science - BS, Computer Science" → ("Bachelor of Science - BS", "Computer Science");
    "Master's degree, Data Science" → ("Master's degree", "Data Science");
    "BSc - Computer Science" → ("BSc", "Computer Science"). The first comma always
    separates degree from field (that is how LinkedIn joins its two form fields; the
    field may itself contain commas); " - " separates them only when the part before
    names a degree and the part after is not the degree's abbreviation. When no pattern
    shows where the field starts, the whole string is the degree and the field is None.
    """
    if raw is None:
        return None, None
    text = " ".join(raw.split())
    if not text:
        return None, None
    if "," in text:  # LinkedIn writes "<degree>, <field of study>"
        head, tail = (p.strip() for p in text.split(",", 1))
        if head and tail:
            return head, tail
        return head or tail, None
    for sep in (" - ", " – ", " — "):
        if sep in text:
            head, tail = (p.strip() for p in text.split(sep, 1))
            if _ABBREVIATION.match(tail):
                return text, None
            if head and tail and _DEGREE_WORDS.search(head):
                return head, tail
    return text, None
