"""``microcred code titles`` and ``microcred eval titles``: the occupation coder on the command line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

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


@code_app.command("titles")
def code_titles(
    input: Path = typer.Argument(..., help=IN_HELP),
    column: str = typer.Option("title", "--column", help="Column holding the job titles."),
    context_column: str | None = typer.Option(
        None,
        "--context-column",
        help="Optional context column (e.g. company); carried through, not used for coding yet.",
    ),
    out: Path = typer.Option(..., "--out", help=OUT_HELP),
    distinct: bool = typer.Option(False, "--distinct", help=DISTINCT_HELP),
    bom: bool = typer.Option(False, "--bom", help=BOM_HELP),
    sheet: str | None = typer.Option(None, "--sheet", help=SHEET_HELP),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", envvar="MICROCRED_DATA_DIR", help="Reference data directory."
    ),
    min_confidence: float = typer.Option(
        0.35, "--min-confidence", help="Abstain below this calibrated confidence."
    ),
) -> None:
    """Append NOC 2021 code, title, TEER, confidence, alternatives, SOC 2018 and seniority to each row."""
    from microcred import api

    console = Console(stderr=True)
    with console.status("coding titles"):
        _, coded, _ = code_file(
            input,
            sheet,
            out,
            bom,
            api.code_titles,
            column,
            context_column,
            min_confidence=min_confidence,
            data_dir=data_dir,
            distinct=distinct,
        )
    unit = "distinct titles" if distinct else "rows"
    console.print(
        f"{coded.num_rows:,} {unit} written, {coded['noc2021'].null_count:,} without a code -> {out}"
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


def _check_column(labelled: Path, column: str) -> pd.DataFrame:
    """The labelled file, read; a one-line error when it has no ``column``."""
    from microcred.evaluation.titles import read_labelled

    df = read_labelled(labelled)
    if column not in df.columns:
        raise InputError(f"{labelled}: no column {column!r}", "name a column of the file")
    return df


def _by_group(
    labelled: Path,
    column: str,
    title_column: str,
    code_column: str,
    acceptable_column: str | None,
    coder: object,
) -> pd.DataFrame:
    """The headline figures for each value of ``column``, each with its Wilson interval.

    Why: a pooled figure hides that the coder does well on the profile titles it was
    built around and badly on terse self-reported ones; the targets are per style.
    """
    from microcred.evaluation.titles import evaluate_titles, wilson

    df = _check_column(labelled, column)
    rows = []
    for value, part in df.groupby(column, sort=True):
        rep = evaluate_titles(
            part.reset_index(drop=True), title_column, code_column, acceptable_column, coder, None
        )
        lo, hi = wilson(rep.accuracy[5], rep.n)
        rows.append(
            {
                column: str(value),
                "titles": rep.n,
                "top1_5digit": rep.accuracy[5],
                "ci_low": lo,
                "ci_high": hi,
                "coverage": rep.coverage,
                "digital_precision": rep.digital_precision,
                "digital_recall": rep.digital_recall,
                "digital_membership_precision": rep.digital_membership_precision,
                "ece": rep.ece,
                "top70": rep.top70_accuracy,
            }
        )
    return pd.DataFrame(rows)


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
    confusion_out: Path | None = typer.Option(
        None, "--confusion-out", help="Write the confusion matrix (gold -> predicted) as JSON."
    ),
    by_column: str | None = typer.Option(
        None,
        "--by-column",
        help="Also score each value of this column on its own (e.g. style: profile vs US).",
    ),
    leave_examples_out: bool = typer.Option(
        False,
        "--leave-examples-out",
        help="Ignore FILE's rows: score a held-out 10% of the NOC example titles, "
        "with the coder retrained without them.",
    ),
) -> None:
    """Top-1 accuracy at 5/4/3/2 digits, coverage, digital P/R, by language, reliability."""
    from microcred.coding.base import CoderSettings
    from microcred.coding.occupation import OccupationCoder
    from microcred.evaluation.titles import evaluate_titles, wilson

    console = Console()
    if by_column and not leave_examples_out and labelled.exists():
        _check_column(labelled, by_column)  # before the coder loads and scores the whole file
    source: Path | pd.DataFrame = labelled
    exclude = None
    if leave_examples_out:
        from microcred.evaluation.titles import noc_example_holdout

        source = noc_example_holdout(data_dir)
        exclude = source["title"].tolist()
        title_column, code_column, acceptable_column = "title", "noc2021", "acceptable"
    settings = CoderSettings.with_coding(
        occupation_min_confidence=min_confidence, options={"exclude_titles": exclude or []}
    )
    coder = OccupationCoder.load(data_dir, settings)
    try:
        report = evaluate_titles(
            source, title_column, code_column, acceptable_column, coder, language_column
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
            {"figure": "ECE (coded titles)", "value": report.ece},
            {"figure": "accuracy of 70% most confident", "value": report.top70_accuracy},
            {
                "figure": "top-1 5-digit 95% CI low",
                "value": wilson(report.accuracy[5], report.n)[0],
            },
            {
                "figure": "top-1 5-digit 95% CI high",
                "value": wilson(report.accuracy[5], report.n)[1],
            },
        ]
    )
    name = "held-out NOC example titles" if leave_examples_out else labelled.name
    console.print(_rich_frame(f"Occupation coder on {name}", head))
    console.print(_rich_frame("By language", report.by_language))
    console.print(_rich_frame("By coding method", report.by_method))
    console.print(_rich_frame("Reliability (calibration)", report.reliability))
    console.print(_rich_frame("Digital occupations", report.digital_by_code))
    if by_column and not leave_examples_out:
        groups = _by_group(labelled, by_column, title_column, code_column, acceptable_column, coder)
        console.print(_rich_frame(f"By {by_column}", groups))
    if show_errors:
        console.print(_rich_frame("Mistakes", report.errors.head(show_errors)))
    if confusion_out is not None:
        import json

        confusion_out.parent.mkdir(parents=True, exist_ok=True)
        confusion_out.write_text(
            json.dumps(report.confusion_json(), indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        console.print(f"confusion matrix written to {confusion_out}")
