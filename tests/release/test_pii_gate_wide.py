"""The wider gate: each new detector finds its positives and lets near misses through."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.release import pii_gate as g
from microcred.release.pii_gate import PersonalDataFound, gate, png_text, scan_outputs

POSITIVES = {
    "postal_code": ["K1A 0B1", "m5v3l9", "H2X-1Y4", "Code postal : G1R 0A1."],
    "sin": ["130 692 544", "130692544", "SIN 130-692-544"],
    "phone_intl": ["+44 20 7946 0958", "+33 1 23 45 67 89", "0033 6 12 34 56 78", "+49 30 901820"],
    "phone_national": ["020 7946 0958", "06 12 34 56 78", "tél. 01.23.45.67.89"],
    "street_address": [
        "221B Baker Street",
        "100 King St. W",
        "1234, rue Saint-Denis",
        "55 boul. René-Lévesque",
        "77 Imaginary Avenue",
    ],
    "url_host": [
        "https://janedoe.dev",
        "www.facebook.com/jane.doe",
        "gitlab.com/janedoe",
        "janedoe.dev/portfolio",
        "http://example.com/x",
        "https://sites.google.com/view/janedoe",
        "janedoe.github.io",
        "https://www.coursera.org/account/accomplishments/verify/ABCD1234",
        "https://www.instagram.com/janedoe/",
    ],
}

NEAR_MISSES = [
    "D1A 0B1",  # D is never a postal-code letter
    "W1A 0AX",  # a UK postcode shape, not a Canadian one
    "sha256 a1b2c3d4e5f6a7b8c9d0",  # hex digests
    "130 692 545",  # fails Luhn
    "830 692 544",  # SINs never start with 8
    "1306925440",  # ten digits
    "0.130692544",  # a float
    "0.0041234579,-0.0061234523",  # floats whose digits after "0." look like a 00 prefix
    "+1 000",  # too short to dial
    "ISBN 978-3-16-148410-0",
    "2021-2025",
    "0.5 0.25 0.125",
    "01-02-2023",
    "01.02.2023",
    "3 Data Scientists",
    "21211 Software developers and programmers",
    "Top 5 Way",
    "in 2019 the street",
    "http://www.w3.org/2000/svg",
    "coursera.org",
    "coursera.org/verify",
    "Scrum.org",
    "linkedin.com/learning",
    "https://github.com/example-org/microcred",
    "ASP.NET Core",
    "Node.js",
    "facebook.com",
    "20231129",
    "1,234,567",
    "2023-01-02",
    "education_level=college",
    "NOC 21211, 2023: 3.4 % (n = 2,345)",
]


def _scan(text: str) -> list[str]:
    scanner = g._Scanner((), None, g.DEFAULT_PATTERNS)
    return [f.kind for f in scanner.scan_text(text, "f", "", planted=False, key=False)]


@pytest.mark.parametrize(("kind", "text"), [(k, t) for k, ts in POSITIVES.items() for t in ts])
def test_each_detector_finds_its_positives(kind, text):
    assert kind in _scan(f"x {text} y"), text


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_pass(text):
    assert _scan(text) == []


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=100_000_000, max_value=999_999_999))
def test_a_nine_digit_number_is_a_sin_exactly_when_it_could_be_issued_and_passes_luhn(n):
    digits = str(n)
    total = sum(
        (d * 2 - 9 if d * 2 > 9 else d * 2) if i % 2 else d
        for i, d in enumerate(int(c) for c in reversed(digits))
    )
    expected = total % 10 == 0 and digits[0] not in "08"
    spaced = f"{digits[:3]} {digits[3:6]} {digits[6:]}"
    assert ("sin" in _scan(spaced)) == expected


_ANY = st.text(alphabet="0123456789 .-()+@abxKAB/:_%wcomrgtdevSRue,", min_size=0, max_size=30)


@settings(max_examples=400, deadline=None)
@given(st.lists(_ANY, min_size=1, max_size=8))
def test_the_per_pattern_prefilters_never_hide_a_finding(values):
    arr = pa.array(values, pa.string())
    for kind, pat in g.DEFAULT_PATTERNS.items():
        kept = set(pa.compute.filter(arr, pa.compute.match_substring_regex(arr, g._PREFILTER_OF[kind])).to_pylist())  # fmt: skip
        for v in values:
            if any(not g._allowed(kind, m) for m in pat.finditer(v)):
                assert v in kept, (kind, v)


def _png(chunks: list[tuple[bytes, bytes]]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    body = chunk(b"IHDR", ihdr) + b"".join(chunk(k, d) for k, d in chunks)
    body += chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def test_png_text_chunks_are_read_and_scanned(tmp_path):
    png = _png(
        [
            (b"tEXt", b"Title\x00Uptake by group"),
            (b"zTXt", b"Author\x00\x00" + zlib.compress(b"jane.doe@example.org")),
            (b"iTXt", b"Comment\x00\x00\x00en\x00\x00call +44 20 7946 0958"),
        ]
    )
    assert [k for k, _ in png_text(png)] == ["Title", "Author", "Comment"]
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "f.png").write_bytes(png)
    kinds = sorted(f.kind for f in scan_outputs(tmp_path))
    assert kinds == ["email", "phone_intl"]
    clean = _png([(b"tEXt", b"Software\x00vl-convert")])
    (tmp_path / "figures" / "f.png").write_bytes(clean)
    assert scan_outputs(tmp_path) == []


def test_svg_text_and_metadata_are_scanned_but_not_path_data(tmp_path):
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg"><metadata>{meta}</metadata>'
        '<path d="M416 555 0123 L 130 692 544"/><text>{text}</text></svg>'
    )
    (tmp_path / "f.svg").write_text(svg.format(meta="made by microcred", text="Data scientists"))
    assert scan_outputs(tmp_path) == []
    (tmp_path / "f.svg").write_text(svg.format(meta="K1A 0B1", text="221B Baker Street"))
    assert sorted(f.kind for f in scan_outputs(tmp_path)) == ["postal_code", "street_address"]


def test_xlsx_cells_are_scanned(tmp_path):
    with zipfile.ZipFile(tmp_path / "t.xlsx", "w") as zf:
        zf.writestr("xl/sharedStrings.xml", "<sst><si><t>call 06 12 34 56 78</t></si></sst>")
    assert [f.kind for f in scan_outputs(tmp_path)] == ["phone_national"]


def test_manifest_file_names_are_caught_and_the_value_never_echoed(tmp_path):
    (tmp_path / "manifest.json").write_text(
        json.dumps({"input": {"per_file": {"jane.doe@example.org.zip": "ab" * 32}}})
    )
    with pytest.raises(PersonalDataFound) as err:
        gate(tmp_path)
    assert "manifest.json" in str(err.value)
    assert "jane.doe@example.org" not in str(err.value)


def test_restricted_folders_keep_the_narrow_scan(tmp_path):
    """Canonical tables hold employers, hosts and file names by design; e-mails still fail."""
    (tmp_path / "canonical").mkdir()
    ok = pd.DataFrame(
        {
            "company": ["Zorblax Consulting"],
            "url_host": ["coursera.org/verify"],
            "title": ["Developer, 100 King St. W"],
            "file": ["jane.doe@example.org.zip"],
        }
    )
    ok.to_parquet(tmp_path / "canonical" / "accounting.parquet")
    assert scan_outputs(tmp_path) == []
    bad = pd.DataFrame({"title": ["Developer jane.doe@example.org"]})
    bad.to_parquet(tmp_path / "canonical" / "positions.parquet")
    assert [f.kind for f in scan_outputs(tmp_path)] == ["email"]
    pq.write_table(pa.table({"t": ["K1A 0B1"]}), tmp_path / "released.parquet")
    assert sorted(f.kind for f in scan_outputs(tmp_path)) == ["email", "postal_code"]
