"""Normalisation and URL reduction used by catalogue and coder alike."""

from __future__ import annotations

from microcred.coding.credentials.text import PhraseIndex, drop_contained, normalise, reduce_url


def test_normalise_folds_case_accents_and_punctuation_but_keeps_plus_and_hash():
    assert normalise("Certifié AWS SAA-C03") == "certifie aws saa c03"
    assert normalise("CompTIA Security+") == "comptia security+"
    assert normalise("C# — Dean’s List") == "c# dean s list"
    assert normalise("(ISC)²") == "isc 2"
    assert normalise(None) == ""


def test_reduce_url_keeps_host_and_first_segment_only():
    assert reduce_url("https://www.coursera.org/account/accomplishments/ABC?x=1") == (
        "coursera.org/account"
    )
    assert reduce_url("https://www.credly.com/badges/1a2b-3c") == "credly.com/badges"
    assert reduce_url("learn.microsoft.com/api") == "learn.microsoft.com/api"
    assert reduce_url("https://ude.my/UC-1234") == "ude.my/uc-1234"
    assert reduce_url("") == ""


def test_phrase_index_finds_whole_word_phrases_and_longest_wins():
    idx = PhraseIndex()
    idx.add("professional scrum master", "psm")
    idx.add("Professional Scrum Master II", "psm2")
    idx.add("master", "degree")
    hits = idx.scan(normalise("Professional Scrum Master II (Scrum.org)"))
    assert {h.phrase for h in hits} == {
        "professional scrum master",
        "professional scrum master ii",
        "master",
    }
    kept = drop_contained(hits)
    assert [h.payloads for h in kept] == [["psm2"]]
    assert idx.scan("webmaster") == []


def test_normalise_many_matches_normalise_string_by_string():
    import pyarrow as pa

    from microcred.coding.credentials.text import normalise_many

    values = [
        "Certifié AWS SAA-C03", "  CompTIA   Security+ ", "C# / .NET", "ÉCOLE Polytechnique",
        "Straße", "ﬁnance", "a\u00a0b", "日本 AI", "tab\tand\nnewline", "", None, "---",
        "Microprogramme en science des données — Université Laval", "PSM I #12",
    ]  # fmt: skip
    assert normalise_many(pa.array(values, pa.string())) == [normalise(v) for v in values]


def test_mask_tokens_keeps_vocabulary_tokens_and_collapses_the_rest():
    import pyarrow as pa

    from microcred.coding.credentials.text import mask_tokens

    keep = pa.array(["aws", "certified", "saa", "c03"])
    got = mask_tokens(["aws saa c03 2023", "my aws x y certified", "foo bar", ""], keep)
    assert got == ["aws saa c03", "aws | certified", "", ""]


def test_normalise_array_equals_normalise_for_every_character_below_u2300():
    """The Arrow path folds Latin accents itself and sends the rest to ``normalise``:
    every character (alone and between letters) must come out as ``normalise`` has it."""
    import pyarrow as pa

    from microcred.coding.credentials.text import normalise_array

    values: list[str | None] = [None, "", "Dipl\u00f4me d'\u00c9TUDES coll\u00e9giales (DEC)"]
    for code in range(0x80, 0x2300):
        ch = chr(code)
        values += [ch, f"a{ch}b", f"X {ch}{ch} \u00c9"]
    got = normalise_array(pa.array(values, pa.string())).to_pylist()
    assert got == [normalise(v) for v in values]
