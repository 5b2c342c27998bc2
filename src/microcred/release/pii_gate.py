"""The personal-data gate: the last check before a run's outputs are handed over.

Why: readers drop names, emails and URLs at the door, but a bug anywhere
downstream (a free-text column kept by mistake, a label copied into a figure, an
input file name in the manifest) would leak them. ``gate(folder, ...)`` scans
*every* file under a folder (CSV, Parquet, HTML, SVG text and metadata, PNG text
chunks, XLSX sheets, JSON such as ``manifest.json``) and fails with
:class:`PersonalDataFound` naming file, place and kind of finding, never the value.

Detectors: e-mail addresses; phone numbers (North American shapes, and any
country's number written with ``+``/``00`` or in a national format, checked with
``phonenumbers``); Canadian postal codes; social insurance numbers (nine digits
passing the Luhn check); street addresses (a number, a name and a street type, in
English or French); person-profile URLs (LinkedIn ``/in/``, GitHub users,
Twitter/X handles); every other URL or web host not on the allow-list (catalogue
hosts, SVG namespaces); the names, employers, schools and usernames readers saw
(:mod:`microcred.release.identifiers`, keyed hashes only); strings the caller
plants; and the pseudonymisation key.

Avoiding false positives is part of the job:
- platform hosts are fine (``linkedin.com/learning``, ``github.com/org/repo``,
  ``coursera.org``), and so are catalogue provider names that look like hosts;
- phone numbers need a real phone shape and may not be glued to other digits,
  letters or a decimal point, so NOC codes, years, counts, floats and hex digests
  do not match; a SIN must pass Luhn and a postal code must use the letters Canada
  Post uses;
- large ``<script>`` blocks in HTML (the embedded Vega/Altair bundle) are only
  scanned for planted tokens, multi-word identifiers and the key, not for generic
  patterns, because library code carries maintainers' addresses and URLs;
- restricted folders (``canonical/``, ``coded/``: person-level tables that keep
  titles, employers, schools and credential hosts by design, and are never
  published) get only the e-mail, North American phone, profile-URL, planted and
  key checks;
- findings show a masked excerpt, and the key is never echoed.

RE2 prefilters (Arrow's C++ regex) keep Parquet scans linear: only the few
distinct values that could match reach Python's regex engine.
"""

from __future__ import annotations

import contextlib
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from microcred.release.identifiers import (
    IdentifierCollector,
    IdentifierMatcher,
    published_vocabulary,
)

TEXT_SUFFIXES = {".csv", ".json", ".html", ".htm", ".svg", ".txt", ".md", ".js", ".log", ".yaml", ".yml", ".tsv", ".jsonl"}  # fmt: skip
BINARY_SKIP = {".pdf", ".jpg", ".jpeg", ".gif", ".webp", ".zip", ".gz"}
# Top-level folders that hold person-level tables by design (never published): the
# wide detectors and the ingest identifiers would flag their raw titles and employers.
RESTRICTED_DIRS = frozenset({"canonical", "coded", "restricted"})
# Columns of restricted tables that name input files (accounting, quarantine): kept there on
# purpose so an analyst can find a bad file, and often named after people; never published.
RESTRICTED_PATH_COLUMNS = frozenset({"file"})
# Attribute values made only of path commands and numbers (d=, points=, transform=...).
_SVG_GEOMETRY = re.compile(r'="[-+0-9.,eE \tMLHVCSQTAZmlhvcsqtaz()]*"')
LIBRARY_SCRIPT_MIN_CHARS = 20_000  # a <script> this large is a library bundle, not our data

EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b"
)
_FILE_TLDS = {"png", "jpg", "jpeg", "svg", "gif", "js", "css", "map", "webp"}
# A dot may separate the groups only when it separates all of them (416.555.0123):
# "421.4979881" is a decimal number in a table, not a phone.
PHONE = re.compile(
    r"(?<![\w.+/-])(?:\+1[\s.-]?|1[\s-])?"
    r"(?:\([2-9]\d{2}\)\s?[2-9]\d{2}[\s.-]?\d{4}"
    r"|[2-9]\d{2}[\s-]?[2-9]\d{2}[\s-]?\d{4}"
    r"|[2-9]\d{2}\.[2-9]\d{2}\.\d{4})"
    r"(?![\w]|\.\d|-\d)"
)
LINKEDIN = re.compile(r"linkedin\.com/(?:in|pub)/[A-Za-z0-9%_.-]{2,}", re.IGNORECASE)
GITHUB = re.compile(r"(?<![\w.-])(?:www\.)?github\.com/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))(?![\w-]*/[\w.-])", re.IGNORECASE)  # fmt: skip
TWITTER = re.compile(r"(?<![\w.-])(?:www\.)?(?:twitter|x)\.com/@?([A-Za-z0-9_]{1,15})\b", re.IGNORECASE)  # fmt: skip
_GITHUB_RESERVED = {"about", "features", "pricing", "topics", "orgs", "sponsors", "login", "settings", "marketplace", "explore", "collections", "enterprise", "security", "site", "apps", "contact", "join", "trending"}  # fmt: skip
_TWITTER_RESERVED = {"intent", "share", "home", "search", "hashtag", "i", "explore", "settings", "login", "tos", "privacy"}  # fmt: skip

# ---- the wide detectors ----------------------------------------------------------------
# Canada Post never uses D, F, I, O, Q, U (nor W, Z in first place).
POSTAL_CODE_CA = re.compile(
    r"(?<![\w-])[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ -]?\d[ABCEGHJ-NPRSTV-Z]\d(?![\w-])",
    re.IGNORECASE,
)
# Nine digits, first not 0 or 8 (never issued), in one block or 3-3-3; Luhn checked below.
SIN = re.compile(r"(?<![\w.+/-])[1-79]\d{2}([ -]?)\d{3}\1\d{3}(?![\w]|[.-]\d)")
# A number written for dialling abroad (+44 20 7946 0958, 0033 1 23 45 67 89); validated
# with phonenumbers, so "+1 000" or a long ISBN does not count.
PHONE_INTL = re.compile(r"(?:(?<![\w+])\+|(?<![\w+./-])00)[1-9][\d ().-]{5,20}\d(?![\w])")
# A national number in groups, leading trunk 0 (020 7946 0958, 06 12 34 56 78, 0151 1234567).
PHONE_NATIONAL = re.compile(r"(?<![\w.+/-])0\d{1,4}(?:[ .]\d{2,8}){1,4}(?![\w]|[.-]\d)")
_DATE_SHAPE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")
PHONE_REGIONS = ("GB", "FR", "DE", "BE", "CH", "NL", "IE", "ES", "IT", "PT", "AU", "NZ", "IN", "BR", "MX", "MA", "DZ", "TN", "SN", "CI", "CM", "HT", "PH", "CN", "NG")  # fmt: skip
_STREET_TYPES_EN = r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Drive|Dr|Lane|Ln|Way|Court|Ct|Crescent|Cres|Place|Pl|Terrace|Terr|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Trail|Square|Sq|Close|Gardens|Grove"  # fmt: skip
_STREET_TYPES_FR = r"rue|avenue|av|boulevard|boul|bd|chemin|ch|place|route|rang|montée|côte|allée|impasse|promenade|carré|croissant"  # fmt: skip
# "221B Baker Street", "100 King St. W", "1234, rue Saint-Denis", "55 boul. René-Lévesque"
STREET_ADDRESS = re.compile(
    r"(?<![\w.,/-])\d{1,6}(?:-\d{1,6})?[A-Za-z]?"
    rf"(?:\s+(?:[A-Z][\w'’.-]*|[Oo]f|[Tt]he|[Dd]e|[Dd]u|[Dd]es|[Ll]a|[Ll]e)){{1,4}}\s+(?:{_STREET_TYPES_EN})\.?(?![\w])"
    rf"|(?<![\w.,/-])\d{{1,6}}(?:-\d{{1,6}})?[A-Za-z]?,?\s+(?i:{_STREET_TYPES_FR})\.?\s+(?:d[eu]s?\s+|de\s+la\s+|l['’])?[A-ZÀ-Ý][\w'’-]+",
)
_TLDS = r"com|org|net|ca|io|dev|me|info|biz|co|app|ai|xyz|site|online|page|blog|tech|ly|us|uk|fr|de|eu|qc|website|space|world|name|pro|live|link|one|cloud|studio|design|page"  # fmt: skip
# Any URL, a www. host, or a bare lower-case host with a common TLD (janedoe.dev/portfolio).
URL = re.compile(
    r"(?i:\b(?:https?|ftp)://([^\s/\"'<>?#:)\]]+))"
    r"|(?<![\w@./-])(?i:www\.((?:[a-z0-9-]+\.)+[a-z]{2,24}))(?![\w-])"
    rf"|(?<![\w@./-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS}))(?![\w-]|\.[a-z])"
)
# Hosts outputs may name: XML/SVG namespaces and the chart library's schema. Catalogue
# hosts and provider names are added at run time (see _allowed_hosts).
ALLOWED_HOSTS = frozenset({"w3.org", "vega.github.io", "schema.org"})
# The profile detectors report these hosts themselves (profile path or not).
_PROFILE_HOSTS = frozenset({"linkedin.com", "github.com", "twitter.com", "x.com"})
# Hosts whose every page below the root is somebody's (even when the catalogue lists the host).
SOCIAL_HOSTS = frozenset({"facebook.com", "fb.com", "instagram.com", "gitlab.com", "bitbucket.org", "medium.com", "youtube.com", "tiktok.com", "stackoverflow.com", "behance.net", "dribbble.com", "about.me", "linktr.ee", "mastodon.social", "bsky.app", "threads.net", "reddit.com", "kaggle.com", "sites.google.com", "github.io", "gitlab.io", "wordpress.com", "blogspot.com", "substack.com", "wixsite.com", "carrd.co", "notion.site", "vercel.app", "netlify.app", "pages.dev"})  # fmt: skip
_PATH = re.compile(r"/[^\s\"'<>)\]]*")

NARROW_PATTERNS: dict[str, re.Pattern[str]] = {
    "email": EMAIL,
    "phone": PHONE,
    "linkedin_profile": LINKEDIN,
    "github_profile": GITHUB,
    "twitter_profile": TWITTER,
}
DEFAULT_PATTERNS: dict[str, re.Pattern[str]] = {
    **NARROW_PATTERNS,
    "phone_intl": PHONE_INTL,
    "phone_national": PHONE_NATIONAL,
    "postal_code": POSTAL_CODE_CA,
    "sin": SIN,
    "street_address": STREET_ADDRESS,
    "url_host": URL,
}


class PersonalDataFound(RuntimeError):
    """The release gate found personal data in the outputs."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        lines = [f"  {f.describe()}" for f in findings[:50]]
        more = f"\n  ... and {len(findings) - 50} more" if len(findings) > 50 else ""
        super().__init__(
            f"personal data found in {len({f.file for f in findings})} output file(s); "
            "the run's outputs must not be shared:\n" + "\n".join(lines) + more
        )


@dataclass(frozen=True)
class Finding:
    file: str
    kind: str  # a DEFAULT_PATTERNS key, person_name, employer, school, username, planted_name, pseudonym_key
    excerpt: str  # masked: enough to find it, not enough to reuse it
    location: str  # "line 12", "column name", ...

    def describe(self) -> str:
        return f"{self.file} ({self.location}): {self.kind} {self.excerpt}"


def _mask(text: str) -> str:
    if len(text) <= 4:
        return text[0] + "***"
    return text[:3] + "***" + text[-2:]


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _valid_phone(text: str, regions: Iterable[str | None]) -> bool:
    import phonenumbers

    for region in regions:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False


@cache
def _allowed_hosts() -> frozenset[str]:
    """Hosts an output may name: ALLOWED_HOSTS plus the catalogue's hosts and host-like names."""
    from microcred.coding.credentials.catalogue import load_catalogue

    cat = load_catalogue()
    hosts = set(ALLOWED_HOSTS) | _PROFILE_HOSTS
    hosts.update(h.split("/", 1)[0] for h in cat.host_rules)
    for p in cat.providers:
        hosts.update(h.lower().split("/", 1)[0] for h in p.hosts)
        hosts.update(n.lower() for n in (p.name, *p.aliases) if "." in n and " " not in n)
    return frozenset(h.removeprefix("www.") for h in hosts)


def _on_host(host: str, hosts: frozenset[str]) -> bool:
    """``host`` is one of ``hosts`` or a subdomain of one."""
    parts = host.rstrip(".").split(".")
    return any(".".join(parts[i:]) in hosts for i in range(len(parts) - 1))


def _allowed(kind: str, match: re.Match[str]) -> bool:
    if kind == "email":
        return match.group(0).rsplit(".", 1)[-1].lower() in _FILE_TLDS
    if kind == "github_profile":
        return match.group(1).lower() in _GITHUB_RESERVED
    if kind == "twitter_profile":
        return match.group(1).lower() in _TWITTER_RESERVED
    if kind == "sin":
        return not _luhn(re.sub(r"\D", "", match.group(0)))
    if kind == "phone_intl":
        text = match.group(0)
        text = "+" + text[2:] if text.startswith("00") else text
        return not _valid_phone(text, [None])
    if kind == "phone_national":
        text = match.group(0)
        return bool(_DATE_SHAPE.fullmatch(text)) or not _valid_phone(text, PHONE_REGIONS)
    if kind == "url_host":
        host = next(g for g in match.groups() if g).lower().removeprefix("www.")
        if _on_host(host, _PROFILE_HOSTS):
            return True  # the profile detectors judge these (a repo or course page is fine)
        path = _PATH.match(match.string, match.end())
        segments = [p for p in (path.group(0) if path else "").split("/") if p]
        if _on_host(host, ALLOWED_HOSTS):
            return True
        if _on_host(host, SOCIAL_HOSTS):  # facebook.com/jane.doe, janedoe.github.io: a person
            return host.removeprefix("m.") in SOCIAL_HOSTS and not segments
        # a catalogue host may be named with its first path segment (coursera.org/verify);
        # anything deeper (a certificate page, a personal page on sites.google.com) is not
        return _on_host(host, _allowed_hosts()) and len(segments) <= 1
    return False


def _split_html(text: str) -> tuple[str, str]:
    """(text outside library-sized <script> blocks, text inside them)."""
    outside, inside, pos = [], [], 0
    for m in re.finditer(r"<script\b[^>]*>(.*?)</script\s*>", text, re.DOTALL | re.IGNORECASE):
        body = m.group(1)
        if len(body) >= LIBRARY_SCRIPT_MIN_CHARS:
            outside.append(text[pos : m.start(1)])
            inside.append(body)
            pos = m.end(1)
    outside.append(text[pos:])
    return "".join(outside), "\n".join(inside)


_TOKEN = re.compile(r"\w+(?:['’-]\w+)*")


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(text.casefold()))


class _Scanner:
    """Finds generic patterns, planted items, ingest identifiers and the key.

    Why tokens for planted items: a run plants thousands of names and emails; one
    regex alternation over all of them is quadratic in practice. Both sides are
    cut into the same word tokens and every n-gram of a line is looked up in a set,
    which keeps the word-boundary semantics at linear cost. Ingest identifiers are
    looked up the same way, by keyed digest (see ``identifiers.IdentifierMatcher``).
    """

    def __init__(
        self,
        planted: Iterable[str],
        key: str | bytes | None,
        patterns: dict[str, re.Pattern[str]],
        identifiers: IdentifierMatcher | None = None,
    ):
        self.patterns = dict(patterns)
        self.prefilterable = patterns is DEFAULT_PATTERNS  # _PREFILTERS cover exactly these
        grams = {_tokens(t) for t in planted if t and t.strip()}
        self.planted: set[tuple[str, ...]] = {g for g in grams if g}
        self.lengths = sorted({len(g) for g in self.planted})
        self.identifiers = identifiers if identifiers else None
        self.skip_columns: frozenset[str] = frozenset()
        self.key_forms: list[str] = []
        if key:
            raw = key.decode("utf-8", "ignore") if isinstance(key, bytes) else key
            kb = key if isinstance(key, bytes) else key.encode()
            self.key_forms = [f for f in {raw, kb.hex()} if len(f) >= 8]

    def restricted(self) -> _Scanner:
        """The scanner for person-level tables: narrow patterns, no ingest identifiers."""
        narrow = _Scanner((), None, NARROW_PATTERNS)
        narrow.planted, narrow.lengths, narrow.key_forms = (
            self.planted,
            self.lengths,
            self.key_forms,
        )
        narrow.prefilterable = self.prefilterable
        narrow.skip_columns = RESTRICTED_PATH_COLUMNS
        return narrow

    def scan_text(
        self,
        text: str,
        file: str,
        where: str,
        generic: bool = True,
        planted: bool = True,
        key: bool = True,
        cells: bool = True,
    ) -> list[Finding]:
        """Findings in ``text``, in order: generic patterns, planted names and identifiers, key."""
        found: list[Finding] = []
        if generic:
            found += self._generic(text, file, where)
        if planted:
            found += self._planted(text, file, where, cells)
        if key:
            found += [
                Finding(file, "pseudonym_key", "[key withheld]", _line_at(text, pos, where))
                for pos in (text.find(form) for form in self.key_forms)
                if pos >= 0
            ]
        return found

    def _generic(self, text: str, file: str, where: str) -> list[Finding]:
        """The generic patterns (emails, phones, profile URLs …) not allowed by ``_allowed``."""
        if not (self.prefilterable and len(text) > _PREFILTER_MIN_CHARS):
            return [
                Finding(file, kind, _mask(m.group(0)), _line_at(text, m.start(), where))
                for kind, pat in self.patterns.items()
                for m in pat.finditer(text)
                if not _allowed(kind, m)
            ]
        # long text: RE2 picks the few lines that could match; each is scanned alone
        lines = text.split("\n")
        keep = _candidate_mask(pa.array(lines, pa.string()), self, keys=False)
        return [
            Finding(file, kind, _mask(m.group(0)), f"{where}line {i + 1}")
            for i in np.flatnonzero(keep.to_numpy(zero_copy_only=False))
            for kind, pat in self.patterns.items()
            for m in pat.finditer(lines[i])
            if not _allowed(kind, m)
        ]

    def _planted(self, text: str, file: str, where: str, cells: bool) -> list[Finding]:
        """Planted names (token n-grams) and the ingest identifiers found in ``text``."""
        found: list[Finding] = []
        if self.planted:
            for lineno, line in enumerate(text.splitlines() or [text], start=1):
                toks = _tokens(line)
                for n in self.lengths:
                    for start in range(len(toks) - n + 1):
                        gram = toks[start : start + n]
                        if gram in self.planted:
                            found.append(
                                Finding(
                                    file,
                                    "planted_name",
                                    _mask(" ".join(gram)),
                                    f"{where}line {lineno}",
                                )
                            )
        if self.identifiers is not None:
            for kind, lineno, matched in self.identifiers.find(text, cells=cells):
                found.append(Finding(file, kind, _mask(matched), f"{where}line {lineno}"))
        return found


def _line_at(text: str, pos: int, where: str) -> str:
    """``where`` + the line number of character ``pos``."""
    return f"{where}line {text.count(chr(10), 0, pos) + 1}"


# Supersets of the generic patterns and the key, in RE2 (which Arrow runs in C++): a
# distinct value that matches none of these cannot match the exact patterns, so only the
# few candidates go through Python's regex engine (million-value id columns do not).
_NARROW_PREFILTERS = (
    r"[A-Za-z0-9._%+-]@[A-Za-z0-9-]+\.",  # email ("Developer @ Shopify" is not a candidate)
    r"[0-9]{3}[^0-9]{0,2}[0-9]{3}[^0-9]?[0-9]{4}",  # phone, every accepted shape
    r"(?i)(linkedin|github|twitter|x)\.com/",  # profile URLs
)
_B = r"(?:^|[^0-9A-Za-z_])"  # RE2 has no look-behind: a boundary is a non-word char or the start
_E = r"(?:$|[^0-9A-Za-z_])"
_PREFILTER_OF: dict[str, str] = {
    "email": _NARROW_PREFILTERS[0],
    "phone": _NARROW_PREFILTERS[1],
    "linkedin_profile": _NARROW_PREFILTERS[2],
    "github_profile": _NARROW_PREFILTERS[2],
    "twitter_profile": _NARROW_PREFILTERS[2],
    "phone_intl": rf"(?:\+|{_B}00)[1-9][0-9 ().-]{{5,}}",
    "phone_national": rf"{_B}0[0-9]{{1,4}}[ .][0-9]{{2}}",
    "postal_code": rf"(?i){_B}[a-z][0-9][a-z][ -]?[0-9][a-z][0-9]{_E}",
    "sin": rf"{_B}[0-9]{{3}}[ -]?[0-9]{{3}}[ -]?[0-9]{{3}}{_E}",
    "street_address": rf"[0-9][^\n]*\b(?:{_STREET_TYPES_EN}|(?i:{_STREET_TYPES_FR}))\b",
    "url_host": rf"(?i)://|www\.|[a-z0-9]\.(?:{_TLDS})\b",
}
_PREFILTERS = tuple(dict.fromkeys(_PREFILTER_OF.values()))  # a superset of every pattern


_PREFILTER_MIN_CHARS = 20_000  # shorter text is scanned directly


def _candidate_mask(values: pa.Array, scanner: _Scanner, keys: bool = True) -> pa.Array:
    wide = scanner.patterns.keys() == DEFAULT_PATTERNS.keys()
    filters = _PREFILTERS if wide else _NARROW_PREFILTERS
    mask = pc.fill_null(
        pc.match_substring_regex(values, "|".join(f"(?:{p})" for p in filters)), False
    )
    for form in scanner.key_forms if keys else []:
        mask = pc.or_(mask, pc.match_substring(values, form))
    return mask


def _candidates(values: pa.Array, scanner: _Scanner) -> pa.Array:
    return values.filter(_candidate_mask(values, scanner))


def _scan_column(col: pa.ChunkedArray, rel: str, name: str, scanner: _Scanner) -> list[Finding]:
    """Distinct values only (a title repeated a million times is scanned once)."""
    values = pc.drop_null(pc.unique(col))
    where = f"column {name} (distinct values) "
    if scanner.prefilterable:
        candidates = _candidates(values, scanner)
        found = scanner.scan_text(
            "\n".join(sorted(candidates.to_pylist())), rel, where, generic=False, planted=False
        )
        for kind, pat in scanner.patterns.items():
            # each exact pattern runs only on the values its own prefilter lets through
            sub = candidates.filter(pc.match_substring_regex(candidates, _PREFILTER_OF[kind]))
            for value in sorted(sub.to_pylist()):
                found += [
                    Finding(rel, kind, _mask(m.group(0)), f"{where}".rstrip())
                    for m in pat.finditer(value)
                    if not _allowed(kind, m)
                ]
        if scanner.planted or scanner.identifiers is not None:
            text = "\n".join(sorted(values.to_pylist()))
            found += scanner.scan_text(text, rel, where, generic=False, key=False)
        return found
    return scanner.scan_text("\n".join(sorted(values.to_pylist())), rel, where)


def png_text(raw: bytes) -> list[tuple[str, str]]:
    """(keyword, text) of every tEXt, zTXt and iTXt chunk of a PNG (pure Python, no decoding).

    Why: matplotlib and vl-convert write titles, software and free metadata into these
    chunks, where a viewer never shows them but a reader of the file does.
    """
    out: list[tuple[str, str]] = []
    if not raw.startswith(b"\x89PNG\r\n\x1a\n"):
        return out
    pos = 8
    while pos + 8 <= len(raw):
        (length,) = struct.unpack(">I", raw[pos : pos + 4])
        ctype = raw[pos + 4 : pos + 8]
        data = raw[pos + 8 : pos + 8 + length]
        pos += 12 + length
        try:
            if ctype == b"tEXt":
                k, _, v = data.partition(b"\0")
                out.append((k.decode("latin-1"), v.decode("latin-1")))
            elif ctype == b"zTXt":
                k, _, v = data.partition(b"\0")
                out.append((k.decode("latin-1"), zlib.decompress(v[1:]).decode("latin-1")))
            elif ctype == b"iTXt":
                k, _, v = data.partition(b"\0")
                compressed, body = v[0], v[2:]
                _lang, _, body = body.partition(b"\0")
                translated, _, body = body.partition(b"\0")
                text = zlib.decompress(body) if compressed else body
                out.append(
                    (
                        k.decode("latin-1"),
                        translated.decode("utf-8", "replace")
                        + " "
                        + text.decode("utf-8", "replace"),
                    )
                )
            elif ctype == b"IEND":
                break
        except (zlib.error, IndexError):
            out.append((ctype.decode("latin-1"), "[unreadable text chunk]"))
    return out


def _xlsx_text(path: Path) -> str:
    """The XML of every sheet, the shared strings and the document properties of a workbook."""
    with zipfile.ZipFile(path) as zf:
        parts = [n for n in sorted(zf.namelist()) if n.endswith(".xml")]
        text = "\n".join(zf.read(n).decode("utf-8", "replace") for n in parts)
    # cells become lines, so a one-word identifier in a cell is a whole cell
    return re.sub(r"<[^>]+>", "\n", text)


def _scan_parquet(path: Path, rel: str, scanner: _Scanner) -> list[Finding]:
    """Column names, schema metadata and every string column (distinct values)."""
    table = pq.read_table(path)
    found = scanner.scan_text("\n".join(table.column_names), rel, "column names ")
    meta = table.schema.metadata or {}
    for k, v in sorted(meta.items()):
        found += scanner.scan_text(
            v.decode("utf-8", "ignore"), rel, f"metadata {k.decode('utf-8', 'ignore')} "
        )
    for name in table.column_names:
        col = table[name]
        if str(col.type) in ("string", "large_string") and name not in scanner.skip_columns:
            found += _scan_column(col, rel, name, scanner)
    return found


def _scan_png(path: Path, rel: str, scanner: _Scanner) -> list[Finding]:
    found: list[Finding] = []
    for k, v in png_text(path.read_bytes()):
        found += scanner.scan_text(v, rel, f"PNG text chunk {k} ")
    return found


def _scan_xlsx(path: Path, rel: str, scanner: _Scanner) -> list[Finding]:
    try:
        return scanner.scan_text(_xlsx_text(path), rel, "workbook XML ")
    except (zipfile.BadZipFile, OSError):
        return [Finding(rel, "unreadable_workbook", "[not checked]", "file")]


#: files read by their parts rather than as text, by suffix
_PART_SCANNERS: dict[str, Callable[[Path, str, _Scanner], list[Finding]]] = {
    ".parquet": _scan_parquet,
    ".png": _scan_png,
    ".xlsx": _scan_xlsx,
}


def _scan_file(path: Path, rel: str, scanner: _Scanner) -> list[Finding]:
    """Dispatch on the suffix: files with parts by their parts, binaries skipped, text scanned."""
    suffix = path.suffix.lower()
    by_parts = _PART_SCANNERS.get(suffix)
    if by_parts is not None:
        return by_parts(path, rel, scanner)
    if suffix in BINARY_SKIP:
        return []
    raw = path.read_bytes()
    if suffix not in TEXT_SUFFIXES and b"\x00" in raw[:4096]:
        return []  # an unknown binary file
    return _scan_text_file(raw.decode("utf-8", errors="replace"), suffix, rel, scanner)


def _scan_text_file(text: str, suffix: str, rel: str, scanner: _Scanner) -> list[Finding]:
    """A text file, in the form where nothing can hide (JSON unescaped, HTML bundles apart)."""
    if suffix == ".json":
        with contextlib.suppress(ValueError):  # JSON escapes (\u0040 for @) must not hide anything
            text = json.dumps(json.loads(text), ensure_ascii=False, indent=1, sort_keys=True)
            return scanner.scan_text(text, rel, "normalised JSON ")
    if suffix in (".html", ".htm"):
        outside, bundles = _split_html(text)
        return scanner.scan_text(outside, rel, "") + scanner.scan_text(
            bundles, rel, "script bundle ", generic=False, cells=False
        )
    if suffix == ".svg":  # path data and coordinates are numbers, never anybody's
        text = _SVG_GEOMETRY.sub('=""', text)
    return scanner.scan_text(text, rel, "")


def _matcher(
    identifiers: IdentifierCollector | IdentifierMatcher | None,
) -> IdentifierMatcher | None:
    if identifiers is None:
        return None
    if isinstance(identifiers, IdentifierCollector):
        return identifiers.matcher(exempt=published_vocabulary())
    return identifiers


def scan_outputs(
    out_dir: Path,
    planted: Iterable[str] = (),
    patterns: dict[str, re.Pattern[str]] | None = None,
    key: str | bytes | None = None,
    identifiers: IdentifierCollector | IdentifierMatcher | None = None,
) -> list[Finding]:
    """Every personal-data finding in every file under ``out_dir`` (sorted, de-duplicated).

    Files under a top-level folder named in :data:`RESTRICTED_DIRS` get the narrow scan.
    """
    out_dir = Path(out_dir)
    scanner = _Scanner(
        planted, key, DEFAULT_PATTERNS if patterns is None else patterns, _matcher(identifiers)
    )
    narrow = scanner.restricted()
    findings: set[Finding] = set()
    for path in sorted(p for p in out_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(out_dir).as_posix()
        top = rel.split("/", 1)[0] if "/" in rel else ""
        use = narrow if top in RESTRICTED_DIRS and patterns is None else scanner
        findings.update(_scan_file(path, rel, use))
    return sorted(findings, key=lambda f: (f.file, f.location, f.kind, f.excerpt))


def gate(
    out_dir: Path,
    planted: Iterable[str] = (),
    key: str | bytes | None = None,
    identifiers: IdentifierCollector | IdentifierMatcher | None = None,
) -> None:
    """Raise :class:`PersonalDataFound` if any file under ``out_dir`` carries personal data.

    ``identifiers``: what the readers collected this run (``IdentifierCollector``), so the
    names, employers, schools and usernames of the input are looked for too.
    """
    findings = scan_outputs(out_dir, planted, key=key, identifiers=identifiers)
    if findings:
        raise PersonalDataFound(findings)
