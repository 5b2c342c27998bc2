"""The cohort looks like Canadian profile data: provinces, languages, titles, dates, credentials."""

from __future__ import annotations

import csv
import re
from collections import Counter

import numpy as np
import pyarrow.compute as pc

from microcred.config import CREDENTIAL_TYPES
from microcred.datadir import DataDir


def _share(values, key):
    c = Counter(values)
    return c[key] / sum(c.values())


def test_province_shares_are_realistic_for_tech_workers(cohort):
    prov = cohort.tables["persons"]["province"].to_pylist()
    assert 0.40 <= _share(prov, "ON") <= 0.50
    assert 0.16 <= _share(prov, "QC") <= 0.24
    assert 0.13 <= _share(prov, "BC") <= 0.21
    assert 0.06 <= _share(prov, "AB") <= 0.12


def test_french_profiles_are_mostly_in_quebec(cohort):
    p = cohort.tables["persons"].to_pandas()
    fr_qc = (p[p.province == "QC"].profile_language == "fr").mean()
    assert 0.62 <= fr_qc <= 0.78
    assert (p[p.province == "ON"].profile_language == "fr").mean() < 0.08
    assert p[p.profile_language == "fr"].province.value_counts(normalize=True)["QC"] > 0.85


def test_french_profiles_write_french_titles_and_degrees(cohort):
    pos = (
        cohort.tables["positions"]
        .to_pandas()
        .merge(cohort.tables["persons"].to_pandas(), on="person_id")
    )
    fr_titles = " ".join(pos[pos.profile_language == "fr"].title.str.lower())
    en_titles = " ".join(pos[pos.profile_language == "en"].title.str.lower())
    for word in ("développeu", "analyste", "ingénieu"):
        assert word in fr_titles
    assert "développeu" not in en_titles
    assert re.search(r"développeuse|programmeuse|analyste-programmeuse|ingénieure", fr_titles)
    edu = (
        cohort.tables["educations"]
        .to_pandas()
        .merge(cohort.tables["persons"].to_pandas(), on="person_id")
    )
    fr_deg = " ".join(edu[edu.profile_language == "fr"].degree.dropna())
    assert re.search(r"Baccalauréat|DEC|Maîtrise|Bac", fr_deg)


def test_titles_are_noisy_but_derived_from_noc_examples(cohort):
    dd = DataDir()
    examples = set()
    for lang in ("en", "fr"):
        with dd.path(f"noc_examples_{lang}").open(encoding="utf-8") as fh:
            examples |= {r[f"example_title_{lang}"].lower() for r in csv.DictReader(fh)}
    titles = cohort.tables["positions"]["title"].to_pylist()
    verbatim = np.mean([t.lower() in examples for t in titles])
    assert 0.05 < verbatim < 0.7  # some verbatim NOC examples, most with noise or profile wording
    truth = cohort.truth["positions"].to_pandas()
    assert set(truth.title_origin) == {"noc-example", "profile"}
    joined = " | ".join(titles)
    for marker in (
        "Senior ",
        "Sr. ",
        "Junior ",
        " @ ",
        "Lead ",
        " II",
        "Intern",
        "stagiaire",
        " - Remote",
        "SWE",
    ):
        assert marker in joined, marker
    assert any(t.isupper() for t in titles) and any(t.islower() for t in titles)
    assert re.search(r"\| Ph\.?D|, PhD|\(PhD\)", joined)


def test_position_dates_are_consistent(cohort):
    pos = cohort.tables["positions"]
    start, end = pos["start_date"], pos["end_date"]
    both = pc.and_(pc.is_valid(start), pc.is_valid(end))
    assert pc.all(pc.less_equal(pc.filter(start, both), pc.filter(end, both))).as_py()
    assert pc.all(pc.is_null(pc.filter(end, pos["is_current"]))).as_py()
    assert set(pos["start_precision"].to_pylist()) == {"month", "year"}
    assert pc.all(
        pc.less_equal(start, pc.cast(pc.strptime("2025-12-31", "%Y-%m-%d", "s"), start.type))
    ).as_py()
    # most people have exactly one current position
    cur = pos.to_pandas().groupby("person_id").is_current.sum()
    assert (cur == 1).mean() > 0.85
    # careers have 1-6 positions, occupations change for some people
    n = pos.to_pandas().groupby("person_id").size()
    assert n.min() >= 1 and n.max() <= 6
    tp = cohort.truth["positions"].to_pandas()
    assert 0.05 < (~tp.in_current_occupation).mean() < 0.4
    # some positions overlap the next one (concurrent jobs)
    p = pos.to_pandas().sort_values(["person_id", "position_idx"])
    nxt = p.groupby("person_id").start_date.shift(-1)
    assert ((p.end_date > nxt) & nxt.notna()).sum() > 0


def test_education_dates_and_misfiled_credentials(cohort):
    edu = cohort.tables["educations"]
    both = pc.and_(pc.is_valid(edu["start_date"]), pc.is_valid(edu["end_date"]))
    assert pc.all(
        pc.less_equal(pc.filter(edu["start_date"], both), pc.filter(edu["end_date"], both))
    ).as_py()
    schools = set(edu["school"].to_pylist())
    assert {"Lighthouse Labs", "Coursera"} & schools or "BrainStation" in schools


def test_every_credential_type_is_present(cohort):
    types = Counter(cohort.truth["credentials"]["true_credential_type"].to_pylist())
    assert set(types) == set(CREDENTIAL_TYPES)
    hosts = set(pc.drop_null(cohort.tables["credentials"]["url_host"]).to_pylist())
    assert {"credly.com/badges", "coursera.org/verify"} <= hosts
    names = " ".join(cohort.tables["credentials"]["name"].drop_null().to_pylist())
    assert "AWS Certified" in names and "Microprogramme" in names or "Certificat" in names


def test_holders_have_more_hot_technologies(cohort):
    # recorded effect: holders weight hot technologies x2 (parameters.json skills)
    tp = cohort.truth["persons"].to_pandas()[["source_identity", "holder_broad"]]
    from microcred.synth.knowledge import load_knowledge

    hot = {s for v in load_knowledge().skills.values() for s, h in v if h}
    sk = cohort.tables["skills"].to_pandas()
    sk["hot"] = sk.skill.isin(hot)
    share = sk.groupby("person_id").hot.mean().rename("hot").reset_index()
    m = share.merge(tp, left_on="person_id", right_on="source_identity")
    assert m[m.holder_broad].hot.mean() > m[~m.holder_broad].hot.mean()
