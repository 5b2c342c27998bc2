"""Small and odd cohorts never crash the analyses; rows the data cannot support say why."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from analysis_fakes import CONFIG, simulate

from microcred.analysis import run_analyses
from microcred.analysis.estimability import (
    ESTIMATED,
    STATUS_COLUMN,
    STATUS_VALUES,
    NotEstimable,
    not_estimable,
    safe_exp,
    separating_direction,
)
from microcred.analysis.models import weighted_logit
from microcred.features.person import FeatureSet

DEFS = CONFIG.definition_names()


def _with(fs: FeatureSet, **columns: object) -> FeatureSet:
    """``fs`` with person-feature columns replaced (a constant or a function of the table)."""
    pf = fs.person_features
    for name, value in columns.items():
        field = pf.schema.field(name)
        values = value(pf) if callable(value) else [value] * pf.num_rows
        pf = pf.set_column(pf.schema.get_field_index(name), field, pa.array(values, field.type))
    return FeatureSet(pf, fs.credentials_enriched, fs.person_skills)


def _holding(rule: Callable[[pa.Table], list[bool]] | bool) -> dict[str, object]:
    return {f"holder_{d}{s}": rule for d in DEFS for s in ("", "_hiconf")}


def _ontarians_only(pf: pa.Table) -> list[bool]:
    """Holders outside Ontario lose their credentials: every other province has none
    (quasi-complete separation), Ontario keeps holders and non-holders."""
    held, prov = pf[f"holder_{DEFS[0]}"].to_pylist(), pf["province"].to_pylist()
    return [h and p == "ON" for h, p in zip(held, prov, strict=True)]


def _empty_credentials(fs: FeatureSet) -> FeatureSet:
    """A cohort without holders has a credentials table with its columns but no rows."""
    if fs.credentials_enriched.num_columns:
        return fs
    empty = pa.table(
        {
            "person_id": pa.array([], pa.string()),
            "credential_idx": pa.array([], pa.int64()),
            "credential_type": pa.array([], pa.string()),
            "provider": pa.array([], pa.string()),
            "platform": pa.array([], pa.string()),
            **{f"is_micro_{d}": pa.array([], pa.bool_()) for d in DEFS},
        }
    )
    return FeatureSet(fs.person_features, empty, fs.person_skills)


BASE = simulate(n=120, seed=3)
ODD = {
    "all holders": _with(BASE, **_holding(True)),
    "no holders": _with(
        BASE, **_holding(False), **{f"n_micro_{d}{s}": 0 for d in DEFS for s in ("", "_hiconf")}
    ),
    "one occupation": _with(BASE, occupation_group="Data scientists", noc2021="21211"),
    "nobody in the occupations": _with(BASE, in_study=False),
    "unknown seniority": _with(BASE, seniority_rank=None),
    "unknown education": _with(BASE, education_level="unknown"),
    "separation": _with(simulate(n=600, seed=5), **_holding(_ontarians_only)),
    "complete separation": _with(
        BASE, **_holding(lambda pf: [p == "ON" for p in pf["province"].to_pylist()])
    ),
}


def _tables(fs: FeatureSet, weighted: bool) -> dict[str, pd.DataFrame]:
    return {t.name: t.data for t in run_analyses(fs, CONFIG, weighted=weighted)}


def _status(tables: dict[str, pd.DataFrame], name: str) -> set[str]:
    return set(tables[name][STATUS_COLUMN])


@pytest.mark.parametrize("n", [1, 2, 3, 5, 10, 100])
@pytest.mark.parametrize("weighted", [False, True])
def test_every_cohort_size_runs_and_every_status_is_from_the_vocabulary(n, weighted):
    fs = _empty_credentials(simulate(n=n, seed=n))
    tables = run_analyses(fs, CONFIG, weighted=weighted)
    with_status = [t for t in tables if STATUS_COLUMN in t.data]
    assert len(with_status) >= 10
    for t in with_status:
        assert set(t.data[STATUS_COLUMN]) <= set(STATUS_VALUES), t.name
        assert STATUS_COLUMN in t.dependent  # hidden wherever the counts are
        numbers = t.data.select_dtypes("number")
        finite = numbers.apply(lambda c: c.map(lambda v: math.isnan(v) or math.isfinite(v)))
        assert finite.all().all(), f"{t.name}: an infinite figure"


@pytest.mark.parametrize("case", sorted(ODD))
@pytest.mark.parametrize("weighted", [False, True])
def test_odd_cohorts_run_to_tables(case, weighted):
    tables = _tables(ODD[case], weighted)
    assert "models_holding_odds_ratios" in tables and "models_seniority_effect" in tables


def test_no_holders_says_so_in_every_holder_table():
    t = _tables(ODD["no holders"], weighted=False)
    assert _status(t, "models_holding_odds_ratios") == {not_estimable("no holders")}
    assert _status(t, "models_seniority_effect") == {not_estimable("no holders")}
    assert _status(t, "holders_vs_non_holders") == {not_estimable("no holders")}
    assert _status(t, "credentials_per_holder") == {not_estimable("no holders")}
    uptake = t["uptake_by_group"]  # a share of 0 is an estimate, not a gap
    assert (uptake["share"] == 0).all() and set(uptake[STATUS_COLUMN]) == {ESTIMATED}


def test_all_holders_cannot_be_compared_with_non_holders():
    t = _tables(ODD["all holders"], weighted=True)
    assert _status(t, "models_holding_odds_ratios") == {not_estimable("no non-holders")}
    assert _status(t, "models_seniority_effect") == {not_estimable("no non-holders")}
    assert (t["uptake_by_group"]["share"] == 1).all()


def test_nobody_in_the_occupations_leaves_every_share_not_estimable():
    t = _tables(ODD["nobody in the occupations"], weighted=False)
    assert _status(t, "uptake_by_group") == {not_estimable("no people")}
    assert t["uptake_by_group"]["share"].isna().all()
    assert _status(t, "models_seniority_effect") == {not_estimable("no people")}


def test_unknown_seniority_leaves_the_seniority_rows_not_estimable_and_the_rest_estimated():
    t = _tables(ODD["unknown seniority"], weighted=False)
    assert _status(t, "models_seniority_effect") == {not_estimable("no people")}
    assert ESTIMATED in _status(t, "models_holding_odds_ratios")


def test_one_occupation_estimates_without_an_occupation_term():
    t = _tables(ODD["one occupation"], weighted=False)
    ors = t["models_holding_odds_ratios"]
    assert "occupation_group" not in set(ors["variable"])
    assert ESTIMATED in set(ors[STATUS_COLUMN])


def test_separation_marks_the_infinite_odds_ratios_and_keeps_the_others_finite():
    t = _tables(ODD["separation"], weighted=False)
    ors = t["models_holding_odds_ratios"]
    sep = ors[ors[STATUS_COLUMN] == not_estimable("separation")]
    assert set(sep["variable"]) == {"province"} and (sep["holders_at_level"] == 0).all()
    assert sep[["odds_ratio", "lower", "upper", "p_value"]].isna().all().all()
    est = ors[ors[STATUS_COLUMN] == ESTIMATED]
    assert len(est) and np.isfinite(est[["odds_ratio", "lower", "upper"]].to_numpy()).all()
    assert (est["upper"] < 1e6).all()  # nothing like exp of a runaway coefficient


def test_complete_separation_leaves_no_odds_ratio_and_says_why():
    t = _tables(ODD["complete separation"], weighted=False)
    ors = t["models_holding_odds_ratios"]
    assert _status(t, "models_holding_odds_ratios") == {not_estimable("separation")}
    assert ors["odds_ratio"].isna().all()


def test_holders_all_more_senior_leave_the_ordinal_odds_ratio_not_estimable_not_overflowing():
    """The 100-profile crash: the ordinal interval was math.exp of a runaway bound."""

    def senior_hold(pf: pa.Table) -> list[bool]:
        return [r is not None and r >= 4 for r in pf["seniority_rank"].to_pylist()]

    t = _tables(_with(simulate(n=100, seed=2), **_holding(senior_hold)), weighted=False)
    eff = t["models_seniority_effect"].set_index(["definition", "estimand"])
    ordinal = eff.loc[(DEFS[0], "Ordinal logit odds ratio (higher rank)")]
    assert ordinal[STATUS_COLUMN] == not_estimable("separation")
    assert math.isnan(ordinal["estimate"]) and math.isnan(ordinal["upper"])
    rank_diff = eff.loc[(DEFS[0], "IPW difference in mean seniority rank")]
    assert rank_diff[STATUS_COLUMN] == ESTIMATED and rank_diff["estimate"] > 0


# ---- the building blocks -------------------------------------------------------------------


def test_the_linear_program_finds_complete_quasi_complete_and_no_separation():
    x = np.array([0.0, 0, 1, 1, 2, 2])
    X = np.column_stack([np.ones(6), x])
    complete = separating_direction(np.array([0, 0, 0, 0, 1, 1], bool), X)
    assert complete is not None and complete.infinite[1]
    assert complete.perfect(np.array([0, 0, 0, 0, 1, 1], bool), X).all()
    # holders and non-holders overlap at x = 1 only: quasi-complete
    quasi = separating_direction(np.array([0, 0, 1, 0, 1, 1], bool), X)
    assert quasi is not None
    assert quasi.perfect(np.array([0, 0, 1, 0, 1, 1], bool), X).tolist() == [1, 1, 0, 0, 1, 1]
    assert separating_direction(np.array([0, 1, 0, 1, 0, 1], bool), X) is None


def test_a_combination_of_levels_that_separates_is_found_though_no_single_level_does():
    rng = np.random.default_rng(1)
    n = 400
    a, b = rng.integers(0, 2, n).astype(float), rng.integers(0, 2, n).astype(float)
    noise = rng.normal(size=n)
    both = (a == 1) & (b == 1)
    y = both & (rng.random(n) < 0.5)  # some holders where both dummies are on, none elsewhere
    X = pd.DataFrame({"a": a, "b": b, "noise": noise})
    assert all(((X[c] == 1) & ~y).any() for c in ("a", "b"))  # no single level separates
    fit = weighted_logit(y, X)
    assert set(fit.separated) == {"a", "b"}
    assert list(fit.params.index) == ["const", "noise"]
    assert (fit.perfect == ~both).all()  # everyone outside the cell is predicted perfectly
    assert fit.nobs == both.sum() and np.isfinite(fit.bse).all()


def test_a_logit_without_people_or_variation_raises_not_estimable_with_its_reason():
    X = pd.DataFrame({"x": [0.0, 1.0, 0.0, 1.0]})
    with pytest.raises(NotEstimable) as no_holders:
        weighted_logit(np.zeros(4, bool), X)
    assert no_holders.value.status == not_estimable("no holders")
    with pytest.raises(NotEstimable) as nobody:
        weighted_logit(np.array([0, 1, 0, 1], bool), X, np.zeros(4))
    assert nobody.value.status == not_estimable("no people")


def test_odds_ratios_past_the_float_range_are_not_estimable_instead_of_overflowing():
    assert safe_exp(800.0, 700.0, 900.0)[3] == not_estimable("interval unbounded")
    assert math.isnan(safe_exp(800.0, 700.0, 900.0)[0])
    assert safe_exp(math.nan, 0.0, 1.0)[3] == not_estimable("model did not fit")
    odds, lo, hi, status = safe_exp(math.log(2), 0.0, math.log(4))
    assert status == ESTIMATED and (odds, lo, hi) == pytest.approx((2.0, 1.0, 4.0))


def test_the_vocabulary_rejects_an_unknown_reason():
    with pytest.raises(KeyError):
        not_estimable("bad luck")


def test_the_findings_say_not_estimable_and_why_instead_of_suppressed():
    from microcred.analysis.summary import findings

    tables = run_analyses(ODD["nobody in the occupations"], CONFIG, weighted=False)
    text = " ".join(findings(tables))
    assert "not estimable (no people)" in text
    assert "suppressed" not in text
