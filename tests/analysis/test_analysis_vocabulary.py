"""Analyses count unknown issuers and employers as "Other (not in catalogue)", never as typed."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from analysis_fakes import CONFIG, simulate

from microcred.analysis.frame import to_frame
from microcred.analysis.holders import categorical_comparison
from microcred.analysis.uptake import top_issuers
from microcred.release.vocabulary import OTHER, check_table

RAW = ["Zorbalina Quux", '=HYPERLINK("http://x.example","y")', "Acme Widgets of Zorb"]


def test_top_providers_fold_raw_issuers_into_one_other_row():
    fs = simulate(n=800, seed=3)
    enriched = fs.credentials_enriched
    providers = enriched["provider"].to_pylist()
    raw = [RAW[i % 3] if i % 4 == 0 else p for i, p in enumerate(providers)]
    enriched = enriched.set_column(
        enriched.schema.get_field_index("provider"), "provider", pa.array(raw, pa.string())
    )
    sf = to_frame(fs.person_features, CONFIG, False)
    table = top_issuers(sf, enriched, "provider")
    shown = set(table.data["provider"])
    assert not shown & set(RAW)
    assert OTHER in shown
    check_table(table)
    # the Other row is a distinct-person count over every raw issuer, not a sum of rows
    broad = table.data[table.data.definition == "broad"].set_index("provider")
    study = set(sf.study["person_id"])
    rows = enriched.filter(pc.is_in(enriched["provider"], pa.array(RAW))).to_pylist()
    expected = len({r["person_id"] for r in rows if r["person_id"] in study})
    assert broad.loc[OTHER, "holders"] == expected


def test_employers_outside_the_catalogue_are_never_a_category():
    fs = simulate(n=800, seed=4)
    pf = fs.person_features
    emp = pf["current_employer"].to_pylist()
    emp = ["zorbalina quux consulting" if i % 5 == 0 else e for i, e in enumerate(emp)]
    pf = pf.set_column(
        pf.schema.get_field_index("current_employer"), "current_employer", pa.array(emp)
    )
    table = categorical_comparison(to_frame(pf, CONFIG, False))
    cats = set(table.data.loc[table.data.variable == "current_employer", "category"])
    assert "zorbalina quux consulting" not in cats
    assert {"Shopify", "Desjardins", "RBC", OTHER} <= cats
    check_table(table)
