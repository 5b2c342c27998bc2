"""Text normalisation shared by the catalogue and the coder.

Why one function: catalogue phrases and profile strings must be normalised the same
way for whole-word phrase lookup to work ("SAA-C03", "saa c03" and "Saa_C03" are one
phrase; "Université" and "Universite" are one word).
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

_KEEP = set(string.ascii_lowercase + string.digits + "+#")


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0x00, 0x2200):
        ch = chr(code)
        low = ch.lower()
        if len(low) != 1:
            low = ch
        decomposed = unicodedata.normalize("NFKD", low)
        ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
        mapped = "".join(c if c in _KEEP else " " for c in ascii_only.lower())
        if ch.isalpha() and not mapped.strip():
            continue  # keep letters of other scripts as they are
        if mapped != ch:
            table[code] = mapped
    return table


_TABLE = _build_table()


def normalise(text: str | None) -> str:
    """Lower case, accents removed, punctuation other than ``+``/``#`` turned into spaces."""
    if not text:
        return ""
    return " ".join(text.translate(_TABLE).split())


def reduce_url(value: str | None) -> str:
    """``host/first-segment`` of a URL (or of an already reduced ``url_host``), lower case.

    Why: the canonical credentials table keeps only this much of a verification URL;
    the rest identifies the person.
    """
    if not value:
        return ""
    s = value.strip().lower()
    if "://" in s:
        s = s.split("://", 1)[1]
    for sep in ("?", "#"):
        s = s.split(sep, 1)[0]
    parts = [p for p in s.split("/") if p]
    if not parts:
        return ""
    host = parts[0].split("@")[-1].split(":")[0]
    if host.startswith("www."):
        host = host[4:]
    return f"{host}/{parts[1]}" if len(parts) > 1 else host


def host_candidates(url_host: str) -> Iterator[str]:
    """Keys to try for a reduced URL: host/segment, host, then parent domains."""
    if not url_host:
        return
    host, _, seg = url_host.partition("/")
    labels = host.split(".")
    for i in range(max(len(labels) - 1, 1)):
        parent = ".".join(labels[i:])
        if seg:
            yield f"{parent}/{seg}"
        yield parent


@dataclass(slots=True)
class Hit:
    """A phrase found in a string: token span and what the phrase means."""

    start: int
    end: int
    phrase: str
    payloads: list[Any]

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass
class PhraseIndex:
    """Whole-word phrase lookup over token sequences (a dictionary walk, no regex).

    Why: hundreds of phrases are checked against each string; walking token n-grams
    through a prefix set costs a few dictionary lookups per token instead of one regex
    pass per phrase (a compiled trie regex measured no faster and loses overlapping
    phrases, which the coder needs).
    """

    phrases: dict[str, list[Any]] = field(default_factory=dict)
    prefixes: set[str] = field(default_factory=set)

    def add(self, phrase: str, payload: Any) -> None:
        key = normalise(phrase)
        if not key:
            return
        bucket = self.phrases.setdefault(key, [])
        if payload not in bucket:
            bucket.append(payload)
        toks = key.split()
        for i in range(1, len(toks) + 1):
            self.prefixes.add(" ".join(toks[:i]))

    def add_all(self, phrases: Iterable[str], payload: Any) -> None:
        for p in phrases:
            self.add(p, payload)

    def scan(self, normalised: str) -> list[Hit]:
        """Every phrase occurrence (token span) in an already normalised string."""
        phrases = self.phrases
        return [Hit(i, j, s, phrases[s]) for i, j, s in self.spans(normalised)]

    def spans(self, normalised: str) -> list[tuple[int, int, str]]:
        """Every phrase occurrence as ``(start, end, phrase)`` tuples (the coder's hot path)."""
        toks = normalised.split()
        n = len(toks)
        out: list[tuple[int, int, str]] = []
        prefixes = self.prefixes
        phrases = self.phrases
        for i, s in enumerate(toks):
            if s not in prefixes:
                continue
            j = i + 1
            while True:
                if s in phrases:
                    out.append((i, j, s))
                if j >= n:
                    break
                s = s + " " + toks[j]
                if s not in prefixes:
                    break
                j += 1
        return out


def drop_contained(hits: list[Hit]) -> list[Hit]:
    """Drop hits whose span lies strictly inside another hit's span (longest phrase wins)."""
    if len(hits) < 2:
        return hits
    spans = [(h.start, h.end) for h in hits]
    kept = []
    for h in hits:
        s, e = h.start, h.end
        inside = False
        for os_, oe in spans:
            if os_ <= s and e <= oe and (oe - os_) > (e - s):
                inside = True
                break
        if not inside:
            kept.append(h)
    return kept


def normalise_many(values: pa.Array) -> list[str]:
    """``normalise`` over a string array, as a list (see ``normalise_array``)."""
    out: list[str] = normalise_array(values).to_pylist()
    return out


def normalise_array(values: pa.Array) -> pa.Array:
    """``normalise`` over a string array: ASCII strings by Arrow kernels, the rest in Python.

    Why: per-string ``str.translate`` was the largest single cost of coding a batch; for
    ASCII text the same result is lower case, every run of characters other than
    ``[a-z0-9+#]`` turned into one space, and the ends trimmed. Nulls become ``""``.
    The result stays an Arrow array, so callers can dictionary-encode it without a
    Python loop.
    """
    if len(values) == 0:
        return pa.array([], pa.string())
    fast = pc.fill_null(ascii_keys(values), "")
    other = pc.invert(pc.fill_null(pc.string_is_ascii(values), True))
    if pc.any(other).as_py():
        where = pc.indices_nonzero(other)
        fast = pc.replace_with_mask(fast, other, _normalise_non_ascii(values.take(where)))
    return fast


_ASCII_KEEP = frozenset((string.ascii_lowercase + string.digits + "+#").encode())
# one byte → one byte: A-Z to a-z, [a-z0-9+#] kept, other ASCII to a space, non-ASCII kept
_ASCII_TABLE = bytes(
    b if b in _ASCII_KEEP or b >= 0x80 else b + 32 if 0x41 <= b <= 0x5A else 0x20
    for b in range(256)
)


def ascii_keys(values: pa.Array) -> pa.Array:
    """For ASCII strings, ``normalise``: lower case, runs of characters other than
    ``[a-z0-9+#]`` to one space, ends trimmed (other strings come out unusable).

    Why not a regex kernel: one ``bytes.translate`` over the whole data buffer keeps
    every string's length, so the offsets stay valid, and a whitespace split and join
    then collapses the runs; this is three to four times faster than RE2 replacement.
    """
    validity, offsets, data = values.buffers()[:3]
    if data is None:  # every string empty or null
        return values
    mapped = pa.StringArray.from_buffers(
        len(values),
        offsets,
        pa.py_buffer(data.to_pybytes().translate(_ASCII_TABLE)),
        validity,
        values.null_count,
        values.offset,
    )
    return pc.utf8_trim(pc.binary_join(pc.ascii_split_whitespace(mapped), " "), " ")


def _normalise_non_ascii(values: pa.Array) -> pa.Array:
    """``normalise`` of non-ASCII strings: Latin ones (French accents) by Arrow kernels.

    Why: accented names were a tenth of a batch and cost more than all ASCII ones. For a
    string of characters below U+0180 (Latin-1 and Latin Extended-A) whose accents all
    decompose (NFKD) into ASCII letters plus combining marks U+0300-U+036F, ``normalise``
    is: lower case, decompose, drop those marks, then the ASCII rule. Anything else
    (ß, æ, ø, other scripts, symbols) goes through ``normalise`` itself.
    """
    folded = pc.utf8_normalize(pc.utf8_lower(values), "NFKD")
    folded = pc.utf8_lower(pc.replace_substring_regex(folded, r"[\x{300}-\x{36F}]+", ""))
    latin = pc.match_substring_regex(values, r"^[\x{0}-\x{17F}]*$")
    ok = pc.and_(latin, pc.string_is_ascii(folded))
    out = pc.utf8_trim(pc.replace_substring_regex(folded, r"[^a-z0-9+#]+", " "), " ")
    rest = pc.invert(ok)
    if pc.any(rest).as_py():
        slow = [normalise(v) for v in values.filter(rest).to_pylist()]
        out = pc.replace_with_mask(out, rest, pa.array(slow, pa.string()))
    return out


def mask_tokens(normalised: list[str], keep: pa.Array) -> list[str]:
    """``mask_tokens_array`` over a list of normalised strings."""
    if not normalised:
        return []
    out: list[str] = mask_tokens_array(pa.array(normalised, pa.string()), keep).to_pylist()
    return out


def mask_tokens_array(normalised: pa.Array, keep: pa.Array) -> pa.Array:
    """Each normalised string with every run of tokens not in ``keep`` reduced to one ``|``
    and such runs dropped at both ends (Arrow kernels over the whole array).

    Why: no phrase can contain a token outside the phrase vocabulary, so what a phrase
    scan finds depends only on this key (up to a shift of token positions, which keeps
    their order); names that differ only in such tokens ("... 2023", "... #12") are
    scanned once. ``normalise`` never leaves a ``|`` in a string.
    """
    if len(normalised) == 0:
        return pa.array([], pa.string())
    tokens = pc.split_pattern(normalised, " ")
    flat = pc.list_flatten(tokens)
    marked = pc.if_else(pc.is_in(flat, value_set=keep), flat, "|")
    joined = pc.binary_join(pa.ListArray.from_arrays(tokens.offsets, marked), " ")
    collapsed = pc.replace_substring_regex(joined, r"\|( \|)+", "|")
    return pc.utf8_trim(collapsed, "| ")
