"""Expected accuracy of a DP plan before anything is measured (``microcred release plan``).

Why: a user chooses ε knowing the cost. The noise scales are fixed by the plan, so the 95 %
error of every published count follows analytically: the GLS covariance of the hierarchy
(``dp_consistency.least_squares`` with the plan's scales) gives each node's noise variance,
and the delta method (``dp_shares``) turns it into the error of a share for an assumed
cell size. The cohort is described by three numbers: profiles, the fraction of them in the
occupations of interest, and an assumed uptake; people are spread evenly over the NOC
unit groups (state the real mix with ``--in-study`` per run if it is known).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from microcred.analysis.frame import ALL_GROUPS
from microcred.release.dp_consistency import Level, least_squares
from microcred.release.dp_domains import category_domain
from microcred.release.dp_plan import Z95, DPPlan, holder_statuses
from microcred.release.dp_shares import expected_share_error95

if TYPE_CHECKING:
    from microcred.config import StudyConfig


@dataclass(frozen=True)
class ExpectedError:
    estimand: str
    cell: str
    people: float  # assumed people in the cell
    count_error95: float  # 95 % DP error of its holder count (persons)
    share_error95: float | None  # 95 % DP error of its share (proportion), when it has one


def _levels(config: StudyConfig, plan: DPPlan) -> list[Level]:
    codes = list(config.occupation_codes)
    groups = [g.name for g in config.occupations]
    group_of_code = np.array([groups.index(config.occupation_codes[c]) for c in codes])
    g = plan.estimand("uptake_by_group")
    n = plan.estimand("uptake_by_noc")
    if g is None:
        raise ValueError("the DP plan has no uptake_by_group estimand (build_plan requires one)")
    if n is None:
        return [
            Level("all", np.zeros(len(groups), dtype=np.int64)),
            Level("group", np.arange(len(groups)), np.zeros((len(groups), 1)), g.blocks[0].sigma),
        ]
    return [
        Level("all", np.zeros(len(codes), dtype=np.int64)),
        Level(
            "group",
            group_of_code,
            np.zeros((len(groups), 1)) if g is not None else None,
            g.blocks[0].sigma if g is not None else None,
        ),
        Level("noc", np.arange(len(codes)), np.zeros((len(codes), 1)), n.blocks[0].sigma),
    ]


def expected_errors(
    config: StudyConfig,
    plan: DPPlan,
    profiles: int,
    in_study: float,
    share: float,
    definition: int = 0,
) -> list[ExpectedError]:
    """The 95 % DP error of every planned figure for a cohort of ``profiles`` (holder
    counts and shares under the ``definition``-th definition; the first by default)."""
    statuses = holder_statuses(config)
    d0 = definition
    yes = sum(1 for s in statuses if s[d0])
    no = len(statuses) - yes
    levels = _levels(config, plan)
    est = least_squares(levels)
    codes = list(config.occupation_codes)
    groups = [g.name for g in config.occupations]
    people_noc = profiles * in_study / len(codes)
    per_group = {
        g: people_noc * sum(1 for c in codes if config.occupation_codes[c] == g) for g in groups
    }
    out: list[ExpectedError] = []

    def add(estimand: str, cell: str, people: float, var: float) -> None:
        out.append(
            ExpectedError(
                estimand,
                cell,
                people,
                float(Z95 * np.sqrt(yes * var)),
                expected_share_error95(max(people, 1.0), share, yes * var, no * var),
            )
        )

    _, gvar = est.of(levels[1])
    _, avar = est.of(levels[0])
    for i, g in enumerate(groups):
        add("uptake_by_group", g, per_group[g], float(gvar[i]))
    add("uptake_by_group", ALL_GROUPS, profiles * in_study, float(avar[0]))
    if len(levels) == 3 and plan.estimand("uptake_by_noc") is not None:
        _, nvar = est.of(levels[2])
        for i, c in enumerate(codes):
            add("uptake_by_noc", c, people_noc, float(nvar[i]))
    comp = plan.estimand("holders_vs_non_holders")
    if comp is not None:
        for b in comp.blocks:
            var_name = b.name.split(".", 1)[1]
            k = len(category_domain(var_name, config))
            people = profiles * in_study * share / max(k - 2, 1)  # holders in a typical category
            err = float(Z95 * np.sqrt(yes) * b.sigma)
            out.append(
                ExpectedError(
                    "holders_vs_non_holders",
                    f"{var_name} (each of {k} categories)",
                    people,
                    err,
                    float(err / max(profiles * in_study * share, 1.0)),
                )
            )
    return out
