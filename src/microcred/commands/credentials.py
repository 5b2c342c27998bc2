"""``microcred code credentials`` and ``microcred eval credentials``."""

from __future__ import annotations

import time
from pathlib import Path

import pyarrow as pa
import typer
from rich.console import Console
from rich.table import Table

from microcred.cli_app import code_app, eval_app
from microcred.commands.tableio import column, read_input, write_output
from microcred.errors import InputError


@code_app.command("credentials")
def code_credentials(
    input_path: Path = typer.Argument(..., metavar="INPUT", help="CSV or Parquet file."),
    name_column: str = typer.Option(
        "name", "--name-column", help="Column with the credential name."
    ),
    authority_column: str = typer.Option(
        None, "--authority-column", help="Column with the issuing authority."
    ),
    url_column: str = typer.Option(
        None, "--url-column", help="Column with a verification URL or url_host."
    ),
    out: Path = typer.Option(..., "--out", help="Output file (.csv or .parquet)."),
) -> None:
    """Code the distinct credentials of a file: type, microcredential flags, provider, quality."""
    from microcred.coding.credentials import CredentialCoder
    from microcred.coding.credentials.text import reduce_url

    console = Console(stderr=True)
    table = read_input(input_path)
    names = column(table, name_column, input_path, "--name-column")
    auths = column(table, authority_column, input_path, "--authority-column")
    urls = column(table, url_column, input_path, "--url-column")
    n = table.num_rows
    url_hosts = (
        [reduce_url(u) or None if u else None for u in urls.to_pylist()]
        if urls is not None
        else [None] * n
    )
    triples = sorted(
        set(
            zip(
                names.to_pylist(),  # type: ignore[union-attr]
                auths.to_pylist() if auths is not None else [None] * n,
                url_hosts,
                strict=True,
            )
        ),
        key=lambda t: tuple("" if x is None else x for x in t),
    )
    batch = pa.table(
        {
            "name": pa.array([t[0] for t in triples], pa.string()),
            "authority": pa.array([t[1] for t in triples], pa.string()),
            "url_host": pa.array([t[2] for t in triples], pa.string()),
        }
    )
    t0 = time.perf_counter()
    coder = CredentialCoder.load()
    t1 = time.perf_counter()
    coded = coder.code(batch)
    t2 = time.perf_counter()
    write_output(coded, out)
    counts = coded.group_by("credential_type").aggregate([("name", "count")]).to_pylist()
    summary = Table(title=f"{len(triples):,} distinct credentials from {n:,} rows")
    summary.add_column("credential_type")
    summary.add_column("count", justify="right")
    for row in sorted(counts, key=lambda r: -r["name_count"]):
        summary.add_row(str(row["credential_type"]), f"{row['name_count']:,}")
    console.print(summary)
    console.print(f"loaded in {t1 - t0:.2f} s, coded in {t2 - t1:.2f} s; wrote {out}")


@eval_app.command("credentials")
def eval_credentials(
    labelled: Path = typer.Argument(
        ..., help="Hand-labelled CSV (name, authority, url, credential_type, provider, language)."
    ),
    errors: int = typer.Option(20, "--errors", help="How many misclassified entries to list."),
) -> None:
    """Type accuracy, confusion matrix, is_micro precision/recall/F1 and provider accuracy."""
    from microcred.evaluation.credentials import evaluate_credentials

    console = Console()
    try:
        report = evaluate_credentials(labelled)
    except (FileNotFoundError, ValueError) as exc:
        raise InputError(str(exc), "check the labelled file named in the command") from None
    head = Table(title=f"Credential coder on {labelled} ({report.n} entries)")
    head.add_column("measure")
    head.add_column("value", justify="right")
    head.add_row("type accuracy", f"{report.type_accuracy:.1%}")
    for lang, (acc, n) in sorted(report.accuracy_by_language.items()):
        head.add_row(f"  type accuracy, {lang} ({n})", f"{acc:.1%}")
    for name, s in report.micro.items():
        head.add_row(f"is_micro_{name} precision", f"{s.precision:.3f}")
        head.add_row(f"is_micro_{name} recall", f"{s.recall:.3f}")
        head.add_row(f"is_micro_{name} F1", f"{s.f1:.3f}")
    head.add_row(
        f"provider accuracy ({report.provider_n} labelled)", f"{report.provider_accuracy:.1%}"
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
    if len(report.errors) and errors > 0:
        err = Table(title=f"type errors ({len(report.errors)})")
        for c in report.errors.columns:
            err.add_column(c, overflow="fold")
        for r in report.errors.head(errors).itertuples(index=False):
            err.add_row(*[str(v) for v in r])
        console.print(err)
