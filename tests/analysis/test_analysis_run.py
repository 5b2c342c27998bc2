"""run_analyses end to end on a simulated feature set: contract, weights, headline dict."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pytest
from analysis_fakes import CONFIG, simulate

from microcred.analysis import headline_estimates, run_analyses
from microcred.analysis.frame import to_frame
from microcred.analysis.pathways import pathways
from microcred.analysis.second_source import harmonise_education
from microcred.analysis.summary import findings
from microcred.features.person import FeatureSet

SURVEY = pa.table(
    {
        "person_id": ["s1", "s2", "s3", "s4", "s5"],
        "country": ["CA", "CA", "US", "CA", "CA"],
        "education_raw": [
            "Bachelor’s degree (B.A., B.S., B.Eng., etc.)",
            "Master’s degree (M.A., M.S., M.Eng., MBA, etc.)",
            "Bachelor’s degree (B.A., B.S., B.Eng., etc.)",
            "Some college/university study without earning a degree",
            "Bachelor’s degree (B.A., B.S., B.Eng., etc.)",
        ],
        "years_work": [3.0, 12.0, 1.0, None, 4.0],
        "learned_online_or_cert": [True, False, True, True, None],
    }
)


@pytest.fixture(scope="module")
def features() -> FeatureSet:
    return simulate(n=500, seed=4)


@pytest.fixture(scope="module")
def tables(features):
    return {t.name: t for t in run_analyses(features, CONFIG, survey=SURVEY, weighted=False)}


def test_every_table_honours_the_contract(tables):
    assert {
        "uptake_by_group",
        "uptake_by_noc",
        "uptake_by_type",
        "top_providers",
        "top_platforms",
        "credentials_per_holder",
        "holders_vs_non_holders",
        "holders_profile_means",
        "distinctive_skills",
        "credential_signal_skills",
        "models_holding_odds_ratios",
        "models_seniority_effect",
        "models_seniority_balance",
        "pathways",
        "sensitivity",
        "second_source",
    } <= set(tables)
    for t in tables.values():
        cols = set(t.data.columns)
        assert set(t.count_columns) <= cols, t.name
        assert set(t.dims) <= cols, t.name
        for derived, bases in t.dependent.items():
            assert derived in cols and set(bases) <= set(t.count_columns), t.name
        c = t.chart
        assert c is not None and c.title and c.description and c.x_title and c.y_title
        used = {c.x, c.y, c.color, c.column, c.lower, c.upper, *c.tooltip} - {None}
        assert used <= cols, (t.name, used - cols)
        assert t.method


def test_uptake_counts_match_the_features(features, tables):
    pf = features.person_features.to_pandas()
    up = tables["uptake_by_group"].data
    row = up[(up.definition == "broad") & (up.occupation_group == "Data scientists")].iloc[0]
    ds = pf[pf.occupation_group == "Data scientists"]
    assert (row.n, row.holders) == (len(ds), int(ds.holder_broad.sum()))
    assert row.share == pytest.approx(ds.holder_broad.mean())
    assert row.lower < row.share < row.upper and row.interval == "wilson"


def test_headline_estimates_agree_with_tables(features, tables):
    est = headline_estimates(features.person_features, CONFIG)
    up = tables["uptake_by_group"].data
    for r in up.itertuples():
        got = est[f"{r.definition}|all codes|unweighted|{r.occupation_group}"]
        assert got["share"] == pytest.approx(r.share) and got["n"] == r.n


def test_weights_change_shares_but_not_counts(features):
    pf = features.person_features.to_pandas()
    w = np.where(pf.holder_broad, 0.5, 1.5)  # down-weight holders
    weighted = FeatureSet(
        features.person_features.set_column(
            features.person_features.schema.get_field_index("weight"), "weight", pa.array(w)
        ),
        features.credentials_enriched,
        features.person_skills,
    )
    sf = to_frame(weighted.person_features, CONFIG, weighted=True)
    from microcred.analysis.sensitivity import sensitivity
    from microcred.analysis.uptake import uptake_by_group

    wt = uptake_by_group(sf).data
    un = uptake_by_group(to_frame(features.person_features, CONFIG, False)).data
    assert (wt.n == un.n).all() and (wt.holders == un.holders).all()
    assert (wt.share < un.share).all()
    assert set(wt.interval) == {"wilson-kish"}
    sens = sensitivity(sf).data
    assert set(sens.weighting) == {"unweighted", "weighted"}


def test_deterministic(features, tables):
    """Same input, same tables (the cheap ones; the models are fitted deterministically)."""
    from microcred.analysis.holders import holders_tables
    from microcred.analysis.uptake import uptake_tables

    sf = to_frame(features.person_features, CONFIG, False)
    for t in [*uptake_tables(sf, features.credentials_enriched), *holders_tables(sf)]:
        assert t.data.equals(tables[t.name].data), t.name


def test_findings_from_the_tables(tables):
    out = findings(list(tables.values()))
    assert any(s.startswith("Under the broad definition,") for s in out)
    assert any(s.startswith("Seniority (broad definition):") for s in out)


def test_second_source_uses_canadian_answers(tables):
    ss = tables["second_source"].data
    survey = ss[ss.source.str.startswith("survey")]
    bachelor = survey[
        (survey.dimension == "education") & (survey.category == "bachelor or graduate certificate")
    ].iloc[0]
    assert (bachelor.n, bachelor.yes) == (1, 1)  # US row and the unanswered row are left out
    assert harmonise_education("Master’s degree (M.A., M.S., M.Eng., MBA, etc.)") == "master"
    assert harmonise_education("Professional degree (JD, MD, Ph.D, Ed.D, etc.)") == (
        "doctorate or professional"
    )
    assert harmonise_education(None) == "other or unknown"
    # the education coder's levels land on the same scale
    coder_levels = {
        "no_postsecondary": "secondary or less",
        "apprenticeship_trades": "college, trades or associate",
        "college": "college, trades or associate",
        "bachelor": "bachelor or graduate certificate",
        "graduate_certificate": "bachelor or graduate certificate",
        "professional_degree": "doctorate or professional",
        "master": "master",
        "doctorate": "doctorate or professional",
        "unknown": "other or unknown",
    }
    assert {k: harmonise_education(k) for k in coder_levels} == coder_levels
    so = {
        "Primary/elementary school": "secondary or less",
        "Secondary school (e.g. American high school, German Realschule or Gymnasium, etc.)": (
            "secondary or less"
        ),
        "Associate degree (A.A., A.S., etc.)": "college, trades or associate",
        "Some college/university study without earning a degree": "some postsecondary",
        "Other (please specify):": "other or unknown",
    }
    assert {k: harmonise_education(k) for k in so} == so


def test_pathways_hand_case():
    D = dt.date
    pf = simulate(n=30, seed=1).person_features.to_pandas().head(3).copy()
    pf["holder_broad"] = True
    pf["holder_narrow"] = False
    pf["formal_digital_training"] = ["no", "no", "yes"]
    pf["occupation_entry_date"] = [D(2020, 1, 1), D(2020, 1, 1), D(2020, 1, 1)]
    pf["first_micro_date_broad"] = [D(2019, 1, 1), D(2021, 1, 1), D(2018, 1, 1)]
    table = pa.Table.from_pandas(pf, preserve_index=False)
    d = pathways(to_frame(table, CONFIG, False)).data
    no = d[(d.definition == "broad") & (d.formal_digital_training == "no")].iloc[0]
    assert (no.n, no.before_entry) == (2, 1)
    yes = d[(d.definition == "broad") & (d.formal_digital_training == "yes")].iloc[0]
    assert (yes.n, yes.before_entry) == (1, 1)
    assert yes.median_months_credential_to_entry == pytest.approx(730 / (365.25 / 12))
