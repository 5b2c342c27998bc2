"""Location strings → (country, province)."""

from __future__ import annotations

import pytest

from microcred.geo import Location, country_code, normalise_location


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Toronto, Ontario, Canada", ("CA", "ON")),
        ("Greater Montreal Metropolitan Area", ("CA", "QC")),
        ("Montréal, Québec, Canada", ("CA", "QC")),
        ("Vancouver, BC", ("CA", "BC")),
        ("Canada", ("CA", None)),
        ("Région de Québec", ("CA", "QC")),
        ("Ottawa, ON", ("CA", "ON")),
        ("Halifax, Nova Scotia", ("CA", "NS")),
        ("Greater Toronto Area, Canada", ("CA", "ON")),
        ("Winnipeg Metropolitan Area", ("CA", "MB")),
        ("St. John's, Newfoundland and Labrador, Canada", ("CA", "NL")),
        ("Gatineau, Québec", ("CA", "QC")),
        ("Toronto, CA", ("CA", "ON")),
        ("San Francisco, CA", ("US", None)),
        ("Seattle, Washington, United States", ("US", None)),
        ("San Francisco Bay Area", ("US", None)),
        ("Atlanta, Georgia", ("US", None)),
        ("Georgia", ("GE", None)),
        ("London, England, United Kingdom", ("GB", None)),
        ("Paris, Île-de-France, France", ("FR", None)),
        ("Paris, Ontario, Canada", ("CA", "ON")),
        ("Bengaluru, Karnataka, India", ("IN", None)),
    ],
)
def test_known_places(text: str, expected: tuple[str | None, str | None]) -> None:
    assert normalise_location(text) == Location(*expected)


@pytest.mark.parametrize("text", [None, "", "London", "Springfield", "Remote", ", ,"])
def test_unknown_or_ambiguous_places_are_none(text: str | None) -> None:
    assert normalise_location(text) == Location(None, None)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Canada", "CA"),
        ("United States of America", "US"),
        ("United Kingdom of Great Britain and Northern Ireland", "GB"),
        ("Iran, Islamic Republic of...", "IR"),
        ("Hong Kong (S.A.R.)", "HK"),
        ("Viet Nam", "VN"),
        ("Allemagne", "DE"),
        ("ca", "CA"),
        ("Atlantis", None),
        (None, None),
    ],
)
def test_country_names(name: str | None, code: str | None) -> None:
    assert country_code(name) == code


def test_every_stackoverflow_country_is_known() -> None:
    """All 81 country names in the 2025 survey sample resolve to an ISO2 code."""
    import csv

    from microcred.datadir import DataDir

    path = DataDir().root / "samples/stackoverflow_2025/survey_results_public_first1000.csv"
    if not path.exists():
        pytest.skip("Stack Overflow sample not in the data directory")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        names = {row["Country"] for row in csv.DictReader(fh)}
    assert {n for n in names if country_code(n) is None} == set()
