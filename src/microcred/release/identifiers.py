"""Names, employers, schools and usernames seen at ingest, held only as keyed hashes.

Why: the personal-data gate must know *whose* data went in to notice a person's
name, own company or handle in an output, but a list of those strings is itself
personal data. Readers feed what they see to an :class:`IdentifierCollector`; it
keeps HMAC-SHA256 digests (key derived from the run's pseudonymisation key) of
normalised token grams, never the text, and nothing is ever written to disk.

The rules that keep common words from failing a run:

- a person's name counts only as the full name (two tokens or more): "Jane Doe",
  never "Jane"; the same for multi-token usernames ("jane.doe" → "jane doe");
- an employer, school or username of one token ("Zorblax", "jdoe84") counts only
  when it is a whole cell of an output (a CSV/Parquet value, an SVG ``<text>``, a
  JSON string), so prose that says "data" or "Google" never matches a one-word
  employer; one-token grams must have three characters and a letter;
- any identifier equal to a term of the published vocabularies (catalogue providers
  and their aliases, credential types) is dropped when the gate builds its matcher:
  "Microsoft" as an employer must not fail a release that names Microsoft as a
  provider.

Readers reach the collector through :func:`current_collector` (a context variable
the pipeline sets for the sources stage with :meth:`IdentifierCollector.collecting`),
so a reader needs one call per field, and readers used alone collect nothing.
"""

from __future__ import annotations

import contextvars
import hmac
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

MAX_GRAM = 6  # longer identifiers are kept as their first and last six tokens
_DIGEST_BYTES = 12
_CONTEXT = b"microcred identifier gate v1"
_WORD = re.compile(r"[^\W_]+")  # letters and digits: "jane_doe", "jane.doe", "Jane-Doe" split alike
# Characters that end a "cell" in any output format: CSV/TSV separators, markup, JSON quotes.
CELL_SPLIT = re.compile(r'[\n\r\t,;|<>"{}\[\]]')

_current: contextvars.ContextVar[IdentifierCollector | None] = contextvars.ContextVar(
    "microcred_identifiers", default=None
)


def tokens(text: str) -> tuple[str, ...]:
    """Case-folded, accent-free word tokens (``"José  O'Neil"`` → ``("jose", "o", "neil")``)."""
    if text.isascii():
        return tuple(_WORD.findall(text.lower()))
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return tuple(_WORD.findall(plain))


_BUCKET_BITS = 0xFFFFF


def _bucket(token: str) -> int:
    """A 20-bit bucket of a token under Python's per-process keyed string hash (SipHash).

    Why: the matcher computes an HMAC only for grams whose first token falls in a bucket
    some identifier uses, which skips ~99 % of the HMACs on a report. A million buckets
    and a key that dies with the process make the bucket set useless for recovering
    any identifier.
    """
    return hash(token) & _BUCKET_BITS


def _keep_single(tok: str) -> bool:
    return len(tok) >= 3 and not tok.isdigit()


def _keep_gram(gram: tuple[str, ...]) -> bool:
    """A multi-token gram worth matching: not all digits, not all one- or two-letter pieces."""
    joined = "".join(gram)
    return not joined.isdigit() and len(max(gram, key=len)) >= 3


class IdentifierCollector:
    """Keyed digests of the identifiers readers saw, split by how they may match."""

    def __init__(self, key: bytes | str | None) -> None:
        raw = key.encode() if isinstance(key, str) else key
        # a derived key: the digests cannot be compared with person_id pseudonyms
        self._key = hmac.digest(raw or b"", _CONTEXT, "sha256")
        self.anywhere: dict[bytes, str] = {}  # multi-token grams → kind
        self.whole_cell: dict[bytes, str] = {}  # one-token identifiers → kind
        self.counts: Counter[str] = Counter()  # identifiers recorded per kind (no values)
        self.lengths: set[int] = set()  # token counts of the multi-token grams
        self.buckets: set[int] = set()  # _bucket of every identifier's first token

    def __repr__(self) -> str:
        return f"IdentifierCollector({dict(self.counts)})"

    def digest(self, gram: tuple[str, ...]) -> bytes:
        return hmac.digest(self._key, " ".join(gram).encode(), "sha256")[:_DIGEST_BYTES]

    # ---- feeding ----------------------------------------------------------------------

    def _add(self, kind: str, gram: tuple[str, ...], single_ok: bool) -> None:
        n = len(gram)
        if n > MAX_GRAM:
            self._add(kind, gram[:MAX_GRAM], single_ok)
            self._add(kind, gram[-MAX_GRAM:], single_ok)
            return
        if n == 1:
            if not (single_ok and _keep_single(gram[0])):
                return
            table = self.whole_cell
        elif n > 1 and _keep_gram(gram):
            table = self.anywhere
            self.lengths.add(n)
        else:
            return
        self.buckets.add(hash(gram[0]) & _BUCKET_BITS)
        table.setdefault(hmac.digest(self._key, " ".join(gram).encode(), "sha256")[:_DIGEST_BYTES], kind)  # fmt: skip
        self.counts[kind] += 1

    def person_name(self, *parts: object) -> None:
        """A person's name, given whole or in parts; recorded only as the full name."""
        gram = tuple(t for p in parts if isinstance(p, str) for t in tokens(p))
        if len(gram) >= 2:
            self._add("person_name", gram, single_ok=False)

    def organisations(self, kind: str, values: Iterable[object]) -> None:
        """Employer or school strings (distinct values are hashed once)."""
        for value in {v for v in values if isinstance(v, str)}:
            self._add(kind, tokens(value), single_ok=True)

    def username(self, value: object) -> None:
        """A handle, an e-mail's local part, a profile URL's path or a file/folder name."""
        if not isinstance(value, str) or not value.strip():
            return
        text = value.strip()
        if "@" in text and "/" not in text:
            text = text.split("@", 1)[0]
        elif "://" in text or text[:4].lower() == "www.":
            url = _URL_PARTS.match(text if "://" in text else "//" + text)
            host = url.group(1).lower().removeprefix("www.") if url else ""
            segments = [s for s in (url.group(2) or "").split("/") if s] if url else []
            # a personal site's own name ("janedoe.dev"); a profile's last path segment
            if host.count(".") == 1 and not segments:
                self._add("username", tokens(host.split(".")[0]), single_ok=True)
            if segments:
                self._add("username", tokens(segments[-1]), single_ok=True)
            return
        for piece in _PATH_SPLIT.split(text):
            self._add("username", tokens(_FILE_SUFFIX.sub("", piece)), single_ok=True)

    def person_record(self, record: object) -> None:
        """Names, e-mails, handles and profile URLs of one JSON person (JSONL or JSON Resume)."""
        if not isinstance(record, dict):
            return
        basics = record.get("basics")
        for rec in (record, basics) if isinstance(basics, dict) else (record,):
            present = _WANTED.intersection(rec)  # most records carry two or three of these
            for key in present:
                value = rec[key]
                if key in _NAME_KEYS:
                    self.person_name(value)
                elif key == "profiles":
                    for p in value if isinstance(value, list) else []:
                        if isinstance(p, dict):
                            self.username(p.get("username"))
                            self.username(p.get("url"))
                elif key in _HANDLE_KEYS:
                    for v in value if isinstance(value, list) else [value]:
                        self.username(v)
            for first, last in _NAME_PAIRS:
                if first in present or last in present:
                    self.person_name(rec.get(first), rec.get(last))

    # ---- the run's scope ----------------------------------------------------------------

    @contextmanager
    def collecting(self) -> Iterator[IdentifierCollector]:
        """Readers called inside this block feed this collector."""
        token = _current.set(self)
        try:
            yield self
        finally:
            _current.reset(token)

    # ---- matching -----------------------------------------------------------------------

    def matcher(self, exempt: Iterable[str] = ()) -> IdentifierMatcher:
        """A matcher without the identifiers that equal a published vocabulary term."""
        drop = {self.digest(g) for g in (tokens(t) for t in exempt) if g}
        anywhere = {d: k for d, k in self.anywhere.items() if d not in drop}
        whole = {d: k for d, k in self.whole_cell.items() if d not in drop}
        return IdentifierMatcher(self, anywhere, whole)


_PATH_SPLIT = re.compile(r"[/\\]")
_FILE_SUFFIX = re.compile(r"\.(?:zip|json|jsonl|gz|csv)$", re.IGNORECASE)
# scheme://user@host:port/path → host, path (what urllib.parse.urlsplit gives, at a third of the cost)
_URL_PARTS = re.compile(r"(?:[A-Za-z][\w+.-]*:)?//(?:[^@/?#]*@)?([^/?#:]*)(?::\d*)?([^?#]*)")
_NAME_KEYS = ("name", "full_name", "fullName", "formatted_name", "display_name")
_NAME_PAIRS = (
    ("first_name", "last_name"),
    ("firstName", "lastName"),
    ("given_name", "family_name"),
    ("givenName", "familyName"),
)
_HANDLE_KEYS = (
    "email",
    "emails",
    "username",
    "public_identifier",
    "url",
    "website",
    "profile_url",
    "linkedin_url",
    "github_url",
    "twitter",
)
_WANTED = frozenset(
    (*_NAME_KEYS, *(k for pair in _NAME_PAIRS for k in pair), *_HANDLE_KEYS, "profiles")
)


class IdentifierMatcher:
    """Finds collected identifiers in text; reports the kind, never the value."""

    def __init__(
        self,
        collector: IdentifierCollector,
        anywhere: dict[bytes, str],
        whole: dict[bytes, str],
    ) -> None:
        self._digest = collector.digest
        self.anywhere = anywhere
        self.whole = whole
        self.lengths = sorted(collector.lengths)
        self.buckets = collector.buckets

    def __bool__(self) -> bool:
        return bool(self.anywhere or self.whole)

    def find(self, text: str, cells: bool = True) -> Iterator[tuple[str, int, str]]:
        """(kind, line number, matched tokens) of every identifier in ``text``.

        ``cells`` = False skips one-token identifiers (for library code, where a
        whole JavaScript string may be any word).
        """
        buckets, digest = self.buckets, self._digest
        for lineno, line in enumerate(text.splitlines() or [text], start=1):
            # without one-token identifiers, cells do not matter: a line is one token run
            for cell in CELL_SPLIT.split(line) if cells else (line,):
                toks = tokens(cell)
                if not toks:
                    continue
                if len(toks) == 1:
                    if cells and self.whole and _bucket(toks[0]) in buckets:
                        kind = self.whole.get(digest(toks))
                        if kind:
                            yield kind, lineno, toks[0]
                    continue
                for kind, matched in self._in_run(toks):
                    yield kind, lineno, matched

    def _in_run(self, toks: tuple[str, ...]) -> Iterator[tuple[str, str]]:
        """(kind, matched tokens) of the identifiers of ``anywhere`` inside a token run."""
        if not self.anywhere:
            return
        buckets, digest = self.buckets, self._digest
        for i, tok in enumerate(toks):
            if _bucket(tok) not in buckets:
                continue
            for n in self.lengths:
                if i + n > len(toks):
                    break
                kind = self.anywhere.get(digest(toks[i : i + n]))
                if kind:
                    yield kind, " ".join(toks[i : i + n])


def current_collector() -> IdentifierCollector | None:
    """The collector of the run in progress, or None (a reader used on its own)."""
    return _current.get()


def collect_organisations(kind: str, values: Iterable[object]) -> None:
    """Feed employer/school strings to the current collector, if any (readers' one-liner)."""
    collector = _current.get()
    if collector is not None:
        collector.organisations(kind, values)


def collect_person_record(record: object) -> None:
    collector = _current.get()
    if collector is not None:
        collector.person_record(record)


def collect_person_name(*parts: object) -> None:
    collector = _current.get()
    if collector is not None:
        collector.person_name(*parts)


def collect_username(value: object) -> None:
    collector = _current.get()
    if collector is not None:
        collector.username(value)


# Placeholders people type where a name, employer or school goes; outputs use some of the
# same words as labels ("unknown", "other"), so they can never identify anybody here.
PLACEHOLDERS = frozenset({"unknown", "other", "others", "none", "null", "self", "yes", "all", "various", "confidential", "private", "undisclosed", "freelance", "freelancer", "independent", "student", "retired", "unemployed", "company", "employer", "school", "university", "college", "home", "test", "anonymous"})  # fmt: skip


def published_vocabulary() -> set[str]:
    """Terms outputs may legitimately name: catalogue providers and aliases, code-defined labels.

    Credential types, education levels, seniority labels, default definition names and
    the labels analyses add ("Other (not in catalogue)", "unknown", "other employers"),
    plus :data:`PLACEHOLDERS`: an employer typed as "Unknown" must not fail a table whose
    cells say "unknown".
    """
    from microcred.coding.credentials.catalogue import load_catalogue
    from microcred.coding.education import LEVELS
    from microcred.config import CREDENTIAL_TYPES, StudyConfig
    from microcred.features.ladder import RANK_LABELS
    from microcred.release.vocabulary import GENERIC_LABELS

    cat = load_catalogue()
    out = set(CREDENTIAL_TYPES) | set(LEVELS) | set(RANK_LABELS.values()) | set(GENERIC_LABELS)
    out |= set(StudyConfig().definition_names()) | PLACEHOLDERS
    for p in cat.providers:
        out.add(p.name)
        out.update(p.aliases)
        out.update(p.ce_aliases)
        out.update(p.online_aliases)
    return out


__all__ = [
    "IdentifierCollector",
    "IdentifierMatcher",
    "collect_organisations",
    "collect_person_name",
    "collect_person_record",
    "collect_username",
    "current_collector",
    "published_vocabulary",
    "tokens",
]
