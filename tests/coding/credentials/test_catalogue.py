"""The provider catalogue: size, valid kinds, no ambiguous aliases, references resolve."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from microcred.coding.credentials import (
    CATALOGUE_VERSION,
    PROVIDER_KINDS,
    CatalogueError,
    load_catalogue,
)
from microcred.coding.credentials.catalogue import DATA_PATH, build_catalogue
from microcred.coding.credentials.text import normalise
from microcred.config import CREDENTIAL_TYPES


def test_catalogue_has_at_least_250_providers_of_every_kind():
    cat = load_catalogue()
    assert len(cat.providers) >= 250
    kinds = {p.kind for p in cat.providers}
    assert kinds == set(PROVIDER_KINDS)
    assert all(p.kind in PROVIDER_KINDS for p in cat.providers)


def test_no_alias_maps_to_two_providers():
    cat = load_catalogue()
    seen: dict[str, str] = {}
    for p in cat.providers:
        for alias in [p.name, *p.aliases, *p.ce_aliases, *p.online_aliases]:
            key = normalise(alias)
            assert seen.setdefault(key, p.name) == p.name, f"{alias!r}: {seen[key]} vs {p.name}"


def test_families_and_hosts_reference_known_providers_and_types():
    cat = load_catalogue()
    names = {p.name for p in cat.providers}
    for fam in cat.families:
        assert fam.type in CREDENTIAL_TYPES
        assert fam.provider is None or fam.provider in names
        assert fam.phrases, fam.family
    for host in cat.hosts:
        assert host.provider is None or host.provider in names


def test_required_providers_and_kinds_are_present():
    cat = load_catalogue()
    expected = {
        "Coursera": "platform",
        "Amazon Web Services": "vendor",
        "Project Management Institute": "industry_body",
        "Lighthouse Labs": "bootcamp",
        "Toronto Metropolitan University": "university_college",
        "Université Laval": "university_college",
        "Shopify": "employer",
    }
    for name, kind in expected.items():
        assert cat.kind_of(name) == kind
    assert cat.kind_of("No Such Provider") is None
    assert CATALOGUE_VERSION.startswith("microcred credential catalogue ")


def _copy_catalogue(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_PATH, target)
    return target


def test_an_alias_shared_by_two_providers_is_refused(tmp_path):
    data = _copy_catalogue(tmp_path)
    path = data / "employers.yaml"
    providers = yaml.safe_load(path.read_text(encoding="utf-8"))
    providers[0]["aliases"].append("Coursera Inc")  # already an alias of Coursera
    path.write_text(yaml.safe_dump(providers, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match="Coursera Inc"):
        build_catalogue(data)


def test_an_unknown_kind_is_refused_with_file_and_record(tmp_path):
    data = _copy_catalogue(tmp_path)
    path = data / "bootcamps.yaml"
    providers = yaml.safe_load(path.read_text(encoding="utf-8"))
    providers[2]["kind"] = "school"
    path.write_text(yaml.safe_dump(providers, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"bootcamps.yaml record 3"):
        build_catalogue(data)


def test_a_family_with_an_unknown_provider_is_refused(tmp_path):
    data = _copy_catalogue(tmp_path)
    path = data / "families.yaml"
    families = yaml.safe_load(path.read_text(encoding="utf-8"))
    families[0]["provider"] = "Nobody Inc"
    path.write_text(yaml.safe_dump(families, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError, match="Nobody Inc"):
        build_catalogue(data)
