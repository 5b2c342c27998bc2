"""Sources stage: input files → canonical tables on disk, accounting, quarantine.

Why the coverage tables are made here: the row accounting and the quarantine reasons
are this stage's numbers; the release only publishes them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from microcred.analysis.result import AnalysisTable
from microcred.dates import DatePolicy
from microcred.pseudonym import Pseudonymizer
from microcred.release.identifiers import IdentifierCollector
from microcred.sources.batch import SourceBatch
from microcred.sources.staging import StagedSource
from microcred.stages.env import StageEnv

ACCOUNT_COUNTS = ("rows_read", "rows_ingested", "rows_quarantined", "rows_skipped")


@dataclass(frozen=True)
class SourcesInput:
    env: StageEnv
    source: str  # reader kind (``linkedin-export``, ``jsonl``, …)
    input_path: Path
    pseudonymizer: Pseudonymizer
    identifiers: IdentifierCollector  # readers feed it the names the gate must not find
    survey_path: Path | None = None  # Stack Overflow survey CSV, the second source


@dataclass
class SourcesOutput:
    staged: StagedSource  # canonical tables as Parquet files, and their row counts
    batch: SourceBatch  # the small tables (quarantine, survey) and per-file accounting
    survey: pa.Table | None

    @property
    def files(self) -> dict[str, Path]:
        return self.staged.files

    def accounting_by_source(self) -> list[dict[str, Any]]:
        """Row counts summed per source kind, with the fields nulled in ingested rows by reason."""
        nulled = fields_nulled(self.batch)
        totals: dict[str, dict[str, Any]] = {}
        for a in self.batch.accounting:
            t = totals.setdefault(
                a.source, {"source": a.source, "files": 0} | dict.fromkeys(ACCOUNT_COUNTS, 0)
            )
            t["files"] += 1
            for k in ACCOUNT_COUNTS:
                t[k] += getattr(a, k)
        for source, t in totals.items():
            t["fields_nulled"] = dict(sorted(nulled.get(source, {}).items()))
        return [totals[k] for k in sorted(totals)]

    def rows(self) -> dict[str, int]:
        """The run's row totals (read = ingested + quarantined + skipped), over every source."""
        acc = self.accounting_by_source()
        return {
            "read": sum(a["rows_read"] for a in acc),
            "ingested": sum(a["rows_ingested"] for a in acc),
            "quarantined": sum(a["rows_quarantined"] for a in acc),
            "skipped": sum(a["rows_skipped"] for a in acc),
            "fields_nulled": sum(sum(a["fields_nulled"].values()) for a in acc),
        }

    def accounting_table(self) -> AnalysisTable:
        acc = pd.DataFrame([a.__dict__ for a in self.batch.accounting])
        if not acc.empty:
            acc = acc.groupby("source", as_index=False)[list(ACCOUNT_COUNTS)].sum()
            nulled = fields_nulled(self.batch)
            acc["fields_nulled"] = [sum(nulled.get(s, {}).values()) for s in acc["source"]]
        return AnalysisTable(
            name="coverage_row_accounting",
            title="Rows read, ingested and quarantined, by source",
            section="coverage",
            method="Every input row is accounted for: rows read = rows ingested + rows quarantined "
            "+ rows skipped (read on purpose but not used, e.g. a file the study does not need). "
            "fields_nulled counts values set to null in rows still ingested (see the reasons). "
            "Quarantined records are kept in the quarantine table with file, row, field and reason.",
            data=acc,
            dims=["source"],
        )

    def quarantine_table(self) -> AnalysisTable:
        q = self.batch.tables["quarantine"]
        reasons = Counter(
            (r["source"], r["action"], reason_kind(r["reason"]))
            for r in q.select(["source", "reason", "action"]).to_pylist()
        )
        qdf = pd.DataFrame(
            [
                {"source": s, "action": a, "reason": r, "records": n}
                for (s, a, r), n in sorted(reasons.items(), key=lambda kv: tuple(map(str, kv[0])))
            ],
            columns=["source", "action", "reason", "records"],
        )
        return AnalysisTable(
            name="coverage_quarantine_reasons",
            title="Quarantined records by reason",
            section="coverage",
            method="Records that could not be read are quarantined, never silently dropped "
            "(action row_dropped: the row is not ingested); a value that could not be used is "
            "nulled in a row that is still ingested (action field_nulled). Reasons are grouped "
            "by kind, without the values.",
            data=qdf,
            dims=["source", "action", "reason"],
        )


def read_sources(inp: SourcesInput) -> SourcesOutput:
    """Read the input (and the survey) into canonical Parquet files in the restricted staging
    folder; the per-file accounting goes there too (file names may be personal)."""
    from microcred.sources import read_source
    from microcred.sources.staging import stage_source

    env, cfg = inp.env, inp.env.config
    with (
        env.progress.step(
            f"reading {inp.source} from {inp.input_path}", key=f"reading {inp.source}"
        ),
        inp.identifiers.collecting(),  # readers feed the gate names, employers, schools, handles
    ):
        staged = stage_source(
            inp.source,
            inp.input_path,
            inp.pseudonymizer,
            env.layout.canonical,
            env.engine,
            dates=DatePolicy.for_reference(cfg.reference_date),
            **cfg.ingest.options_for(inp.source),  # caps and the Learning rule, per reader
        )
        batch = staged.batch_view()
        survey = None
        if inp.survey_path is not None:
            sbatch = read_source("stackoverflow", inp.survey_path, inp.pseudonymizer)
            survey = sbatch.tables.get("survey")
            batch.accounting.extend(sbatch.accounting)
            # the survey's quarantine records go with its accounting (reasons, fields nulled)
            batch.tables["quarantine"] = pa.concat_tables(
                [batch.tables["quarantine"], sbatch.table("quarantine")]
            )
    pq.write_table(batch.accounting_table(), env.layout.accounting)
    return SourcesOutput(staged, batch, survey)


def fields_nulled(batch: SourceBatch) -> dict[str, Counter[str]]:
    """{source: {reason kind: field_nulled records}} from the quarantine (never a value)."""
    q = batch.tables["quarantine"].select(["source", "reason", "action"]).to_pylist()
    out: dict[str, Counter[str]] = {}
    for r in q:
        if r["action"] == "field_nulled":
            out.setdefault(r["source"], Counter())[reason_kind(r["reason"])] += 1
    return out


def reason_kind(reason: str) -> str:
    """Group quarantine reasons without their row-specific detail (values may be personal)."""
    return reason.split(":", 1)[0].strip()[:80]
