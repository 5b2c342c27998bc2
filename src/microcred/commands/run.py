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
from microcred.errors import InputError, unknown_choice
from microcred.pseudonym import KEY_ENV, KEY_FILE_ENV, Pseudonymizer, key_file_env

SOURCES = ("linkedin-export", "jsonl", "jsonresume", "stackoverflow", "parquet")


def _engine(
    engine: str,
    memory_limit: str | None,
    temp_dir: Path | None,
    spark_master: str | None,
    spark_conf: list[str] | None = None,
    spark_data_dir: str = "auto",
) -> EngineSettings:
    if engine not in ("duckdb", "spark"):
        raise unknown_choice("--engine", engine, ("duckdb", "spark"))
    extra: dict[str, str] = {}
    for item in spark_conf or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(
                f"--spark-conf {item!r} is not KEY=VALUE",
                "e.g. --spark-conf spark.executor.memory=2g",
            )
        extra[key.strip()] = value
    return EngineSettings(
        name=engine,
        memory_limit=memory_limit,
        temp_directory=str(temp_dir) if temp_dir else None,
        spark_master=spark_master,
        spark_data_dir=spark_data_dir,
        extra=extra,
    )


@app.command("run")
def run_cmd(
    source: str = typer.Option(..., "--source", help=f"Input kind: {', '.join(SOURCES)}."),
    input_path: Path = typer.Option(..., "--input", help="Input file or folder."),
    out: Path = typer.Option(
        ..., "--out", help="Release folder (tables/, figures/, report.html, manifest.json)."
    ),
    restricted_dir: Path | None = typer.Option(
        None,
        "--restricted-dir",
        help="Owner-only folder for person-level tables (default: OUT.restricted beside OUT).",
    ),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace an earlier run's files in --out and --restricted-dir."
    ),
    config: Path | None = typer.Option(None, "--config", help="Study configuration YAML."),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", envvar="MICROCRED_DATA_DIR", help="Reference data folder."
    ),
    survey: Path | None = typer.Option(
        None, "--survey", help="Stack Overflow survey CSV (second source)."
    ),
    margins: Path | None = typer.Option(
        None, "--margins", help="Statistics Canada margins for weighting."
    ),
    validation: Path | None = typer.Option(
        None,
        "--validation",
        help="validation.json from `microcred validate score`: correct uptake with it.",
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
    spark_master: str | None = typer.Option(
        None,
        "--spark-master",
        help="Spark master URL, e.g. spark://host:7077 (default: spark-submit's, else local[2]).",
    ),
    spark_conf: list[str] | None = typer.Option(  # noqa: B008
        None,
        "--spark-conf",
        help="Spark setting KEY=VALUE (repeatable), e.g. spark.executor.memory=2g.",
    ),
    spark_data_dir: str = typer.Option(
        "auto",
        "--spark-data-dir",
        help="Where executors find the reference data: auto (ship it unless the master is "
        "local), ship, or a path every executor can read.",
    ),
    cache_dir: Path | None = typer.Option(
        None, "--cache-dir", help="Content-addressed coding cache folder."
    ),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display."),
    pdf: bool = typer.Option(False, "--pdf", help="Also write report.pdf (headless Chromium)."),
) -> None:
    """Run sources → coding → features → analysis → release → report."""
    from microcred.pipeline import RunOptions, run

    if source not in SOURCES:
        raise unknown_choice("--source", source, SOURCES)
    for option, path in (
        ("--input", input_path),
        ("--survey", survey),
        ("--margins", margins),
        ("--validation", validation),
    ):
        _must_exist(option, path)
    dd = DataDir(data_dir).require()
    if source != "parquet":  # canonical Parquet is already pseudonymous: no key needed
        Pseudonymizer.from_environment(key_file)  # a bad key stops the run before any work
    opts = RunOptions(
        source=source,
        input_path=input_path,
        out_dir=out,
        config=load_config(config, data_dir=dd),
        data_dir=dd,
        engine=_engine(engine, memory_limit, temp_dir, spark_master, spark_conf, spark_data_dir),
        survey_path=survey,
        margins_path=margins,
        validation_path=validation,
        cache_dir=cache_dir,
        quiet=quiet,
        restricted_dir=restricted_dir,
        overwrite=overwrite,
        pdf=pdf,
    )
    with key_file_env(key_file):
        result = run(opts)
    _print_result(result)
    for note in result.notes:
        Console(soft_wrap=True).print(f"  {note}", markup=False, highlight=False)


def _must_exist(option: str, path: Path | None) -> None:
    if path is not None and not path.exists():
        raise InputError(f"{option} not found: {path}", f"check the {option} path")


def _print_result(result) -> None:  # noqa: ANN001
    c = Console()
    rows = result.manifest["rows"]
    c.print(f"[bold green]done[/] → {result.out_dir}")
    c.print(
        f"  rows read {rows['read']:,} = ingested {rows['ingested']:,} + quarantined "
        f"{rows['quarantined']:,} + skipped {rows.get('skipped', 0):,}"
    )
    if result.report_path:
        c.print(f"  report: {result.report_path}")
    c.print(f"  tables: {result.out_dir / 'tables'}   manifest: {result.out_dir / 'manifest.json'}")
    if result.restricted_dir:
        c.print(f"  restricted (owner-only, never publish): {result.restricted_dir}")
    t = result.manifest["timings_seconds"]
    c.print("  timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in t.items()))


@app.command("demo")
def demo_cmd(
    profiles: int = typer.Option(
        20_000, "--profiles", min=1, help="Synthetic profiles to generate."
    ),
    out: Path = typer.Option(
        Path("demo-out"), "--out", help="Demo folder (input/, run/ release, run.restricted/)."
    ),
    seed: int = typer.Option(20231129, "--seed", help="Random seed of the synthetic cohort."),
    data_dir: Path | None = typer.Option(
        None, "--data-dir", envvar="MICROCRED_DATA_DIR", help="Reference data folder."
    ),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb or spark."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display."),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Use --out even when it holds files other than a demo's."
    ),
    pdf: bool = typer.Option(False, "--pdf", help="Also write report.pdf (headless Chromium)."),
) -> None:
    """Synthetic cohort → the whole pipeline → report (a throwaway pseudonymisation key is generated)."""
    from microcred.demo import run_demo

    dd = DataDir(data_dir).require()
    if not os.environ.get(KEY_ENV) and not os.environ.get(KEY_FILE_ENV):
        os.environ[KEY_ENV] = secrets.token_hex(
            32
        )  # throwaway: demo ids are not meant to be stable
    result = run_demo(
        profiles=profiles,
        out=out,
        seed=seed,
        data_dir=dd,
        engine=_engine(engine, None, None, "local[2]"),
        quiet=quiet,
        overwrite=overwrite,
        pdf=pdf,
    )
    _print_result(result)
    for note in result.notes:
        Console(soft_wrap=True).print(f"  {note}", markup=False, highlight=False)
