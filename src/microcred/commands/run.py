"""``microcred run`` and ``microcred demo``: the study end to end."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import typer
from rich.console import Console

from microcred.cli_app import app
from microcred.config import load_config
from microcred.datadir import DataDir
from microcred.engine import DEFAULT_MEMORY_LIMIT, EngineSettings
from microcred.pseudonym import KEY_ENV, MissingKeyError

SOURCES = ("linkedin-export", "jsonl", "jsonresume", "stackoverflow", "parquet")


def _engine(
    engine: str, memory_limit: str | None, temp_dir: Path | None, spark_master: str
) -> EngineSettings:
    if engine not in ("duckdb", "spark"):
        raise typer.BadParameter("engine must be duckdb or spark", param_hint="--engine")
    return EngineSettings(
        name=engine,
        memory_limit=memory_limit,
        temp_directory=str(temp_dir) if temp_dir else None,
        spark_master=spark_master,
    )


@app.command("run")
def run_cmd(
    source: str = typer.Option(..., "--source", help=f"Input kind: {', '.join(SOURCES)}."),
    input_path: Path = typer.Option(..., "--input", exists=True, help="Input file or folder."),
    out: Path = typer.Option(
        ..., "--out", help="Output folder (tables/, report.html, manifest.json)."
    ),
    config: Path | None = typer.Option(
        None, "--config", exists=True, help="Study configuration YAML."
    ),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", envvar="MICROCRED_DATA_DIR", help="Reference data folder."
    ),
    survey: Path | None = typer.Option(
        None, "--survey", exists=True, help="Stack Overflow survey CSV (second source)."
    ),
    margins: Path | None = typer.Option(
        None, "--margins", exists=True, help="Statistics Canada margins for weighting."
    ),
    key_file: Path | None = typer.Option(
        None, "--key-file", help="Pseudonymisation key file (else $MICROCRED_PSEUDONYM_KEY)."
    ),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb or spark."),
    memory_limit: str = typer.Option(
        DEFAULT_MEMORY_LIMIT,
        "--memory-limit",
        help="DuckDB memory limit (it spills to --temp-dir past it), e.g. 4GB.",
    ),
    temp_dir: Path | None = typer.Option(None, "--temp-dir", help="DuckDB spill folder."),
    spark_master: str = typer.Option("local[2]", "--spark-master", help="Spark master URL."),
    cache_dir: Path | None = typer.Option(
        None, "--cache-dir", help="Content-addressed coding cache folder."
    ),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display."),
    pdf: bool = typer.Option(False, "--pdf", help="Also write report.pdf (headless Chromium)."),
) -> None:
    """Run sources → coding → features → analysis → release → report."""
    from microcred.pipeline import RunOptions, run

    if source not in SOURCES:
        raise typer.BadParameter(
            f"unknown source {source!r}; use one of {', '.join(SOURCES)}", param_hint="--source"
        )
    if key_file is not None:
        os.environ["MICROCRED_PSEUDONYM_KEY_FILE"] = str(key_file)
    opts = RunOptions(
        source=source,
        input_path=input_path,
        out_dir=out,
        config=load_config(config),
        data_dir=DataDir(data_dir),
        engine=_engine(engine, memory_limit, temp_dir, spark_master),
        survey_path=survey,
        margins_path=margins,
        cache_dir=cache_dir,
        quiet=quiet,
    )
    try:
        result = run(opts)
    except MissingKeyError as exc:
        Console(stderr=True).print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    _print_result(result)
    if pdf:
        from microcred.report.pdf import pdf_line

        Console(soft_wrap=True).print(pdf_line(result.report_path), markup=False, highlight=False)


def _print_result(result) -> None:  # noqa: ANN001
    c = Console()
    rows = result.manifest["rows"]
    c.print(f"[bold green]done[/] → {result.out_dir}")
    c.print(
        f"  rows read {rows['read']:,} = ingested {rows['ingested']:,} + quarantined {rows['quarantined']:,}"
    )
    if result.report_path:
        c.print(f"  report: {result.report_path}")
    c.print(f"  tables: {result.out_dir / 'tables'}   manifest: {result.out_dir / 'manifest.json'}")
    t = result.manifest["timings_seconds"]
    c.print("  timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in t.items()))


@app.command("demo")
def demo_cmd(
    profiles: int = typer.Option(
        20_000, "--profiles", min=100, help="Synthetic profiles to generate."
    ),
    out: Path = typer.Option(Path("demo-out"), "--out", help="Output folder."),
    seed: int = typer.Option(20231129, "--seed", help="Random seed of the synthetic cohort."),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", envvar="MICROCRED_DATA_DIR", help="Reference data folder."
    ),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb or spark."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display."),
    pdf: bool = typer.Option(False, "--pdf", help="Also write report.pdf (headless Chromium)."),
) -> None:
    """Synthetic cohort → the whole pipeline → report (a throwaway pseudonymisation key is generated)."""
    from microcred.demo import run_demo

    if not os.environ.get(KEY_ENV) and not os.environ.get("MICROCRED_PSEUDONYM_KEY_FILE"):
        os.environ[KEY_ENV] = secrets.token_hex(
            32
        )  # throwaway: demo ids are not meant to be stable
    result = run_demo(
        profiles=profiles,
        out=out,
        seed=seed,
        data_dir=DataDir(data_dir),
        engine=_engine(engine, None, None, "local[2]"),
        quiet=quiet,
    )
    _print_result(result)
    if pdf:
        from microcred.report.pdf import pdf_line

        Console(soft_wrap=True).print(pdf_line(result.report_path), markup=False, highlight=False)
