"""``microcred release audit DIR``: can any suppressed cell of a release be worked out?"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from microcred.cli_app import release_app
from microcred.config import load_config


@release_app.command("audit")
def audit_cmd(
    directory: Path = typer.Argument(
        ..., exists=True, file_okay=False, help="A run folder or its tables/ folder."
    ),
    config: Path | None = typer.Option(
        None,
        "--config",
        exists=True,
        help="Study configuration whose disclosure settings to check against "
        "(default: the settings recorded in tables/_structure.json).",
    ),
    report: Path | None = typer.Option(
        None, "--report", help="Where to write the JSON report (default: <run>/audit/)."
    ),
    show: int = typer.Option(10, "--show", min=0, help="Cells to list (narrowest first)."),
) -> None:
    """Compute the feasible interval of every suppressed cell from every published number."""
    from microcred.release.audit import DisclosureAuditError, audit_release, audit_tables

    out, err = Console(), Console(stderr=True)
    cfg = load_config(config) if config is not None else None
    try:
        result = audit_tables(directory, cfg)
        failed = False
        try:
            audit_release(directory, cfg, report)
        except DisclosureAuditError as exc:
            failed = True
            err.print(f"[red]error:[/] {exc}")
    except DisclosureAuditError as exc:
        err.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    for t in result.tables:
        if t["counts"]:
            out.print(
                f"  {t['table']}: {t['counts']} counts, {t['suppressed']} suppressed, "
                f"{t['protected_cells']} protected cells checked"
            )
    for r in sorted(result.intervals, key=lambda r: (r.width, r.count.table, r.count.row))[:show]:
        c = r.count
        mark = "ok" if r.ok else "[red]RECOVERABLE[/]"
        out.print(
            f"  {c.table}.{c.column} row {c.row + 1}: [{r.lower:g}, {r.upper:g}] "
            f"width {r.width:g} (needs {r.required:g}) {mark}"
        )
    n = len(result.intervals)
    if failed:
        raise typer.Exit(1)
    out.print(f"[bold green]ok[/]: {n} protected cell(s), none can be worked out")
