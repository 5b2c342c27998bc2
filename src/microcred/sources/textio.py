"""Decoding and CSV parsing that never lose track of a row.

Exports come as UTF-8 with or without a BOM, and older or hand-edited ones as
Windows-1252 (Latin-1). We decode per line so that one mis-encoded line does
not turn the whole file into mojibake, and the CSV layer reports wrong column
counts per 1-based data row instead of raising.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

csv.field_size_limit(1 << 24)


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
        raise UnreadableFile("binary content (NUL bytes), not a text file")
    try:
        return data.decode("utf-8"), label
    except UnicodeDecodeError:
        pass
    decoded = [_decode_line(p) for p in data.split(b"\n")]
    fallback = sum(1 for _, how in decoded if how == "cp1252")
    utf8 = sum(1 for _, how in decoded if how == "utf-8")
    text = "\n".join(s for s, _ in decoded)
    return text, ("cp1252" if utf8 == 0 else f"utf-8+cp1252({fallback} lines)")


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


def parse_csv(text: str) -> tuple[list[str], Iterator[CsvRecord]]:
    """(header as written, records). Rows whose width differs from the header are errors."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
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

    def records() -> Iterator[CsvRecord]:
        width = len(header)
        n = 0
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                n += 1
                yield CsvRecord(n, None, f"CSV syntax error: {exc}")
                continue
            if not any(v.strip() for v in values):
                continue  # blank line, or a row of empty cells (",,,,"): not a record
            n += 1
            if len(values) > width and not any(v.strip() for v in values[width:]):
                values = values[:width]  # trailing empty cells
            if len(values) != width:
                lines = 1 + sum(v.count("\n") for v in values)
                extra = f", spans {lines} lines (unterminated quote?)" if lines > 1 else ""
                yield CsvRecord(
                    n, None, f"wrong column count: expected {width}, got {len(values)}{extra}"
                )
                continue
            yield CsvRecord(n, values)

    return header, records()


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
