"""Released tables never carry a text cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv

import pandas as pd
import pyarrow.parquet as pq
from hypothesis import given
from hypothesis import strategies as st

from microcred.analysis.result import AnalysisTable
from microcred.release import write_table
from microcred.release.cells import FORMULA_STARTS, is_formula_like, neutralise_frame


def _table(df: pd.DataFrame) -> AnalysisTable:
    return AnalysisTable("t", "T", "uptake", "m", df, released=True)


def test_formula_cells_are_written_neutralised_and_numbers_untouched(tmp_path):
    df = pd.DataFrame(
        {
            "label": [
                '=HYPERLINK("http://evil","x")',
                "+1 555",
                "-cmd",
                "@SUM(A1)",
                "\tx",
                "\ry",
                "ok",
            ],
            "share": [-0.5, 0.25, -1e-05, 1.0, 2.0, 3.0, 4.0],
            "n": [-3, 1, 2, 3, 4, 5, 6],
        }
    )
    csv_path, pq_path = write_table(_table(df), tmp_path)
    with csv_path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    labels = [r["label"] for r in rows]
    assert not any(is_formula_like(v) for v in labels)
    assert labels[0] == "'" + df["label"][0]
    assert labels[-1] == "ok"
    assert [r["share"] for r in rows][:3] == ["-0.5", "0.25", "-1e-05"]
    assert [r["n"] for r in rows][0] == "-3"
    back = pq.read_table(pq_path).to_pandas()
    assert back["share"].tolist() == df["share"].tolist()
    assert back["n"].tolist() == df["n"].tolist()
    assert not any(is_formula_like(v) for v in back["label"])


def test_column_names_are_neutralised_too():
    out = neutralise_frame(pd.DataFrame({"=cmd": ["a"], "fine": [1]}))
    assert list(out.columns) == ["'=cmd", "fine"]


@given(
    st.lists(st.one_of(st.text(max_size=12), st.none(), st.floats(allow_nan=False)), max_size=20)
)
def test_no_text_cell_starts_a_formula_and_other_cells_keep_their_value(values):
    df = pd.DataFrame({"v": pd.Series(values, dtype=object)})
    out = neutralise_frame(df)["v"].tolist()
    for before, after in zip(values, out, strict=True):
        if isinstance(before, str):
            assert not after.startswith(FORMULA_STARTS)
            assert after in (before, "'" + before)
        else:
            assert after is before or after == before
