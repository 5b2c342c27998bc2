"""``microcred code credentials`` and ``microcred eval credentials``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    import pandas as pd


@code_app.command("credentials")
def code_credentials(
    input_path: Path = typer.Argument(..., metavar="INPUT", help=IN_HELP),
    name_column: str = typer.Option(
        "name", "--name-column", help="Column with the credential name."
    ),
    authority_column: str = typer.Option(
        None, "--authority-column", help="Column with the issuing authority."
    ),
    url_column: str = typer.Option(
        None, "--url-column", help="Column with a verification URL or url_host."
    ),
    out: Path = typer.Option(..., "--out", help=OUT_HELP),
    distinct: bool = typer.Option(False, "--distinct", help=DISTINCT_HELP),
    bom: bool = typer.Option(False, "--bom", help=BOM_HELP),
    sheet: str | None = typer.Option(None, "--sheet", help=SHEET_HELP),
) -> None:
    """Append credential type, microcredential flags, provider, platform and quality to each row."""
    from microcred import api

    console = Console(stderr=True)
    table, coded, seconds = code_file(
        input_path,
        sheet,
        out,
        bom,
        api.code_credentials,
        name_column,
        authority_column,
        url_column,
        distinct=distinct,
    )
    counts = Counter(coded["credential_type"].to_pylist())
    unit = "distinct credentials" if distinct else "rows"
    summary = Table(title=f"{coded.num_rows:,} {unit} from {table.num_rows:,} input rows")
    summary.add_column("credential_type")
    summary.add_column("count", justify="right")
    for kind, count in sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        summary.add_row(str(kind), f"{count:,}")
    console.print(summary)
    console.print(f"loaded and coded in {seconds:.2f} s; wrote {out}")


@eval_app.command("credentials")
def eval_credentials(
    labelled: Path = typer.Argument(
        ..., help="Hand-labelled CSV (name, authority, url, credential_type, provider, language)."
    ),
    errors: int = typer.Option(20, "--errors", help="How many misclassified entries to list."),
    confusion_out: Path | None = typer.Option(
        None,
        "--confusion-out",
        help="Write the confusion matrix and is_micro error counts as JSON to this path.",
    ),
    split: str | None = typer.Option(
        None, "--split", help="Score only the rows whose 'split' column is this (tune, holdout)."
    ),
) -> None:
    """Type accuracy, confusion matrix, is_micro precision/recall/F1, provider and platform
    accuracy, each with a 95 % interval (Wilson; bootstrap for F1)."""
    from microcred.evaluation.credentials import evaluate_credentials, read_labelled
    from microcred.evaluation.splits import select_split

    console = Console()
    try:
        if split:
            report = evaluate_credentials(
                select_split(read_labelled(labelled), split, str(labelled))
            )
        else:
            report = evaluate_credentials(labelled)
    except (FileNotFoundError, ValueError) as exc:
        raise InputError(str(exc), "check the labelled file named in the command") from None
    head = Table(title=f"Credential coder on {labelled} ({report.n} entries)")
    head.add_column("measure")
    head.add_column("value", justify="right")
    head.add_column("95% interval", justify="right")
    head.add_row("type accuracy", f"{report.type_accuracy:.1%}", _ci(report.type_interval))
    for lang, (acc, n) in sorted(report.accuracy_by_language.items()):
        head.add_row(f"  type accuracy, {lang} ({n})", f"{acc:.1%}", "")
    for name, s in report.micro.items():
        head.add_row(f"is_micro_{name} precision", f"{s.precision:.3f}", _ci(s.precision_interval))
        head.add_row(f"is_micro_{name} recall", f"{s.recall:.3f}", _ci(s.recall_interval))
        head.add_row(f"is_micro_{name} F1", f"{s.f1:.3f}", _ci(s.f1_interval))
    head.add_row(
        f"provider accuracy ({report.provider_n} labelled)",
        f"{report.provider_accuracy:.1%}",
        _ci(report.provider_interval),
    )
    if report.platform_accuracy is not None:
        head.add_row(
            f"platform accuracy ({report.platform_n} labelled)",
            f"{report.platform_accuracy:.1%}",
            _ci(report.platform_interval),
        )
    console.print(head)
    conf = Table(title="confusion matrix (rows labelled, columns coded)")
    conf.add_column("labelled \\ coded")
    short = {
        "mooc_certificate": "mooc",
        "vendor_certification": "vendor",
        "professional_certification": "prof",
        "bootcamp_certificate": "boot",
        "university_microcredential": "univ",
        "digital_badge": "badge",
        "professional_licence": "lic",
        "academic_credential": "acad",
        "training_attendance": "attend",
        "other": "other",
        "unknown": "unk",
    }
    for c in report.confusion.columns:
        conf.add_column(short[c], justify="right")
    for label, row in report.confusion.iterrows():
        conf.add_row(str(label), *[str(int(v)) if v else "·" for v in row])
    console.print(conf)
    _print_errors(console, "type errors", report.errors, errors)
    _print_errors(console, "provider errors", report.provider_errors, errors)
    if confusion_out is not None:
        written = report.write_confusion(confusion_out)
        console.print(f"wrote {written}")


def _print_errors(console: Console, title: str, frame: pd.DataFrame, limit: int) -> None:
    """The first ``limit`` rows of an error frame as a table (nothing when none or limit 0)."""
    if not len(frame) or limit <= 0:
        return
    table = Table(title=f"{title} ({len(frame)})")
    for c in frame.columns:
        table.add_column(c, overflow="fold")
    for r in frame.head(limit).itertuples(index=False):
        table.add_row(*[str(v) for v in r])
    console.print(table)


def _ci(interval: tuple[float, float]) -> str:
    lo, hi = interval
    return "—" if lo != lo else f"{lo:.3f}–{hi:.3f}"  # nan check: no entries
