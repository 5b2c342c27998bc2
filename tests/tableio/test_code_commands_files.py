"""Each ``code`` command reads a French-Excel CSV (``;``, cp1252) and an XLSX, and gives back the
input rows, in order, with the codes appended; ``--distinct`` gives the distinct-value table."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from microcred.cli import app
from microcred.tabular import read_table, write_workbook

# Out of alphabetical order, with repeats and gaps, so order and the join back are tested.
INPUT = pa.table(
    {
        "id": ["00010", "00002", "00300", "00004", "00005", "00006"],
        "title": ["Scientifique des données", "Data Scientist", None, "Data Scientist", "zzqx", "Développeur web"],
        "cert": ["Google Data Analytics", "AWS Certified Cloud Practitioner", "Google Data Analytics", None, "Certificat en gestion", "AWS Certified Cloud Practitioner"],
        "org": ["Coursera", "Amazon Web Services (AWS)", "Coursera", None, "Université Laval", None],
        "degree": ["Baccalauréat", "DEC", "Bachelor of Science", "DEC", None, "Master's degree"],
        "field": ["Génie logiciel", "Techniques de l'informatique", "Computer Science", "Techniques de l'informatique", None, "Informatique"],
        "skill": ["Python", "Gestion de projet", "SQL", "Python", None, "Français"],
    }
)  # fmt: skip

COMMANDS = {
    "titles": (["--column", "title"], "noc2021"),
    "credentials": (["--name-column", "cert", "--authority-column", "org"], "credential_type"),
    "education": (["--degree-column", "degree", "--field-column", "field"], "education_level"),
    "skills": (["--column", "skill"], "skill_id"),
}


def _french_excel_csv(path: Path) -> Path:
    lines = [";".join(INPUT.column_names)]
    for row in INPUT.to_pylist():
        lines.append(";".join("" if v is None else v for v in row.values()))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    return path


def _workbook(path: Path) -> Path:
    write_workbook([("profiles", INPUT)], path)
    return path


def _run(args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("kind", sorted(COMMANDS))
@pytest.mark.parametrize(
    ("make_input", "out_name"), [(_french_excel_csv, "out.csv"), (_workbook, "out.xlsx")]
)
def test_code_command_keeps_rows_in_order(
    tmp_path: Path, kind: str, make_input, out_name: str
) -> None:
    options, code_column = COMMANDS[kind]
    src = make_input(tmp_path / ("in.csv" if out_name.endswith(".csv") else "in.xlsx"))
    out = tmp_path / out_name
    _run(["code", kind, str(src), *options, "--out", str(out)])
    if out_name.endswith(".xlsx"):
        assert out.read_bytes()[:2] == b"PK"  # a workbook, not CSV under an .xlsx name
    back = read_table(out)
    assert back.column_names[: INPUT.num_columns] == INPUT.column_names
    assert back.select(INPUT.column_names).equals(INPUT)  # same rows, same order, "00010" kept
    assert code_column in back.column_names
    codes = back[code_column].to_pylist()
    by_key = {}
    key = options[1]
    for value, code in zip(back[key].to_pylist(), codes, strict=True):
        by_key.setdefault(value, set()).add(code)
    assert all(len(v) == 1 for v in by_key.values())  # a repeated value gets the same code


def test_titles_codes_are_text_with_teer_as_a_whole_number(tmp_path: Path) -> None:
    src = _french_excel_csv(tmp_path / "in.csv")
    out = tmp_path / "out.csv"
    _run(["code", "titles", str(src), "--out", str(out), "--bom"])
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = read_table(out).to_pylist()  # every cell read back as the text written
    assert rows[1]["noc2021"] == "21211" and rows[1]["teer"] == "1"
    assert rows[0]["title"] == "Scientifique des données"
    assert rows[2]["noc2021"] is None  # an empty title is not coded


def test_distinct_writes_one_row_per_value(tmp_path: Path) -> None:
    src = _french_excel_csv(tmp_path / "in.csv")
    out = tmp_path / "distinct.parquet"
    _run(["code", "skills", str(src), "--column", "skill", "--distinct", "--out", str(out)])
    back = read_table(out)
    assert back["skill"].to_pylist() == ["Français", "Gestion de projet", "Python", "SQL"]


def test_clear_errors_for_a_missing_column_and_an_unknown_output(tmp_path: Path) -> None:
    src = _french_excel_csv(tmp_path / "in.csv")
    runner = CliRunner(env={"COLUMNS": "400"})  # long temporary paths must not wrap in the box
    res = runner.invoke(
        app, ["code", "titles", str(src), "--column", "nope", "--out", str(tmp_path / "o.csv")]
    )
    assert res.exit_code == 2 and "nope" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, ["code", "skills", str(src), "--out", str(tmp_path / "o.json")])
    assert res.exit_code == 2 and "o.json" in res.output
    assert not (tmp_path / "o.json").exists()
