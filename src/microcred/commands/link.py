"""``microcred link encode`` / ``microcred link match``: linkage without sharing names."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import typer
from rich.console import Console

from microcred.cli_app import link_app
from microcred.config import load_config
from microcred.errors import InputError, UsageError, did_you_mean


def _secret(secret_file: Path) -> str:
    if not secret_file.is_file():
        raise InputError(f"secret file not found: {secret_file}", "check the --secret-file path")
    return secret_file.read_text(encoding="utf-8").strip()


@link_app.command("encode")
def encode_cmd(
    input_csv: Path = typer.Argument(
        ..., exists=True, help="CSV with an id column and the linkage fields."
    ),
    out: Path = typer.Option(..., "--out", help="Output JSONL: {id, clk} per line (no names)."),
    secret_file: Path = typer.Option(
        ..., "--secret-file", help="File holding the secret shared out of band."
    ),
    id_column: str = typer.Option("id", "--id-column", help="The holder's own record id column."),
    config: Path | None = typer.Option(None, "--config", help="Study config (linkage section)."),
) -> None:
    """Encode identifying fields as Bloom-filter CLKs; only ids and CLKs are written."""
    from microcred.linkage.encode import encode, load_schema

    cfg = load_config(config).linkage
    with input_csv.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rows and id_column not in rows[0]:
        raise UsageError(
            f"{input_csv}: no column {id_column!r}{did_you_mean(id_column, rows[0])}",
            f"pass --id-column with one of: {', '.join(rows[0])}",
        )
    records = [{field: r.get(col) for field, col in cfg.columns.items()} for r in rows]
    clks = encode(records, _secret(secret_file), load_schema(cfg.schema_path))
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as fh:
        for r, c in zip(rows, clks, strict=True):
            fh.write(json.dumps({"id": r[id_column], "clk": c}, sort_keys=True) + "\n")
    Console().print(f"encoded {len(clks):,} records → {out}")


def _read_clks(path: Path) -> tuple[list[str], list[str]]:
    ids, clks = [], []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            try:
                obj = json.loads(line)
                ids.append(str(obj["id"]))
                clks.append(obj["clk"])
            except (ValueError, KeyError) as exc:
                raise InputError(
                    f"{path}, line {n}: not an {{id, clk}} record ({type(exc).__name__})",
                    "give the JSONL files written by `microcred link encode`",
                ) from exc
    return ids, clks


@link_app.command("match")
def match_cmd(
    left: Path = typer.Argument(..., exists=True, help="CLK JSONL of one holder."),
    right: Path = typer.Argument(..., exists=True, help="CLK JSONL of the other holder."),
    out: Path = typer.Option(..., "--out", help="CSV of matched id pairs with similarity."),
    threshold: float | None = typer.Option(
        None, "--threshold", help="Dice similarity threshold (default from config)."
    ),
    config: Path | None = typer.Option(None, "--config", exists=True),
) -> None:
    """Match two CLK files one-to-one (anonlink, greedy solver)."""
    from microcred.linkage.match import match

    th = threshold if threshold is not None else load_config(config).linkage.threshold
    lids, lclks = _read_clks(left)
    rids, rclks = _read_clks(right)
    matches = match(lclks, rclks, th)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["left_id", "right_id", "similarity"])
        for m in matches:
            w.writerow([lids[m.left], rids[m.right], f"{m.similarity:.6f}"])
    Console().print(f"{len(matches):,} matches at threshold {th} → {out}")
