"""The credential catalogue and title table shipped with synth are well formed."""

from __future__ import annotations

from collections import Counter

from microcred.config import CREDENTIAL_TYPES
from microcred.synth.knowledge import load_knowledge, split_french_gender


def test_credential_catalogue_is_large_typed_and_bilingual():
    k = load_knowledge()
    cat = k.credentials
    assert len(cat) >= 150
    types = Counter(c["type"] for c in cat)
    assert set(types) == set(CREDENTIAL_TYPES)
    assert {c["lang"] for c in cat} == {"en", "fr"}
    for c in cat:
        assert c["names"] and c["authority"] and c["provider"], c
        assert c["host"] == "" or "." in c["host"].split("/")[0], c


def test_profile_titles_map_to_known_nocs():
    k = load_knowledge()
    profile = [
        (t, n)
        for t, n, o in zip(k.titles.text, k.titles.noc, k.titles.origin, strict=True)
        if o == "profile"
    ]
    assert ("Data Scientist", "21211") in profile and ("Full Stack Developer", "21234") in profile
    assert all(n in k.noc_titles for _, n in profile)


def test_split_french_gender():
    assert split_french_gender("Développeur/développeuse Web") == (
        "Développeur Web",
        "Développeuse Web",
    )
    assert split_french_gender("Ingénieur concepteur/ingénieure conceptrice en logiciels") == (
        "Ingénieur concepteur en logiciels",
        "Ingénieure conceptrice en logiciels",
    )
    assert split_french_gender("Analyste") == ("Analyste", "Analyste")
