"""LinkedIn-export and JSONL writers: layouts, identities, dates, and where personal data goes."""

from __future__ import annotations

import csv
import io
import json

import pytest

from microcred import synth


@pytest.fixture(scope="module")
def small():
    return synth.generate(60, 21)


def test_linkedin_export_layout(small, tmp_path):
    res = synth.write(small, "linkedin-export", tmp_path)
    folders = sorted(p.name for p in res.input_path.iterdir())
    assert folders == small.tables["persons"]["person_id"].to_pylist()
    one = res.input_path / folders[0]
    names = {p.name for p in one.iterdir()}
    assert {
        "Profile.csv",
        "Positions.csv",
        "Education.csv",
        "Certifications.csv",
        "Skills.csv",
        "Learning.csv",
        "Connections.csv",
    } <= names
    header = (one / "Positions.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "Company Name,Title,Description,Location,Started On,Finished On"
    assert (one / "Connections.csv").read_text(encoding="utf-8").startswith("Notes:\n")
    pos = small.tables["positions"].to_pandas()
    for pid in folders[:20]:
        rows = list(
            csv.DictReader(
                io.StringIO((res.input_path / pid / "Positions.csv").read_text(encoding="utf-8"))
            )
        )
        sub = pos[pos.person_id == pid].sort_values("position_idx")
        assert [r["Title"] for r in rows] == list(sub.title)
        assert sum(r["Finished On"] == "" for r in rows) == int((sub.end_date.isna()).sum())
    # truth is keyed by the folder name
    assert set(folders) == set(small.truth["persons"]["source_identity"].to_pylist())


def test_linkedin_dates_look_like_linkedin(small, tmp_path):
    res = synth.write(small, "linkedin-export", tmp_path)
    text = "".join(p.read_text(encoding="utf-8") for p in res.input_path.glob("*/Positions.csv"))
    import re

    assert re.search(r",(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}", text)
    assert re.search(r",\d{4},", text) or re.search(r",\d{4}\n", text)


def test_personal_data_is_in_inputs_only(small, tmp_path):
    res = synth.write(small, "linkedin-export", tmp_path)
    email = small.pii["email"][0].as_py()
    url = small.pii["profile_url"][0].as_py()
    exports = "".join(p.read_text(encoding="utf-8") for p in res.input_path.rglob("*.csv"))
    assert email in exports and url in exports
    for p in list(res.truth_dir.iterdir()) + list(res.margins_dir.iterdir()):
        blob = p.read_bytes()
        assert email.encode() not in blob and url.encode() not in blob, p


def test_jsonl_vendor_shape(small, tmp_path):
    res = synth.write(small, "jsonl", tmp_path)
    lines = res.input_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == small.n
    rec = json.loads(lines[0])
    assert list(rec) == [
        "id",
        "full_name",
        "email",
        "phone",
        "linkedin_url",
        "location",
        "country",
        "experience",
        "education",
        "certifications",
        "skills",
    ]
    assert rec["id"] == "syn-0000001"
    assert set(rec["experience"][0]) == {"title", "company", "start", "end", "location"}
    n_cert = sum(len(json.loads(x)["certifications"]) for x in lines)
    assert n_cert == small.tables["credentials"].num_rows
    for line in lines:
        for c in json.loads(line)["certifications"]:
            if c["url"]:
                assert c["url"].startswith("https://")


def test_unknown_format_is_a_clear_error(small, tmp_path):
    with pytest.raises(ValueError, match="unknown synth format"):
        synth.write(small, "csv", tmp_path)
