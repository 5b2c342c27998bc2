"""Reading and writing the tables people hand us and take away: CSV, XLSX and Parquet.

Why one module: a file saved by French Excel (``;``, cp1252), by a Windows tool
(UTF-16) or as a workbook must read the same as a tidy UTF-8 CSV, and every column
comes in as nullable text so codes keep their leading zeros ("00010") and "NA"
stays a word. Writing goes by the file's extension, and workbooks are written
byte-identically for the same data (a fixed creation date), like every other output.

Encoding and delimiter sniffing are a few lines here rather than a library
(charset-normalizer, ``csv.Sniffer``): the candidates are few and known (UTF-8 ± BOM,
UTF-16, cp1252; ``,`` ``;`` tab ``|``), and a guesser trained on prose gets short,
mostly-ASCII tables wrong more often than these rules do.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

CSV_SUFFIXES = frozenset({".csv", ".tsv", ".txt"})
XLSX_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})
PARQUET_SUFFIXES = frozenset({".parquet", ".pq"})
WRITABLE = (".csv", ".tsv", ".xlsx", ".parquet")
EXCEL_MAX_ROWS = 1_048_576
# A fixed creation date makes a workbook's bytes depend on its data only.
_WORKBOOK_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_BYTES = 1 << 16


class TableFormatError(ValueError):
    """A file that cannot be read or written as a table; the message names the file."""


def sniff_encoding(path: Path) -> str:
    """The text encoding of a CSV: a BOM if there is one, else UTF-8 if it all decodes, else cp1252."""
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] != 0:
            return "utf-16-le"  # ASCII text as UTF-16 without a BOM: every other byte is zero
        if len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] != 0:
            return "utf-16-be"
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def sniff_delimiter(lines: Sequence[str]) -> str:
    """The delimiter that splits the first lines into the same number (> 1) of fields.

    Ties go to the delimiter giving the most fields; a one-column file gets ``,``.
    """
    best, best_score = ",", (False, 1)
    for delim in _DELIMITERS:
        widths = [len(row) for row in csv.reader(lines, delimiter=delim) if row]
        if not widths or widths[0] < 2:
            continue
        score = (all(w == widths[0] for w in widths), widths[0])
        if score > best_score:
            best, best_score = delim, score
    return best


def _sample_lines(path: Path, encoding: str) -> list[str]:
    with path.open(encoding=encoding, errors="replace", newline="") as fh:
        text = fh.read(_SAMPLE_BYTES)
    lines = text.splitlines()
    if len(text) >= _SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut short
    return lines[:200]


def read_csv(path: Path) -> pa.Table:
    """A delimited text file with sniffed encoding and delimiter; every column as strings."""
    encoding = sniff_encoding(path)
    lines = _sample_lines(path, encoding)
    if not lines:
        raise TableFormatError(f"{path}: the file is empty (no header row)")
    delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(lines)
    header = next(csv.reader(lines[:1], delimiter=delimiter), [])
    arrow_encoding = {"utf-8": "utf8", "utf-8-sig": "utf8"}.get(encoding, encoding)
    try:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding=arrow_encoding),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=True,
                null_values=[""],
                auto_dict_encode=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise TableFormatError(
            f"{path}: cannot read as {encoding} text separated by {delimiter!r} ({exc})"
        ) from exc


def _cell_text(value: object) -> str | None:
    """A workbook cell as text: whole numbers without ``.0``, dates in ISO form."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def read_workbook(path: Path, sheet: str | None = None) -> pa.Table:
    """One sheet (the first unless named) of an XLSX/XLS/ODS workbook; the first row is the header.

    Numbers Excel stored as numbers come back without ``.0`` ("1", not "1.0"); leading
    zeros survive only if the cell was text in the workbook (Excel drops them otherwise).
    """
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        names = book.sheet_names
        if sheet is not None and sheet not in names:
            raise TableFormatError(f"{path}: no sheet {sheet!r} (sheets: {', '.join(names)})")
        rows = book.get_sheet_by_name(sheet or names[0]).to_python(skip_empty_area=True)
    except TableFormatError:
        raise
    except Exception as exc:  # calamine raises its own error types for damaged files
        raise TableFormatError(f"{path}: cannot read as a workbook ({exc})") from exc
    if not rows:
        raise TableFormatError(f"{path}: the sheet is empty (no header row)")
    header = [_cell_text(v) or "" for v in rows[0]]
    keep = [i for i, name in enumerate(header) if name]
    body = rows[1:]
    while body and all(_cell_text(v) is None for v in body[-1]):
        body.pop()  # trailing blank rows left by formatting
    return pa.table(
        {
            header[i]: pa.array(
                [_cell_text(r[i]) if i < len(r) else None for r in body], pa.string()
            )
            for i in keep
        }
    )


def read_table(path: Path, sheet: str | None = None) -> pa.Table:
    """A CSV/TSV, workbook or Parquet file, by extension, with every column as nullable strings."""
    path = Path(path)
    if not path.is_file():
        raise TableFormatError(f"input file not found: {path}")
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        try:
            table = pq.read_table(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise TableFormatError(f"{path}: cannot read as Parquet ({exc})") from exc
    elif suffix in XLSX_SUFFIXES:
        table = read_workbook(path, sheet)
    elif suffix in CSV_SUFFIXES:
        table = read_csv(path)
    else:
        raise TableFormatError(
            f"{path}: expected a .csv, .tsv, .xlsx or .parquet file, not {suffix or 'no extension'!r}"
        )
    return table.cast(pa.schema([pa.field(f.name, pa.string()) for f in table.schema]))


def write_csv(table: pa.Table, out: Path, *, bom: bool = False, delimiter: str = ",") -> None:
    """CSV in UTF-8 (with a BOM when asked, so Excel reads accents right); ``\\n`` line ends."""
    with out.open("wb") as fh:
        if bom:
            fh.write(codecs.BOM_UTF8)
        pacsv.write_csv(table, fh, pacsv.WriteOptions(delimiter=delimiter))


def write_workbook(sheets: Iterable[tuple[str, pa.Table]], out: Path) -> None:
    """An XLSX with one sheet per (name, table): text stays text, numbers stay numbers.

    Strings are never turned into formulas, numbers or links, so a code "00010" or a
    label "=SUM(A1)" is shown as written. The same tables give the same bytes.
    """
    import xlsxwriter

    options = {
        "strings_to_numbers": False,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "nan_inf_to_errors": False,
        "constant_memory": True,
    }
    book = xlsxwriter.Workbook(str(out), options)
    book.set_properties({"created": _WORKBOOK_DATE.replace(tzinfo=None)})
    bold = book.add_format({"bold": True})
    try:
        for name, table in sheets:
            if table.num_rows + 1 > EXCEL_MAX_ROWS:
                raise TableFormatError(
                    f"{out}: sheet {name!r} has {table.num_rows:,} rows, more than Excel's "
                    f"{EXCEL_MAX_ROWS - 1:,}; write .parquet or .csv instead"
                )
            sheet = book.add_worksheet(name[:31])
            sheet.freeze_panes(1, 0)
            for j, col in enumerate(table.column_names):
                sheet.write_string(0, j, col, bold)
                sheet.set_column(j, j, min(max(len(col), 10) + 2, 60))
            # row by row, a batch at a time: constant_memory mode flushes each finished row
            i = 1
            for batch in table.to_batches(max_chunksize=10_000):
                for row in zip(*(c.to_pylist() for c in batch.columns), strict=True):
                    for j, value in enumerate(row):
                        _write_cell(sheet, i, j, value)
                    i += 1
    finally:
        book.close()


def _write_cell(sheet, row: int, col: int, value: object) -> None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, value if isinstance(value, str) else str(value))


def write_table(table: pa.Table, out: Path, *, bom: bool = False, sheet: str = "data") -> None:
    """Write ``table`` in the format the extension of ``out`` names (CSV, TSV, XLSX, Parquet)."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in WRITABLE:
        raise TableFormatError(
            f"{out}: cannot write {suffix or 'a file without extension'!r}; "
            f"use one of {', '.join(WRITABLE)}"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        pq.write_table(table, out, compression="zstd")
    elif suffix == ".xlsx":
        write_workbook([(sheet, table)], out)
    else:
        write_csv(table, out, bom=bom, delimiter="\t" if suffix == ".tsv" else ",")
