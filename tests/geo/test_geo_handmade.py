"""Geography on a hand-made list of location strings (written before geo.py moved to pycountry).

Baseline before the change: 80 of 84 right (missed "Ottawa ON", "Winnipeg MB",
"Vancouver BC" and "Région métropolitaine de Montréal"); after: 84 of 84.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from microcred.geo import PROVINCES, Location, country_code, normalise_location

_LIST = Path(__file__).with_name("locations_handmade.csv")


def _rows() -> list[tuple[str, str | None, str | None]]:
    with _LIST.open(encoding="utf-8", newline="") as fh:
        return [
            (r["text"], r["country"] or None, r["province"] or None) for r in csv.DictReader(fh)
        ]


@pytest.mark.parametrize(("text", "country", "province"), _rows())
def test_handmade_location(text: str, country: str | None, province: str | None) -> None:
    assert normalise_location(text) == Location(country, province)


def test_every_province_and_territory_has_its_english_and_french_name() -> None:
    """Thirteen codes, each reachable from pycountry's English and French names."""
    assert set(PROVINCES.values()) == {
        "AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"
    }  # fmt: skip
    for name, code in [
        ("Colombie-Britannique", "BC"),
        ("Nouvelle-Écosse", "NS"),
        ("Terre-Neuve-et-Labrador", "NL"),
        ("Île-du-Prince-Édouard", "PE"),
        ("Territoires-du-Nord-Ouest", "NT"),
        ("Québec", "QC"),
    ]:
        assert normalise_location(name) == Location("CA", code), name


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Bolivia, Plurinational State of", "BO"),  # pycountry's name
        ("Federal Republic of Germany", "DE"),  # pycountry's official name
        ("Maroc", "MA"),  # pycountry's French translation
        ("Royaume-Uni", "GB"),
        ("Hong Kong (S.A.R.)", "HK"),  # the survey's spelling, kept as an alias
    ],
)
def test_country_names_from_pycountry_and_aliases(name: str, code: str) -> None:
    assert country_code(name) == code


def test_a_foreign_region_names_its_country_only_after_a_city() -> None:
    assert normalise_location("Lyon, Auvergne-Rhône-Alpes") == Location("FR", None)
    assert normalise_location("Victoria") == Location(
        "CA", "BC"
    )  # the city, not the Australian state
