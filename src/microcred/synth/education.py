"""Education entries written the ways people write them, with the true level and field.

A person's highest credential comes from the people draw; lower degrees on the way to
it are added (a bachelor's before a master's, a DEC before a Québec bachelor's).
Degree and field are written either apart ("BSc" / "Computer Science") or together
("Baccalauréat en génie logiciel"), in the profile's language.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from microcred.synth.draws import Pools
from microcred.synth.knowledge import PROVINCES, Knowledge
from microcred.synth.people import People, Population

DAY = np.timedelta64(1, "D")


@dataclass
class Educations:
    person: np.ndarray
    level: np.ndarray  # index into population.levels
    field: np.ndarray  # index into people.fields, -1 none
    school: pa.Array
    degree: pa.Array
    field_text: pa.Array
    start: np.ndarray
    end: np.ndarray
    precision: np.ndarray


def build_educations(
    rng: np.random.Generator,
    k: Knowledge,
    pop: Population,
    ppl: People,
    career_start: np.ndarray,
    immigrant_school: np.ndarray,
) -> Educations:
    levels = pop.levels
    L = {lv: i for i, lv in enumerate(levels)}
    n = ppl.n
    qc = ppl.prov == PROVINCES.index("QC")
    # Entries: (person, level, field, years before career start that it ended).
    ppl_idx = np.arange(n)
    rows_p, rows_l, rows_f = [ppl_idx], [ppl.level], [ppl.field]
    rows_back = [rng.integers(-1, 2, n)]
    # Lower degrees share the field of the highest, so formal digital training is a property of the person.
    add = [
        (
            np.isin(ppl.level, [L["master"], L["doctorate"], L["university_above_bachelor"]])
            & (rng.random(n) < 0.85),
            "bachelor",
        ),
        ((ppl.level == L["doctorate"]) & (rng.random(n) < 0.6), "master"),
        ((ppl.level == L["bachelor"]) & qc & ppl.french & (rng.random(n) < 0.6), "college"),
        ((ppl.level >= L["college"]) & (rng.random(n) < 0.08), "secondary"),
    ]
    yrs = k.education["years"]
    for mask, lv in add:
        sel = ppl_idx[mask]
        rows_p.append(sel)
        rows_l.append(np.full(sel.shape[0], L[lv]))
        f = ppl.field[sel] if lv != "secondary" else np.full(sel.shape[0], -1)
        rows_f.append(f)
        back = {
            "bachelor": yrs["master"],
            "master": yrs["doctorate"],
            "college": yrs["bachelor"],
            "secondary": 6,
        }[lv]
        rows_back.append(np.full(sel.shape[0], back) + rng.integers(0, 2, sel.shape[0]))
    person = np.concatenate(rows_p)
    level = np.concatenate(rows_l)
    field = np.concatenate(rows_f)
    back = np.concatenate(rows_back)
    has_entry = level != L["no_certificate"]
    person, level, field, back = (
        person[has_entry],
        level[has_entry],
        field[has_entry],
        back[has_entry],
    )
    order = np.lexsort((-back, person))
    person, level, field, back = person[order], level[order], field[order], back[order]

    end_year = career_start[person].astype("datetime64[Y]").astype(np.int64) + 1970 - back
    dur = np.array([yrs.get(lv, 1) for lv in levels])[level]
    start_year = end_year - dur
    month_prec = rng.random(person.shape[0]) < 0.2
    start = _date(start_year, np.where(month_prec, 9, 1))
    end = _date(end_year, np.where(month_prec, rng.choice([4, 5, 6, 12], person.shape[0]), 1))
    missing = rng.random(person.shape[0]) < 0.08
    start = np.where(missing, np.datetime64("NaT"), start)
    end = np.where(missing, np.datetime64("NaT"), end)
    precision = np.where(month_prec, 0, 1)  # draws.PRECISION codes

    french = ppl.french[person] & (rng.random(person.shape[0]) < 0.85)
    abroad = immigrant_school[person] & (level != L["secondary"]) & (back >= 0)
    french &= ~abroad
    degree, field_text = _degree_strings(rng, k, levels, ppl.fields, level, field, french)
    school = _schools(rng, k, levels, level, ppl.prov[person], abroad, french)
    return Educations(person, level, field, school, degree, field_text, start, end, precision)


def _date(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    return ((year - 1970) * 12 + (month - 1)).astype("datetime64[M]").astype("datetime64[D]")


def _degree_strings(
    rng: np.random.Generator,
    k: Knowledge,
    levels: list[str],
    fields: list[str],
    level: np.ndarray,
    field: np.ndarray,
    french: np.ndarray,
) -> tuple[pa.Array, pa.Array]:
    ed = k.education
    kinds = sorted(set(ed["field_kind"].values()))
    vocab: list[str] = []

    def vid(s: str) -> int:
        if s not in vocab:
            vocab.append(s)
        return vocab.index(s)

    # Degree pools keyed by (level, kind, lang).
    d_items: list[list[int]] = []
    for lv in levels:
        for kind in kinds:
            for lang in ("en", "fr"):
                forms = (
                    ed["degrees"][lv].get(kind)
                    or ed["degrees"][lv].get("any")
                    or next(iter(ed["degrees"][lv].values()))
                )
                d_items.append([vid(s) for s in forms[lang]])
    f_items: list[list[int]] = []
    for f in fields:
        for lang in ("en", "fr"):
            f_items.append([vid(s) for s in ed["fields"][f][lang]])
    c_items = [[vid(s) for s in ed["connector"][lang]] for lang in ("en", "fr")]
    kind_of = np.array([kinds.index(ed["field_kind"][f]) for f in fields])
    lang_code = french.astype(np.int64)
    kind = np.where(field >= 0, kind_of[np.maximum(field, 0)], 0)
    deg = Pools(d_items).draw(rng, (level * len(kinds) + kind) * 2 + lang_code)
    fld = Pools(f_items).draw(rng, np.maximum(field, 0) * 2 + lang_code)
    con = Pools(c_items).draw(rng, lang_code)
    v = pa.array(vocab, pa.string())
    deg_s, fld_s, con_s = pc.take(v, deg), pc.take(v, fld), pc.take(v, con)
    has_field = field >= 0
    u = rng.random(level.shape[0])
    together = has_field & ((u < 0.35) | french & (u < 0.7))
    no_field = has_field & ~together & (u > 0.93)
    degree = pc.if_else(
        pa.array(together), pc.binary_join_element_wise(deg_s, con_s, fld_s, ""), deg_s
    )
    degree = pc.if_else(pc.equal(degree, ""), pa.scalar(None, pa.string()), degree)
    field_text = pc.if_else(
        pa.array(has_field & ~together & ~no_field), fld_s, pa.scalar(None, pa.string())
    )
    return degree, field_text


def _schools(
    rng: np.random.Generator,
    k: Knowledge,
    levels: list[str],
    level: np.ndarray,
    prov: np.ndarray,
    abroad: np.ndarray,
    french: np.ndarray,
) -> pa.Array:
    sch = k.places["schools"]
    names: list[str] = []
    items: list[list[int]] = []
    for kind in ("university", "college"):
        for p in (*PROVINCES, "abroad"):
            pool = []
            for s in sch[kind][p]:
                if s not in names:
                    names.append(s)
                pool.append(names.index(s))
            items.append(pool)
    for lang in ("en", "fr"):
        pool = []
        for s in sch["secondary"][lang]:
            names.append(s)
            pool.append(len(names) - 1)
        items.append(pool)
    n_geo = len(PROVINCES) + 1
    college_like = np.isin(level, [levels.index(lv) for lv in ("trades", "college")])
    geo = np.where(abroad, len(PROVINCES), prov)
    key = np.where(college_like, n_geo, 0) + geo
    key = np.where(level == levels.index("secondary"), 2 * n_geo + french.astype(np.int64), key)
    return pc.take(pa.array(names, pa.string()), Pools(items).draw(rng, key))
