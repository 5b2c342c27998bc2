"""Time each part of the features stage on the canonical and coded tables of a finished run.

    uv run python bench/features_parts.py RESTRICTED_DIR [--memory-limit 4GB] [--parts career skills ...]

RESTRICTED_DIR is a run's restricted folder (``OUT.restricted`` beside the run's --out, e.g.
--work/out-10000000-duckdb.restricted from bench/pipeline.py): its canonical/ and coded/
tables are read, and each part is materialised on its own in a
fresh DuckDB, so the figures say where the features stage spends its time.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

from microcred import schema
from microcred.config import StudyConfig
from microcred.engine import DEFAULT_MEMORY_LIMIT, Engine, EngineSettings
from microcred.features import person as P
from microcred.features.career import career_features

PARTS = ("enriched", "career", "holders", "education", "skills", "join", "person_skills")


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("restricted_dir", type=Path)
    ap.add_argument("--memory-limit", default=DEFAULT_MEMORY_LIMIT)
    ap.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    args = ap.parse_args()
    cfg = StudyConfig()
    engine = Engine(EngineSettings(memory_limit=args.memory_limit))
    canon = {n: args.restricted_dir / "canonical" / f"{n}.parquet" for n in schema.CANONICAL}
    coded = {
        n: pq.read_table(args.restricted_dir / "coded" / f"{n}.parquet")
        for n in (
            "titles_coded",
            "seniority_coded",
            "credentials_coded",
            "education_coded",
            "skills_coded",
        )
        if (args.restricted_dir / "coded" / f"{n}.parquet").exists()
    }
    t = {
        n: engine.table(canon[n])
        for n in ("persons", "positions", "educations", "credentials", "skills")
    }
    titles = engine.table(P.titles_with_seniority(coded))
    creds = engine.table(
        P._coded(coded, "credentials_coded", P._credentials_coded_schema(cfg), P.CREDENTIAL_KEY)
    )
    edu = engine.table(
        P._coded(coded, "education_coded", schema.EDUCATION_CODED, ("degree", "field"))
    )
    skills = engine.table(P._coded(coded, "skills_coded", schema.SKILLS_CODED, ("skill",)))

    makers: dict[str, Callable[[], object]] = {
        "enriched": lambda: P.enrich_credentials(t["credentials"], creds).cache(),
        "career": lambda: career_features(t["positions"], titles, cfg).cache(),
        "holders": lambda: P.holder_features(part("enriched"), cfg).cache(),
        "education": lambda: P._education(t["educations"], edu).cache(),
        "skills": lambda: P._skills(t["skills"], skills).cache(),
        "join": lambda: engine.to_arrow(joined().order_by("person_id")),
        "person_skills": lambda: engine.to_arrow(P._person_skills(t["skills"], skills)),
    }
    built: dict[str, object] = {}

    def part(name: str):
        """Each part is built once: run after the parts, "join" times the join alone."""
        if name not in built:
            built[name] = makers[name]()
        return built[name]

    def joined():
        out = t["persons"]
        for name in ("career", "education", "skills", "holders"):
            out = out.left_join(part(name), "person_id").drop("person_id_right")
        return out

    print(f"memory_limit={args.memory_limit}")
    for name in args.parts:
        start = time.perf_counter()
        part(name)
        print(f"{name:14s} {time.perf_counter() - start:8.1f} s", flush=True)


if __name__ == "__main__":
    main()
