"""microcred: microcredentials in labour-market profile data."""

__version__ = "0.1.0"
