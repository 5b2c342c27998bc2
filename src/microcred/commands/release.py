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


@release_app.command("plan")
def plan_cmd(
    config: Path = typer.Option(..., "--config", exists=True, help="Study configuration (dp)."),
    profiles: int = typer.Option(..., "--profiles", min=1, help="Profiles in the input."),
    in_study: float = typer.Option(
        0.4,
        "--in-study",
        min=0.0,
        max=1.0,
        help="Share of profiles in the occupations of interest.",
    ),
    share: float = typer.Option(0.3, "--share", min=0.0, max=1.0, help="Assumed uptake."),
) -> None:
    """Expected 95 % error of every DP estimand for a cohort size, before spending budget."""
    from microcred.release import require_dp

    require_dp()
    from microcred.release.dp_accuracy import expected_errors
    from microcred.release.dp_plan import build_plan

    cfg = load_config(config)
    plan = build_plan(cfg)
    out = Console(width=120, highlight=False, soft_wrap=True)
    state = "on" if cfg.dp.enabled else "off (dp.enabled: false; shown as if it were on)"
    out.print(
        f"DP plan: {cfg.dp.budget_label()} = ρ {plan.rho_total:.4g} (zCDP), DP {state}; "
        f"{profiles:,} profiles, {in_study:.0%} in study, uptake {share:.0%}"
    )
    for e in plan.estimands:
        sig = ", ".join(f"{b.name} σ={b.sigma:.3g}" for b in e.blocks)
        out.print(f"  {e.estimand}: {e.share:.0%} of the budget (ρ {e.rho:.4g}); {sig}")
    out.print(f"  {'estimand':<24} {'cell':<36} {'people':>9} {'±count':>8} {'±share (pp)':>12}")
    for r in expected_errors(cfg, plan, profiles, in_study, share):
        pp = f"{100 * r.share_error95:.2f}" if r.share_error95 is not None else "-"
        out.print(
            f"  {r.estimand:<24} {r.cell[:36]:<36} {r.people:>9,.0f} "
            f"{r.count_error95:>8.1f} {pp:>12}",
            highlight=False,
        )
    out.print("±: 95 % error from DP noise alone (sampling error comes on top in the intervals).")
