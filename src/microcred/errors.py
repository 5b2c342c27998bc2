"""Errors a user can fix: what went wrong and what to do, in one line, never a traceback.

Why one hierarchy: a short key, a typo in the study file or a missing input are not
bugs, and the person who meets them needs the fix, not Python internals. Code
anywhere raises a :class:`UserError` with a ``hint``; the command line catches it
in one place (``cli.py``), prints ``error: <message> — <hint>`` on stderr and exits
with code 2 (``--debug`` adds the traceback). Anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

EXIT_USER_ERROR = 2


class UserError(Exception):
    """An expected error with the fix in ``hint``; ``message`` may hold one line per problem."""

    def __init__(self, message: str, hint: str = ""):
        self.message = message
        self.hint = hint
        super().__init__(self.one_line())

    def one_line(self) -> str:
        """The message and the hint, as the command line prints them."""
        return f"{self.message} — {self.hint}" if self.hint else self.message

    def lines(self) -> list[str]:
        """One ``error:`` line per problem (a configuration can have several)."""
        return [f"error: {line}" for line in self.one_line().splitlines() if line.strip()]


class ConfigError(UserError):
    """The study configuration file is missing, not YAML, or breaks the schema."""


class InputError(UserError, FileNotFoundError):
    """An input file or folder named on the command line is missing or unusable."""


class UsageError(UserError, ValueError):
    """An option has a value the command does not know."""


def nearest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The closest of ``choices`` to ``word`` (difflib ratio), or None when none is close."""
    found = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=cutoff)
    return found[0] if found else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the nearest choice, or an empty string."""
    match = nearest(word, choices)
    return f"; did you mean {match!r}?" if match else ""


def unknown_choice(option: str, value: str, choices: Iterable[str]) -> UsageError:
    """An unknown value of ``option``, listing the valid ones and the nearest."""
    options = sorted(set(choices))
    return UsageError(
        f"unknown {option} {value!r}{did_you_mean(value, options)}",
        f"use one of: {', '.join(options)}",
    )
