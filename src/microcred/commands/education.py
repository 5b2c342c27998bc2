"""``microcred code education`` and ``microcred eval education``."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pyarrow as pa
import typer
from rich.console import Console

from microcred.cli_app import code_app, eval_app
from microcred.commands.tableio import column, read_input, write_output
from microcred.errors import InputError


@code_app.command("education")
def code_education(
    input_path: Path = typer.Argument(..., metavar="INPUT", help="CSV or Parquet file."),
    degree_column: str = typer.Option("degree", "--degree-column", help="Column with the degree."),
    field_column: str = typer.Option(
        None, "--field-column", help="Column with the field of study."
    ),
    school_column: str = typer.Option(
        None, "--school-column", help="Column with the school name (helps: bootcamps, cégeps)."
    ),
    out: Path = typer.Option(..., "--out", help="Output file (.csv or .parquet)."),
) -> None:
    """Code the distinct education entries of a file: level, CIP 2021 field, digital training."""
    from microcred.coding.education import EducationCoder

    console = Console(stderr=True)
    table = read_input(input_path)
    n = table.num_rows
    parts = [
        column(table, degree_column, input_path, "--degree-column"),
        column(table, field_column, input_path, "--field-column"),
        column(table, school_column, input_path, "--school-column"),
    ]
    lists = [p.to_pylist() if p is not None else [None] * n for p in parts]
    distinct = sorted(
        set(zip(*lists, strict=True)), key=lambda t: tuple("" if x is None else x for x in t)
    )
    data = {"degree": pa.array([t[0] for t in distinct], pa.string())}
    data["field"] = pa.array([t[1] for t in distinct], pa.string())
    if school_column:
        data["school"] = pa.array([t[2] for t in distinct], pa.string())
    t0 = time.perf_counter()
    coder = EducationCoder.load()
    t1 = time.perf_counter()
    coded = coder.code(pa.table(data))
    t2 = time.perf_counter()
    write_output(coded, out)
    counts = Counter(coded["education_level"].to_pylist())
    console.print(f"{len(distinct):,} distinct entries from {n:,} rows")
    for level, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        console.print(f"  {level:<24} {count:>8,}")
    console.print(f"loaded in {t1 - t0:.2f} s, coded in {t2 - t1:.2f} s; wrote {out}")


@eval_app.command("education")
def eval_education(
    labelled: Path = typer.Argument(
        ...,
        help="Hand-labelled CSV (degree, field, school, education_level, cip2021, "
        "formal_digital_training, language).",
    ),
    errors: int = typer.Option(30, "--errors", help="How many level errors to list."),
) -> None:
    """Level accuracy and confusion matrix, CIP 2-digit and formal digital training accuracy."""
    from microcred.evaluation.education import evaluate_education

    if not labelled.exists():
        raise InputError(f"labelled file not found: {labelled}", "check the LABELLED path")
    try:
        report = evaluate_education(labelled)
    except ValueError as exc:
        raise InputError(str(exc), "fix the labelled file at that row and field") from exc
    Console(width=200).print(report.format(max_errors=errors), markup=False, highlight=False)
