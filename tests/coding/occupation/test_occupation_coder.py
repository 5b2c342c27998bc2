from __future__ import annotations

import pickle
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa

from microcred import schema
from microcred.coding.base import CoderSettings
from microcred.coding.occupation import OccupationCoder
from microcred.evaluation.titles import DIGITAL_CODES, evaluate_titles

EVAL = Path(__file__).resolve().parents[3] / "eval" / "titles"


def _one(coder, title):
    return coder.code(pa.array([title])).to_pylist()[0]


def test_schema_order_and_one_row_per_title(coder):
    titles = ["Data Scientist", None, "", "Plombier", "Software Engineer"]
    out = coder.code(pa.array(titles, pa.string()))
    assert out.schema.equals(schema.TITLES_CODED)
    assert out["title"].to_pylist() == titles
    assert set(out["taxonomy_version"].to_pylist()) == {"NOC 2021 V1.0"}
    assert coder.code(pa.array([], pa.string())).num_rows == 0


def test_null_empty_and_garbage_abstain_with_reason(coder):
    rows = coder.code(pa.array([None, "  ", "qwzx vbnmk"], pa.string())).to_pylist()
    for r in rows:
        assert r["noc2021"] is None and r["abstain_reason"]
    assert rows[0]["abstain_reason"] == "empty title"
    assert rows[2]["abstain_reason"] == "no known words"


def test_coded_row_is_consistent(coder):
    r = _one(coder, "Data Scientist")
    assert r["noc2021"] == "21211"
    assert r["noc2021_title"] == coder.units["21211"].title
    assert r["teer"] == 1 and r["noc2021_minor"] == "2121"
    assert "15-2051" in r["soc2018"].split(";")
    alts = [a.split(":") for a in r["noc2021_alternatives"].split(";")]
    assert alts[0][0] == "21211" and float(alts[0][1]) == round(r["noc2021_confidence"], 3)
    assert len(alts) == 3 and len({a[0] for a in alts}) == 3


def test_abbreviations_code_like_full_titles(coder):
    assert _one(coder, "SWE")["noc2021"] == "21231"
    assert _one(coder, "ML Engineer")["noc2021"] == "21211"
    assert _one(coder, "DBA")["noc2021"] == "21223"
    assert _one(coder, "QA Tester")["noc2021"] == "22222"


def test_french_feminine_forms_code_like_masculine(coder):
    pairs = [
        ("Développeuse web", "Développeur web"),
        ("Analyste-programmeuse", "Analyste-programmeur"),
        ("Conseillère en sécurité informatique", "Conseiller en sécurité informatique"),
        ("Ingénieure logiciel", "Ingénieur logiciel"),
        ("Infirmière auxiliaire", "Infirmier auxiliaire"),
    ]
    for fem, masc in pairs:
        assert _one(coder, fem)["noc2021"] == _one(coder, masc)["noc2021"] is not None


def test_hard_negatives_are_not_coded_digital(coder):
    titles = [
        "Digital marketing coordinator",
        "Data entry operator",
        "Technical recruiter",
        "Software sales representative",
        "Computer store salesperson",
        "Commis à la saisie de données",
    ]
    codes = coder.code(pa.array(titles)).column("noc2021").to_pylist()
    assert all(c is not None and c not in DIGITAL_CODES for c in codes), codes


def test_minor_group_given_when_unit_group_uncertain():
    # at the default threshold: the minor-group calibrator (fitted on held-out example
    # titles) rarely clears higher ones, and where it does moves with the training keys
    strict = OccupationCoder.load(None, CoderSettings.with_coding(occupation_min_confidence=0.35))
    titles = [
        "software thing person",
        "cloud wizard",
        "network ninja",
        "data person",
        "nurse helper lead",
        "welding person",
        "teacher helper",
        "app guy",
        "web guru",
        "infirmier quelque chose",
    ]
    rows = strict.code(pa.array(titles)).to_pylist()
    with_minor = [r for r in rows if r["noc2021"] is None and r["noc2021_minor"]]
    assert with_minor, rows
    for r in with_minor:
        m = re.search(r"minor group (\d{4}) clear \((\d\.\d+)\)", r["abstain_reason"])
        assert m and m.group(1) == r["noc2021_minor"] and float(m.group(2)) >= strict.min_confidence
    # the default threshold codes more of them
    default = OccupationCoder.load().code(pa.array(titles)).column("noc2021").null_count
    assert default <= sum(r["noc2021"] is None for r in rows)


def test_calibration_is_monotone_on_held_out_titles(coder):
    frames = [
        pd.read_csv(EVAL / f, dtype=str, keep_default_na=False)
        for f in ("profile_titles.csv", "dev_titles.csv")
    ]
    report = evaluate_titles(pd.concat(frames), "title", "noc2021", "acceptable", coder=coder)
    rel = report.reliability
    high = rel[rel.mean_confidence >= 0.9]
    low = rel[rel.mean_confidence < 0.7]
    share = lambda t: (t.titles * t.share_right).sum() / t.titles.sum()  # noqa: E731
    assert share(high) >= 0.85
    assert share(high) > share(low)


def test_deterministic_and_order_independent(coder):
    titles = ["Data Analyst", "Chef cuisinier", "Développeur Java", "Sr. DevOps Engineer", "zz qq"]
    a = coder.code(pa.array(titles))
    b = coder.code(pa.array(titles))
    assert a.equals(b)
    c = coder.code(pa.array(list(reversed(titles))))
    assert c.to_pylist() == list(reversed(a.to_pylist()))


def test_pickles_for_workers(coder):
    clone = pickle.loads(pickle.dumps(coder))
    titles = pa.array(["Programmeur-analyste", "Registered Nurse", "Cloud Architect"])
    assert clone.code(titles).equals(coder.code(titles))
