"""Truth agrees with the data: holder flags, credential rows, realised rates, parameters."""

from __future__ import annotations

import json

import numpy as np
import pyarrow.parquet as pq
import pytest

from microcred import synth
from microcred.config import StudyConfig
from microcred.synth.knowledge import load_knowledge


def test_holder_flags_follow_the_true_credential_types(cohort):
    tp = cohort.truth["persons"].to_pandas().set_index("source_identity")
    tc = cohort.truth["credentials"].to_pandas()
    for d in StudyConfig().definitions:
        holders = set(tc[tc.true_credential_type.isin(d.types)].source_identity)
        flagged = set(tp.index[tp[f"holder_{d.name}"]])
        assert holders == flagged, d.name
    assert (tp.holder_narrow <= tp.holder_broad).all()


def test_truth_credentials_point_at_rows(cohort):
    tc = cohort.truth["credentials"].to_pandas()
    creds = cohort.tables["credentials"].to_pandas()
    edu = cohort.tables["educations"].to_pandas()
    cert = tc[tc.origin == "certifications"]
    assert len(cert) == len(creds)
    m = cert.merge(
        creds,
        left_on=["source_identity", "credential_idx"],
        right_on=["person_id", "credential_idx"],
        how="left",
    )
    assert m.name.notna().all()
    k = load_knowledge()
    variants: dict[str, set[str]] = {}
    for c in k.credentials:  # a few canonical names repeat across providers
        variants.setdefault(c["names"][0], set()).update(c["names"])
    assert all(
        name in variants[canon] for name, canon in zip(m.name, m.catalogue_name, strict=True)
    )
    mis = tc[tc.origin == "education"]
    assert len(mis) > 0
    me = mis.merge(
        edu,
        left_on=["source_identity", "credential_idx"],
        right_on=["person_id", "education_idx"],
        how="left",
    )
    assert me.school.notna().all()
    assert set(mis.true_credential_type) <= {
        "bootcamp_certificate",
        "mooc_certificate",
        "university_microcredential",
    }


def test_truth_persons_cover_the_cohort(cohort):
    tp = cohort.truth["persons"]
    assert tp["source_identity"].to_pylist() == cohort.tables["persons"]["person_id"].to_pylist()
    df = tp.to_pandas()
    assert df.true_noc2021.str.fullmatch(r"\d{5}").all()
    assert set(df.true_occupation_group) == {
        "data_scientists",
        "software_professionals",
        "other_digital",
        "adjacent",
        "non_digital",
    }
    assert (df.design_weight > 0).all()
    # first credential dates exist exactly for broad holders with a dated credential
    assert df.loc[~df.holder_broad, "first_credential_date"].isna().all()
    # career switchers more often get their first credential before entering the occupation
    h = df[df.holder_broad]
    assert (
        h[h.career_switcher].first_credential_before_entry.mean()
        > h[~h.career_switcher].first_credential_before_entry.mean()
    )


def test_realised_rates_in_parameters_match_truth(cohort, written):
    params = json.loads((written.truth_dir / "parameters.json").read_text(encoding="utf-8"))
    tp = pq.read_table(written.truth_dir / "persons.parquet").to_pandas()
    ds = tp[tp.true_noc2021 == "21211"]
    got = params["realised"]["by_study_group"]["Data scientists"]["broad"]
    assert got["n"] == len(ds)
    assert abs(got["sample_rate"] - ds.holder_broad.mean()) < 1e-6
    w = ds.design_weight
    assert abs(got["population_rate"] - (w * ds.holder_broad).sum() / w.sum()) < 1e-4
    assert params["holder_model"]["seniority"] == 0.0
    # uptake is realistic: a few % to ~20 % among data scientists and software professionals
    for group in ("Data scientists", "Software professionals"):
        for d in ("broad", "narrow"):
            assert 0.02 < params["realised"]["by_study_group"][group][d]["sample_rate"] < 0.25


def test_holding_follows_the_logit_model(cohort):
    tp = cohort.truth["persons"].to_pandas()
    # mean drawn probability matches the realised share of holders (Bernoulli draws)
    p, y = tp.holder_probability.to_numpy(), tp.holder_broad.to_numpy()
    se = np.sqrt((p * (1 - p)).sum()) / len(p)
    assert abs(y.mean() - p.mean()) < 5 * se + 0.01
    # experience effect is negative, switcher effect positive
    assert (
        tp[tp.career_switcher].holder_probability.mean()
        > tp[~tp.career_switcher].holder_probability.mean()
    )


def test_truth_vocabularies_match_the_coders(cohort):
    from microcred.schema import SENIORITY_LEVELS
    from microcred.sources.statcan import EDUCATION_LEVELS

    tpos = cohort.truth["positions"].to_pandas()
    assert set(tpos.true_seniority) <= set(SENIORITY_LEVELS)
    assert {"intern", "entry", "senior", "lead", "manager"} <= set(tpos.true_seniority)
    tp = cohort.truth["persons"].to_pandas()
    assert set(tp.true_education_level_coded) <= set(EDUCATION_LEVELS)
    assert set(tp.seniority_current) <= set(SENIORITY_LEVELS)


def test_load_truth_reads_back_what_was_written(cohort, written, tmp_path):
    back = synth.load_truth(written.truth_dir)
    for name in ("persons", "credentials", "positions"):
        assert back[name].equals(cohort.truth[name]), name
    assert back["parameters"]["seed"] == cohort.seed
    with pytest.raises(FileNotFoundError, match="not a synth truth folder"):
        synth.load_truth(tmp_path)
