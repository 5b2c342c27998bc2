"""The personal-data gate: the last check before a run's outputs are handed over.

Why: readers drop names, emails and URLs at the door, but a bug anywhere
downstream (a free-text column kept by mistake, a label copied into a figure)
would leak them. The gate scans *every* output file for e-mail addresses, North
American phone numbers, person-profile URLs (LinkedIn ``/in/``, GitHub user
pages, Twitter/X handles), the name tokens the caller plants or knows, and the
pseudonymisation key; ``gate`` fails the run when anything is found.

Avoiding false positives is part of the job:
- platform hosts are fine (``linkedin.com/learning``, ``github.com/org/repo``);
- phone numbers need the North American shape (area code and exchange start 2-9)
  and may not be glued to other digits, letters or a decimal point, so NOC
  codes, years, counts, floats and hex digests do not match;
- large ``<script>`` blocks in HTML (the embedded Vega/Altair bundle) are only
  scanned for planted tokens and the key, not for generic patterns, because
  library code carries maintainers' addresses and URLs;
- findings show a masked excerpt, and the key is never echoed.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

TEXT_SUFFIXES = {".csv", ".json", ".html", ".htm", ".svg", ".txt", ".md", ".js", ".log", ".yaml", ".yml", ".tsv", ".jsonl"}  # fmt: skip
BINARY_SKIP = {".png", ".pdf", ".jpg", ".jpeg", ".gif", ".webp", ".zip", ".gz"}
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

DEFAULT_PATTERNS: dict[str, re.Pattern[str]] = {
    "email": EMAIL,
    "phone": PHONE,
    "linkedin_profile": LINKEDIN,
    "github_profile": GITHUB,
    "twitter_profile": TWITTER,
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
    kind: str  # email, phone, linkedin_profile, github_profile, twitter_profile, planted_name, pseudonym_key
    excerpt: str  # masked: enough to find it, not enough to reuse it
    location: str  # "line 12", "column name", ...

    def describe(self) -> str:
        return f"{self.file} ({self.location}): {self.kind} {self.excerpt}"


def _mask(text: str) -> str:
    if len(text) <= 4:
        return text[0] + "***"
    return text[:3] + "***" + text[-2:]


def _allowed(kind: str, match: re.Match[str]) -> bool:
    if kind == "email":
        return match.group(0).rsplit(".", 1)[-1].lower() in _FILE_TLDS
    if kind == "github_profile":
        return match.group(1).lower() in _GITHUB_RESERVED
    if kind == "twitter_profile":
        return match.group(1).lower() in _TWITTER_RESERVED
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
    """Finds generic patterns (emails, phones, profile URLs), planted items and the key.

    Why tokens for planted items: a run plants thousands of names and emails; one
    regex alternation over all of them is quadratic in practice. Both sides are
    cut into the same word tokens and every n-gram of a line is looked up in a set,
    which keeps the word-boundary semantics at linear cost.
    """

    def __init__(self, planted: Iterable[str], key: str | bytes | None, patterns):
        self.patterns = dict(patterns)
        self.prefilterable = patterns is DEFAULT_PATTERNS  # _PREFILTERS cover exactly these
        grams = {_tokens(t) for t in planted if t and t.strip()}
        self.planted: set[tuple[str, ...]] = {g for g in grams if g}
        self.lengths = sorted({len(g) for g in self.planted})
        self.key_forms: list[str] = []
        if key:
            raw = key.decode("utf-8", "ignore") if isinstance(key, bytes) else key
            kb = key if isinstance(key, bytes) else key.encode()
            self.key_forms = [f for f in {raw, kb.hex()} if len(f) >= 8]

    def scan_text(
        self,
        text: str,
        file: str,
        where: str,
        generic: bool = True,
        planted: bool = True,
        key: bool = True,
    ) -> list[Finding]:
        found: list[Finding] = []

        def loc(pos: int) -> str:
            return f"{where}line {text.count(chr(10), 0, pos) + 1}"

        if generic:
            for kind, pat in self.patterns.items():
                for m in pat.finditer(text):
                    if not _allowed(kind, m):
                        found.append(Finding(file, kind, _mask(m.group(0)), loc(m.start())))
        if planted and self.planted:
            for lineno, line in enumerate(text.splitlines() or [text], start=1):
                toks = _tokens(line)
                for n in self.lengths:
                    for i in range(len(toks) - n + 1):
                        gram = toks[i : i + n]
                        if gram in self.planted:
                            found.append(
                                Finding(
                                    file,
                                    "planted_name",
                                    _mask(" ".join(gram)),
                                    f"{where}line {lineno}",
                                )
                            )
        for form in self.key_forms if key else []:
            pos = text.find(form)
            if pos >= 0:
                found.append(Finding(file, "pseudonym_key", "[key withheld]", loc(pos)))
        return found


# Supersets of the generic patterns and the key, in RE2 (which Arrow runs in C++): a
# distinct value that matches none of these cannot match the exact patterns, so only the
# few candidates go through Python's regex engine (million-value id columns do not).
_PREFILTERS = (
    r"[A-Za-z0-9._%+-]@[A-Za-z0-9-]+\.",  # email ("Developer @ Shopify" is not a candidate)
    r"[0-9]{3}[^0-9]{0,2}[0-9]{3}[^0-9]?[0-9]{4}",  # phone, every accepted shape
    r"(?i)(linkedin|github|twitter|x)\.com/",  # profile URLs
)


def _candidates(values: pa.Array, scanner: _Scanner) -> pa.Array:
    mask = pc.match_substring_regex(values, "|".join(f"(?:{p})" for p in _PREFILTERS))
    for form in scanner.key_forms:
        mask = pc.or_(mask, pc.match_substring(values, form))
    return values.filter(mask)


def _scan_column(col: pa.ChunkedArray, rel: str, name: str, scanner: _Scanner) -> list[Finding]:
    """Distinct values only (a title repeated a million times is scanned once)."""
    values = pc.drop_null(pc.unique(col))
    where = f"column {name} (distinct values) "
    if scanner.prefilterable:
        candidates = sorted(_candidates(values, scanner).to_pylist())
        found = scanner.scan_text("\n".join(candidates), rel, where, planted=False)
        if scanner.planted:
            text = "\n".join(sorted(values.to_pylist()))
            found += scanner.scan_text(text, rel, where, generic=False, key=False)
        return found
    return scanner.scan_text("\n".join(sorted(values.to_pylist())), rel, where)


def _scan_file(path: Path, rel: str, scanner: _Scanner) -> list[Finding]:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        table = pq.read_table(path)
        found = scanner.scan_text("\n".join(table.column_names), rel, "column names ")
        meta = table.schema.metadata or {}
        for k, v in sorted(meta.items()):
            found += scanner.scan_text(
                v.decode("utf-8", "ignore"), rel, f"metadata {k.decode('utf-8', 'ignore')} "
            )
        for name in table.column_names:
            col = table[name]
            if str(col.type) in ("string", "large_string"):
                found += _scan_column(col, rel, name, scanner)
        return found
    if suffix in BINARY_SKIP:
        return []
    raw = path.read_bytes()
    if suffix not in TEXT_SUFFIXES and b"\x00" in raw[:4096]:
        return []  # an unknown binary file
    text = raw.decode("utf-8", errors="replace")
    if suffix == ".json":
        with contextlib.suppress(ValueError):  # JSON escapes (\u0040 for @) must not hide anything
            text = json.dumps(json.loads(text), ensure_ascii=False, indent=1, sort_keys=True)
            return scanner.scan_text(text, rel, "normalised JSON ")
    if suffix in (".html", ".htm"):
        outside, bundles = _split_html(text)
        return scanner.scan_text(outside, rel, "") + scanner.scan_text(
            bundles, rel, "script bundle ", generic=False
        )
    return scanner.scan_text(text, rel, "")


def scan_outputs(
    out_dir: Path,
    planted: Iterable[str] = (),
    patterns: dict[str, re.Pattern[str]] | None = None,
    key: str | bytes | None = None,
) -> list[Finding]:
    """Every personal-data finding in every file under ``out_dir`` (sorted, de-duplicated)."""
    out_dir = Path(out_dir)
    scanner = _Scanner(planted, key, DEFAULT_PATTERNS if patterns is None else patterns)
    findings: set[Finding] = set()
    for path in sorted(p for p in out_dir.rglob("*") if p.is_file()):
        findings.update(_scan_file(path, path.relative_to(out_dir).as_posix(), scanner))
    return sorted(findings, key=lambda f: (f.file, f.location, f.kind, f.excerpt))


def gate(out_dir: Path, planted: Iterable[str] = (), key: str | bytes | None = None) -> None:
    """Raise :class:`PersonalDataFound` if any output file carries personal data."""
    findings = scan_outputs(out_dir, planted, key=key)
    if findings:
        raise PersonalDataFound(findings)
