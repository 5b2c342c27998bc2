"""The demo's released tables match stored hashes: a refactor that changes a published
number fails here, and the hashes change only on purpose.

Update on purpose (after checking the differences are intended):
``MICROCRED_UPDATE_RELEASE_HASHES=1 uv run pytest tests/e2e/test_release_hashes.py``,
then commit ``release_hashes.json`` saying why the tables changed.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from e2e_support import E2E_KEY, DemoRun

STORED = Path(__file__).with_name("release_hashes.json")


def _hashes(tables: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(tables.iterdir())
        if p.is_file()
    }


def test_released_tables_match_the_stored_hashes(demo_run: DemoRun) -> None:
    if os.environ.get("MICROCRED_PSEUDONYM_KEY") != E2E_KEY:
        pytest.skip("another pseudonym key is set; the stored hashes are for the test key")
    got = _hashes(demo_run.result.out_dir / "tables")
    if os.environ.get("MICROCRED_UPDATE_RELEASE_HASHES") == "1":
        STORED.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        pytest.skip(f"wrote {STORED.name}: review and commit it")
    want = json.loads(STORED.read_text(encoding="utf-8"))
    assert sorted(got) == sorted(want), "released table files differ from the stored set"
    changed = sorted(name for name in want if got[name] != want[name])
    assert not changed, f"released tables changed: {changed} (update on purpose, see docstring)"
