"""Decoding and CSV parsing that never lose track of a row.

Exports come as UTF-8 with or without a BOM, UTF-16 when saved from Excel ("Unicode
text", usually tab-separated), and older or hand-edited ones as Windows-1252
(Latin-1). We decode per line so that one mis-encoded line does not turn the whole
file into mojibake. The delimiter (``,`` ``;`` tab) is sniffed from the header line
(the one whose cells match the most known column names wins). The CSV layer reports
wrong column counts, syntax errors and oversized cells per 1-based data row with
the physical line numbers the row spans, instead of raising; ``csv.Sniffer`` is not
used because it guesses from the body and misreads one-column files.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

csv.field_size_limit(1 << 24)
SMALL_TEXT = 1 << 20  # below this, io.StringIO's copy costs less than splitting in Python


class UnreadableFile(ValueError):
    """The bytes are not text in any encoding we accept, or not CSV at all."""


def _decode_line(line: bytes) -> tuple[str, str]:
    """(text, how): how is 'ascii', 'utf-8' or 'cp1252' (latin-1 for cp1252's 5 holes)."""
    if line.isascii():
        return line.decode("ascii"), "ascii"
    try:
        return line.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        try:
            return line.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return line.decode("latin-1"), "cp1252"


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding label): UTF-8 (BOM stripped), UTF-16 with BOM, else cp1252 per line.

    The label is ``utf-8``, ``utf-8-sig``, ``utf-16``, ``cp1252`` (no line was valid
    non-ASCII UTF-8) or ``utf-8+cp1252(N lines)`` for a file mixing both.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        label = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"invalid UTF-16 ({exc.reason})") from None
    else:
        label = "utf-8"
    if b"\x00" in data[:65536]:
        bom_less = _utf16_without_bom(data)
        if bom_less is None:
            raise UnreadableFile("binary content (NUL bytes), not a text file")
        try:
            return data.decode(bom_less), bom_less
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"invalid UTF-16 ({exc.reason})") from None
    try:
        return data.decode("utf-8"), label
    except UnicodeDecodeError:
        pass
    decoded = [_decode_line(p) for p in data.split(b"\n")]
    fallback = sum(1 for _, how in decoded if how == "cp1252")
    utf8 = sum(1 for _, how in decoded if how == "utf-8")
    text = "\n".join(s for s, _ in decoded)
    return text, ("cp1252" if utf8 == 0 else f"utf-8+cp1252({fallback} lines)")


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when ASCII-range text shows as every other byte NUL."""
    head = data[:4096]
    if len(head) < 4 or len(head) % 2:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def normalise_header(name: str) -> str:
    """Header cell → lookup key ("  Started On " → "started on")."""
    return " ".join(name.replace("\ufeff", "").strip().strip('"').lower().split())


_NOTES = re.compile(r"^\s*notes:", re.IGNORECASE)


def skip_preamble(text: str) -> tuple[str, int]:
    """Drop a LinkedIn "Notes:" preamble (up to the first blank line); returns (text, lines cut)."""
    if not _NOTES.match(text):
        return text, 0
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if i > 0 and not line.strip():
            return "".join(lines[i + 1 :]), i + 1
    raise UnreadableFile("'Notes:' preamble without a blank line before the header")


@dataclass
class CsvRecord:
    row: int  # 1-based data row (header and preamble not counted)
    values: list[str] | None  # None when the row is broken
    error: str | None = None
    first_line: int = 0  # physical lines of the text the row spans (1-based)
    last_line: int = 0

    @property
    def lines(self) -> str:
        """'line 7' or 'lines 7-9', for messages."""
        if self.first_line == self.last_line:
            return f"line {self.first_line}"
        return f"lines {self.first_line}-{self.last_line}"


DELIMITERS = (",", ";", "\t")


def sniff_delimiter(text: str, known: frozenset[str] = frozenset()) -> str:
    """The delimiter whose header cells match the most ``known`` names, then the most cells."""
    end = text.find("\n")
    line = text if end < 0 else text[:end]  # (not split(): that would copy the whole rest)
    return _sniff_line(line, known) if len(line) < 4096 else _sniff_line.__wrapped__(line, known)


@lru_cache(maxsize=4096)
def _sniff_line(line: str, known: frozenset[str]) -> str:
    """Cached: a cohort repeats the same few header lines thousands of times."""
    best, score = ",", (-1, -1)
    for delim in DELIMITERS:
        if delim not in line:
            continue
        try:
            cells = next(csv.reader([line], delimiter=delim))
        except (csv.Error, StopIteration):
            continue
        hits = sum(1 for c in cells if normalise_header(c) in known)
        if (hits, len(cells)) > score:
            best, score = delim, (hits, len(cells))
    return best


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _lines(text: str) -> Iterator[str]:
    """Lines as ``open(newline="")`` gives them (``\\r\\n``, ``\\r`` or ``\\n`` kept), one at a time.

    Why not ``io.StringIO``: it holds a 4-byte-per-character copy of the whole text.
    """
    if len(text) < SMALL_TEXT:
        yield from io.StringIO(text, newline="")
        return
    for match in _LINE.finditer(text):
        yield match.group()


def parse_csv(
    text: str,
    *,
    delimiter: str = ",",
    max_cell: int | None = None,
    line_offset: int = 0,
) -> tuple[list[str], Iterator[CsvRecord]]:
    """(header as written, records). Rows whose width differs from the header are errors.

    ``line_offset`` is added to line numbers (lines cut before ``text``, e.g. a preamble);
    a row with a cell longer than ``max_cell`` characters is an error naming the column.
    """
    reader = csv.reader(_lines(text), delimiter=delimiter, strict=False)
    header = _header(reader, max_cell)

    def records() -> Iterator[CsvRecord]:
        n = 0
        last = reader.line_num
        while True:
            first = last + 1 + line_offset
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                n += 1
                last = reader.line_num
                yield CsvRecord(n, None, f"CSV syntax error: {exc}", first, last + line_offset)
                continue
            last = reader.line_num
            if not any(v.strip() for v in values):
                continue  # blank line, or a row of empty cells (",,,,"): not a record
            n += 1
            yield _record(n, values, header, max_cell, (first, last + line_offset))

    return header, records()


def _header(reader: Iterator[list[str]], max_cell: int | None) -> list[str]:
    """The header row as written (BOM and spaces stripped, trailing empty cells dropped)."""
    try:
        header = next(reader)
    except StopIteration:
        raise UnreadableFile("empty file (no header row)") from None
    except csv.Error as exc:
        raise UnreadableFile(f"header is not CSV: {exc}") from None
    header = [h.replace("\ufeff", "").strip() for h in header]
    while header and header[-1] == "":
        header.pop()  # trailing comma in the header line
    if not any(header):
        raise UnreadableFile("empty header row")
    if max_cell is not None and any(len(h) > max_cell for h in header):
        raise UnreadableFile(f"a header cell is longer than {max_cell} characters")
    return header


def _record(
    n: int, values: list[str], header: list[str], max_cell: int | None, span: tuple[int, int]
) -> CsvRecord:
    """Record ``n``, or an error record when its width or a cell's length is wrong."""
    width = len(header)
    if len(values) > width and not any(v.strip() for v in values[width:]):
        values = values[:width]  # trailing empty cells
    if len(values) != width:
        extra = " (unterminated quote?)" if span[1] > span[0] else ""
        rec = CsvRecord(n, None, "", *span)
        rec.error = f"wrong column count: expected {width}, got {len(values)}, {rec.lines}{extra}"
        return rec
    if max_cell is not None and max(map(len, values)) > max_cell:
        col = next(i for i, v in enumerate(values) if len(v) > max_cell)
        rec = CsvRecord(n, None, "", *span)
        rec.error = (
            f"cell {header[col]!r} longer than ingest.max_cell_chars={max_cell}, {rec.lines}"
        )
        return rec
    return CsvRecord(n, values, None, *span)


def resolve_columns(header: list[str], aliases: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Canonical key → column index, using the first alias present; unknown columns ignored."""
    position = {normalise_header(name): i for i, name in reversed(list(enumerate(header)))}
    found: dict[str, int] = {}
    for key, names in aliases.items():
        for name in names:
            if name in position:
                found[key] = position[name]
                break
    return found
