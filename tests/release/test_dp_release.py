"""The release in DP mode: only planned tables, consistent counts, everything inside the
budget, and a ledger that refuses spending past the total across runs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from microcred.analysis.frame import ALL_GROUPS
from microcred.analysis.result import AnalysisTable
from microcred.config import StudyConfig
from microcred.release import release_tables
from microcred.release.dp_ledger import LedgerExhaustedError


def _persons(n: int = 3000, seed: int = 7) -> pd.DataFrame:
    cfg = StudyConfig()
    rng = np.random.default_rng(seed)
    codes = list(cfg.occupation_codes)
    noc = rng.choice(codes, size=n)
    broad = rng.random(n) < 0.4
    narrow = broad & (rng.random(n) < 0.5)
    return pd.DataFrame(
        {
            "person_id": [f"p{i:06d}" for i in range(n)],
            "in_study": rng.random(n) < 0.9,
            "noc2021": noc,
            "occupation_group": [cfg.occupation_codes[c] for c in noc],
            "holder_broad": broad,
            "holder_narrow": narrow,
            "experience_band": rng.choice(["0–2", "2–5", "5–10", "10–20", "20+", None], size=n),
            "education_level": rng.choice(["bachelor", "master", "doctorate", None], size=n),
            "province": rng.choice(["ON", "QC", "BC", "Texas", None], size=n),
        }
    )


def _analysed() -> list[AnalysisTable]:
    """Stand-ins for the analyses' tables: in DP mode they are replaced or left out."""
    df = pd.DataFrame({"x": ["a"], "n": [5]})
    names = ["uptake_by_group", "top_platforms", "coverage_row_accounting", "pathways"]
    return [AnalysisTable(n, n, "uptake", "", df.copy(), ["n"], {}, ["x"]) for n in names]


def _cfg(tmp_path, **dp) -> StudyConfig:
    return StudyConfig.model_validate(
        {"dp": {"enabled": True, "ledger_dir": str(tmp_path / "ledger"), **dp}}
    )


KEY = "ab" * 32


def _tables(res) -> dict[str, pd.DataFrame]:
    return {t.name: t.data for t in res.tables}


def test_dp_tables_are_non_negative_and_add_up(tmp_path):
    cfg = _cfg(tmp_path)
    res = release_tables(_analysed(), cfg, tmp_path / "out", 1, persons=_persons(), input_key=KEY)
    t = _tables(res)
    assert sorted(t) == ["holders_vs_non_holders", "uptake_by_group", "uptake_by_noc"]
    for name, df in t.items():
        for col in [c for c in ("n", "holders", "holders_in_category", "non_holders") if c in df]:
            assert (df[col] >= 0).all() and (df[col] == df[col].round()).all(), (name, col)
    g, noc, hv = t["uptake_by_group"], t["uptake_by_noc"], t["holders_vs_non_holders"]
    assert (g.holders <= g.n).all() and (noc.holders <= noc.n).all()
    for d in ("broad", "narrow"):
        gd = g[g.definition == d].set_index("occupation_group")
        nd = noc[noc.definition == d]
        sums = nd.groupby("occupation_group")[["n", "holders"]].sum()
        groups = [x.name for x in cfg.occupations]
        pd.testing.assert_frame_equal(sums.loc[groups], gd.loc[groups, ["n", "holders"]])
        assert (
            gd.loc[groups, ["n", "holders"]].sum().tolist()
            == gd.loc[ALL_GROUPS, ["n", "holders"]].tolist()
        )
        # the comparison's categories add up to the same all-occupations holders / non-holders
        hd = hv[hv.definition == d]
        for _, by_var in hd.groupby("variable"):
            assert by_var.holders_in_category.sum() == gd.loc[ALL_GROUPS, "holders"]
            assert by_var.non_holders_in_category.sum() == (
                gd.loc[ALL_GROUPS, "n"] - gd.loc[ALL_GROUPS, "holders"]
            )
    # the SMD is post-processing of the two shares: same sign as their difference
    known = hv.smd.notna()
    assert (np.sign(hv.smd[known]) == np.sign(hv.difference[known])).all()
    # narrow holders are broad holders, in every published cell
    b = noc[noc.definition == "broad"].set_index("noc2021").holders
    nr = noc[noc.definition == "narrow"].set_index("noc2021").holders
    assert (nr <= b).all()


def test_large_budget_gives_the_truth(tmp_path):
    persons = _persons()
    cfg = _cfg(tmp_path, total={"rho": 1e6})
    res = release_tables([], cfg, None, 1, persons=persons, input_key=KEY)
    g = _tables(res)["uptake_by_group"].set_index(["definition", "occupation_group"])
    study = persons[persons.in_study]
    for grp, sub in study.groupby("occupation_group"):
        assert g.loc[("broad", grp), "n"] == pytest.approx(len(sub), abs=1)
        assert g.loc[("narrow", grp), "holders"] == pytest.approx(sub.holder_narrow.sum(), abs=1)
    assert g.loc[("broad", ALL_GROUPS), "share"] == pytest.approx(
        study.holder_broad.mean(), abs=1e-3
    )


def test_manifest_accounts_for_every_released_number(tmp_path):
    """No released number in DP mode is computed outside the budget."""
    out = tmp_path / "out"
    analysed = _analysed()
    res = release_tables(analysed, _cfg(tmp_path), out, 1, persons=_persons(), input_key=KEY)
    dp = res.privacy["dp"]
    measured = {m["block"]: m for m in dp["measurements"]}
    # every measurement is in the plan, and the ledger of this run is their sum
    assert dp["rho_spent"] == pytest.approx(sum(m["rho"] for m in measured.values()))
    assert dp["rho_spent"] <= dp["rho_total"] * (1 + 1e-9)
    planned = {p["estimand"] for p in dp["plan"]}
    assert {b.split(".")[0] for b in measured} == planned
    # every published table is derived from measured blocks only; nothing else is published
    for entry in res.manifest_entries:
        assert entry["dp"]["from_measurements"], entry["table"]
        assert set(entry["dp"]["from_measurements"]) <= set(measured)
    published = {e["table"] for e in res.manifest_entries}
    assert published == set(dp["published_tables"])
    on_disk = {p.stem for p in (out / "tables").iterdir()}
    assert on_disk == published
    # every table the analyses made is either replaced by a DP table or said to be left out
    for t in analysed:
        assert t.name in published or t.name in dp["left_out"]
    assert "top_platforms" in dp["left_out"] and "coverage_row_accounting" in dp["left_out"]
    # suppression adds nothing: no cell is hidden in DP mode
    for t in res.tables:
        count_cols = [c for c in t.count_columns if c in t.data]
        assert not t.data[count_cols].isna().any().any()


def test_ledger_refuses_a_run_past_the_total(tmp_path):
    half = [
        {"estimand": "uptake_by_group", "share": 0.3},
        {"estimand": "uptake_by_noc", "share": 0.2},
    ]
    cfg = _cfg(tmp_path, plan=half)
    persons = _persons(500)
    release_tables([], cfg, None, 1, persons=persons, input_key=KEY)
    release_tables([], cfg, None, 1, persons=persons, input_key=KEY)
    out = tmp_path / "third"
    with pytest.raises(LedgerExhaustedError, match="DP budget of this input is spent: 2 earlier"):
        release_tables([], cfg, out, 1, persons=persons, input_key=KEY)
    assert not out.exists()  # refused before anything was measured or written
    ledger = json.loads((tmp_path / "ledger" / f"{KEY}.json").read_text())
    assert len(ledger["runs"]) == 2
    # another input has its own budget
    release_tables([], cfg, None, 1, persons=persons, input_key="cd" * 32)


def test_dp_release_needs_the_person_features(tmp_path):
    with pytest.raises(ValueError, match="needs the person features"):
        release_tables([], _cfg(tmp_path), None, 1)


@pytest.mark.parametrize(
    ("plan", "tables"),
    [
        ([{"estimand": "uptake_by_noc", "share": 1.0}], ["uptake_by_group", "uptake_by_noc"]),
        ([{"estimand": "uptake_by_group", "share": 1.0}], ["uptake_by_group"]),
    ],
)
def test_a_plan_measures_only_its_estimands(tmp_path, plan, tables):
    cfg = _cfg(tmp_path, plan=plan)
    res = release_tables([], cfg, None, 1, persons=_persons(800), input_key=KEY)
    t = _tables(res)
    assert sorted(t) == tables
    assert [m["block"] for m in res.privacy["dp"]["measurements"]] == [plan[0]["estimand"]]
    g = t["uptake_by_group"]
    for _, by_def in g.groupby("definition"):
        groups = by_def[by_def.occupation_group != ALL_GROUPS]
        total = by_def[by_def.occupation_group == ALL_GROUPS].iloc[0]
        assert groups.n.sum() == total.n and groups.holders.sum() == total.holders
    if "uptake_by_noc" in t:  # the group table is the sum of its NOCs (post-processing)
        assert "uptake_by_group" in res.privacy["dp"]["derived_by_post_processing"]
