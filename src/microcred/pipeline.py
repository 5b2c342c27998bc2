"""The whole study in one call: sources → coding → features → analysis → release → report.

Why here: the stages know nothing of each other; this orchestrator wires their
canonical tables together, times each stage, and writes the manifest that makes
a run auditable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from microcred import __version__
from microcred.config import StudyConfig
from microcred.datadir import DataDir
from microcred.engine import Engine, EngineSettings
from microcred.manifest import Timings, input_hashes, versions
from microcred.output_folder import OutputTransaction
from microcred.progress import StageProgress
from microcred.pseudonym import Pseudonymizer
from microcred.run_layout import RunLayout
from microcred.runlog import FORMAT as LOG_FORMAT
from microcred.runlog import RunLog, step_history
from microcred.stages.analysis import AnalysisInput, analyse
from microcred.stages.coding import CodingInput, CodingOutput, code_tables
from microcred.stages.env import StageEnv
from microcred.stages.features import FeaturesInput, build_features
from microcred.stages.release import (
    GateInput,
    ReleaseInput,
    ReleaseOutput,
    check_personal_data,
    release,
)
from microcred.stages.report import ReportInput, write_report
from microcred.stages.sources import SourcesInput, SourcesOutput, read_sources
from microcred.stages.weighting import WeightingInput, WeightingOutput, weight_persons


@dataclass
class RunOptions:
    source: str
    input_path: Path
    out_dir: Path
    config: StudyConfig = field(default_factory=StudyConfig)
    data_dir: DataDir = field(default_factory=DataDir)
    engine: EngineSettings = field(default_factory=EngineSettings)
    survey_path: Path | None = None  # Stack Overflow survey CSV, the second source
    margins_path: Path | None = None  # Statistics Canada margins (folder or files) for weighting
    validation_path: Path | None = None  # validation.json of `microcred validate score`
    cache_dir: Path | None = None  # content-addressed coding cache
    planted: tuple[str, ...] = ()  # strings the personal-data gate must not find in outputs
    quiet: bool = False
    # person-level outputs (canonical and coded tables, quarantine, per-file accounting);
    # None: ``<out_dir>.restricted`` beside the release, never inside it
    restricted_dir: Path | None = None
    overwrite: bool = False  # replace an earlier run's files in out_dir / restricted_dir
    pdf: bool = False  # also print report.pdf (headless Chromium), staged with the release


@dataclass
class RunResult:
    out_dir: Path  # the release: tables/, figures/, report.html, manifest.json
    manifest: dict[str, Any]
    report_path: Path | None
    restricted_dir: Path | None = None  # owner-only: canonical/, coded/, accounting.parquet
    notes: list[str] = field(default_factory=list)  # one-line notes for the console (e.g. the PDF)


def run(opts: RunOptions) -> RunResult:
    """Run the study end to end and publish tables, report, figures and manifest to ``opts.out_dir``.

    Everything is written to staging folders first (``output_folder``): the release to
    ``out_dir/.staging-<id>``, the person-level tables to the restricted folder's. Only
    after the disclosure audit and the personal-data gate passed on the staged release
    is it moved into ``out_dir``, ``manifest.json`` last. A failure publishes nothing.
    ``run.log`` (``runlog``) records every stage as it runs, a failure included.
    Raises ``OutputRefused`` when ``out_dir`` is locked by another run, is not empty and
    ``opts.overwrite`` is false, or overlaps an input.
    """
    layout = RunLayout.create(opts.out_dir, opts.restricted_dir, opts.cache_dir)
    inputs = tuple(
        p for p in (opts.input_path, opts.survey_path, opts.margins_path, opts.validation_path) if p
    )
    with OutputTransaction(
        layout.out, layout.restricted, opts.overwrite, inputs, layout=layout
    ) as tx:
        history = step_history(layout.run_log)  # the previous run's timings: the ETAs
        log = RunLog(layout.run_log, redact=_redactions(opts, layout)).open()
        error: BaseException | None = None
        try:
            log.event("run_start", **_run_facts(opts, layout))
            # one BLAS/OpenMP thread: a multi-threaded BLAS sums in a thread-dependent order,
            # which changed the last bits of the seniority model's estimates from one machine
            # (or thread count) to the next; same input must give the same bytes
            with log.capturing_warnings(), threadpool_limits(limits=1):
                manifest, report_path, notes = _run_staged(opts, tx, log, history)
                with log.stage("commit"):
                    tx.commit()
        except BaseException as exc:
            error = exc
            raise
        finally:
            log.finish(error)
            log.close()
    published = layout.published(report_path) if report_path else None
    return RunResult(layout.out, manifest, published, layout.restricted, notes)


def _run_staged(
    opts: RunOptions, tx: OutputTransaction, log: RunLog, history: dict[str, Any]
) -> tuple[dict[str, Any], Path | None, list[str]]:
    """Every stage in order, composed; returns the staged manifest, report path and notes."""
    from microcred.release.identifiers import IdentifierCollector

    cfg, layout = opts.config, tx.layout
    timings = Timings()
    progress = StageProgress(quiet=opts.quiet, log=log, history=history)
    engine = Engine(opts.engine)
    env = StageEnv(engine, cfg, progress, layout)
    pseudonymizer = _pseudonymizer_for(opts)
    identifiers = IdentifierCollector(pseudonymizer.key)  # held in memory only

    @contextmanager
    def stage(name: str) -> Iterator[None]:
        with timings.stage(name), log.stage(name):
            yield

    try:
        _check_dp_ledger(opts)  # before hours of work: would the budget allow this run?
        with stage("sources"):
            src = read_sources(
                SourcesInput(
                    env, opts.source, opts.input_path, pseudonymizer, identifiers, opts.survey_path
                )
            )
        with stage("coding"):
            coding = code_tables(CodingInput(env, src.files, opts.data_dir))
            src.staged.rows["credentials"] = coding.credentials_rows
        if not cfg.dp.enabled:  # run.log sits in the release: DP mode keeps counts out of it
            log.event("accounting", rows=src.rows(), by_source=src.accounting_by_source())
            log.event("coding", coders=coding.summary)
        with stage("features"):
            feats = build_features(FeaturesInput(env, src.files, coding.coded)).features
            coding.coded.clear()  # the features hold what they need
        with stage("weighting"):
            weighting = weight_persons(WeightingInput(env, feats, opts.margins_path))
        with stage("analysis"):
            coverage = [src.accounting_table(), coding.coverage_table(), src.quarantine_table()]
            analysis = analyse(
                AnalysisInput(
                    env,
                    weighting.features,
                    weighting.weighted,
                    src.survey,
                    coverage + weighting.tables,
                    _validation(opts),
                )
            )
        with stage("release"):
            released = release(ReleaseInput(env, analysis.tables, *_dp_inputs(opts, weighting)))
        with stage("report"):
            report = write_report(
                ReportInput(
                    env,
                    opts.source,
                    released.tables,
                    coding.summary,
                    weighting.diagnostics,
                    opts.pdf,
                )
            )
        manifest = _manifest(opts, src, coding, weighting, released, timings)
        # the manifest (with every file's sha256) is staged before the gate, so the gate
        # scans the very bytes that are published
        with stage("gate"):
            manifest = _stage_manifest(tx, manifest)
            check_personal_data(GateInput(env, opts.planted, pseudonymizer.key, identifiers))
        return manifest, report.report_path, report.notes
    finally:
        engine.close()


def _check_dp_ledger(opts: RunOptions) -> None:
    """Refuse a DP run up front when the input's ledger has no room for its plan."""
    cfg = opts.config
    if not cfg.dp.enabled:
        return
    from microcred.release import require_dp

    require_dp()
    from microcred.release.dp_ledger import Ledger, ledger_dir
    from microcred.release.dp_plan import build_plan

    plan = build_plan(cfg)
    key = input_hashes(Path(opts.input_path))["combined_sha256"]
    Ledger(ledger_dir(cfg.dp.ledger_dir), key).check(
        plan.rho_planned, plan.rho_total, cfg.dp.budget_label()
    )


def _dp_inputs(opts: RunOptions, weighting: WeightingOutput) -> tuple[Any, str | None]:
    """What a DP release measures (the person features) and its ledger key (input hash)."""
    if not opts.config.dp.enabled:
        return None, None
    key = input_hashes(Path(opts.input_path))["combined_sha256"]
    return weighting.features.person_features, key


def _manifest(
    opts: RunOptions,
    src: SourcesOutput,
    coding: CodingOutput,
    weighting: WeightingOutput,
    released: ReleaseOutput,
    timings: Timings,
) -> dict[str, Any]:
    cfg = opts.config
    return {
        "microcred_version": __version__,
        "source": opts.source,
        "input": input_hashes(Path(opts.input_path)),
        "survey_input": input_hashes(Path(opts.survey_path)) if opts.survey_path else None,
        "validation_input": (
            input_hashes(Path(opts.validation_path)) if opts.validation_path else None
        ),
        "config": cfg.model_dump(mode="json"),
        "config_sha256": cfg.fingerprint(),
        "seed": cfg.seed,
        "engine": opts.engine.name,
        "versions": versions(),
        **_counts_outside_dp(cfg, src, coding, weighting),
        "releases": released.released.manifest_entries,
        **({"privacy": released.released.privacy} if cfg.dp.enabled else {}),
        "timings_seconds": timings.stages,
    }


def _counts_outside_dp(
    cfg: Any, src: SourcesOutput, coding: CodingOutput, weighting: WeightingOutput
) -> dict[str, Any]:
    """Row, coding and weighting counts: published, except in DP mode (outside the budget)."""
    if cfg.dp.enabled:
        withheld = "withheld: differential privacy mode (not in the DP plan)"
        return {k: withheld for k in ("row_accounting", "rows", "tables", "coding", "weighting")}
    return {
        "row_accounting": src.accounting_by_source(),  # per source; per file: restricted folder
        "rows": src.rows(),
        "tables": dict(sorted(src.staged.rows.items())),
        "coding": coding.summary,
        "weighting": weighting.diagnostics,
    }


def _stage_manifest(tx: OutputTransaction, manifest: dict[str, Any]) -> dict[str, Any]:
    """Add the released tables' names and stage the manifest (sha256 of every file)."""
    layout = tx.layout
    outputs = sorted(
        p.relative_to(layout.staging).as_posix()
        for p in layout.staged_tables.glob("*")
        if p.is_file()
    )
    return tx.stage_manifest({**manifest, "outputs": outputs})


def _run_facts(opts: RunOptions, layout: RunLayout) -> dict[str, Any]:
    """The run's first log line: what ran, with which settings (no input names)."""
    return {
        "format": LOG_FORMAT,
        "run_id": layout.run_id,
        "microcred_version": __version__,
        "source": opts.source,
        "engine": opts.engine.name,
        "config_sha256": opts.config.fingerprint(),
        "seed": opts.config.seed,
        "cache": opts.cache_dir is not None,
        "survey": opts.survey_path is not None,
        "margins": opts.margins_path is not None,
        "validation": opts.validation_path is not None,
    }


def _redactions(opts: RunOptions, layout: RunLayout) -> dict[str, str]:
    """Paths that never appear in the log, each replaced by a label (inputs may be named
    after people; the output folders are where the log is)."""
    paths = {
        "<input>": opts.input_path,
        "<survey>": opts.survey_path,
        "<margins>": opts.margins_path,
        "<validation>": opts.validation_path,
        "<restricted>": layout.restricted,
        "<out>": layout.out,
        "<cache>": layout.cache_dir,
    }
    out: dict[str, str] = {}
    for label, p in paths.items():
        if p is not None:
            out[str(p)] = label
            out[str(Path(p).absolute())] = label
    return out


def _validation(opts: RunOptions) -> dict | None:
    """Per definition, the reviewed sample's holder-status counts (None: no sample given)."""
    if opts.validation_path is None:
        return None
    from microcred.analysis.validation import load_validation

    return load_validation(Path(opts.validation_path))


def _pseudonymizer_for(opts: RunOptions) -> Pseudonymizer:
    if opts.source == "parquet":  # canonical tables are already pseudonymous
        return Pseudonymizer.throwaway()
    return Pseudonymizer.from_environment()
