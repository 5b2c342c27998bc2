"""Privacy-preserving linkage: quality on synthetic pairs with known truth, and no names in outputs."""

from __future__ import annotations

import base64
import csv
import json

import pytest
from typer.testing import CliRunner

from microcred.cli import app
from microcred.config import LinkageConfig
from microcred.linkage.encode import encode, load_schema, normalise
from microcred.linkage.match import match
from microcred.linkage.synthetic import make_pairs, quality

SECRET = "shared-out-of-band-secret-0123456789"


@pytest.mark.parametrize("seed", [11, 12])
def test_match_quality_on_synthetic_pairs(seed: int) -> None:
    pairs = make_pairs(1500, seed=seed)
    schema = load_schema()
    found = match(
        encode(pairs.left, SECRET, schema),
        encode(pairs.right, SECRET, schema),
        LinkageConfig().threshold,
    )
    q = quality({(m.left, m.right) for m in found}, pairs.truth)
    assert q["precision"] >= 0.95, q
    assert q["recall"] >= 0.90, q


def test_different_secrets_do_not_link() -> None:
    pairs = make_pairs(300, seed=3, error_rate=0.0)
    found = match(encode(pairs.left, SECRET), encode(pairs.right, SECRET[::-1]), 0.85)
    assert len(found) < 0.05 * len(pairs.truth)


def test_nicknames_and_accents_normalise_alike() -> None:
    a = normalise(
        {"given_name": "Bob", "surname": "Côté", "province": "qc", "birth_year": "1990-05-01"}
    )
    b = normalise({"given_name": "Robert", "surname": "Cote", "province": "QC", "birth_year": 1990})
    assert a == b


def test_short_secret_refused() -> None:
    with pytest.raises(ValueError, match="secret"):
        encode([{"given_name": "A", "surname": "B"}], "short")


def test_cli_encode_match_round_trip_writes_no_names(tmp_path) -> None:
    pairs = make_pairs(200, seed=5, error_rate=0.2)
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    for side, recs in (("left", pairs.left), ("right", pairs.right)):
        with (tmp_path / f"{side}.csv").open("w", newline="") as fh:
            w = csv.DictWriter(
                fh, fieldnames=["id", "given_name", "surname", "birth_year", "province", "email"]
            )
            w.writeheader()
            w.writerows(recs)
    runner = CliRunner()
    for side in ("left", "right"):
        r = runner.invoke(
            app,
            [
                "link",
                "encode",
                str(tmp_path / f"{side}.csv"),
                "--out",
                str(tmp_path / f"{side}.jsonl"),
                "--secret-file",
                str(secret),
            ],
        )
        assert r.exit_code == 0, r.output
    r = runner.invoke(
        app,
        [
            "link",
            "match",
            str(tmp_path / "left.jsonl"),
            str(tmp_path / "right.jsonl"),
            "--out",
            str(tmp_path / "matches.csv"),
        ],
    )
    assert r.exit_code == 0, r.output
    with (tmp_path / "matches.csv").open() as fh:
        got = {(row["left_id"], row["right_id"]) for row in csv.DictReader(fh)}
    want = {(pairs.left[i]["id"], pairs.right[j]["id"]) for i, j in pairs.truth}
    assert len(got & want) >= 0.9 * len(want)
    lines = [json.loads(x) for x in (tmp_path / "left.jsonl").read_text().splitlines()]
    assert all(set(obj) == {"id", "clk"} for obj in lines)
    assert all(
        len(base64.b64decode(obj["clk"])) == 128 for obj in lines
    )  # 1024-bit Bloom filters only
    ids = " ".join(obj["id"] for obj in lines)
    for rec in pairs.left:
        assert rec["surname"] not in ids and rec["given_name"] not in ids
