"""The personal-data gate catches every planted item and passes clean outputs."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.release.pii_gate import PersonalDataFound, gate, scan_outputs

KEY = "s3cr3t-pseudonym-key-0123456789"
PLANTED_NAME = "Zorbalina"
ITEMS = {
    "email": "q.zorb@example.org",
    "phone": "(416) 555-0199",
    "linkedin_profile": "https://www.linkedin.com/in/qzorb-4a1b",
    "github_profile": "https://github.com/zorbq",
    "twitter_profile": "https://twitter.com/zorbq",
    "planted_name": PLANTED_NAME,
    "pseudonym_key": KEY,
}


def _write_clean(out):
    (out / "tables").mkdir(parents=True)
    df = pd.DataFrame(
        {
            "noc2021": ["21211", "21231"],
            "year": [2019, 2023],
            "n": [1234567, 98],
            "share": [0.4165551234, 3.4e-05],
            "platform": ["linkedin.com/learning", "github.com/vega/vega-lite"],
        }
    )
    df.to_csv(out / "tables" / "uptake.csv", index=False)
    df.to_parquet(out / "tables" / "uptake.parquet")
    bundle = "/*! vega, author: jheer@uw.edu, https://github.com/jheer */ " + "var a=1;" * 5000
    (out / "report.html").write_text(
        "<html><head><script>" + bundle + "</script></head><body><p>NOC 21211, 2023: "
        "3.4 % (n = 2,345). Source: Statistics Canada 98-10-0404-01, "
        "https://github.com/example-org/microcred</p></body></html>"
    )
    (out / "manifest.json").write_text(
        json.dumps({"sha256": "a4165551234b" * 5, "seed": 20231129, "rows": 4165})
    )
    (out / "figures").mkdir()
    (out / "figures" / "uptake.svg").write_text("<svg><text>Data scientists 21211</text></svg>")
    (out / "README.md").write_text("Phone-like ids: 2021-2025, 1-800, 10.5555/1234567\n")


def test_clean_outputs_pass(tmp_path):
    _write_clean(tmp_path)
    assert scan_outputs(tmp_path, planted=[PLANTED_NAME], key=KEY) == []
    gate(tmp_path, planted=[PLANTED_NAME], key=KEY)


def _plant(out, kind: str, value: str, fmt: str) -> None:
    if fmt == "csv":
        pd.DataFrame({"label": [f"x {value} y"], "n": [12]}).to_csv(out / "t.csv", index=False)
    elif fmt == "parquet":
        pd.DataFrame({"label": ["ok", value], "n": [1, 2]}).to_parquet(out / "t.parquet")
    elif fmt == "json":
        escaped = json.dumps({"note": value}).replace("@", "\\u0040").replace("/", "\\/")
        (out / "m.json").write_text(escaped)  # JSON escapes must not hide anything
    elif fmt == "html":
        (out / "r.html").write_text(f"<html><body><td>{value}</td></body></html>")
    elif fmt == "svg":
        (out / "f.svg").write_text(f"<svg><text>{value}</text></svg>")
    elif fmt == "txt":
        (out / "log.txt").write_text(f"line one\nsaw {value}\n")
    elif fmt == "md":
        (out / "notes.md").write_text(f"# Notes\n\n| a | {value} |\n")


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json", "html", "svg", "txt", "md"])
@pytest.mark.parametrize("kind", sorted(ITEMS))
def test_every_planted_item_is_caught(tmp_path, kind, fmt):
    _write_clean(tmp_path)
    _plant(tmp_path, kind, ITEMS[kind], fmt)
    findings = scan_outputs(tmp_path, planted=[PLANTED_NAME], key=KEY)
    assert [f.kind for f in findings] == [kind], findings
    with pytest.raises(PersonalDataFound) as err:
        gate(tmp_path, planted=[PLANTED_NAME], key=KEY)
    assert KEY not in str(err.value)
    assert findings[0].file in str(err.value)


def test_planted_name_inside_report_bundle_is_caught(tmp_path):
    (tmp_path / "report.html").write_text(
        "<script>" + "var a=1;" * 5000 + f'var d={{"label":"{PLANTED_NAME}"}};</script>'
    )
    kinds = [f.kind for f in scan_outputs(tmp_path, planted=[PLANTED_NAME])]
    assert kinds == ["planted_name"]


# ---- the RE2 prefilter for Parquet columns never hides a finding ------------------------------

_PHONE_ISH = st.text(alphabet="0123456789 .-()+1@abx/:_%", min_size=0, max_size=24)


@settings(max_examples=300, deadline=None)
@given(st.lists(_PHONE_ISH, min_size=1, max_size=8))
def test_prefilter_keeps_every_value_an_exact_pattern_flags(values):
    from microcred.release import pii_gate as g

    scanner = g._Scanner((), None, g.DEFAULT_PATTERNS)
    kept = set(g._candidates(pa.array(values, pa.string()), scanner).to_pylist())
    for v in values:
        if scanner.scan_text(v, "f", "", planted=False, key=False):
            assert v in kept, v


def test_parquet_string_columns_are_prefiltered_without_losing_findings(tmp_path):
    ids = [f"{i:064x}" for i in range(5000)]  # pseudonymous ids: many distinct, none personal
    bad = ["ann.lee@example.org", "call (416) 555-0123", "linkedin.com/in/ann-lee", KEY]
    notes = ["ok"] * (len(ids) - len(bad)) + bad
    pq.write_table(pa.table({"person_id": ids, "note": notes}), tmp_path / "t.parquet")
    found = scan_outputs(tmp_path, key=KEY)
    assert sorted({f.kind for f in found}) == [
        "email",
        "linkedin_profile",
        "phone",
        "pseudonym_key",
    ]
    assert all("column note" in f.location for f in found)
