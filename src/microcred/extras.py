"""Optional dependency groups: import a package a feature needs, or say which extra to install.

Why: ``./dev demo`` installs only the runtime dependencies (issue 14: a lean install), so
features that are off by default (differential privacy) live in extras; turning one on
without its extra must be one line naming the extra, not an ImportError traceback.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from microcred.errors import UserError


class MissingExtra(UserError):
    """A feature was asked for whose optional dependencies are not installed."""


def require(module: str, extra: str, feature: str) -> ModuleType:
    """``import module``, or raise :class:`MissingExtra` naming ``extra``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if exc.name is not None and exc.name.split(".")[0] == "microcred":
            raise  # one of our modules is broken: a bug, not a missing package
        missing = exc.name or module
        raise MissingExtra(
            f"{feature} needs the optional package {missing!r}, which is not installed",
            f"install the '{extra}' extra: uv sync --extra {extra} "
            f"(pip: pip install 'microcred[{extra}]')",
        ) from None


__all__ = ["MissingExtra", "require"]
