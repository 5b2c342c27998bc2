"""Identifiers seen at ingest are held as keyed hashes and found in outputs without false alarms."""

from __future__ import annotations

import json
import pickle

import pandas as pd
import pytest

from microcred.pseudonym import Pseudonymizer
from microcred.release.identifiers import IdentifierCollector, current_collector
from microcred.release.pii_gate import PersonalDataFound, gate, scan_outputs

KEY = b"identifier-test-key-0123456789"


def _collector() -> IdentifierCollector:
    ids = IdentifierCollector(KEY)
    ids.person_name("Zorbalina", "Quux")
    ids.person_name("Jane")  # a lone first name is never recorded
    ids.organisations("employer", ["Zorblax", "Microsoft", "Data", "Acme Widgets of Zorb", None])
    ids.organisations("school", ["Quuxford Academy"])
    ids.username("https://www.linkedin.com/in/zquux-84")
    ids.username("x.vorlauf@example.com")
    ids.username("exports/Zorbalina_Quux_LinkedIn.zip")
    return ids


def _kinds(tmp_path, text: str, name: str = "t.csv") -> list[str]:
    (tmp_path / name).write_text(text, encoding="utf-8")
    found = scan_outputs(tmp_path, identifiers=_collector())
    (tmp_path / name).unlink()
    return sorted(f.kind for f in found)


def test_nothing_but_digests_is_kept():
    ids = _collector()
    dumped = pickle.dumps((ids.anywhere, ids.whole_cell, ids.counts, ids.lengths))
    for word in (b"zorbalina", b"quux", b"zorblax", b"quuxford", b"vorlauf", b"Zorbalina"):
        assert word not in dumped
    assert "Zorbalina" not in repr(ids)
    assert ids.counts["person_name"] == 1  # "Jane" alone was not recorded


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("provider,holders\nZorbalina Quux,12\n", "person_name"),
        ("<p>Issued by ZORBALINA   QUUX.</p>", "person_name"),
        ("provider,holders\nZorblax,12\n", "employer"),
        ('{"label": "Zorblax"}', "employer"),
        ("<svg><text>Acme Widgets of Zorb</text></svg>", "employer"),
        ("school,n\nQuuxford Academy,4\n", "school"),
        ("handle,n\nzquux 84,4\n", "username"),
        ("x vorlauf,3\n", "username"),
        ("a,Zorbalina Quux LinkedIn,b\n", "person_name"),
    ],
)
def test_identifiers_are_found(tmp_path, text, kind):
    assert kind in _kinds(tmp_path, text)


@pytest.mark.parametrize(
    "text",
    [
        "provider,holders\nMicrosoft,12\n",  # a catalogue provider that is also an employer
        "<p>Data scientists use data every day; Zorblax-like words in prose are fine.</p>",
        "<p>Microsoft and Google certificates lead.</p>",
        "<p>Jane wrote it.</p>",  # a first name alone
        "<p>Zorbalina</p>",  # one token of a full name
    ],
)
def test_common_words_and_catalogue_terms_do_not_fail_a_run(tmp_path, text):
    assert _kinds(tmp_path, text) == []


def test_a_one_word_employer_matches_only_a_whole_cell(tmp_path):
    assert _kinds(tmp_path, "group,n\nData,12\n") == ["employer"]
    assert _kinds(tmp_path, "group,n\nData scientists,12\n") == []


def test_the_gate_names_file_and_kind_but_not_the_value(tmp_path):
    (tmp_path / "tables").mkdir()
    pd.DataFrame({"provider": ["Zorbalina Quux"], "n": [12]}).to_parquet(
        tmp_path / "tables" / "top.parquet"
    )
    with pytest.raises(PersonalDataFound) as err:
        gate(tmp_path, identifiers=_collector())
    message = str(err.value)
    assert "tables/top.parquet" in message and "person_name" in message
    assert "Zorbalina Quux" not in message and "zorbalina quux" not in message


def test_a_different_key_gives_different_digests():
    a, b = IdentifierCollector(KEY), IdentifierCollector(b"another-key-0123456789abcdef")
    a.person_name("Zorbalina Quux")
    b.person_name("Zorbalina Quux")
    assert set(a.anywhere).isdisjoint(b.anywhere)


def test_readers_feed_the_collector_only_inside_collecting(tmp_path):
    from microcred.sources import read_source

    record = {
        "id": "zq-84",
        "full_name": "Zorbalina Quux",
        "email": "zorbalina.quux@example.org",
        "experience": [{"title": "Data Scientist", "company": "Zorblax"}],
        "education": [{"school": "Quuxford Academy"}],
    }
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(record) + "\n")
    ps = Pseudonymizer(KEY)
    ids = IdentifierCollector(KEY)
    read_source("jsonl", path, ps)
    assert not ids.counts and current_collector() is None
    with ids.collecting():
        assert current_collector() is ids
        read_source("jsonl", path, ps)
    assert current_collector() is None
    assert ids.counts["person_name"] == 1
    assert ids.counts["employer"] == 1 and ids.counts["school"] == 1
    assert ids.counts["username"] >= 1  # the e-mail's local part and the id
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "t.csv").write_text("x,Zorblax\n")
    assert [f.kind for f in scan_outputs(tmp_path / "out", identifiers=ids)] == ["employer"]


def test_linkedin_profile_names_and_export_names_are_collected(tmp_path):
    from microcred.sources import read_source

    export = tmp_path / "cohort" / "Zorbalina_Quux_export"
    export.mkdir(parents=True)
    (export / "Profile.csv").write_text(
        "First Name,Last Name,Headline,Geo Location\nXanthippe,Vorlauf,Dev,Toronto\n"
    )
    (export / "Positions.csv").write_text("Company Name,Title\nZorblax,Developer\n")
    ids = IdentifierCollector(KEY)
    with ids.collecting():
        read_source("linkedin-export", tmp_path / "cohort", Pseudonymizer(KEY))
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "r.html").write_text(
        "<p>Xanthippe Vorlauf</p><td>zorbalina quux export</td>"
    )
    kinds = sorted(f.kind for f in scan_outputs(tmp_path / "out", identifiers=ids))
    assert kinds == ["person_name", "username"]


def test_placeholder_employers_do_not_match_output_labels(tmp_path):
    ids = IdentifierCollector(KEY)
    ids.organisations("employer", ["Unknown", "Other", "Freelance", "Self-employed"])
    ids.organisations("school", ["None", "Zorblax"])
    (tmp_path / "t.csv").write_text(
        "level,category\nunknown,other\nbroad,Other (not in catalogue)\n"
    )
    assert scan_outputs(tmp_path, identifiers=ids) == []
    (tmp_path / "t.csv").write_text("school\nZorblax\n")
    assert [f.kind for f in scan_outputs(tmp_path, identifiers=ids)] == ["school"]
