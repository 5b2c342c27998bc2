"""``microcred code education`` and ``microcred eval education``."""

from __future__ import annotations

from collections import Counter
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


@code_app.command("education")
def code_education(
    input_path: Path = typer.Argument(..., metavar="INPUT", help=IN_HELP),
    degree_column: str = typer.Option("degree", "--degree-column", help="Column with the degree."),
    field_column: str = typer.Option(
        None, "--field-column", help="Column with the field of study."
    ),
    school_column: str = typer.Option(
        None, "--school-column", help="Column with the school name (helps: bootcamps, cégeps)."
    ),
    out: Path = typer.Option(..., "--out", help=OUT_HELP),
    distinct: bool = typer.Option(False, "--distinct", help=DISTINCT_HELP),
    bom: bool = typer.Option(False, "--bom", help=BOM_HELP),
    sheet: str | None = typer.Option(None, "--sheet", help=SHEET_HELP),
) -> None:
    """Append education level, CIP 2021 field and formal digital training to each row."""
    from microcred import api

    console = Console(stderr=True)
    table, coded, seconds = code_file(
        input_path,
        sheet,
        out,
        bom,
        api.code_education,
        degree_column,
        field_column,
        school_column,
        distinct=distinct,
    )
    counts = Counter(coded["education_level"].to_pylist())
    unit = "distinct entries" if distinct else "rows"
    console.print(f"{coded.num_rows:,} {unit} from {table.num_rows:,} input rows")
    for level, count in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        console.print(f"  {level!s:<24} {count:>8,}")
    console.print(f"loaded and coded in {seconds:.2f} s; wrote {out}")


@eval_app.command("education")
def eval_education(
    labelled: Path = typer.Argument(
        ...,
        help="Hand-labelled CSV (degree, field, school, education_level, cip2021, "
        "formal_digital_training, language).",
    ),
    errors: int = typer.Option(30, "--errors", help="How many level errors to list."),
    confusion_out: Path | None = typer.Option(
        None, "--confusion-out", help="Write the level confusion matrix as JSON here."
    ),
    split: str | None = typer.Option(
        None, "--split", help="Score only the rows whose 'split' column is this (tune, holdout)."
    ),
) -> None:
    """Level accuracy and confusion matrix, CIP 2-digit and formal digital training accuracy."""
    import pandas as pd

    from microcred.evaluation.education import evaluate_education
    from microcred.evaluation.splits import select_split

    if not labelled.exists():
        raise InputError(f"labelled file not found: {labelled}", "check the LABELLED path")
    try:
        if split:
            rows = pd.read_csv(labelled, dtype=str, keep_default_na=False)
            report = evaluate_education(select_split(rows, split, str(labelled)))
        else:
            report = evaluate_education(labelled)
    except ValueError as exc:
        raise InputError(str(exc), "fix the labelled file at that row and field") from exc
    Console(width=200).print(report.format(max_errors=errors), markup=False, highlight=False)
    if confusion_out is not None:
        import json

        confusion_out.parent.mkdir(parents=True, exist_ok=True)
        confusion_out.write_text(
            json.dumps(report.confusion_json(), indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
