"""The privacy-budget ledger: what every DP run on the same input has spent.

Why: the budget protects the people in an input, not a run. Running the same data ten times
at ε = 1 publishes ten independent noisy copies, and their average is as revealing as one
release at ε ≈ 10. The ledger keeps, per input (its content hash), the ρ each run spent,
and refuses a run that would take the sum past the configured total.

Where: ``dp.ledger_dir`` in the study configuration, else ``$MICROCRED_DP_LEDGER_DIR``,
else ``$XDG_STATE_HOME/microcred/dp-ledger``, else ``~/.local/state/microcred/dp-ledger``
— a user state folder, outside any output folder, never published. One JSON file per
input, named by its hash; an entry is written (and flushed to disk) *before* any noise is
drawn, so a run that fails after drawing still counts.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from microcred.errors import UserError

LEDGER_FORMAT = "microcred-dp-ledger/1"


class LedgerExhaustedError(UserError):
    """A DP run would take the input's total spending past the configured budget."""


def ledger_dir(configured: str | None) -> Path:
    if configured:
        return Path(configured).expanduser()
    env = os.environ.get("MICROCRED_DP_LEDGER_DIR")
    if env:
        return Path(env).expanduser()
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "microcred" / "dp-ledger"


class Ledger:
    """The spending record of one input (``input_key``: its sha256 hex digest)."""

    def __init__(self, folder: Path, input_key: str):
        if not input_key or not all(c in "0123456789abcdef" for c in input_key):
            raise ValueError("the ledger key must be a lower-case hex digest of the input")
        self.path = Path(folder) / f"{input_key}.json"
        self.input_key = input_key

    def read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"format": LEDGER_FORMAT, "input_sha256": self.input_key, "runs": []}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise UserError(
                f"the DP budget ledger {self.path} cannot be read ({exc.__class__.__name__})",
                "restore it from a backup; deleting it would forget budget already spent",
            ) from exc
        return dict(data)

    def spent(self) -> float:
        return float(sum(r["rho"] for r in self.read()["runs"]))

    def check(self, rho: float, rho_total: float, budget: str) -> dict[str, Any]:
        """Raise unless a run spending ``rho`` fits; returns the ledger as read."""
        data = self.read()
        before = float(sum(r["rho"] for r in data["runs"]))
        if before + rho > rho_total * (1 + 1e-9):
            left = max(rho_total - before, 0.0)
            raise LedgerExhaustedError(
                f"the DP budget of this input is spent: {len(data['runs'])} earlier run(s) used "
                f"ρ={before:.6g} of the total ρ={rho_total:.6g} ({budget}); this run needs "
                f"ρ={rho:.6g} and {left:.6g} is left",
                "publish the tables of the earlier run instead of running again, or lower the "
                "plan's shares (dp.plan) to fit what is left; raising dp.total weakens the "
                "promise already made to the people in this input",
            )
        return data

    def charge(self, rho: float, rho_total: float, budget: str, config_sha256: str) -> float:
        """Record a run spending ``rho``, or raise; returns the input's spending before it."""
        data = self.check(rho, rho_total, budget)
        before = float(sum(r["rho"] for r in data["runs"]))
        data["runs"].append(
            {
                "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "rho": rho,
                "rho_total": rho_total,
                "budget": budget,
                "config_sha256": config_sha256,
            }
        )
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = self.path.with_suffix(".json.tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        return before
