"""``generate``: a synthetic cohort of Canadian profiles with known truth, fully vectorised.

Stages: people (occupation, province, language, education, experience) → careers
(positions and titles) → education entries → credentials (holder model) → skills and
learning → canonical tables + truth tables + generative parameters. One numpy
Generator(PCG64(seed)) drives everything, in a fixed order, so a seed fixes the cohort.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from microcred import schema
from microcred.config import CREDENTIAL_TYPES, StudyConfig
from microcred.datadir import DataDir
from microcred.synth.careers import Careers, build_careers
from microcred.synth.credentials import (
    Credentials,
    build_credentials,
    catalogue_strings,
    url_host_key,
)
from microcred.synth.draws import PRECISION, Pools, pick, rank_within
from microcred.synth.education import Educations, build_educations
from microcred.synth.knowledge import PROVINCES, Knowledge, load_knowledge
from microcred.synth.people import People, Population, build_population, draw_people
from microcred.synth.pii import make_pii
from microcred.synth.skills import build_skills
from microcred.synth.titles import TitleMaker
from microcred.synth.truth import build_parameters, build_truth

SOURCE = "parquet"
LEARNING_TITLES = [
    "Python Essential Training", "Excel Essential Training (Microsoft 365)", "SQL Essential Training",
    "Learning Power BI Desktop", "Machine Learning with Python: Foundations", "Agile Foundations",
    "Communicating with Confidence", "Git Essential Training", "Learning Docker", "Time Management Fundamentals",
    "Introduction to Prompt Engineering for Generative AI", "Tableau Essential Training",
    "Les fondements de la gestion de projet", "Excel : Les bases essentielles",
]  # fmt: skip


@dataclass
class SynthCohort:
    """The canonical tables of a synthetic cohort, its truth, and what the writers need besides.

    ``tables`` are keyed by table name (schema.CANONICAL); ``truth`` holds ``persons``,
    ``credentials`` and ``positions``; ``parameters`` is the JSON-ready generative model with
    realised rates; ``pii`` holds the fictional names, emails, phones and profile URLs that
    only the source-format writers emit; ``extras`` holds writer-only strings (locations).
    """

    seed: int
    n: int
    reference_date: str
    tables: dict[str, pa.Table]
    truth: dict[str, pa.Table]
    parameters: dict
    pii: pa.Table
    extras: dict[str, pa.Array] = field(default_factory=dict)
    population: Population | None = None
    knowledge: Knowledge | None = None


def person_ids(n: int) -> pa.Array:
    """Synthetic source identities "syn-0000001" ... (the key of the truth in every format)."""
    nums = pc.cast(pa.array(np.arange(1, n + 1)), pa.string())
    width = max(7, len(str(n)))
    return pc.binary_join_element_wise("syn-", pc.utf8_lpad(nums, width, "0"), "")


def _dates(values: np.ndarray) -> pa.Array:
    d = values.astype("datetime64[D]")
    return pa.array(d, pa.date32(), mask=np.isnat(d))


def generate(
    n: int, seed: int, data_dir: DataDir | None = None, reference_date: str = "2025-12-31"
) -> SynthCohort:
    """Generate ``n`` synthetic profiles deterministically from ``seed``."""
    if n < 1:
        raise ValueError(f"the number of profiles must be at least 1, got {n}")
    k = load_knowledge(data_dir)
    rng = np.random.Generator(np.random.PCG64(seed))
    ref = np.datetime64(reference_date, "D")
    pop = build_population(k)
    all_nocs = sorted(set(k.occupations) | set(k.origin_only))
    ppl = draw_people(rng, k, pop, n, all_nocs)
    female = rng.random(n) < 0.45
    titles = k.cache.get("titles")
    if (
        titles is None
    ):  # typo variants are fixed per vocabulary; which rows use them depends on the seed
        titles = k.cache["titles"] = TitleMaker(k.titles, all_nocs, seed=0)
    car = build_careers(rng, k, pop, ppl, all_nocs, titles, ref, female)
    last = np.cumsum(ppl.n_positions) - 1
    seniority = car.level[last]
    abroad_any = np.bincount(car.person, weights=(car.country > 0), minlength=n) > 0
    edu = build_educations(rng, k, pop, ppl, car.career_start, abroad_any)
    cred = build_credentials(rng, k, pop, ppl, seniority, car.entry_date, car.career_start, ref)
    sk_person, sk_text, _hot = build_skills(rng, k, pop, ppl, cred.holder_broad_drawn)
    pid = person_ids(n)

    cert = ~cred.misfiled
    name, auth, host = catalogue_strings(rng, k, cred.entry)
    has_url = pc.and_(pc.is_valid(host), pa.array(rng.random(len(host)) < 0.7))
    tables: dict[str, pa.Table] = {}
    tables["persons"] = _persons(rng, k, ppl, car, pid)
    tables["positions"] = _positions(car, pid)
    edu_table, edu_truth_idx = _educations(rng, k, edu, cred, name, pid)
    tables["educations"] = edu_table
    cred_table, cred_idx = _credentials(rng, cred, cert, name, auth, host, has_url, pid)
    tables["credentials"] = cred_table
    tables["skills"] = pa.table(
        {"person_id": pc.take(pid, sk_person), "skill": sk_text}, schema=schema.SKILLS
    )
    tables["learning"] = _learning(rng, k, cred, cert, n, pid)
    tables["quarantine"] = schema.empty(schema.QUARANTINE)

    cred_local_idx = np.where(cert, cred_idx, edu_truth_idx)
    truth = build_truth(
        k, pop, ppl, car, edu, cred, cred_local_idx, pid, all_nocs, seniority, StudyConfig()
    )
    params = build_parameters(k, pop, ppl, cred, truth, seed, n, reference_date)
    pii = make_pii(rng, k, ppl, female, pid)
    extras = {
        "person_location": _locations(
            rng, k, ppl.prov, ppl.french, np.zeros(n, dtype=np.int64), car.countries
        ),
        "position_location": _locations(
            rng, k, car.prov, ppl.french[car.person], car.country, car.countries
        ),
        "headline": pc.take(car.title, pa.array(last)),
    }
    return SynthCohort(seed, n, reference_date, tables, truth, params, pii, extras, pop, k)


def _persons(
    rng: np.random.Generator, k: Knowledge, ppl: People, car: Careers, pid: pa.Array
) -> pa.Table:
    ind = k.places["industries"]
    names: list[str] = []
    items = []
    for s in car.sectors:
        items.append(list(range(len(names), len(names) + len(ind[s]))))
        names.extend(ind[s])
    industry = pc.take(pa.array(names, pa.string()), Pools(items).draw(rng, car.current_sector))
    return pa.table(
        {
            "person_id": pid,
            "source": pick([SOURCE], np.zeros(ppl.n)),
            "country": pick(["CA"], np.zeros(ppl.n)),
            "province": pick(PROVINCES, ppl.prov),
            "profile_language": pick(["en", "fr"], ppl.french),
            "industry": industry,
        },
        schema=schema.PERSONS,
    )


def _positions(car: Careers, pid: pa.Array) -> pa.Table:
    prov = np.where(car.prov < 0, len(PROVINCES), car.prov)
    end_prec = np.where(np.isnat(car.end), 2, car.precision)
    return pa.table(
        {
            "person_id": pc.take(pid, pa.array(car.person)),
            "position_idx": pa.array(car.idx, pa.int32()),
            "title": car.title,
            "company": car.company,
            "province": pick([*PROVINCES, None], prov),
            "country": pick(car.countries, car.country),
            "start_date": _dates(car.start),
            "start_precision": pick(PRECISION, car.precision),
            "end_date": _dates(car.end),
            "end_precision": pick(PRECISION, end_prec),
            "is_current": pa.array(car.is_current),
        },
        schema=schema.POSITIONS,
    )


def _educations(
    rng: np.random.Generator,
    k: Knowledge,
    edu: Educations,
    cred: Credentials,
    cred_name: pa.Array,
    pid: pa.Array,
) -> tuple[pa.Table, np.ndarray]:
    """Real degrees plus credentials misfiled as education; returns the table and, per credential,
    its education_idx (or -1)."""
    mis = np.flatnonzero(cred.misfiled)
    mis_text = k.education["misfiled"]
    types = np.array(CREDENTIAL_TYPES)[cred.type[mis]]
    auth_by_entry = pa.array([c["authority"][0] for c in k.credentials], pa.string())
    school = pc.take(auth_by_entry, pa.array(cred.entry[mis]))
    items: list[list[int]] = []
    vocab: list[str] = []
    keys = sorted(mis_text)
    for t in keys:
        for lang in ("en", "fr"):
            items.append(list(range(len(vocab), len(vocab) + len(mis_text[t][lang]))))
            vocab.extend(mis_text[t][lang])
    key = (
        np.array([keys.index(t) for t in types], dtype=np.int64) * 2
        + (np.array([c["lang"] == "fr" for c in k.credentials])[cred.entry[mis]])
    )
    generic = pc.take(pa.array(vocab, pa.string()), Pools(items).draw(rng, key))
    use_name = rng.random(mis.shape[0]) < 0.5
    degree = pc.if_else(pa.array(use_name), pc.take(cred_name, pa.array(mis)), generic)
    issued = cred.issued[mis]
    start = np.where(np.isnat(issued), issued, issued - np.timedelta64(120, "D"))
    start = start.astype("datetime64[M]").astype("datetime64[D]")

    person = np.concatenate([edu.person, cred.person[mis]])
    end = np.concatenate([edu.end, issued])
    src = np.concatenate([np.full(edu.person.shape[0], -1), mis])
    endi = np.where(
        np.isnat(end), np.iinfo(np.int64).min, end.astype("datetime64[D]").astype(np.int64)
    )
    order = np.lexsort((np.arange(person.shape[0]), -endi, person))
    idx = rank_within(person[order])
    prec = np.concatenate([edu.precision, cred.precision[mis]])
    table = pa.table(
        {
            "person_id": pc.take(pid, pa.array(person[order])),
            "education_idx": pa.array(idx, pa.int32()),
            "school": pc.take(pa.concat_arrays([edu.school, school]), pa.array(order)),
            "degree": pc.take(pa.concat_arrays([edu.degree, degree]), pa.array(order)),
            "field": pc.take(
                pa.concat_arrays([edu.field_text, pa.nulls(mis.shape[0], pa.string())]),
                pa.array(order),
            ),
            "start_date": _dates(np.concatenate([edu.start, start])[order]),
            "start_precision": pick(
                PRECISION, np.where(np.isnat(np.concatenate([edu.start, start])), 2, prec)[order]
            ),
            "end_date": _dates(end[order]),
            "end_precision": pick(PRECISION, np.where(np.isnat(end), 2, prec)[order]),
        },
        schema=schema.EDUCATIONS,
    )
    edu_idx = np.full(cred.person.shape[0], -1, dtype=np.int64)
    s = src[order]
    edu_idx[s[s >= 0]] = idx[s >= 0]
    return table, edu_idx


def _credentials(
    rng: np.random.Generator,
    cred: Credentials,
    cert: np.ndarray,
    name: pa.Array,
    auth: pa.Array,
    host: pa.Array,
    has_url: pa.Array,
    pid: pa.Array,
) -> tuple[pa.Table, np.ndarray]:
    sel = pa.array(np.flatnonzero(cert))
    person = cred.person[cert]
    idx = rank_within(person)
    m = person.shape[0]
    vendorish = np.isin(
        cred.type[cert],
        [
            CREDENTIAL_TYPES.index(t)
            for t in ("vendor_certification", "professional_certification", "professional_licence")
        ],
    )
    has_id = rng.random(m) < np.where(vendorish, 0.6, 0.25)
    url_ok = pc.take(has_url, sel)
    issued_prec = cred.precision[cert]
    exp = cred.expires[cert]
    table = pa.table(
        {
            "person_id": pc.take(pid, pa.array(person)),
            "credential_idx": pa.array(idx, pa.int32()),
            "name": pc.take(name, sel),
            "authority": pc.take(auth, sel),
            "url_host": pc.if_else(
                url_ok, url_host_key(pc.take(host, sel)), pa.scalar(None, pa.string())
            ),
            "has_url": url_ok,
            "has_credential_id": pa.array(has_id),
            "issued_date": _dates(cred.issued[cert]),
            "issued_precision": pick(PRECISION, issued_prec),
            "expires_date": _dates(exp),
            "expires_precision": pick(PRECISION, np.where(np.isnat(exp), 2, issued_prec)),
            "origin": pick(["certifications"], np.zeros(m)),
        },
        schema=schema.CREDENTIALS,
    )
    out = np.full(cred.person.shape[0], -1, dtype=np.int64)
    out[cert] = idx
    return table, out


def _learning(
    rng: np.random.Generator,
    k: Knowledge,
    cred: Credentials,
    cert: np.ndarray,
    n: int,
    pid: pa.Array,
) -> pa.Table:
    """Watched (not completed) courses for some people; completed LinkedIn Learning certificates."""
    n_watch = np.where(rng.random(n) < 0.25, rng.integers(1, 5, n), 0)
    w_person = np.repeat(np.arange(n), n_watch)
    w_title = (rng.random(w_person.shape[0]) * len(LEARNING_TITLES)).astype(np.int64)
    lil = (
        np.array([c["platform"] == "LinkedIn Learning" for c in k.credentials])[cred.entry]
        & cert
        & ~np.isnat(cred.issued)
    )
    c_person = cred.person[lil]
    canon = [c["names"][0] for c in k.credentials]
    titles = LEARNING_TITLES + canon
    c_title = len(LEARNING_TITLES) + cred.entry[lil]
    person = np.concatenate([w_person, c_person])
    title = np.concatenate([w_title, c_title])
    completed = np.concatenate(
        [np.zeros(w_person.shape[0], bool), np.ones(c_person.shape[0], bool)]
    )
    date = np.concatenate(
        [np.full(w_person.shape[0], np.datetime64("NaT"), "datetime64[D]"), cred.issued[lil]]
    )
    prec = np.concatenate([np.full(w_person.shape[0], 2), cred.precision[lil]])
    order = np.lexsort((title, person))
    person, title, completed, date, prec = (
        person[order],
        title[order],
        completed[order],
        date[order],
        prec[order],
    )
    keep = np.ones(person.shape[0], bool)
    keep[1:] = (person[1:] != person[:-1]) | (title[1:] != title[:-1])
    person, title, completed, date, prec = (
        person[keep],
        title[keep],
        completed[keep],
        date[keep],
        prec[keep],
    )
    ctype = (rng.random(int(person.shape[0])) >= 0.8).astype(np.int64)
    return pa.table(
        {
            "person_id": pc.take(pid, pa.array(person)),
            "learning_idx": pa.array(rank_within(person), pa.int32()),
            "title": pc.take(pa.array(titles, pa.string()), pa.array(title)),
            "content_type": pick(["Course", "Video"], np.where(completed, 0, ctype)),
            "completed": pa.array(completed),
            "completed_date": _dates(date),
            "completed_precision": pick(PRECISION, prec),
        },
        schema=schema.LEARNING,
    )


def _locations(
    rng: np.random.Generator,
    k: Knowledge,
    prov: np.ndarray,
    french: np.ndarray,
    country: np.ndarray,
    countries: list[str],
) -> pa.Array:
    """LinkedIn-style location strings ("Montréal, Québec, Canada")."""
    names: list[str] = []
    items = []
    for p in PROVINCES:
        for lang in ("en", "fr"):
            items.append(list(range(len(names), len(names) + len(k.places["cities"][p][lang]))))
            names.extend(k.places["cities"][p][lang])
    for c in countries[1:]:
        locs = k.places["abroad"][c][0]
        items.append(list(range(len(names), len(names) + len(locs))))
        names.extend(locs)
    key = np.where(country > 0, 2 * len(PROVINCES) + country - 1, np.maximum(prov, 0) * 2 + french)
    return pc.take(pa.array(names, pa.string()), Pools(items).draw(rng, key))


__all__ = ["SynthCohort", "generate", "person_ids"]
