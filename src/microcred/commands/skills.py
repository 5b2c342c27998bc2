"""``microcred code skills`` and ``microcred eval skills``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from microcred.cli_app import code_app, eval_app
from microcred.commands.tableio import (
    BOM_HELP,
    DISTINCT_HELP,
    IN_HELP,
    OUT_HELP,
    SHEET_HELP,
    code_file,
)
from microcred.errors import InputError


@code_app.command("skills")
def code_skills(
    input_path: Path = typer.Argument(..., metavar="INPUT", help=IN_HELP),
    skill_column: str = typer.Option("skill", "--column", help="Column with the skill strings."),
    out: Path = typer.Option(..., "--out", help=OUT_HELP),
    distinct: bool = typer.Option(False, "--distinct", help=DISTINCT_HELP),
    bom: bool = typer.Option(False, "--bom", help=BOM_HELP),
    sheet: str | None = typer.Option(None, "--sheet", help=SHEET_HELP),
    data_dir: Path = typer.Option(
        None, "--data-dir", envvar="MICROCRED_DATA_DIR", help="Reference data directory."
    ),
) -> None:
    """Append the O*NET technology or ESCO skill each row's skill string names."""
    from microcred import api

    console = Console(stderr=True)
    table, coded, seconds = code_file(
        input_path, sheet, out, bom, api.code_skills, skill_column, data_dir=data_dir,
        distinct=distinct,
    )  # fmt: skip
    n_coded = coded.num_rows - coded["skill_id"].null_count
    unit = "distinct skills" if distinct else "rows"
    console.print(
        f"{coded.num_rows:,} {unit} from {table.num_rows:,} input rows; "
        f"{n_coded:,} coded ({n_coded / max(coded.num_rows, 1):.1%})"
    )
    console.print(f"loaded and coded in {seconds:.2f} s; wrote {out}")


@eval_app.command("skills")
def eval_skills(
    labelled: Path = typer.Argument(
        ..., help="Hand-labelled CSV (skill, expected_label, language); empty label = unknown."
    ),
    errors: int = typer.Option(40, "--errors", help="How many errors to list."),
    typos: bool = typer.Option(
        False, "--typos", help="Also report fuzzy-match precision on the set with one typo each."
    ),
    confusion_out: Path = typer.Option(
        None, "--confusion-out", help="Write the confusion counts (label, digital flag) as JSON."
    ),
    split: str | None = typer.Option(
        None, "--split", help="Score only the rows whose 'split' column is this (tune, holdout)."
    ),
) -> None:
    """Label accuracy, coverage, and whether unknown skills stay unknown."""
    import pandas as pd

    from microcred.evaluation.skills import evaluate_skills, typo_calibration, write_confusion
    from microcred.evaluation.splits import select_split

    if not labelled.exists():
        raise InputError(f"labelled file not found: {labelled}", "check the LABELLED path")
    try:
        rows = pd.read_csv(labelled, dtype=str, keep_default_na=False)
        rows = select_split(rows, split, str(labelled))
        report = evaluate_skills(rows if split else labelled)
    except ValueError as exc:
        raise InputError(str(exc), "fix the labelled file at that row and field") from exc
    console = Console(width=200)
    console.print(report.format(max_errors=errors), markup=False, highlight=False)
    if confusion_out is not None:
        console.print(f"wrote {write_confusion(report, confusion_out)}")
    if typos:
        console.print("with one typo per skill (method, confidence band → n, precision):")
        console.print(typo_calibration(rows).to_string(), markup=False, highlight=False)
