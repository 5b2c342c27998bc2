"""``microcred code skills`` and ``microcred eval skills``."""

from __future__ import annotations

import time
from pathlib import Path

import pyarrow.compute as pc
import typer
from rich.console import Console

from microcred.cli_app import code_app, eval_app
from microcred.commands.tableio import column, read_input, write_output
from microcred.errors import InputError


@code_app.command("skills")
def code_skills(
    input_path: Path = typer.Argument(..., metavar="INPUT", help="CSV or Parquet file."),
    skill_column: str = typer.Option("skill", "--column", help="Column with the skill strings."),
    out: Path = typer.Option(..., "--out", help="Output file (.csv or .parquet)."),
    data_dir: Path = typer.Option(
        None, "--data-dir", envvar="MICROCRED_DATA_DIR", help="Reference data directory."
    ),
) -> None:
    """Code the distinct skills of a file to O*NET technologies and ESCO skills."""
    from microcred.coding.skills import SkillCoder

    console = Console(stderr=True)
    table = read_input(input_path)
    values = column(table, skill_column, input_path, "--column")
    distinct = pc.unique(values.drop_null())  # type: ignore[union-attr]
    distinct = distinct.take(pc.sort_indices(distinct))
    t0 = time.perf_counter()
    coder = SkillCoder.load(data_dir)
    t1 = time.perf_counter()
    coded = coder.code(distinct)
    t2 = time.perf_counter()
    write_output(coded, out)
    n_coded = coded.num_rows - coded["skill_id"].null_count
    console.print(
        f"{len(distinct):,} distinct skills from {table.num_rows:,} rows; "
        f"{n_coded:,} coded ({n_coded / max(len(distinct), 1):.1%})"
    )
    console.print(f"loaded in {t1 - t0:.2f} s, coded in {t2 - t1:.2f} s; wrote {out}")


@eval_app.command("skills")
def eval_skills(
    labelled: Path = typer.Argument(
        ..., help="Hand-labelled CSV (skill, expected_label, language); empty label = unknown."
    ),
    errors: int = typer.Option(40, "--errors", help="How many errors to list."),
    typos: bool = typer.Option(
        False, "--typos", help="Also report fuzzy-match precision on the set with one typo each."
    ),
) -> None:
    """Label accuracy, coverage, and whether unknown skills stay unknown."""
    from microcred.evaluation.skills import evaluate_skills, typo_calibration

    if not labelled.exists():
        raise InputError(f"labelled file not found: {labelled}", "check the LABELLED path")
    try:
        report = evaluate_skills(labelled)
    except ValueError as exc:
        raise InputError(str(exc), "fix the labelled file at that row and field") from exc
    console = Console(width=200)
    console.print(report.format(max_errors=errors), markup=False, highlight=False)
    if typos:
        console.print("with one typo per skill (method, confidence band → n, precision):")
        console.print(typo_calibration(labelled).to_string(), markup=False, highlight=False)
