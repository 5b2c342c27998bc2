"""Credential coder: type, microcredential flags, provider and quality attributes.

Public interface: ``CredentialCoder.load(data_dir, settings).code(batch)`` (``coding.base.Coder``),
``load_catalogue()`` (providers, families, hosts) and ``CATALOGUE_VERSION``.
"""

from microcred.coding.credentials.catalogue import (
    CATALOGUE_VERSION,
    PROVIDER_KINDS,
    Catalogue,
    CatalogueError,
    Provider,
    load_catalogue,
)
from microcred.coding.credentials.coder import TAXONOMY_VERSION, CredentialCoder

__all__ = [
    "CATALOGUE_VERSION",
    "PROVIDER_KINDS",
    "TAXONOMY_VERSION",
    "Catalogue",
    "CatalogueError",
    "CredentialCoder",
    "Provider",
    "load_catalogue",
]
