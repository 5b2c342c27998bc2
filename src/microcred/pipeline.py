"""The whole study in one call: sources → coding → features → analysis → release → report.

Why here: the stages know nothing of each other; this orchestrator wires their
canonical tables together, times each stage, and writes the manifest that makes
a run auditable.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from microcred import __version__
from microcred.config import StudyConfig
from microcred.datadir import DataDir
from microcred.dates import DatePolicy
from microcred.engine import Engine, EngineSettings
from microcred.manifest import Timings, input_hashes, versions
from microcred.output_folder import OutputTransaction
from microcred.progress import StageProgress
from microcred.pseudonym import Pseudonymizer


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


def _distinct(engine: Engine, table: Path, columns: list[str], non_null: bool) -> pa.Table:
    """Distinct combinations of ``columns`` (the unit every coder works on), sorted.

    ``non_null`` drops rows whose (single) column is null. The backend computes this
    from the staged Parquet file, so the whole column is never in memory.
    """
    t = engine.table(table)
    if non_null:
        t = t.filter(t[columns[0]].notnull())
    expr = t.select(*columns).distinct().order_by(columns)
    return engine.to_arrow(expr)


def _unknown_count(table: pa.Table, column: str, unknown: str | None) -> int:
    if table.num_rows == 0:
        return 0
    mask = pc.is_null(table[column]) if unknown is None else pc.equal(table[column], unknown)
    return int(pc.sum(mask).as_py() or 0)


def _low_count(table: pa.Table, column: str | None, threshold: float) -> int:
    if column is None or table.num_rows == 0:
        return 0
    return int(pc.sum(pc.less(pc.fill_null(table[column], 0.0), threshold)).as_py() or 0)


def _coder(cls: Any, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
    """A picklable loader of the coder and the function giving its fingerprint, same arguments.

    Why both: the loader runs where the coding runs (in process, or on Spark executors);
    the fingerprint (the cache key) is computed without loading the coder.
    """
    from functools import partial

    return partial(cls.load, *args, **kwargs), partial(cls.fingerprint_for, *args, **kwargs)


def coder_specs(opts: RunOptions) -> list[tuple[Any, ...]]:
    """What to code: (output key, label, (loader, fingerprint), source table, key columns,
    single column?, (unknown column, unknown value), confidence column), in coding order.

    Every coder setting of the study configuration is passed here, so the loader and
    the cache key see the same settings.
    """
    from microcred.coding.base import CoderSettings
    from microcred.coding.credentials import CredentialCoder
    from microcred.coding.education import EducationCoder
    from microcred.coding.occupation import OccupationCoder
    from microcred.coding.skills import SkillCoder

    cfg = opts.config
    return [
        (
            "titles_coded",
            "occupation (NOC 2021)",
            _coder(
                OccupationCoder,
                opts.data_dir,
                min_confidence=cfg.coding.occupation_min_confidence,
            ),
            "positions",
            ["title"],
            True,
            ("noc2021", None),
            "noc2021_confidence",
        ),
        (
            "education_coded",
            "education level",
            # the education lexicon ships with the package; it needs no reference data
            _coder(EducationCoder),
            "educations",
            ["degree", "field"],
            False,
            ("education_level", "unknown"),
            None,
        ),
        (
            "credentials_coded",
            "credential type",
            _coder(
                CredentialCoder,
                cfg.definitions,
                opts.data_dir,
                min_confidence=cfg.coding.credential_min_confidence,
            ),
            "credentials",
            ["name", "authority", "url_host"],
            False,
            ("credential_type", "unknown"),
            "coding_confidence",
        ),
        (
            "skills_coded",
            "skills taxonomy",
            _coder(SkillCoder, opts.data_dir, CoderSettings(cfg)),
            "skills",
            ["skill"],
            True,
            ("skill_id", None),
            None,
        ),
    ]


def _code_all(
    engine: Engine, files: dict[str, Path], opts: RunOptions, progress: StageProgress
) -> tuple[dict[str, pa.Table], list[dict[str, Any]]]:
    """Run every coder on the distinct strings of the staged canonical tables.

    The credentials file gains the education-listed credentials once education is coded.

    Each coder is given as a picklable loader, so the same coder runs in process
    (DuckDB) or on Spark executors; results are cached by content when asked, under
    the coder's fingerprint.
    """
    from functools import partial

    from microcred.coding.cache import CodingCache

    cfg = opts.config
    cache = CodingCache(opts.cache_dir) if opts.cache_dir else None
    specs = coder_specs(opts)
    coded: dict[str, pa.Table] = {}
    summary: list[dict[str, Any]] = []
    for key, label, (load, fingerprint), source, columns, single, (ucol, uval), conf in specs:
        if key == "credentials_coded":  # education is coded by now
            _with_education_listed(engine, files, coded["education_coded"])
        inputs = _distinct(engine, files[source], columns, non_null=single)
        with progress.step(f"coding {label}", total=inputs.num_rows):
            run_coder = partial(engine.code_distinct, loader=load, single_column=single)
            if cache is not None:
                out = cache.code(key, fingerprint(), inputs, run_coder)
            else:
                out = run_coder(inputs)
        coded[key] = out
        unknown = _unknown_count(out, ucol, uval)
        summary.append(
            {
                "coder": label,
                "distinct": out.num_rows,
                "coded": out.num_rows - unknown,
                "abstained": unknown,
                "low_confidence": _low_count(out, conf, cfg.coding.low_confidence),
            }
        )
    return coded, summary


def _with_education_listed(
    engine: Engine, files: dict[str, Path], education_coded: pa.Table
) -> int | None:
    """Add the bootcamps and MOOCs people listed under education to the credentials file.

    Why: the education coder recognises them (``is_credential``) but they are credentials,
    and a study that ignored them would undercount learning-based microcredentials. They
    get origin ``education`` and ``credential_idx`` = ``education_idx`` + 100,000. Returns
    the credentials' new row count, or None when there was nothing to add.
    """
    import ibis
    from ibis.formats.pyarrow import PyArrowType

    from microcred import schema

    flagged = education_coded.filter(pc.fill_null(education_coded["is_credential"], False))
    if flagged.num_rows == 0:
        return None
    keys = engine.table(flagged.select(["degree", "field"]).rename_columns(["k_degree", "k_field"]))
    ed = engine.table(files["educations"])
    hit = ed.inner_join(
        keys, [ed.degree.identical_to(keys.k_degree), ed.field.identical_to(keys.k_field)]
    )
    values = {
        "person_id": hit.person_id,
        "credential_idx": hit.education_idx + 100_000,
        "name": ibis.coalesce(hit.degree, hit.field),
        "authority": hit.school,
        "url_host": ibis.null(),
        "has_url": ibis.literal(False),
        "has_credential_id": ibis.literal(False),
        "issued_date": hit.end_date,
        "issued_precision": hit.end_precision,
        "expires_date": ibis.null(),
        "expires_precision": ibis.null(),
        "origin": ibis.literal("education"),
    }
    target = schema.CREDENTIALS
    extra = hit.select(**{f.name: values[f.name].cast(PyArrowType.to_ibis(f.type)) for f in target})
    creds = engine.table(files["credentials"]).select(*target.names)
    combined = creds.union(extra, distinct=False)
    return engine.to_parquet(
        combined, files["credentials"], target, ["person_id", "credential_idx"]
    )


def _write_tables(dir_: Path, tables: dict[str, pa.Table]) -> None:
    dir_.mkdir(parents=True, exist_ok=True)
    for name, table in sorted(tables.items()):
        pq.write_table(table, dir_ / f"{name}.parquet", compression="zstd")


def run(opts: RunOptions) -> RunResult:
    """Run the study end to end and publish tables, report, figures and manifest to ``opts.out_dir``.

    Everything is written to staging folders first (``output_folder``): the release to
    ``out_dir/.staging-<id>``, the person-level tables to the restricted folder's. Only
    after the disclosure audit and the personal-data gate passed on the staged release
    is it moved into ``out_dir``, ``manifest.json`` last. A failure publishes nothing.
    Raises ``OutputRefused`` when ``out_dir`` is locked by another run, is not empty and
    ``opts.overwrite`` is false, or overlaps an input.
    """
    inputs = tuple(p for p in (opts.input_path, opts.survey_path, opts.margins_path) if p)
    with OutputTransaction(opts.out_dir, opts.restricted_dir, opts.overwrite, inputs) as tx:
        manifest, report_name, notes = _run_staged(opts, tx)
        tx.commit()
    report_path = tx.out / report_name if report_name else None
    return RunResult(tx.out, manifest, report_path, tx.restricted, notes)


def _run_staged(
    opts: RunOptions, tx: OutputTransaction
) -> tuple[dict[str, Any], str | None, list[str]]:
    """Every stage, writing the release to ``tx.staging`` and person-level tables to
    ``tx.restricted_staging``; returns the staged manifest and the report's file name."""
    from microcred.analysis import run_analyses
    from microcred.analysis.summary import findings as summarize
    from microcred.features.person import build_person_features
    from microcred.release import release_tables
    from microcred.release.audit import audit_release
    from microcred.release.identifiers import IdentifierCollector
    from microcred.release.pii_gate import gate
    from microcred.release.workbook import write_release_files
    from microcred.report.build import build_report
    from microcred.sources import read_source
    from microcred.sources.staging import stage_source

    cfg = opts.config
    out, restricted = tx.staging, tx.restricted_staging
    timings = Timings()
    progress = StageProgress(quiet=opts.quiet)
    engine = Engine(opts.engine)
    pseudonymizer = _pseudonymizer_for(opts)
    identifiers = IdentifierCollector(getattr(pseudonymizer, "_key", None))  # held in memory only
    try:
        with (
            timings.stage("sources"),
            progress.step(f"reading {opts.source} from {opts.input_path}"),
            identifiers.collecting(),  # readers feed the gate names, employers, schools, handles
        ):
            # canonical tables go to Parquet files at once; every later stage reads those
            staged = stage_source(
                opts.source,
                opts.input_path,
                pseudonymizer,
                restricted / "canonical",
                engine,
                dates=DatePolicy.for_reference(cfg.reference_date),
                **cfg.ingest.options_for(opts.source),  # caps and the Learning rule, per reader
            )
            batch = staged.batch_view()
            survey = None
            if opts.survey_path is not None:
                sbatch = read_source("stackoverflow", opts.survey_path, pseudonymizer)
                survey = sbatch.tables.get("survey")
                batch.accounting.extend(sbatch.accounting)
                # the survey's quarantine records go with its accounting (reasons, fields nulled)
                batch.tables["quarantine"] = pa.concat_tables(
                    [batch.tables["quarantine"], sbatch.table("quarantine")]
                )

        with timings.stage("coding"):
            coded, coding_summary = _code_all(engine, staged.files, opts, progress)
            staged.rows["credentials"] = pq.ParquetFile(
                staged.files["credentials"]
            ).metadata.num_rows
            _write_tables(restricted / "coded", coded)
            # per-file accounting is restricted: file names may be personal
            pq.write_table(batch.accounting_table(), restricted / "accounting.parquet")
        table_rows = dict(sorted(staged.rows.items()))

        with timings.stage("features"), progress.step("building person features"):
            fs = build_person_features(engine, staged.files, coded, cfg)
            engine.release()
            del coded

        weighting_info = None
        weighting_tables: list[Any] = []
        with timings.stage("weighting"):
            if cfg.weighting.enabled and opts.margins_path is not None:
                with progress.step("raking to population margins"):
                    fs, weighting_info, weighting_tables = _apply_weights(fs, opts)

        with timings.stage("analysis"), progress.step("running analyses"):
            analysis_tables = run_analyses(
                fs, cfg, survey=survey, weighted=weighting_info is not None
            )
            analysis_tables = (
                _coverage_tables(batch, coding_summary) + weighting_tables + analysis_tables
            )

        with timings.stage("release"), progress.step("disclosure control and release"):
            released = release_tables(analysis_tables, cfg, out / "tables", seed=cfg.seed)
            # the audit reads the staged files; it raises DisclosureAuditError, and so publishes
            # nothing, when a suppressed cell can be worked out; its details are restricted
            audit_release(out / "tables", cfg, restricted / "audit" / "disclosure_audit.json")
            write_release_files(released.tables, cfg, out)  # codebook.csv and release.xlsx

        with timings.stage("report"), progress.step("writing report"):
            ctx = _report_context(opts, batch, coding_summary, released, weighting_info, summarize)
            # coverage tables are written to tables/ and shown in the report's coverage section
            # through the context; they are not repeated as analysis sections
            shown = [t for t in released.tables if t.section != "coverage"]
            report_path = build_report(out, shown, ctx)
            notes = []
            if opts.pdf:  # printed from the staged report, so the manifest lists it
                from microcred.report.pdf import pdf_line

                # named where it is published, not where it was staged
                notes.append(pdf_line(report_path).strip().replace(str(out), str(tx.out)))

        accounting = _accounting_by_source(batch)
        manifest = {
            "microcred_version": __version__,
            "source": opts.source,
            "input": input_hashes(Path(opts.input_path)),
            "survey_input": input_hashes(Path(opts.survey_path)) if opts.survey_path else None,
            "config": cfg.model_dump(mode="json"),
            "config_sha256": cfg.fingerprint(),
            "seed": cfg.seed,
            "engine": opts.engine.name,
            "versions": versions(),
            "row_accounting": accounting,  # per source; per file in the restricted folder
            "rows": {
                "read": sum(a["rows_read"] for a in accounting),
                "ingested": sum(a["rows_ingested"] for a in accounting),
                "quarantined": sum(a["rows_quarantined"] for a in accounting),
                "skipped": sum(a["rows_skipped"] for a in accounting),
                "fields_nulled": sum(sum(a["fields_nulled"].values()) for a in accounting),
            },
            "tables": table_rows,
            "coding": coding_summary,
            "weighting": weighting_info,
            "releases": getattr(released, "manifest_entries", None),
            "outputs": sorted(
                p.relative_to(out).as_posix() for p in (out / "tables").glob("*") if p.is_file()
            ),
            "timings_seconds": timings.stages,
        }
        # the manifest (with every file's sha256) is staged before the gate, so the gate
        # scans the very bytes that are published
        manifest = tx.stage_manifest(manifest)
        with progress.step("personal-data gate"):
            gate(
                out,
                planted=opts.planted,
                key=getattr(pseudonymizer, "_key", None),
                identifiers=identifiers,
            )
        return manifest, (report_path.name if report_path else None), notes
    finally:
        engine.close()


def _accounting_by_source(batch: Any) -> list[dict[str, Any]]:
    """Row counts summed per source kind, with the fields nulled in ingested rows by reason kind."""
    nulled = _fields_nulled(batch)
    totals: dict[str, dict[str, Any]] = {}
    for a in batch.accounting:
        t = totals.setdefault(
            a.source,
            {
                "source": a.source,
                "files": 0,
                "rows_read": 0,
                "rows_ingested": 0,
                "rows_quarantined": 0,
                "rows_skipped": 0,
            },
        )
        t["files"] += 1
        for k in ("rows_read", "rows_ingested", "rows_quarantined", "rows_skipped"):
            t[k] += getattr(a, k)
    for source, t in totals.items():
        t["fields_nulled"] = dict(sorted(nulled.get(source, {}).items()))
    return [totals[k] for k in sorted(totals)]


def _fields_nulled(batch: Any) -> dict[str, Counter[str]]:
    """{source: {reason kind: field_nulled records}} from the quarantine (never a value)."""
    q = batch.tables["quarantine"].select(["source", "reason", "action"]).to_pylist()
    out: dict[str, Counter[str]] = {}
    for r in q:
        if r["action"] == "field_nulled":
            out.setdefault(r["source"], Counter())[_reason_kind(r["reason"])] += 1
    return out


def _pseudonymizer_for(opts: RunOptions) -> Pseudonymizer:
    if opts.source == "parquet":  # canonical tables are already pseudonymous
        return Pseudonymizer.throwaway()
    return Pseudonymizer.from_environment()


def _apply_weights(fs: Any, opts: RunOptions) -> tuple[Any, dict[str, Any], list[Any]]:
    """Rake person weights to the population margins and put them in the ``weight`` column."""
    import dataclasses

    from microcred.analysis.weighting import rake
    from microcred.sources.statcan import load_margins

    cfg = opts.config
    margins = load_margins(opts.margins_path, cfg.weighting.margins)
    pf = fs.person_features
    # raking reads the margin variables only: converting just those keeps ten million
    # people at a few hundred megabytes instead of the whole feature table
    needed = sorted({c for key in margins for c in key} & set(pf.column_names))
    result = rake(pf.select(needed).to_pandas(), margins, cfg)
    idx = pf.schema.get_field_index("weight")
    weights = pa.array(result.weights, pa.float64())
    pf = pf.set_column(idx, "weight", weights) if idx >= 0 else pf.append_column("weight", weights)
    return dataclasses.replace(fs, person_features=pf), result.diagnostics, result.tables


def _coverage_tables(batch: Any, coding_summary: list[dict[str, Any]]) -> list[Any]:
    """Row accounting, coding rates and quarantine reasons, as releasable tables."""
    import pandas as pd

    from microcred.analysis.result import AnalysisTable, ChartSpec

    acc = pd.DataFrame(
        [a.__dict__ if hasattr(a, "__dict__") else dict(a) for a in batch.accounting]
    )
    if not acc.empty:
        acc = acc.groupby("source", as_index=False)[
            ["rows_read", "rows_ingested", "rows_quarantined", "rows_skipped"]
        ].sum()
        nulled = _fields_nulled(batch)
        acc["fields_nulled"] = [sum(nulled.get(s, {}).values()) for s in acc["source"]]
    q = batch.tables["quarantine"]
    reasons = Counter(
        (r["source"], r["action"], _reason_kind(r["reason"]))
        for r in q.select(["source", "reason", "action"]).to_pylist()
    )
    qdf = pd.DataFrame(
        [
            {"source": s, "action": a, "reason": r, "records": n}
            for (s, a, r), n in sorted(reasons.items(), key=lambda kv: tuple(map(str, kv[0])))
        ],
        columns=["source", "action", "reason", "records"],
    )
    coding = pd.DataFrame(coding_summary)
    coding["coded_share"] = (
        coding["coded"] / coding["distinct"].where(coding["distinct"] > 0)
    ).round(4)
    return [
        AnalysisTable(
            name="coverage_row_accounting",
            title="Rows read, ingested and quarantined, by source",
            section="coverage",
            method="Every input row is accounted for: rows read = rows ingested + rows quarantined "
            "+ rows skipped (read on purpose but not used, e.g. a file the study does not need). "
            "fields_nulled counts values set to null in rows still ingested (see the reasons). "
            "Quarantined records are kept in the quarantine table with file, row, field and reason.",
            data=acc,
            dims=["source"],
        ),
        AnalysisTable(
            name="coverage_coding",
            title="Coding rates on distinct strings",
            section="coverage",
            method="Coders work on distinct strings. 'abstained' counts strings left uncoded (occupation below the "
            "confidence threshold, credential type unknown, education level unknown, skill not in the taxonomy); "
            "'low_confidence' counts codes below the low-confidence threshold used in the sensitivity analysis.",
            data=coding,
            dims=["coder"],
            chart=ChartSpec(
                kind="bar",
                x="coder",
                y="coded_share",
                title="Share of distinct strings coded",
                x_title="Coder",
                y_title="Share coded",
                y_format=".0%",
                description="Bar chart of the share of distinct input strings each coder assigned a code.",
            ),
        ),
        AnalysisTable(
            name="coverage_quarantine_reasons",
            title="Quarantined records by reason",
            section="coverage",
            method="Records that could not be read are quarantined, never silently dropped "
            "(action row_dropped: the row is not ingested); a value that could not be used is "
            "nulled in a row that is still ingested (action field_nulled). Reasons are grouped "
            "by kind, without the values.",
            data=qdf,
            dims=["source", "action", "reason"],
        ),
    ]


def _reason_kind(reason: str) -> str:
    """Group quarantine reasons without their row-specific detail (values may be personal)."""
    return reason.split(":", 1)[0].strip()[:80]


def _report_context(
    opts: RunOptions,
    batch: Any,
    coding_summary: list[dict[str, Any]],
    released: Any,
    weighting_info: dict[str, Any] | None,
    summarize: Any,
) -> Any:
    from microcred.coding.education import LEVELS as EDUCATION_LEVELS
    from microcred.coding.seniority import SENIORITY_LEVELS
    from microcred.features.bands import band_labels
    from microcred.release.codebook import codebook_records
    from microcred.report.context import ReportAppendix, ReportContext

    cfg = opts.config
    shown = cfg.report
    tables = released.tables
    by_name = {t.name: t for t in tables}
    acc = by_name.get("coverage_row_accounting")
    qr = by_name.get("coverage_quarantine_reasons")
    # Declared orders of ordinal categories: the report draws and lists them this way.
    bands = band_labels(cfg.experience_bands)
    orders = {
        "experience_band": bands,
        "seniority": list(SENIORITY_LEVELS),
        "education_level": list(EDUCATION_LEVELS),
    }
    return ReportContext(
        title=shown.title,
        author=shown.author,
        date=shown.date,
        limitations=list(shown.limitations),
        synthetic=shown.synthetic_data,
        category_orders=orders,
        subtitle=shown.subtitle
        if shown.subtitle is not None
        else f"Source: {opts.source} · occupations: "
        + "; ".join(f"{g.name} ({', '.join(g.noc2021)})" for g in cfg.occupations),
        run_id=f"config {cfg.fingerprint()[:12]} · seed {cfg.seed}",
        reference_date=cfg.reference_date,
        findings=summarize(tables),
        accounting=acc.data.to_dict("records") if acc is not None else [],
        coding=coding_summary,
        quarantine_reasons=qr.data.to_dict("records") if qr is not None else [],
        config_summary={
            "definitions": {d.name: d.types for d in cfg.definitions},
            "occupation_min_confidence": cfg.coding.occupation_min_confidence,
            "low_confidence": cfg.coding.low_confidence,
        },
        privacy={
            "min_cell": cfg.disclosure.min_cell,
            "rounding_base": cfg.disclosure.rounding_base,
            "dp": cfg.dp.enabled,
            "epsilon_total": cfg.dp.epsilon_total if cfg.dp.enabled else None,
        },
        weighting=weighting_info,
        appendices=[
            ReportAppendix(
                "Appendix A. Codebook",
                codebook_records(tables, cfg.disclosure.min_cell),
                intro="Every released table and column: what it means, its unit and universe, and "
                "how disclosure control treats it (also in tables/codebook.csv and release.xlsx).",
                first=["table", "column", "definition"],
            )
        ],
    )
