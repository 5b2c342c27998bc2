"""Report stage: released tables → ``report.html`` (+ figures, and ``report.pdf`` when asked).

The report's title, author, date, subtitle and stated limitations come from the study
configuration (``report:``); nothing here is hard-coded text about a particular study.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from microcred.analysis.result import AnalysisTable
from microcred.config import StudyConfig
from microcred.report.context import ReportContext
from microcred.stages.env import StageEnv


@dataclass(frozen=True)
class ReportInput:
    env: StageEnv
    source: str  # reader kind, named in the default subtitle
    tables: list[AnalysisTable]  # released tables (coverage included)
    coding_summary: list[dict[str, Any]]
    weighting: dict[str, Any] | None = None  # raking diagnostics; None when unweighted
    pdf: bool = False  # also print report.pdf (headless Chromium)


@dataclass(frozen=True)
class ReportOutput:
    report_path: Path | None  # staged path of report.html
    notes: list[str] = field(default_factory=list)  # one-line notes for the console


def write_report(inp: ReportInput) -> ReportOutput:
    """Render the staged release's report from released tables only."""
    from microcred.report.build import build_report

    env = inp.env
    layout = env.layout
    with env.progress.step("writing report"):
        ctx = report_context(env.config, inp.source, inp.coding_summary, inp.tables, inp.weighting)
        # coverage tables are written to tables/ and shown in the report's coverage section
        # through the context; they are not repeated as analysis sections
        shown = [t for t in inp.tables if t.section != "coverage"]
        report_path = build_report(layout.staging, shown, ctx)
        notes = []
        if inp.pdf:  # printed from the staged report, so the manifest lists it
            from microcred.report.pdf import pdf_line

            # named where it is published, not where it was staged
            line = pdf_line(report_path).strip()
            notes.append(line.replace(str(layout.staging), str(layout.out)))
    return ReportOutput(report_path, notes)


def report_context(
    cfg: StudyConfig,
    source: str,
    coding_summary: list[dict[str, Any]],
    tables: list[AnalysisTable],
    weighting_info: dict[str, Any] | None,
) -> ReportContext:
    """Everything the page shows besides the analysis tables, from the configuration and run."""
    from microcred.analysis.summary import findings
    from microcred.coding.education import LEVELS as EDUCATION_LEVELS
    from microcred.features.bands import band_labels
    from microcred.release.codebook import codebook_records
    from microcred.report.context import ReportAppendix
    from microcred.schema import SENIORITY_LEVELS

    shown = cfg.report
    if cfg.dp.enabled:  # coding and weighting counts are outside the DP budget: not shown
        coding_summary, weighting_info = [], None
    by_name = {t.name: t for t in tables}
    acc = by_name.get("coverage_row_accounting")
    qr = by_name.get("coverage_quarantine_reasons")
    # Declared orders of ordinal categories: the report draws and lists them this way.
    orders = {
        "experience_band": band_labels(cfg.experience_bands),
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
        else f"Source: {source} · occupations: "
        + "; ".join(f"{g.name} ({', '.join(g.noc2021)})" for g in cfg.occupations),
        run_id=f"config {cfg.fingerprint()[:12]} · seed {cfg.seed}",
        reference_date=cfg.reference_date,
        findings=findings(tables),
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
            **({"dp_budget": cfg.dp.budget_label()} if cfg.dp.enabled else {}),
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
