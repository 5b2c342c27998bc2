"""Hand review: stratified sample, weighted sensitivity/specificity, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from microcred.analysis.validation import (
    OTHER_GROUP,
    draw_sample,
    load_validation,
    parse_review,
    score_review,
)
from microcred.config import StudyConfig
from microcred.errors import InputError

CFG = StudyConfig()
DEFS = CFG.definition_names()
GROUPS = CFG.occupation_codes  # NOC code -> group


def _population(n: int = 20_000, seed: int = 0) -> pd.DataFrame:
    """Coded persons whose true status is known: uptake 3 %, coder se 0.8, sp 0.99."""
    rng = np.random.default_rng(seed)
    codes = sorted(GROUPS)
    noc = np.where(rng.random(n) < 0.6, rng.choice(codes, n), "11100")
    truth = rng.random(n) < 0.03
    coded = np.where(truth, rng.random(n) < 0.8, rng.random(n) < 0.01)
    df = pd.DataFrame(
        {
            "person_id": [f"p{i:06d}" for i in range(n)],
            "noc2021": noc,
            "occupation_group": pd.Series(noc).map(GROUPS),
            "true_holder": truth,
        }
    )
    for d in DEFS:
        df[f"holder_{d}"] = coded
    return df


def _reviewed(sample: pd.DataFrame) -> pd.DataFrame:
    """The review file as a reviewer who knows the truth would fill it."""
    yn = {True: "yes", False: "no"}
    out = pd.DataFrame(
        {
            "person_id": sample["person_id"],
            "stratum": sample["stratum"],
            "sampling_weight": sample["sampling_weight"].astype(str),
            "coded_noc2021": sample["noc2021"],
            "reviewed_noc2021": sample["noc2021"],
        }
    )
    for d in DEFS:
        out[f"coded_holder_{d}"] = sample[f"holder_{d}"].map(yn)
        out[f"reviewed_holder_{d}"] = sample["true_holder"].map(yn)
    return out


def test_sample_is_stratified_with_inverse_fraction_weights_and_seeded():
    pop = _population()
    s = draw_sample(pop, DEFS, 400, seed=3)
    assert len(s) == 400 and s["person_id"].is_unique
    strata = s.groupby("stratum").agg(k=("person_id", "size"), N=("stratum_size", "first"))
    assert len(strata) == 2 * (len(set(GROUPS.values())) + 1)  # groups + other, × holding
    # equal allocation: the rare holder strata get as many reviews as the large ones
    assert strata["k"].max() - strata["k"].min() <= 1
    assert (s["sampling_weight"] == s["stratum_size"] / s["stratum_sample"]).all()
    assert s["sampling_weight"].sum() == pytest.approx(len(pop))  # weights add up to N
    assert draw_sample(pop, DEFS, 400, seed=3).equals(s)
    assert not draw_sample(pop, DEFS, 400, seed=4).equals(s)
    small = draw_sample(pop.head(30), DEFS, 400, seed=3)
    assert len(small) == 30 and (small["sampling_weight"] == 1).all()


def test_weighted_scores_recover_the_planted_coder_error():
    pop = _population(seed=1)
    s = draw_sample(pop, DEFS, 3000, seed=5)
    res = score_review(parse_review(Path("review.csv"), _reviewed(s), DEFS), DEFS, GROUPS)
    r = res["holder_status"][DEFS[0]]
    se, sp = r["sensitivity"], r["specificity"]
    assert se["lower"] <= 0.8 <= se["upper"]
    assert sp["lower"] <= 0.99 <= sp["upper"]
    # raw counts mislead (holders are oversampled); the weighted rates do not
    c = r["counts"]
    raw_sp = c["tn"] / (c["tn"] + c["fp"])
    assert raw_sp < 0.95 < sp["estimate"]
    e = r["effective_counts"]
    assert e["tp"] / (e["tp"] + e["fn"]) == pytest.approx(se["estimate"], abs=1e-6)
    occ = res["occupation_group"]
    assert all(v["sensitivity"]["estimate"] == 1.0 for v in occ.values())
    assert res["noc2021_exact_agreement"]["estimate"] == 1.0


def test_unreviewed_rows_are_skipped_and_bad_rows_name_file_row_field():
    s = draw_sample(_population(2000), DEFS, 40, seed=0)
    df = _reviewed(s)
    df.loc[5:, ["reviewed_noc2021", *[f"reviewed_holder_{d}" for d in DEFS]]] = ""
    assert len(parse_review(Path("r.csv"), df, DEFS)) == 5
    bad = df.copy()
    bad.loc[2, f"reviewed_holder_{DEFS[0]}"] = "maybe"
    with pytest.raises(
        InputError, match=rf"r\.csv: row 4, field reviewed_holder_{DEFS[0]}: 'maybe'"
    ):
        parse_review(Path("r.csv"), bad, DEFS)
    half = df.copy()
    half.loc[1, "reviewed_noc2021"] = ""
    with pytest.raises(InputError, match="row 3, field reviewed_noc2021: empty"):
        parse_review(Path("r.csv"), half, DEFS)
    noc = df.copy()
    noc.loc[0, "reviewed_noc2021"] = "2121"
    with pytest.raises(InputError, match="row 2, field reviewed_noc2021: '2121' is not a 5-digit"):
        parse_review(Path("r.csv"), noc, DEFS)
    with pytest.raises(InputError, match="row 1, field sampling_weight: column missing"):
        parse_review(Path("r.csv"), df.drop(columns="sampling_weight"), DEFS)
    blank = df.copy()
    blank[["reviewed_noc2021", *[f"reviewed_holder_{d}" for d in DEFS]]] = ""
    with pytest.raises(InputError, match="no reviewed row"):
        parse_review(Path("r.csv"), blank, DEFS)
    none = df.copy()
    none.loc[0, "reviewed_noc2021"] = "none"  # the reviewer finds no codable occupation
    assert parse_review(Path("r.csv"), none, DEFS)["reviewed_noc2021"].iloc[0] == ""
    assert OTHER_GROUP not in set(GROUPS.values())


def test_score_command_writes_validation_json_the_run_reads(tmp_path: Path):
    from microcred.cli import app

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    manifest = {"config": CFG.model_dump(mode="json")}
    (run_dir / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    review = tmp_path / "review.csv"
    _reviewed(draw_sample(_population(seed=2), DEFS, 1500, seed=1)).to_csv(review, index=False)
    res = CliRunner().invoke(app, ["validate", "score", str(run_dir), str(review)])
    assert res.exit_code == 0, res.output
    written = tmp_path / "run.validation.json"
    assert "sensitivity" in res.output and written.is_file()
    counts = load_validation(written)
    assert set(counts) == set(DEFS)
    assert 0.6 < counts[DEFS[0]].sensitivity <= 1.0
    # a malformed review: one line naming file, row and field, exit 2
    df = pd.read_csv(review, dtype=str, keep_default_na=False)
    df.loc[0, "coded_holder_" + DEFS[0]] = "perhaps"
    df.to_csv(review, index=False)
    res = CliRunner().invoke(app, ["validate", "score", str(run_dir), str(review)])
    assert res.exit_code == 2
    assert f"row 2, field coded_holder_{DEFS[0]}: 'perhaps' is not yes or no" in res.output
    assert "Traceback" not in res.output
    # the review file never goes into the release folder
    inside = run_dir / "review.csv"
    res = CliRunner().invoke(app, ["validate", "sample", str(run_dir), "--out", str(inside)])
    assert res.exit_code == 2 and "inside the release folder" in res.output
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(InputError, match="not a microcred-validation/1 file"):
        load_validation(bad)
