"""``microcred synth``: generate a synthetic cohort with known truth and write it in a source format."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console

from microcred.cli_app import app
from microcred.datadir import DataDir
from microcred.errors import unknown_choice


@app.command("synth")
def synth_command(
    profiles: int = typer.Option(20000, "--profiles", "-n", min=1, help="Number of profiles."),
    seed: int = typer.Option(20231129, "--seed", help="Random seed (same seed, same cohort)."),
    fmt: str = typer.Option(
        "parquet", "--format", help="Output format: parquet, linkedin-export or jsonl."
    ),
    out: Path = typer.Option(..., "--out", help="Output directory."),
    data_dir: Path = typer.Option(
        None, "--data-dir", envvar="MICROCRED_DATA_DIR", help="Reference data directory."
    ),
    reference_date: str = typer.Option(
        "2025-12-31", "--reference-date", help="ISO date that 'current' positions run to."
    ),
) -> None:
    """Generate synthetic Canadian profiles, their truth and population margins."""
    from microcred import synth

    console = Console(stderr=True)
    if fmt not in synth.FORMATS:
        raise unknown_choice("--format", fmt, synth.FORMATS)
    t0 = time.perf_counter()
    with console.status(f"generating {profiles:,} profiles (seed {seed})") as status:
        cohort = synth.generate(profiles, seed, DataDir(data_dir), reference_date)
        t1 = time.perf_counter()
        console.log(f"generated {profiles:,} profiles in {t1 - t0:.1f} s")
        result = synth.write(cohort, fmt, out, progress=lambda msg: status.update(msg))
    console.log(f"wrote {fmt} in {time.perf_counter() - t1:.1f} s")
    console.print(f"input for `microcred run --source {fmt}`: {result.input_path}")
    console.print(f"truth: {result.truth_dir}   margins: {result.margins_dir}")
