"""Career histories: 1-6 positions a person, dated, with seniority rising and occupations changing.

A person's career spans their years of experience; it is cut into positions at random
points. Positions before ``entry_pos`` are in the origin occupation (career switchers
and managers who were developers), the rest in the current occupation. Seniority grows
with years in the occupation and never falls within it; switching resets it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from microcred.synth.draws import Pools, cummax_within, group_starts, month_floor, year_floor
from microcred.synth.knowledge import PROVINCES, Knowledge
from microcred.synth.people import People, Population
from microcred.synth.titles import TitleMaker

DAY = np.timedelta64(1, "D")
MANAGERIAL = ("20012", "10022")


@dataclass
class Careers:
    person: np.ndarray  # person index per position
    idx: np.ndarray  # position_idx (0 = oldest)
    noc: np.ndarray  # index into all_nocs
    level: np.ndarray  # seniority level 0..4 (titles.LEVELS)
    truth_level: (
        np.ndarray
    )  # index into titles.TRUTH_LEVELS (managerial titles: manager/director/executive)
    start: np.ndarray  # datetime64[D], floored to precision
    end: np.ndarray  # datetime64[D] or NaT
    precision: np.ndarray  # "year" | "month"
    is_current: np.ndarray
    prov: np.ndarray  # province index, -1 abroad
    country: np.ndarray  # index into country list
    company: pa.Array
    title: pa.Array
    title_base: np.ndarray
    seniority_shown: np.ndarray
    sector: np.ndarray  # sector index
    entry_date: np.ndarray  # per person: start of first position in current occupation
    career_start: np.ndarray  # per person
    current_company: pa.Array  # per person
    current_sector: np.ndarray  # per person
    countries: list[str]
    sectors: list[str]


def build_careers(
    rng: np.random.Generator,
    k: Knowledge,
    pop: Population,
    ppl: People,
    all_nocs: list[str],
    titles: TitleMaker,
    ref: np.datetime64,
    female: np.ndarray,
) -> Careers:
    m = k.model
    n = ppl.n
    kpos = ppl.n_positions
    person = np.repeat(np.arange(n), kpos)
    starts = group_starts(kpos)
    idx = np.arange(person.shape[0]) - starts[person]
    last = idx == kpos[person] - 1
    total = person.shape[0]

    # Dates: cut the career [career_start, ref] at exponential weights.
    exp_days = (ppl.years * 365.25).astype(np.int64)
    career_start = ref - exp_days * DAY
    w = rng.exponential(size=total)
    sums = np.add.reduceat(w, starts)
    cum = np.cumsum(w)
    before = cum - w - np.repeat(cum[starts] - w[starts], kpos)
    start_frac = before / sums[person]
    start = career_start[person] + (start_frac * exp_days[person]).astype(np.int64) * DAY
    nxt = np.roll(start, -1)
    gap = rng.integers(0, 60, total) * DAY
    end = np.where(last, np.datetime64("NaT"), nxt - gap)
    end = np.where(~last & (end < start), nxt, end)
    ended_last = last & (rng.random(total) < m["p_current_ended"])
    span = (ref - start) / DAY
    end = np.where(
        ended_last, start + (span * rng.uniform(0.6, 0.95, total)).astype(np.int64) * DAY, end
    )
    overlap = ~last & (rng.random(total) < m["p_overlap"])
    end = np.where(overlap, np.minimum(nxt + rng.integers(60, 500, total) * DAY, ref), end)
    is_current = last & ~ended_last
    year_prec = rng.random(total) < m["p_year_precision"]
    floor = np.where(
        year_prec[:, None],
        np.stack([year_floor(start), year_floor(end)], 1),
        np.stack([month_floor(start), month_floor(end)], 1),
    )
    start, end = floor[:, 0], floor[:, 1]
    precision = year_prec.astype(np.int64)  # draws.PRECISION codes

    # Occupations: origin before entry_pos, current from it.
    entry_pos = np.where(ppl.has_origin, (rng.random(n) * (kpos - 1)).astype(np.int64) + 1, 0)
    entry_pos = np.minimum(entry_pos, kpos - 1)
    cur_noc = np.array([all_nocs.index(c) for c in pop.nocs])[ppl.occ]
    in_origin = idx < entry_pos[person]
    noc = np.where(in_origin, ppl.origin[person], cur_noc[person])
    entry_date = start[starts + entry_pos]

    # Seniority: years in the run (origin run or current run), non-decreasing within it.
    run_start = np.where(in_origin, career_start[person], entry_date[person])
    until = np.where(np.isnat(end), ref, end)
    mid = start + ((until - start) / DAY / 2).astype(np.int64) * DAY  # seniority held mid-position
    yrs = np.maximum((mid - run_start) / DAY / 365.25, 0)
    level = 1 + np.floor(yrs / m["seniority_years_per_level"] + rng.normal(0, 0.5, total)).astype(
        np.int64
    )
    level = np.clip(level, 1, 4)
    intern = (idx == 0) & (rng.random(total) < 0.15) & (kpos[person] > 1)
    level = np.where(intern, 0, level)
    run_id = person * 2 + (~in_origin).astype(np.int64)
    level = cummax_within(level, run_id)

    # Where: the person's province; earlier jobs abroad for some, another province for a few.
    abroad = k.places["abroad"]
    countries = ["CA", *sorted(abroad)]
    aw = np.array([abroad[c][1] for c in countries[1:]])
    immigrant = rng.random(n) < m["p_abroad_earlier"]
    cut = (rng.random(n) * kpos).astype(np.int64)  # positions before cut are abroad
    is_abroad = immigrant[person] & (idx < cut[person]) & ~last
    c_draw = 1 + np.searchsorted(np.cumsum(aw) / aw.sum(), rng.random(n), side="right").clip(
        0, len(aw) - 1
    )
    country = np.where(is_abroad, c_draw[person], 0)
    prov = np.where(is_abroad, -1, ppl.prov[person])
    moved = ~is_abroad & ~last & (rng.random(total) < 0.05)
    prov = np.where(moved, PROVINCES.index("ON"), prov)

    # Employer: sector of the position's occupation, in its province.
    sectors = sorted(k.places["companies"])
    sector_of = {c: (k.occupations.get(c) or k.origin_only[c])["sector"] for c in all_nocs}
    sector = np.array([sectors.index(sector_of[c]) for c in all_nocs])[noc]
    company, companies = _companies(rng, k, sectors, sector, prov)
    managerial = np.isin(noc, [all_nocs.index(c) for c in MANAGERIAL if c in all_nocs])
    phd = ppl.level[person] == pop.levels.index("doctorate")
    fr_title = ppl.french[person] & (rng.random(total) >= m["p_english_title_in_fr"])
    fr_title &= ~is_abroad | np.isin(country, [countries.index(c) for c in ("FR", "MA", "DZ")])
    title, base, shown = titles.make(
        rng, noc, fr_title, female[person], level, managerial, company, phd
    )

    cur = starts + kpos - 1
    return Careers(
        person=person, idx=idx.astype(np.int32), noc=noc, level=level,
        truth_level=np.where(managerial, titles.managerial_level[base], level), start=start, end=end,
        precision=precision, is_current=is_current, prov=prov, country=country, company=company,
        title=title, title_base=base, seniority_shown=shown, sector=sector, entry_date=entry_date,
        career_start=career_start, current_company=pc.take(company, cur), current_sector=sector[cur],
        countries=countries, sectors=sectors,
    )  # fmt: skip


def _companies(
    rng: np.random.Generator, k: Knowledge, sectors: list[str], sector: np.ndarray, prov: np.ndarray
) -> tuple[pa.Array, list[str]]:
    """Employer names: pools by (sector, province), plus one pool for employers abroad."""
    names: list[str] = []
    items: list[list[int]] = []
    for s in sectors:
        for p in PROVINCES:
            pool = []
            for name, where in k.places["companies"][s]:
                if where in ("*", p):
                    if name not in names:
                        names.append(name)
                    pool.append(names.index(name))
            if not pool:  # no local employer listed: any employer of the sector
                pool = [
                    names.index(nm) if nm in names else _append(names, nm)
                    for nm, _ in k.places["companies"][s]
                ]
            items.append(pool)
    abroad_pool = []
    for name in k.places["abroad_companies"]:
        if name not in names:
            names.append(name)
        abroad_pool.append(names.index(name))
    items.append(abroad_pool)
    pools = Pools(items)
    key = np.where(
        prov < 0, len(sectors) * len(PROVINCES), sector * len(PROVINCES) + np.maximum(prov, 0)
    )
    pick = pools.draw(rng, key)
    return pc.take(pa.array(names, pa.string()), pick), names


def _append(names: list[str], name: str) -> int:
    names.append(name)
    return len(names) - 1
