"""Command-line entry point: assembles the commands each stage registers."""

from __future__ import annotations

import importlib
import pkgutil

from microcred import commands
from microcred.cli_app import app

for _mod in sorted(m.name for m in pkgutil.iter_modules(commands.__path__)):
    importlib.import_module(f"{commands.__name__}.{_mod}")

__all__ = ["app"]

if __name__ == "__main__":  # pragma: no cover
    app()
