"""Who the synthetic profiles are: occupation, province, language, education, experience.

The profile sample is drawn from a synthetic population with known selection rates
(by occupation, province and education), so the population margins written beside
the data differ from the sample in known ways and weighting has something to fix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from microcred.synth.draws import choice, choice_rows
from microcred.synth.knowledge import PROVINCES, Knowledge, normalise


@dataclass
class Population:
    """The synthetic population behind the sample, as cell probabilities and counts."""

    nocs: list[str]
    levels: list[str]
    counts_occ_prov: np.ndarray  # [occ, prov] population counts (float)
    edu_pop: np.ndarray  # [occ, level] P(level | occ) in the population
    sample_occ: np.ndarray  # [occ] P(occ) in the sample
    sample_prov: np.ndarray  # [occ, prov] P(prov | occ) in the sample
    sample_edu: np.ndarray  # [occ, level] P(level | occ) in the sample


@dataclass
class People:
    n: int
    occ: np.ndarray  # index into population.nocs
    prov: np.ndarray  # index into PROVINCES
    french: np.ndarray  # bool
    level: np.ndarray  # index into population.levels
    field: np.ndarray  # index into knowledge fields list
    fdt: np.ndarray  # bool, formal digital training
    has_origin: np.ndarray  # bool: earlier jobs in another occupation
    origin: np.ndarray  # NOC string index into all_nocs (or -1)
    switcher: np.ndarray  # bool: earlier occupation outside the digital groups
    years: np.ndarray  # years since first job
    n_positions: np.ndarray
    design_weight: np.ndarray
    fields: list[str]


def build_population(k: Knowledge) -> Population:
    occs = k.occupations
    nocs = sorted(occs)
    levels = k.model["education_levels"]
    provs = k.model["provinces"]
    dig = np.array([[provs[p][2] for p in PROVINCES]], dtype=float)
    oth = np.array([[provs[p][3] for p in PROVINCES]], dtype=float)
    sel = np.array([provs[p][4] for p in PROVINCES], dtype=float)
    is_dig = np.array([occs[c]["group"] in k.digital_groups for c in nocs])[:, None]
    prov_pop = np.where(is_dig, dig / dig.sum(), oth / oth.sum())
    pop_n = np.array([occs[c]["population"] for c in nocs], dtype=float)
    counts = pop_n[:, None] * prov_pop
    sample_prov = prov_pop * sel
    sample_prov /= sample_prov.sum(axis=1, keepdims=True)
    profiles = k.model["education_profiles"]
    edu_pop = np.vstack([normalise(profiles[occs[c]["edu"]], levels) for c in nocs])
    esel = np.array([k.model["education_selection"][lv] for lv in levels])
    sample_edu = edu_pop * esel
    sample_edu /= sample_edu.sum(axis=1, keepdims=True)
    share = np.array([occs[c]["sample_share"] for c in nocs], dtype=float)
    return Population(nocs, levels, counts, edu_pop, share / share.sum(), sample_prov, sample_edu)


def draw_people(
    rng: np.random.Generator, k: Knowledge, pop: Population, n: int, all_nocs: list[str]
) -> People:
    occs = k.occupations
    m = k.model
    occ = choice(rng, pop.sample_occ, n)
    prov = choice_rows(rng, pop.sample_prov, occ)
    p_fr = np.array([m["provinces"][p][5] for p in PROVINCES])
    french = rng.random(n) < p_fr[prov]
    level = choice_rows(rng, pop.sample_edu, occ)

    # Career shape: earlier jobs in an origin occupation (career switch or progression).
    p_origin = np.array([occs[c]["p_switch"] for c in pop.nocs])
    years = rng.gamma(m["experience_years"]["shape"], m["experience_years"]["scale"], n)
    years = np.clip(years, m["experience_years"]["min"], m["experience_years"]["max"])
    counts = list(m["positions_count"].items())
    n_pos = np.array([c for c, _ in counts])[
        choice(rng, normalise(dict(counts), [c for c, _ in counts]), n)
    ]
    n_pos = np.minimum(n_pos, 1 + (years / 1.5).astype(np.int64))  # juniors have fewer jobs
    has_origin = (rng.random(n) < p_origin[occ]) & (n_pos >= 2)
    noc_pos = {c: i for i, c in enumerate(all_nocs)}
    origin_lists = [[noc_pos[o] for o in occs[c]["origin"]] for c in pop.nocs]
    max_len = max(len(o) for o in origin_lists)
    table = np.array([o + [o[0]] * (max_len - len(o)) for o in origin_lists])
    lens = np.array([len(o) for o in origin_lists])
    pick = (rng.random(n) * lens[occ]).astype(np.int64)
    origin = np.where(has_origin, table[occ, pick], -1)
    group_of = {c: occs[c]["group"] if c in occs else "non_digital" for c in all_nocs}
    origin_digital = np.array([group_of[c] in k.digital_groups for c in all_nocs])
    switcher = has_origin & ~origin_digital[np.maximum(origin, 0)]

    # Field of study of the highest credential.
    fields = list(k.education["field_kind"])
    field_idx = {f: i for i, f in enumerate(fields)}
    p_dig = np.array([occs[c]["p_digital_field"] for c in pop.nocs])[occ]
    p_dig = np.where(switcher, p_dig * 0.2, p_dig)
    with_field = np.isin(level, [pop.levels.index(lv) for lv in k.education["levels_with_field"]])
    fdt = (rng.random(n) < p_dig) & with_field
    profile_names = sorted({occs[c]["edu"] for c in pop.nocs})
    prof_of_occ = np.array([profile_names.index(occs[c]["edu"]) for c in pop.nocs])
    nd = np.vstack([normalise(m["nondigital_fields"][pn], fields) for pn in profile_names])
    dmix = m["digital_field_mix"]
    dg = np.vstack([normalise(dmix.get(pn, dmix["default"]), fields) for pn in profile_names])
    nd_draw = choice_rows(rng, nd, prof_of_occ[occ])
    dg_draw = choice_rows(rng, dg, prof_of_occ[occ])
    field = np.where(fdt, dg_draw, nd_draw)
    field = np.where(with_field, field, -1)
    # College computer studies are written as IT programmes.
    college = level == pop.levels.index("college")
    field = np.where(
        college
        & np.isin(field, [field_idx["computer_science"], field_idx["software_engineering"]]),
        field_idx["information_technology"],
        field,
    )

    # True design weight: population cell size / expected sample count of the cell.
    p_cell = pop.sample_occ[occ] * pop.sample_prov[occ, prov] * pop.sample_edu[occ, level]
    n_cell = pop.counts_occ_prov[occ, prov] * pop.edu_pop[occ, level]
    design_weight = n_cell / (n * p_cell)
    return People(
        n=n, occ=occ, prov=prov, french=french, level=level, field=field, fdt=fdt,
        has_origin=has_origin, origin=origin, switcher=switcher, years=years,
        n_positions=n_pos.astype(np.int64), design_weight=design_weight, fields=fields,
    )  # fmt: skip
