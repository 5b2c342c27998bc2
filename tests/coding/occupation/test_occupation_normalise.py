from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("Sr. SWE II @ Shopify 🚀", "software engineer"),
        ("Senior Data Scientist | PhD", "data scientist"),
        ("Web Developer - Remote", "web developer"),
        ("Lead Data Engineer, Toronto", "data engineer"),
        ("Associate Lawyer at Osler", "lawyer"),
        ("Développeuse Full-Stack chez Desjardins", "developpeur full stack"),
        ("Analyste-programmeuse", "analyste programmeur"),
        ("Ingénieure logiciel principale", "ingenieur logiciel"),
        ("Conseillère en sécurité informatique", "conseiller securite informatique"),
        ("Analyste de données", "analyste donnees"),  # "de" is not "data engineer"
        ("Agente d'expédition", "agent expedition"),
        ("Ingénieur(e) logiciel", "ingenieur logiciel"),
        ("Ingénieur·e logiciel", "ingenieur logiciel"),
        ("Technicien(ne) en informatique", "technicien informatique"),
        ("Analyste-programmeur(euse)", "analyste programmeur"),
        ("Développeur/euse web", "developpeur web"),
        ("Travailleuse sociale", "travailleur social"),
        ("Analyste fonctionnelle", "analyste fonctionnel"),
        ("Recruteuse TI", "recruteur technologies information"),
        ("Analyste programmeur/analyste programmeuse", "analyste programmeur"),
    ],
)
def test_noise_seniority_gender_are_removed(coder, raw, key):
    assert coder.normaliser.key(raw) == key


def test_english_de_abbreviation_still_expands_in_english(coder):
    assert (
        coder.normaliser.key("Senior DE, Analytics Platform") == "data engineer analytics platform"
    )


def test_english_words_are_not_feminised_away(coder):
    assert coder.normaliser.key("Executive Assistant") == "executive assistant"
    assert coder.normaliser.key("Sales Representative") == "sales representative"


def test_abbreviations_are_expanded(coder):
    norm = coder.normaliser
    assert norm.key("ML Engineer") == "machine learning engineer"
    assert norm.key("DBA") == "database administrator"
    assert norm.key("IT Manager") == "information technology manager"
    assert norm.key("Analyste TI", "fr") == "analyste technologies information"


def test_language_detection(coder):
    norm = coder.normaliser
    assert norm.normalise("Développeuse web").language == "fr"
    assert norm.normalise("Infirmière auxiliaire").language == "fr"
    assert norm.normalise("Registered nurse").language == "en"
    assert norm.normalise("xqzt").language == "unknown"


def test_empty_title_has_no_key(coder):
    assert coder.normaliser.normalise("   ").key == ""
    assert coder.normaliser.normalise(None).candidates == ()
