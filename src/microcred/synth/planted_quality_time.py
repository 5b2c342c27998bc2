"""A small study with planted credential quality and timing, for the recovery checks.

Why: the quality and time tables (analysis/quality.py, analysis/timeline.py) must
recover what was planted within their intervals. The full synthetic cohort goes
through the coders, whose errors would blur that check; here the person features
and coded credentials are drawn directly with known probabilities:

- quality: each person independently lists an (undated) microcredential of tier A
  with probability ``p_tier["A"]``, likewise B, and one of unknown tier with
  ``p_unknown`` (set ``hazard=0`` so no other credential is listed);
- time: entry dates are uniform over ``ENTRY_YEARS``; the time from entry to a first
  microcredential is exponential with rate ``hazard`` (per year), censored at the
  reference date, so uptake as of a year (``truth_uptake_by_year``) and the
  cumulative share within t years of entry (``truth_cumulative``) are known; a share
  ``p_undated`` of those credentials is listed without a date (set the tier
  probabilities to 0 so no other credential is listed).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from microcred.analysis.frame import StudyFrame
from microcred.config import StudyConfig

REFERENCE = dt.date(2025, 12, 31)
ENTRY_YEARS = (2010, 2024)  # entry dates uniform over these years (inclusive)


@dataclass(frozen=True)
class Planted:
    n: int = 3000
    p_tier: dict[str, float] = field(default_factory=lambda: {"A": 0.15, "B": 0.08})
    p_unknown: float = 0.05  # lists a microcredential whose tier cannot be told
    hazard: float = 0.0  # per year, time from entry to a first microcredential
    p_undated: float = 0.0  # of those credentials: listed without a date


def _credential(pid: str, tier: str, issued: dt.date | None, idx: int) -> dict:
    attrs = {
        "A": ("yes", True, "vendor", "vendor_certification"),
        "B": ("yes", False, "industry_body", "professional_certification"),
        "unknown": ("unknown", True, "platform", "mooc_certificate"),
    }[tier]
    return {
        "person_id": pid,
        "credential_idx": idx,
        "credential_type": attrs[3],
        "provider": "Amazon Web Services" if tier == "A" else None,
        "provider_kind": attrs[2],
        "assessed": attrs[0],
        "has_url": attrs[1],
        "has_credential_id": False,
        "verifiable": "yes" if attrs[1] else "unknown",
        "workload_hours": None,
        "stackable": "unknown",
        "expires": "unknown",
        "issued_date": issued,
        "is_micro_broad": True,
        "is_micro_narrow": tier == "unknown",
    }


def planted_study(seed: int, p: Planted | None = None) -> tuple[StudyFrame, pd.DataFrame]:
    """(study frame, credentials as the features stage enriches them) with ``p`` planted."""
    p = p or Planted()
    rng = np.random.default_rng(seed)
    n = p.n
    config = StudyConfig(reference_date=REFERENCE.isoformat())
    pid = [f"q{i:06d}" for i in range(n)]
    start = dt.date(ENTRY_YEARS[0], 1, 1).toordinal()
    end = dt.date(ENTRY_YEARS[1], 12, 31).toordinal()
    entry = [dt.date.fromordinal(int(d)) for d in rng.integers(start, end + 1, n)]
    follow = np.array([(REFERENCE - e).days / 365.25 for e in entry])
    t_event = rng.exponential(1 / p.hazard, n) if p.hazard > 0 else np.full(n, np.inf)
    dated_event = t_event <= follow
    undated = dated_event & (rng.random(n) < p.p_undated)
    tier_draws = {t: rng.random(n) < q for t, q in p.p_tier.items()}
    unknown = rng.random(n) < p.p_unknown
    creds: list[dict] = []
    for i in range(n):
        k = 0
        if dated_event[i]:  # the timing credential (dated unless planted undated)
            issued = None
            if not undated[i]:
                issued = min(entry[i] + dt.timedelta(days=int(t_event[i] * 365.25)), REFERENCE)
            creds.append(_credential(pid[i], "A", issued, k))
            k += 1
        for tier, drawn in tier_draws.items():  # quality credentials: undated
            if drawn[i]:
                creds.append(_credential(pid[i], tier, None, k))
                k += 1
        if unknown[i]:
            creds.append(_credential(pid[i], "unknown", None, k))
    persons = pd.DataFrame(
        {
            "person_id": pid,
            "in_study": True,
            "occupation_group": rng.choice([g.name for g in config.occupations], n),
            "occupation_entry_date": entry,
            "years_experience": rng.gamma(2.0, 4.0, n),
            "seniority_rank": rng.integers(0, 7, n).astype("int8"),
            "weight": 1.0,
        }
    )
    for d in config.definition_names():
        c = pd.DataFrame(creds)
        micro = c[c[f"is_micro_{d}"]]
        holders = set(micro["person_id"])
        persons[f"holder_{d}"] = persons["person_id"].isin(holders)
        firsts = micro.dropna(subset=["issued_date"]).groupby("person_id")["issued_date"].min()
        persons[f"first_micro_date_{d}"] = persons["person_id"].map(firsts)
    return StudyFrame(persons, config, weighted=False), pd.DataFrame(creds)


def truth_uptake_by_year(p: Planted, year: int) -> float:
    """P(first dated microcredential issued by 31 December of ``year``), broad definition.

    Entry uniform over the entry years, exponential time to it, dated with
    probability 1 - p_undated (capping at the reference date does not change the year
    for years before it).
    """
    end = dt.date(year, 12, 31)
    days = range(
        dt.date(ENTRY_YEARS[0], 1, 1).toordinal(), dt.date(ENTRY_YEARS[1], 12, 31).toordinal() + 1
    )
    total = 0.0
    for d in days[::7]:  # weekly grid: the integral over entry dates to well within 1e-3
        gap = (end.toordinal() - d) / 365.25
        total += 1 - math.exp(-p.hazard * gap) if gap > 0 else 0.0
    return (1 - p.p_undated) * total / len(days[::7])


def truth_cumulative(p: Planted, years: float) -> float:
    """P(first microcredential within ``years`` of entry) for everyone entering (with
    ``p_undated = 0``: undated holders leave the table's risk set, see its method)."""
    return 1 - math.exp(-p.hazard * years)
