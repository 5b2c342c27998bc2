"""``microcred code titles`` and ``microcred eval titles``: the occupation coder on the command line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from microcred import schema
from microcred.cli_app import code_app, eval_app
from microcred.commands.tableio import read_input
from microcred.errors import InputError, UsageError, did_you_mean

_CHUNK = 20_000


@code_app.command("titles")
def code_titles(
    input: Path = typer.Argument(..., help="CSV or parquet file with a title column."),
    column: str = typer.Option("title", "--column", help="Column holding the job titles."),
    context_column: str | None = typer.Option(
        None,
        "--context-column",
        help="Optional context column (e.g. company); carried through, not used for coding yet.",
    ),
    out: Path = typer.Option(..., "--out", help="Output .csv or .parquet."),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", envvar="MICROCRED_DATA_DIR", help="Reference data directory."
    ),
    min_confidence: float = typer.Option(
        0.35, "--min-confidence", help="Abstain below this calibrated confidence."
    ),
) -> None:
    """Add NOC 2021 codes, confidence, alternatives, SOC 2018 and seniority to a file of titles."""
    from microcred.coding.occupation import OccupationCoder

    console = Console(stderr=True)
    table = read_input(input)
    if column not in table.column_names:
        raise UsageError(
            f"{input}: no column {column!r}{did_you_mean(column, table.column_names)}",
            f"name one of its columns: {', '.join(table.column_names)}",
        )
    if context_column and context_column not in table.column_names:
        raise UsageError(
            f"{input}: no column {context_column!r}"
            f"{did_you_mean(context_column, table.column_names)}",
            f"name one of its columns: {', '.join(table.column_names)}",
        )
    titles = pc.cast(table[column], pa.string())
    distinct = pc.unique(titles.combine_chunks())
    distinct = distinct.take(pc.array_sort_indices(distinct, null_placement="at_end"))
    coder = OccupationCoder.load(data_dir, min_confidence=min_confidence)
    parts = []
    with Progress(
        SpinnerColumn(),
        TextColumn("coding {task.total:,} distinct titles"),
        BarColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("titles", total=len(distinct))
        for start in range(0, len(distinct), _CHUNK):
            chunk = distinct.slice(start, _CHUNK)
            parts.append(coder.code(chunk))
            progress.advance(task, len(chunk))
    coded = pa.concat_tables(parts) if parts else schema.empty(schema.TITLES_CODED)
    left = table.to_pandas()
    right = coded.to_pandas().rename(columns={"title": "__title"})
    right = right.drop_duplicates("__title")
    out_cols = [c for c in right.columns if c != "__title"]
    # an input column that has an output name (e.g. a gold "noc2021") is kept as "<name>_input"
    left = left.rename(columns={c: f"{c}_input" for c in out_cols if c in left.columns})
    merged = left.merge(right, how="left", left_on=column, right_on="__title", sort=False)
    merged = merged.drop(columns="__title")
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".parquet":
        merged.to_parquet(out, index=False)
    else:
        merged.to_csv(out, index=False)
    abstained = (
        int(coded.num_rows - pc.sum(pc.is_valid(coded["noc2021"])).as_py()) if len(coded) else 0
    )
    console.print(
        f"coded {coded.num_rows:,} distinct titles ({abstained:,} abstained) -> {out}",
    )


def _rich_frame(title: str, df: pd.DataFrame) -> Table:
    t = Table(title=title)
    for c in df.columns:
        t.add_column(str(c), justify="right" if df[c].dtype.kind in "if" else "left")
    for row in df.itertuples(index=False):
        t.add_row(
            *["" if pd.isna(v) else (f"{v:.3f}" if isinstance(v, float) else str(v)) for v in row]
        )
    return t


@eval_app.command("titles")
def eval_titles(
    labelled: Path = typer.Argument(..., help="Hand-labelled CSV/parquet."),
    title_column: str = typer.Option("title", "--title-column"),
    code_column: str = typer.Option("noc2021", "--code-column"),
    acceptable_column: str | None = typer.Option(None, "--acceptable-column"),
    language_column: str | None = typer.Option("language", "--language-column"),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", envvar="MICROCRED_DATA_DIR", help="Reference data directory."
    ),
    min_confidence: float = typer.Option(0.35, "--min-confidence"),
    show_errors: int = typer.Option(0, "--show-errors", help="Print up to N mistakes."),
) -> None:
    """Top-1 accuracy at 5/4/3/2 digits, coverage, digital P/R, by language, reliability."""
    from microcred.coding.occupation import OccupationCoder
    from microcred.evaluation.titles import evaluate_titles

    console = Console()
    coder = OccupationCoder.load(data_dir, min_confidence=min_confidence)
    try:
        report = evaluate_titles(
            labelled, title_column, code_column, acceptable_column, coder, language_column
        )
    except ValueError as e:
        raise InputError(f"{labelled}: {e}", "fix the labelled file at that row and field") from e
    head = pd.DataFrame(
        [
            {"figure": "titles", "value": float(report.n)},
            {"figure": "coverage", "value": report.coverage},
            *({"figure": f"top-1 {d}-digit", "value": v} for d, v in report.accuracy.items()),
            {"figure": "accuracy among coded (5-digit)", "value": report.accuracy_coded},
            {"figure": "digital precision", "value": report.digital_precision},
            {"figure": "digital recall", "value": report.digital_recall},
            {
                "figure": "digital membership precision",
                "value": report.digital_membership_precision,
            },
            {"figure": "digital membership recall", "value": report.digital_membership_recall},
        ]
    )
    console.print(_rich_frame(f"Occupation coder on {labelled.name}", head))
    console.print(_rich_frame("By language", report.by_language))
    console.print(_rich_frame("By coding method", report.by_method))
    console.print(_rich_frame("Reliability (calibration)", report.reliability))
    console.print(_rich_frame("Digital occupations", report.digital_by_code))
    if show_errors:
        console.print(_rich_frame("Mistakes", report.errors.head(show_errors)))
