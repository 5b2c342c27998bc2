"""Reading CSV in the encodings and delimiters people save, XLSX and Parquet; writing by extension."""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from microcred.tabular import (
    TableFormatError,
    read_table,
    sniff_delimiter,
    sniff_encoding,
    write_table,
    write_workbook,
)

ROWS = [
    {"title": "Développeur, logiciel", "noc": "00010", "teer": "1"},
    {"title": "Analyste de données", "noc": "21211", "teer": None},
    {"title": "NA", "noc": None, "teer": "0"},
]


def _text(delimiter: str) -> str:
    def cell(v: str | None) -> str:
        if v is None:
            return ""
        return f'"{v}"' if delimiter in v else v

    lines = [delimiter.join(ROWS[0])]
    lines += [delimiter.join(cell(r[k]) for k in r) for r in ROWS]
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize(
    ("encoding", "delimiter", "expected_encoding"),
    [
        ("utf-8", ",", "utf-8"),
        ("utf-8-sig", ";", "utf-8-sig"),
        ("cp1252", ";", "cp1252"),
        ("utf-16", "\t", "utf-16"),
        ("utf-16-le", ",", "utf-16-le"),
    ],
)
def test_csv_encodings_and_delimiters_are_sniffed(
    tmp_path: Path, encoding: str, delimiter: str, expected_encoding: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(_text(delimiter).encode(encoding))
    assert sniff_encoding(path) == expected_encoding
    assert read_table(path).to_pylist() == ROWS  # text stays text: "00010", "NA", null


def test_a_late_accent_still_makes_the_file_cp1252(tmp_path: Path) -> None:
    """The encoding is decided on the whole file, not its first kilobytes."""
    path = tmp_path / "late.csv"
    body = "name\n" + "plain\n" * 50_000 + "Montréal\n"
    path.write_bytes(body.encode("cp1252"))
    assert sniff_encoding(path) == "cp1252"
    assert read_table(path)["name"][-1].as_py() == "Montréal"


def test_delimiter_sniffing() -> None:
    assert sniff_delimiter(["a;b;c", "1;2,5;3"]) == ";"
    assert sniff_delimiter(["a\tb", "1\t2"]) == "\t"
    assert sniff_delimiter(['"x, y";z', '"1, 2";3']) == ";"
    assert sniff_delimiter(["title", "Data Scientist"]) == ","  # one column


def test_workbook_round_trip_keeps_text_codes_and_whole_numbers(tmp_path: Path) -> None:
    table = pa.table(
        {
            "noc": pa.array(["00010", "21211", None]),
            "teer": pa.array([1, None, 3], pa.int8()),  # numbers in the sheet...
            "share": pa.array([0.25, 1.0, None]),
            "label": pa.array(["=SUM(A1)", "é", "x"]),  # ...and text that looks like a formula
        }
    )
    out = tmp_path / "t.xlsx"
    write_table(table, out)
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no cell became a formula
    back = read_table(out).to_pylist()
    assert back[0] == {"noc": "00010", "teer": "1", "share": "0.25", "label": "=SUM(A1)"}
    assert back[1] == {"noc": "21211", "teer": None, "share": "1", "label": "é"}


def test_workbooks_are_byte_identical_for_the_same_tables(tmp_path: Path) -> None:
    table = pa.table({"a": ["x", "y"], "n": [1, 2]})
    write_workbook([("one", table), ("two", table)], tmp_path / "a.xlsx")
    write_workbook([("one", table), ("two", table)], tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_writing_goes_by_extension(tmp_path: Path) -> None:
    table = pa.table({"a": ["é", None]})
    write_table(table, tmp_path / "o.csv", bom=True)
    assert (tmp_path / "o.csv").read_bytes().startswith(codecs.BOM_UTF8)
    write_table(table, tmp_path / "o.csv")
    assert not (tmp_path / "o.csv").read_bytes().startswith(codecs.BOM_UTF8)
    write_table(table, tmp_path / "o.tsv")
    assert (tmp_path / "o.tsv").read_text(encoding="utf-8").startswith('"a"\n')
    write_table(table, tmp_path / "o.parquet")
    assert pq.read_table(tmp_path / "o.parquet").equals(table)
    write_table(table, tmp_path / "o.xlsx")
    assert (tmp_path / "o.xlsx").read_bytes()[:2] == b"PK"
    with pytest.raises(TableFormatError, match=r"o\.json"):
        write_table(table, tmp_path / "o.json")


def test_unreadable_inputs_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(TableFormatError, match="not found"):
        read_table(tmp_path / "missing.csv")
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(TableFormatError, match=r"x\.json"):
        read_table(tmp_path / "x.json")
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    with pytest.raises(TableFormatError, match=r"broken\.xlsx"):
        read_table(tmp_path / "broken.xlsx")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(TableFormatError, match="empty"):
        read_table(tmp_path / "empty.csv")
