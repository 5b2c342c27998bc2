"""The release files for people: ``tables/codebook.csv`` and ``release.xlsx``.

Why: a reader of the release should not need the code to know what a column means
or why a cell is blank. The workbook holds a README sheet (what the release is, how
suppression works, which sheet is which table), the codebook, and one sheet per
released table; the codebook is also a CSV beside the tables. Both are written
from released tables only, after disclosure control, and are byte-identical for
the same tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from microcred.analysis.result import AnalysisTable
from microcred.release.cells import neutralise_frame
from microcred.release.codebook import CODEBOOK_NAME, codebook_frame, codebook_records
from microcred.release.formats import integer_counts, write_csv_frame
from microcred.tabular import write_workbook

WORKBOOK_NAME = "release.xlsx"
_SHEET_CHARS = 31  # Excel's limit on a sheet name


def sheet_names(names: list[str]) -> dict[str, str]:
    """Table name → a unique sheet name of at most 31 characters."""
    taken = {"README", CODEBOOK_NAME}
    out: dict[str, str] = {}
    for name in names:
        sheet, i = name[:_SHEET_CHARS], 2
        while sheet in taken:
            suffix = f"~{i}"
            sheet, i = name[: _SHEET_CHARS - len(suffix)] + suffix, i + 1
        taken.add(sheet)
        out[name] = sheet
    return out


def _readme(
    tables: list[AnalysisTable], sheets: dict[str, str], privacy: dict[str, Any]
) -> pa.Table:
    min_cell = privacy.get("min_cell")
    lines = [
        ("About", "Tables released by a microcred run, after disclosure control. Only coded "
         "values and counts are published; no names, contacts, profile links or free text."),
        ("Codebook", "The 'codebook' sheet (and tables/codebook.csv) gives every column's "
         "definition, type, unit, universe and suppression rule."),
        ("Suppression", f"A count of fewer than {min_cell} people is blanked (primary "
         "suppression), and enough other cells are blanked that it cannot be worked back out "
         "(complementary suppression); values derived from a blanked count are blanked too. "
         "The 'suppressed' column of each row names the columns blanked in it."),
    ]  # fmt: skip
    if privacy.get("rounding_base"):
        lines.append(
            (
                "Rounding",
                f"Counts are randomly rounded to a multiple of {privacy['rounding_base']}.",
            )
        )
    if privacy.get("dp"):
        lines.append(
            ("Differential privacy", "Counts carry calibrated noise (see the manifest's ε ledger).")
        )
    for t in sorted(tables, key=lambda t: t.name):
        lines.append((f"Sheet {sheets[t.name]}", f"{t.title} ({t.name}, {len(t.data):,} rows)."))
    return pa.table({"item": [a for a, _ in lines], "text": [b for _, b in lines]})


def _arrow(df: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(None)


def write_release_files(
    tables: list[AnalysisTable], config: Any, out_dir: Path
) -> tuple[list[dict[str, Any]], list[Path]]:
    """Write ``tables/codebook.csv`` and ``release.xlsx`` for released ``tables``.

    ``config`` is the run's ``StudyConfig``; ``out_dir`` the run folder (a folder named
    ``tables`` is taken as the tables folder, as in ``release_tables``). Returns the
    codebook records (for the report's appendix) and the paths written.
    """
    unreleased = [t.name for t in tables if not t.released]
    if unreleased:
        raise ValueError(f"tables {unreleased} have not been through release; refusing to write")
    out_dir = Path(out_dir)
    tables_dir = out_dir if out_dir.name == "tables" else out_dir / "tables"
    tables_dir.mkdir(parents=True, exist_ok=True)
    dc = config.disclosure
    records = codebook_records(tables, dc.min_cell)
    codebook = codebook_frame(records)
    csv_path = tables_dir / f"{CODEBOOK_NAME}.csv"
    write_csv_frame(codebook, csv_path)
    ordered = sorted(tables, key=lambda t: t.name)
    sheets = sheet_names([t.name for t in ordered])
    privacy = {"min_cell": dc.min_cell, "rounding_base": dc.rounding_base, "dp": config.dp.enabled}
    book = [("README", _readme(ordered, sheets, privacy)), (CODEBOOK_NAME, _arrow(codebook))]
    for t in ordered:
        # the same cells as the CSVs: a text cell never starts a formula, even once re-saved as CSV
        data = neutralise_frame(integer_counts(t.data.reset_index(drop=True), t.count_columns))
        book.append((sheets[t.name], _arrow(data)))
    xlsx_path = tables_dir.parent / WORKBOOK_NAME
    write_workbook(book, xlsx_path)
    return records, [csv_path, xlsx_path]
