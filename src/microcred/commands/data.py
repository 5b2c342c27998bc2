"""``microcred data check``: what reference data was found, and where to get what is missing."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from microcred.cli_app import data_app
from microcred.datadir import DataDir


@data_app.command("check")
def check(
    data_dir: Path = typer.Option(
        None, "--data-dir", envvar="MICROCRED_DATA_DIR", help="Reference data directory."
    ),
) -> None:
    """List the reference files found and, for anything missing, the official download location."""
    dd = DataDir(data_dir)
    console = Console()
    table = Table(title=f"Reference data in {dd.root}")
    for col in ("file", "status", "what", "official source"):
        table.add_column(col, overflow="fold")
    missing_required = False
    for ref, found in dd.check():
        status = (
            "[green]found[/]"
            if found
            else ("[red]MISSING[/]" if ref.required else "[yellow]missing (optional)[/]")
        )
        missing_required |= (not found) and ref.required
        table.add_row(ref.relpath, status, ref.description, "" if found else ref.official)
    console.print(table)
    if missing_required:
        raise typer.Exit(code=1)
