"""``microcred data statcan TABLE_ID``: fetch a Statistics Canada table for weighting."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from microcred.cli_app import data_app
from microcred.errors import UserError
from microcred.sources.statcan import (
    WDS_BASE_URL,
    StatCanDownloadError,
    StatCanError,
    download_table,
    read_statcan_table,
)


@data_app.command("statcan")
def statcan(
    table_id: str = typer.Argument(..., help="Table id, e.g. 98-10-0404-01."),
    cache_dir: Path = typer.Option(
        Path("statcan-cache"), "--cache-dir", help="Where downloaded tables are kept."
    ),
    base_url: str = typer.Option(
        WDS_BASE_URL, "--base-url", help="Web Data Service base URL (a mirror, or a test server)."
    ),
) -> None:
    """Download a full table through the Web Data Service (cached, with sha256 checksums)."""
    console = Console()
    try:
        got = download_table(table_id, cache_dir, base_url=base_url)
        table = read_statcan_table(got.zip_path)
    except (StatCanDownloadError, StatCanError, ValueError) as exc:
        raise UserError(
            str(exc), "check the table id and the connection, or pass --base-url for a mirror"
        ) from exc
    origin = "cache" if got.from_cache else "downloaded"
    console.print(f"{table_id} ({origin}): {got.zip_path}")
    if table.attrs.get("title"):
        console.print(f"title: {table.attrs['title']}")
    dims = sorted(c[: -len("_total")] for c in table.columns if c.endswith("_total"))
    console.print(f"rows: {len(table)}; dimensions: {', '.join(dims)}")
    for name, digest in sorted(got.checksums.items()):
        console.print(f"sha256 {digest}  {name}")
