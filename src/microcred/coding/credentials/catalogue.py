"""The provider and credential catalogue: data files validated into typed records.

Why data, not code: providers, aliases, hosts and credential families change every
year; analysts add them by editing YAML (see docs/provider-catalogue.md), and the
loader refuses a catalogue that is ambiguous (one alias for two providers).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from microcred.coding.credentials.text import normalise
from microcred.config import CREDENTIAL_TYPES, ISSUER_KINDS

DATA_PATH = Path(__file__).parent / "data"
PROVIDER_FILES = (
    "platforms.yaml",
    "vendors.yaml",
    "bodies.yaml",
    "bootcamps.yaml",
    "institutions.yaml",
    "employers.yaml",
    "other.yaml",
)
PROVIDER_KINDS = ISSUER_KINDS  # one list: config validates quality tiers against it
TRI = Literal["yes", "no", "unknown"]
CredentialType = Literal[CREDENTIAL_TYPES]  # type: ignore[valid-type]


class CatalogueError(ValueError):
    """The catalogue data is invalid; the message names the file and the record."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Provider(_Strict):
    """An organisation that designs or awards credentials."""

    name: str
    kind: Literal[PROVIDER_KINDS]  # type: ignore[valid-type]
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    aliases: list[str] = Field(default_factory=list)
    ce_aliases: list[str] = Field(default_factory=list)  # continuing-education units
    online_aliases: dict[str, str | None] = Field(default_factory=dict)  # alias -> platform
    hosts: list[str] = Field(default_factory=list)
    default_type: CredentialType | None = None
    partner_model: bool = False  # platform hosting partners' courses (Coursera, edX)
    assessed: TRI | None = None
    expires: TRI | None = None


class Family(_Strict):
    """A known credential (an exam, a programme, a course series)."""

    family: str
    provider: str | None
    type: CredentialType
    phrases: list[str]
    platform: str | None = None
    workload_hours: float | None = Field(None, gt=0)
    validity_years: float | None = Field(None, ge=0)
    assessed: TRI | None = None
    stackable: TRI | None = None
    expires: TRI | None = None


class HostRule(_Strict):
    """What a verification or delivery host tells about a credential."""

    host: str
    provider: str | None = None
    platform: str | None = None
    type: CredentialType | None = None
    badge_host: bool = False
    file_host: bool = False  # a file-sharing host: says nothing about issuer or type


class Keywords(_Strict):
    other: list[str]
    training_attendance: list[str]
    professional_licence: list[str]
    academic_credential: list[str]
    university_microcredential: list[str]
    bootcamp_certificate: list[str]
    mooc_certificate: list[str]
    digital_badge: list[str]
    exam_words: list[str]


@dataclass
class Catalogue:
    """All catalogue records plus the lookup tables built from them."""

    providers: list[Provider]
    families: list[Family]
    hosts: list[HostRule]
    keywords: Keywords
    version: str
    by_name: dict[str, Provider] = field(default_factory=dict)
    # normalised alias -> (provider, unit, platform implied by the unit)
    aliases: dict[str, tuple[Provider, str | None, str | None]] = field(default_factory=dict)
    host_rules: dict[str, HostRule] = field(default_factory=dict)

    def provider(self, name: str | None) -> Provider | None:
        return self.by_name.get(name) if name else None

    def kind_of(self, name: str | None) -> str | None:
        """Provider kind of a canonical provider name (None if not in the catalogue)."""
        p = self.provider(name)
        return p.kind if p else None


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ten times faster


def _read_yaml(path: Path) -> object:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: not valid YAML: {exc}") from exc


def _read_records(path: Path, what: str) -> list[object]:
    """A catalogue file that holds a list of records (an empty file is an empty list)."""
    raw = _read_yaml(path) or []
    if not isinstance(raw, list):
        raise CatalogueError(f"{path}: expected a list of {what}")
    return raw


M = TypeVar("M", bound=BaseModel)


def _validated(model: type[M], raw: object, where: str) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise CatalogueError(f"{where}: {exc}") from exc


def _version(data_path: Path) -> str:
    digest = hashlib.sha256()
    for p in sorted(data_path.glob("*.yaml")):
        digest.update(p.name.encode())
        digest.update(p.read_bytes())
    return f"microcred credential catalogue {digest.hexdigest()[:12]}"


def build_catalogue(data_path: Path = DATA_PATH) -> Catalogue:
    """Read and validate every catalogue file under ``data_path``."""
    providers: list[Provider] = []
    for fname in PROVIDER_FILES:
        path = data_path / fname
        raw = _read_yaml(path) or []
        if not isinstance(raw, list):
            raise CatalogueError(f"{path}: expected a list of providers")
        for i, rec in enumerate(raw, start=1):
            providers.append(_validated(Provider, rec, f"{path} record {i}"))
    fam_path = data_path / "families.yaml"
    families = [
        _validated(Family, rec, f"{fam_path} record {i}")
        for i, rec in enumerate(_read_records(fam_path, "families"), start=1)
    ]
    host_path = data_path / "hosts.yaml"
    hosts = [
        _validated(HostRule, rec, f"{host_path} record {i}")
        for i, rec in enumerate(_read_records(host_path, "host rules"), start=1)
    ]
    keywords = _validated(Keywords, _read_yaml(data_path / "keywords.yaml"), "keywords.yaml")
    cat = Catalogue(providers, families, hosts, keywords, _version(data_path))
    _index(cat)
    return cat


def _index(cat: Catalogue) -> None:  # noqa: C901  # why: builds and cross-checks the four indexes (names, aliases, families, hosts) in one place; splitting it is for helper h17, who owns this package
    for p in cat.providers:
        if p.name in cat.by_name:
            raise CatalogueError(f"provider {p.name!r} is defined twice")
        cat.by_name[p.name] = p
    for p in cat.providers:
        entries: list[tuple[str, str | None, str | None]] = [(p.name, None, None)]
        entries += [(a, None, None) for a in p.aliases]
        entries += [(a, "ce", None) for a in p.ce_aliases]
        entries += [(a, "online", plat) for a, plat in p.online_aliases.items()]
        for alias, unit, plat in entries:
            key = normalise(alias)
            if not key:
                continue
            prev = cat.aliases.get(key)
            if prev is not None and prev[0].name != p.name:
                raise CatalogueError(
                    f"alias {alias!r} maps to both {prev[0].name!r} and {p.name!r}"
                )
            if prev is None or unit is not None:
                cat.aliases[key] = (p, unit, plat)
        for plat in p.online_aliases.values():
            if (
                plat is not None
                and cat.by_name.get(plat) is None
                and plat not in {q.name for q in cat.providers}
            ):
                raise CatalogueError(f"{p.name}: online platform {plat!r} is not a provider")
    names = set(cat.by_name)
    for f in cat.families:
        for ref in (f.provider, f.platform):
            if ref is not None and ref not in names:
                raise CatalogueError(f"family {f.family!r}: unknown provider {ref!r}")
    for h in cat.hosts:
        for ref in (h.provider, h.platform):
            if ref is not None and ref not in names:
                raise CatalogueError(f"host {h.host!r}: unknown provider {ref!r}")
        cat.host_rules.setdefault(h.host.lower(), h)
    for p in cat.providers:
        for host in p.hosts:
            cat.host_rules.setdefault(
                host.lower(),
                HostRule(
                    host=host.lower(),
                    provider=p.name,
                    platform=p.name if p.kind == "platform" else None,
                ),
            )


@lru_cache(maxsize=4)
def _cached(data_path: str) -> Catalogue:
    return build_catalogue(Path(data_path))


def load_catalogue(data_path: Path | str | None = None) -> Catalogue:
    """The catalogue (cached per directory); ``.providers`` lists every provider."""
    return _cached(str(Path(data_path) if data_path else DATA_PATH))


CATALOGUE_VERSION = _version(DATA_PATH)
