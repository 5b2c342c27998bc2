"""The demo: a synthetic cohort with known truth through the whole pipeline.

Why a module: the demo, the recovery test and the benchmarks all need
"synth → run" with the same wiring.
"""

from __future__ import annotations

from pathlib import Path

from microcred.config import StudyConfig
from microcred.datadir import DataDir
from microcred.engine import EngineSettings
from microcred.output_folder import LOCK, FolderLock, OutputRefused
from microcred.pipeline import RunOptions, RunResult, run

DEMO_FORMAT = "jsonl"  # exercises a real reader (and the pseudonymiser) on raw strings
# what a demo writes into its folder; a folder holding only these is the demo's own and
# is rewritten by the next demo (``./dev demo`` stays rerunnable)
DEMO_ENTRIES = frozenset({"input", "run", "run.restricted"})


def survey_sample(data_dir: DataDir) -> Path | None:
    p = data_dir.root / "samples" / "stackoverflow_2025" / "survey_results_public_first1000.csv"
    return p if p.is_file() else None


def planted_identifiers(cohort: object) -> tuple[str, ...]:
    """The synthetic people's names, emails, phones and profile URLs: the gate must find none in outputs."""
    pii = getattr(cohort, "pii", None)
    if pii is None:
        return ()
    cols = pii.to_pydict()
    items = {
        f"{first} {last}" for first, last in zip(cols["first_name"], cols["last_name"], strict=True)
    }
    for col in ("email", "phone", "profile_url"):
        items.update(v for v in cols.get(col, []) if v)
    return tuple(sorted(items))


def run_demo(
    profiles: int,
    out: Path,
    seed: int,
    data_dir: DataDir | None = None,
    engine: EngineSettings | None = None,
    quiet: bool = False,
    config: StudyConfig | None = None,
    fmt: str = DEMO_FORMAT,
    overwrite: bool = False,
    pdf: bool = False,
) -> RunResult:
    """Generate, write and run a cohort into ``out`` (``input/``, ``run/``, ``run.restricted/``).

    ``out`` must be empty or hold only an earlier demo's folders, unless ``overwrite``.
    """
    from microcred import synth

    data_dir = data_dir or DataDir()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lock = FolderLock(out)  # a second demo into this folder would rewrite input/ under our feet
    lock.acquire()
    try:
        foreign = sorted(p.name for p in out.iterdir() if p.name not in DEMO_ENTRIES | {LOCK})
        if foreign and not overwrite:
            raise OutputRefused(
                f"{out} holds files that are not a demo's ({', '.join(foreign[:3])}); "
                "pass --overwrite to write the demo there anyway, or choose another --out"
            )
        cohort = synth.generate(profiles, seed=seed, data_dir=data_dir)
        written = synth.write(cohort, fmt, out / "input")
        margins = written.margins_dir
        opts = RunOptions(
            source="jsonl" if fmt == "jsonl" else fmt,
            input_path=written.input_path,
            out_dir=out / "run",
            config=_synthetic(config or StudyConfig(seed=seed)),
            data_dir=data_dir,
            engine=engine or EngineSettings(),
            survey_path=survey_sample(data_dir),
            margins_path=margins if margins.exists() else None,
            planted=planted_identifiers(cohort),
            quiet=quiet,
            overwrite=True,  # the demo's own run folder: rewritten by each demo, as it always was
            pdf=pdf,
        )
        return run(opts)
    finally:
        lock.release()


def _synthetic(config: StudyConfig) -> StudyConfig:
    """The demo's data are made up: the report says so on every page."""
    report = config.report.model_copy(update={"synthetic_data": True})
    return config.model_copy(update={"report": report})
