"""Keyed pseudonyms for people.

``person_id`` = HMAC-SHA256(key, source identity). Without the key nobody can
recompute an id from a name or URL; with the same key, the same person in two
runs (or two sources) gets the same id. A real run must be given a key: a
missing key is an error, never a silent default.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

from microcred.errors import UserError

KEY_ENV = "MICROCRED_PSEUDONYM_KEY"
KEY_FILE_ENV = "MICROCRED_PSEUDONYM_KEY_FILE"


KEY_HINT = (
    "generate one with: python -c 'import secrets;print(secrets.token_hex(32))' and set "
    f"{KEY_ENV}, or {KEY_FILE_ENV}, or pass --key-file"
)
MIN_KEY_BYTES = 16


class MissingKeyError(UserError, RuntimeError):
    """No usable pseudonymisation key was supplied for a real run."""


class ShortKeyError(UserError, ValueError):
    """The pseudonymisation key is too short to keep ids from being guessed."""


class Pseudonymizer:
    """Turns source identities into stable, keyed, non-reversible ids."""

    def __init__(self, key: bytes):
        if len(key) < MIN_KEY_BYTES:
            raise ShortKeyError(
                f"pseudonymisation key too short: {len(key)} bytes, at least {MIN_KEY_BYTES} needed",
                KEY_HINT,
            )
        self._key = key

    @property
    def key(self) -> bytes:
        """The key, for the personal-data gate (which checks it appears in no output)."""
        return self._key

    def __repr__(self) -> str:  # never print the key
        return "Pseudonymizer(key=<hidden>)"

    def __call__(self, identity: str) -> str:
        digest = hmac.new(self._key, identity.encode("utf-8"), hashlib.sha256).hexdigest()
        return digest[:32]

    @classmethod
    def from_environment(cls, key_file: str | Path | None = None) -> Pseudonymizer:
        """Key from ``key_file``, else $MICROCRED_PSEUDONYM_KEY, else $MICROCRED_PSEUDONYM_KEY_FILE."""
        path = key_file or os.environ.get(KEY_FILE_ENV)
        if path:
            p = Path(path)
            if not p.is_file():
                raise MissingKeyError(f"pseudonymisation key file not found: {p}", KEY_HINT)
            data = p.read_bytes().strip()
            if not data:
                raise MissingKeyError(f"pseudonymisation key file is empty: {p}", KEY_HINT)
            return cls(data)
        env = os.environ.get(KEY_ENV)
        if env:
            return cls(env.encode("utf-8"))
        raise MissingKeyError("no pseudonymisation key", KEY_HINT)

    @classmethod
    def throwaway(cls) -> Pseudonymizer:
        """A random key for demos: ids are not reproducible across runs of different keys."""
        return cls(secrets.token_hex(32).encode())


@contextlib.contextmanager
def key_file_env(key_file: str | Path | None) -> Iterator[None]:
    """Point ``$MICROCRED_PSEUDONYM_KEY_FILE`` at ``key_file`` for one run, then restore it.

    Why: the pipeline reads the key from the environment; left set, a ``--key-file`` would
    leak into the next run of the same process.
    """
    if key_file is None:
        yield
        return
    before = os.environ.get(KEY_FILE_ENV)
    os.environ[KEY_FILE_ENV] = str(key_file)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(KEY_FILE_ENV, None)
        else:
            os.environ[KEY_FILE_ENV] = before
