"""The CSV layer's own guarantees: line splitting, delimiter sniffing, line spans, cell caps."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.sources import textio
from microcred.sources.textio import decode_text, parse_csv, sniff_delimiter


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(["a", ",", '"', "\r", "\n", "\r\n", "é", " ", "\u2028"]), max_size=60)
)
def test_large_text_lines_match_stringio(parts: list[str]) -> None:
    text = "".join(parts)
    expected = list(io.StringIO(text, newline=""))
    saved = textio.SMALL_TEXT
    textio.SMALL_TEXT = 0  # force the path used for large texts
    try:
        assert list(textio._lines(text)) == expected
    finally:
        textio.SMALL_TEXT = saved


@pytest.mark.parametrize(
    ("header", "known", "expected"),
    [
        ("Name,Url,Authority", frozenset({"name", "url", "authority"}), ","),
        ("Name;Url;Authority", frozenset({"name", "url", "authority"}), ";"),
        ("Name\tUrl\tAuthority", frozenset({"name", "url", "authority"}), "\t"),
        ("Name", frozenset({"name"}), ","),  # one column: the default
        ("Company Name;Title,with comma", frozenset({"company name", "title"}), ";"),
        ('"a;b",c,d', frozenset(), ","),  # a quoted ; is not a delimiter
    ],
)
def test_sniff_delimiter(header: str, known: frozenset[str], expected: str) -> None:
    assert sniff_delimiter(header + "\n1,2,3\n", known) == expected


def test_records_know_their_lines_and_caps() -> None:
    text = 'Name,Note\nA,"one\ntwo"\nB,x\n' + "C," + "y" * 20 + "\n"
    header, records = parse_csv(text, max_cell=10, line_offset=3)
    recs = list(records)
    assert header == ["Name", "Note"]
    assert [(r.row, r.first_line, r.last_line) for r in recs] == [(1, 5, 6), (2, 7, 7), (3, 8, 8)]
    assert recs[2].values is None and "max_cell_chars=10" in recs[2].error
    assert "line 8" in recs[2].error


def test_utf16_without_bom_and_binary() -> None:
    assert decode_text("Name\nÉcole\n".encode("utf-16-le")) == ("Name\nÉcole\n", "utf-16-le")
    assert decode_text("Name\nÉcole\n".encode("utf-16-be")) == ("Name\nÉcole\n", "utf-16-be")
    with pytest.raises(textio.UnreadableFile, match="binary"):
        decode_text(b"\x00\x01\x02\x03\x00\x00\xff")
