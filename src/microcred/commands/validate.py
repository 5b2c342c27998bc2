"""``microcred validate sample|score``: hand review of coded persons, for the uptake correction.

The review file holds pseudonymous ids and the raw credential and title strings the
reviewer needs to judge the codes, nothing else (no names, URLs, companies): it is
restricted material, for a reviewer inside the pipeline, written owner-only and never
into the release folder. ``validation.json`` holds rates and counts only.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from microcred.cli_app import app
from microcred.errors import InputError, UsageError

validate_app = typer.Typer(
    help="Hand review of coded persons: draw a sample, score it (sensitivity, specificity).",
    no_args_is_help=True,
)
app.add_typer(validate_app, name="validate")

SEPARATOR = " | "


def _run_config(run_dir: Path):
    from microcred.config import StudyConfig
    from microcred.run_layout import MANIFEST

    manifest = run_dir / MANIFEST
    if not manifest.is_file():
        raise InputError(
            f"{manifest}: no manifest here", "give the folder passed as --out to `microcred run`"
        )
    try:
        doc = json.loads(manifest.read_text(encoding="utf-8"))
        return StudyConfig.model_validate(doc["config"])
    except (ValueError, KeyError, TypeError):
        raise InputError(
            f"{manifest}: no readable study configuration", "rerun the study"
        ) from None


def _person_frame(run_dir: Path, restricted: Path, config):
    """Person features rebuilt from the run's restricted canonical and coded tables."""
    import pyarrow.parquet as pq

    from microcred.engine import Engine, EngineSettings
    from microcred.features.person import build_person_features
    from microcred.run_layout import CANONICAL_DIR, CODED_DIR

    canonical, coded_dir = restricted / CANONICAL_DIR, restricted / CODED_DIR
    if not canonical.is_dir() or not coded_dir.is_dir():
        raise InputError(
            f"{restricted}: no canonical/ and coded/ tables",
            "give --restricted-dir when the run used one",
        )
    tables = {p.stem: p for p in canonical.glob("*.parquet")}
    coded = {p.stem: pq.read_table(p) for p in coded_dir.glob("*.parquet")}
    engine = Engine(EngineSettings())
    try:
        fs = build_person_features(engine, tables, coded, config)
    finally:
        engine.close()
    persons = fs.person_features.to_pandas()
    creds = fs.credentials_enriched.to_pandas()
    positions = pq.read_table(canonical / "positions.parquet").to_pandas()
    return persons, creds, positions


def _credential_text(creds, definitions: list[str]) -> dict[str, str]:
    def one(r) -> str:
        flags = ", ".join(
            f"{d} {'yes' if r.get(f'is_micro_{d}') is True else 'no'}" for d in definitions
        )
        by = f" ({r['authority']})" if isinstance(r.get("authority"), str) else ""
        return f"{r['name']}{by} → {r.get('credential_type') or 'unknown'} [{flags}]"

    creds = creds.sort_values(["person_id", "credential_idx"])
    text = {}
    for pid, part in creds.groupby("person_id", sort=False):
        text[pid] = SEPARATOR.join(one(r) for r in part.to_dict("records"))
    return text


def _title_text(positions) -> dict[str, str]:
    """Titles most recent first (current positions, then by end and start date)."""
    pos = positions.dropna(subset=["title"]).copy()
    pos["current"] = pos["is_current"].fillna(False).astype(bool)
    pos = pos.sort_values(
        ["person_id", "current", "end_date", "start_date", "position_idx"],
        ascending=[True, False, False, False, True],
        na_position="first",
    )
    return {pid: SEPARATOR.join(p["title"]) for pid, p in pos.groupby("person_id", sort=False)}


def _inside(path: Path, folder: Path) -> bool:
    return path.absolute().resolve().is_relative_to(folder.absolute().resolve())


@validate_app.command("sample")
def sample_cmd(
    run_dir: Path = typer.Argument(..., help="A run's release folder (--out of `microcred run`)."),
    n: int = typer.Option(400, "--n", help="Persons to sample (all when fewer)."),
    out: Path = typer.Option(..., "--out", help="Review file to write (.csv)."),
    restricted_dir: Path | None = typer.Option(
        None, "--restricted-dir", help="The run's restricted folder (default RUN_DIR.restricted)."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Sampling seed (default: the run's)."),
) -> None:
    """Draw a stratified sample (occupation group × holder status) of coded persons to review."""
    import pandas as pd
    import pyarrow as pa

    from microcred.analysis.validation import draw_sample, holder_columns
    from microcred.run_layout import default_restricted_dir
    from microcred.tabular import write_csv

    if n < 1:
        raise UsageError(f"--n {n}: must be at least 1", "give the number of persons to review")
    if _inside(out, run_dir):
        raise UsageError(
            f"{out}: inside the release folder",
            "write the review file elsewhere (it holds person-level strings)",
        )
    config = _run_config(run_dir)
    restricted = restricted_dir or default_restricted_dir(run_dir)
    persons, creds, positions = _person_frame(run_dir, restricted, config)
    defs = config.definition_names()
    drawn = draw_sample(persons, defs, n, config.seed if seed is None else seed)
    cred_text, title_text = _credential_text(creds, defs), _title_text(positions)
    review = pd.DataFrame(
        {
            "person_id": drawn["person_id"],
            "stratum": drawn["stratum"],
            "stratum_size": drawn["stratum_size"],
            "stratum_sample": drawn["stratum_sample"],
            "sampling_weight": drawn["sampling_weight"].round(6),
            "titles": drawn["person_id"].map(title_text).fillna(""),
            "credentials": drawn["person_id"].map(cred_text).fillna(""),
            "coded_noc2021": drawn["noc2021"].fillna(""),
            "coded_noc2021_title": drawn["noc2021_title"].fillna(""),
            "coded_occupation_group": drawn["occupation_group"].fillna(""),
            **{
                f"coded_holder_{d}": drawn[f"holder_{d}"]
                .fillna(False)
                .map({True: "yes", False: "no"})
                for d in defs
            },
            "reviewed_noc2021": "",
            **{c: "" for c in holder_columns(defs)},
            "reviewer_note": "",
        }
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(pa.Table.from_pandas(review, preserve_index=False), out)
    os.chmod(out, 0o600)
    strata = drawn.groupby("stratum").size()
    typer.echo(f"wrote {out}: {len(review)} persons in {len(strata)} strata (owner-only)")
    typer.echo(
        "fill reviewed_noc2021 (5 digits, or 'none') and reviewed_holder_* (yes/no) for each "
        f"reviewed row, then: microcred validate score {run_dir} {out}"
    )


@validate_app.command("score")
def score_cmd(
    run_dir: Path = typer.Argument(..., help="The run the sample was drawn from."),
    review: Path = typer.Argument(..., help="The filled review file."),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="validation.json to write (default RUN_DIR.validation.json beside the run folder).",
    ),
) -> None:
    """Sensitivity and specificity of holder status and occupation from the reviewed sample."""
    from microcred.analysis.validation import parse_review, score_review
    from microcred.tabular import read_table

    config = _run_config(run_dir)
    if not review.is_file():
        raise InputError(f"{review}: no such file", "give the review file `validate sample` wrote")
    try:
        df = read_table(review).to_pandas()
    except (ValueError, OSError) as exc:
        raise InputError(f"{review}: cannot read ({exc})", "save it as CSV or XLSX") from None
    defs = config.definition_names()
    reviewed = parse_review(review, df, defs)
    result = score_review(reviewed, defs, config.occupation_codes)
    result["config_sha256"] = config.fingerprint()
    target = out or run_dir.absolute().with_name(run_dir.absolute().name + ".validation.json")
    if _inside(target, run_dir):
        raise UsageError(
            f"{target}: inside the release folder",
            "the next run would delete it; write it beside the folder",
        )
    target.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    typer.echo(f"wrote {target}: {result['reviewed']} reviewed persons")
    for d, r in result["holder_status"].items():
        se, sp = r["sensitivity"], r["specificity"]
        typer.echo(f"  holder {d}: sensitivity {_fmt(se)}, specificity {_fmt(sp)}")
    typer.echo(f"correct the uptake: microcred run … --validation {target}")


def _fmt(rate: dict) -> str:
    if rate["estimate"] is None:
        return "not estimable (nobody reviewed)"
    return f"{rate['estimate']:.3f} [{rate['lower']:.3f}, {rate['upper']:.3f}] (n={rate['n']})"
