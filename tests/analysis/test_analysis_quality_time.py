"""Credential quality tiers and the time tables: rules, release contract, planted recovery."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from microcred.analysis.quality import (
    NO_TIER,
    UNKNOWN,
    assign_tiers,
    quality_attributes,
    quality_tables,
    study_credentials,
)
from microcred.analysis.timeline import cohort_labels, time_tables, year_label
from microcred.coding.credentials.catalogue import PROVIDER_KINDS
from microcred.config import ISSUER_KINDS, QualityConfig, StudyConfig
from microcred.errors import ConfigError
from microcred.synth.planted_quality_time import (
    Planted,
    planted_study,
    truth_cumulative,
    truth_uptake_by_year,
)

TIERS = StudyConfig().quality.tiers


def _attrs(**cols: list) -> pd.DataFrame:
    return quality_attributes(pd.DataFrame(cols))


def test_issuer_kinds_in_config_are_the_catalogues() -> None:
    assert tuple(ISSUER_KINDS) == tuple(PROVIDER_KINDS)


def test_tiers_take_the_first_that_holds_and_never_guess() -> None:
    attrs = _attrs(
        assessed=["yes", "yes", "no", "unknown", "yes", "no", "yes"],
        has_url=[True, False, None, True, None, True, True],
        provider_kind=["vendor", "vendor", "platform", "vendor", "vendor", "employer", None],
    )
    assert list(attrs["verification"]) == ["yes", "no", UNKNOWN, "yes", UNKNOWN, "yes", "yes"]
    tiers = assign_tiers(attrs, TIERS)
    # assessed vendor with URL → A; without → B; unassessed platform → C;
    # unknown assessment → unknown (could be A); no URL field → A or B, unknown;
    # employer-issued, unassessed → none; no issuer known → unknown
    assert list(tiers) == ["A", "B", "C", UNKNOWN, UNKNOWN, NO_TIER, UNKNOWN]


def test_a_credential_id_counts_as_verification_and_missing_columns_are_unknown() -> None:
    attrs = _attrs(has_url=[False, False], has_credential_id=[True, None])
    assert list(attrs["verification"]) == ["yes", "no"]
    assert set(attrs["assessed"]) == {UNKNOWN} and set(attrs["issuer_kind"]) == {UNKNOWN}


def test_quality_config_refuses_unknown_kinds_and_reserved_names(tmp_path) -> None:
    from microcred.config import load_config

    bad = tmp_path / "study.yaml"
    bad.write_text("quality:\n  tiers:\n    - name: A\n      issuer_kinds: [vendr]\n")
    with pytest.raises(ConfigError, match="vendr"):
        load_config(bad)
    with pytest.raises(ValueError, match="tier names"):
        QualityConfig.model_validate({"tiers": [{"name": "unknown"}]})


def test_years_and_cohorts_are_labelled_without_guessing() -> None:
    assert year_label(2009, 2012) == "before 2012" and year_label(2015, 2012) == "2015"
    sf, _ = planted_study(1, Planted(n=10))
    assert cohort_labels(sf) == ["before 2005", "2005-2009", "2010-2014", "2015-2019", "2020-2025"]


def _tables(seed: int, p: Planted) -> dict[str, pd.DataFrame]:
    sf, creds = planted_study(seed, p)
    ce = study_credentials(sf, pa.Table.from_pandas(creds, preserve_index=False))
    return {t.name: t for t in quality_tables(sf, ce) + time_tables(sf, ce)}


def test_tables_honour_the_release_contract() -> None:
    tables = _tables(3, Planted(n=400, hazard=0.1, p_undated=0.2))
    assert {
        "quality_holders_by_tier",
        "quality_tiers_by_type",
        "quality_unknown_share",
        "quality_holder_comparison",
        "time_uptake_by_year",
        "time_new_credentials_by_year",
        "time_new_credentials_by_provider",
        "time_entry_to_first_credential",
        "time_entry_cohorts",
    } == set(tables)
    for t in tables.values():
        cols = set(t.data.columns)
        assert len(t.data) and set(t.count_columns) <= cols and set(t.dims) <= cols, t.name
        for derived, bases in t.dependent.items():
            assert derived in cols and set(bases) <= set(t.count_columns), t.name
        assert set(t.cells) <= set(t.count_columns), t.name
        c = t.chart
        used = {c.x, c.y, c.color, c.column, c.lower, c.upper, *c.tooltip} - {None}
        assert used <= cols, (t.name, used - cols)
        assert t.section in ("quality", "time"), t.name
    # every table whose figure is an estimate with an interval states its estimand
    for name in (
        "quality_holders_by_tier",
        "quality_unknown_share",
        "time_uptake_by_year",
        "time_entry_to_first_credential",
    ):
        assert "Estimand:" in tables[name].method, name


def test_undated_credentials_are_counted_as_undated_never_given_a_year() -> None:
    p = Planted(n=1500, p_tier={"A": 0.0, "B": 0.0}, p_unknown=0.0, hazard=0.1, p_undated=0.3)
    sf, creds = planted_study(5, p)
    ce = study_credentials(sf, pa.Table.from_pandas(creds, preserve_index=False))
    tabs = {t.name: t.data for t in time_tables(sf, ce)}
    new = tabs["time_new_credentials_by_year"]
    row = new[(new.definition == "broad") & (new.credential_type == "all")]
    undated = int(creds["issued_date"].isna().sum())
    assert undated > 0
    assert int(row.loc[row.issued_year == "undated", "credentials"].iloc[0]) == undated
    assert int(row["credentials"].sum()) == len(creds)
    up = tabs["time_uptake_by_year"]
    last = up[(up.definition == "broad") & (up.occupation_group.str.startswith("All"))].iloc[-1]
    holders = int(sf.study["holder_broad"].sum())
    undated_only = int((sf.study["holder_broad"] & sf.study["first_micro_date_broad"].isna()).sum())
    assert last["holders_by_year"] == holders - undated_only


def _covered(est: float, lo: float, hi: float, truth: float) -> bool:
    return lo <= truth <= hi


def test_planted_tier_shares_are_recovered_within_their_intervals() -> None:
    p = Planted(n=2000, p_tier={"A": 0.15, "B": 0.08}, p_unknown=0.05)
    truth = {"A": 0.15, "B": 0.08, UNKNOWN: 0.05, "C": 0.0, NO_TIER: 0.0}
    hits, total, bias = 0, 0, {t: 0.0 for t in truth}
    seeds = range(12)
    for seed in seeds:
        t = _tables(seed, p)["quality_holders_by_tier"].data
        rows = t[(t.definition == "broad") & t.occupation_group.str.startswith("All")]
        for r in rows.itertuples():
            bias[r.quality_tier] += (r.share - truth[r.quality_tier]) / len(seeds)
            if truth[r.quality_tier] > 0:
                hits += _covered(r.share, r.lower, r.upper, truth[r.quality_tier])
                total += 1
            else:
                assert r.holders == 0
    assert hits / total >= 0.85, (hits, total)
    assert all(abs(b) < 0.01 for b in bias.values()), bias
    # the unknown share among credentials is the planted one, counted exactly
    sf, creds = planted_study(0, p)
    u = _tables(0, p)["quality_unknown_share"].data
    tier_row = u[(u.definition == "broad") & (u.attribute == "quality_tier")].iloc[0]
    assert tier_row["unknown"] == int(
        (creds["provider"].isna() & (creds["assessed"] == "unknown")).sum()
    )


def test_planted_year_profile_and_time_to_credential_are_recovered() -> None:
    p = Planted(n=2500, p_tier={"A": 0.0, "B": 0.0}, p_unknown=0.0, hazard=0.08, p_undated=0.0)
    hits = total = 0
    km_hits = km_total = 0
    for seed in range(8):
        tabs = _tables(100 + seed, p)
        up = tabs["time_uptake_by_year"].data
        up = up[(up.definition == "broad") & up.occupation_group.str.startswith("All")]
        for r in up[up.year.isin([2014, 2018, 2022, 2024])].itertuples():
            hits += _covered(r.share, r.lower, r.upper, truth_uptake_by_year(p, r.year))
            total += 1
        km = tabs["time_entry_to_first_credential"].data
        for r in km[km.definition == "broad"].itertuples():
            km_hits += _covered(
                r.cumulative_share, r.lower, r.upper, truth_cumulative(p, r.years_since_entry)
            )
            km_total += 1
    assert hits / total >= 0.85, (hits, total)
    assert km_hits / km_total >= 0.85, (km_hits, km_total)
