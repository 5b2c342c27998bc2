"""``microcred status DIR``: what a finished, failed or killed run did, from its ``run.log``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from microcred.cli_app import app
from microcred.errors import InputError
from microcred.run_layout import RUN_LOG
from microcred.runlog import LoggedRun

EXIT_NOT_OK = 1  # the run failed, or never finished (killed, or still running)


def summary_lines(run: LoggedRun, release_problems: list[str]) -> list[str]:
    """The status as plain lines: run, stages with timings, accounting, coding, warnings."""
    start = run.first("run_start") or {}
    end = run.first("run_end") or {}
    lines = [
        f"run {start.get('run_id', '?')}: {run.status}"
        + (f" after {end['seconds']:.1f}s" if "seconds" in end else "")
        + f" (source {start.get('source', '?')}, engine {start.get('engine', '?')}, "
        f"seed {start.get('seed', '?')})"
    ]
    if run.status == "failed":
        where = end.get("failed_stage") or "before any stage"
        lines.append(f"  failed in {where}: {end.get('error_type', '?')}")
        if end.get("error"):
            lines.append(f"    {end['error']}")
    lines.append("  stages:")
    ended = {e["stage"]: e for e in run.all("stage_end")}
    for s in run.all("stage_start"):
        e = ended.get(s["stage"])
        state = f"{e['seconds']:8.1f}s  {e['status']}" if e else "     ...   did not end"
        lines.append(f"    {s['stage']:<10} {state}")
    acc = run.first("accounting")
    if acc:
        r = acc["rows"]
        lines.append(
            f"  rows read {r['read']:,} = ingested {r['ingested']:,} + quarantined "
            f"{r['quarantined']:,} + skipped {r['skipped']:,}"
        )
    coding = run.first("coding")
    for c in coding["coders"] if coding else []:
        lines.append(
            f"  coded {c['coder']}: {c['coded']:,} of {c['distinct']:,} distinct "
            f"({c['abstained']:,} abstained)"
        )
    warnings = run.all("warning")
    lines.append(f"  warnings: {len(warnings)}")
    for w in warnings[:20]:
        lines.append(f"    [{w.get('stage') or '-'}] {w['category']}: {w['message']}")
    if run.status == "ok":
        lines.append(
            "  release: complete (manifest matches every file)"
            if not release_problems
            else f"  release: {len(release_problems)} problem(s): {release_problems[0]}"
        )
    return lines


@app.command("status")
def status_cmd(
    directory: Path = typer.Argument(..., help="A run's output folder (--out), holding run.log."),
) -> None:
    """Summarise a finished or failed run: stages, timings, accounting, warnings (exit 1 unless ok)."""
    from microcred.output_folder import verify_release

    log = directory / RUN_LOG
    if not log.is_file():
        raise InputError(
            f"{log}: no run log here", "give the folder passed as --out to `microcred run`"
        )
    run = LoggedRun.read(log)
    problems = verify_release(directory) if run.status == "ok" else []
    console = Console(soft_wrap=True)
    for line in summary_lines(run, problems):
        console.print(line, markup=False, highlight=False)
    if run.status != "ok" or problems:
        raise typer.Exit(EXIT_NOT_OK)
