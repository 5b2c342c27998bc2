"""The known truth of a synthetic cohort: per person, per credential, per position, and the model.

Truth is keyed by the *source identity* ("syn-0000001"): the ``person_id`` of the parquet
format, the folder name of a LinkedIn export, the ``id`` of a JSONL line. Holder flags are
derived from the true types of every credential a person lists (certifications and
credentials misfiled as education), so they agree with the credential truth by construction.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from microcred.config import CREDENTIAL_TYPES, StudyConfig
from microcred.synth.draws import pick
from microcred.synth.knowledge import PROVINCES, Knowledge
from microcred.synth.titles import LEVELS, TRUTH_LEVELS

_MIN_DATE = np.iinfo(np.int64).max
# Census levels → the vocabulary of coding.education.LEVELS (and sources.statcan), so the truth
# compares directly with coded education and with the margins the reader builds.
CODED_LEVEL = {
    "no_certificate": "no_postsecondary",
    "secondary": "no_postsecondary",
    "trades": "apprenticeship_trades",
    "college": "college",
    "university_below_bachelor": "college",
    "bachelor": "bachelor",
    "university_above_bachelor": "graduate_certificate",
    "master": "master",
    "doctorate": "doctorate",
}


def _dates(days: np.ndarray) -> pa.Array:
    d = days.astype("datetime64[D]")
    return pa.array(d, pa.date32(), mask=np.isnat(d))


def _first_date(person: np.ndarray, issued: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    vals = np.full(n, _MIN_DATE, dtype=np.int64)
    ok = mask & ~np.isnat(issued)
    np.minimum.at(vals, person[ok], issued[ok].astype("datetime64[D]").astype(np.int64))
    out = vals.astype("datetime64[D]")
    out[vals == _MIN_DATE] = np.datetime64("NaT")
    return out


def holder_flags(
    person: np.ndarray, ctype: np.ndarray, n: int, config: StudyConfig
) -> dict[str, np.ndarray]:
    """holder_<definition> per person from the true types of their credentials."""
    out = {}
    for d in config.definitions:
        mask = np.isin(ctype, [CREDENTIAL_TYPES.index(t) for t in d.types])
        out[d.name] = np.bincount(person[mask], minlength=n) > 0
    return out


def build_truth(
    k: Knowledge,
    pop,
    ppl,
    car,
    edu,
    cred,
    cred_local_idx,
    pid,
    all_nocs,
    seniority,
    config: StudyConfig,
) -> dict[str, pa.Table]:
    n = ppl.n
    flags = holder_flags(cred.person, cred.type, n, config)
    broad = next((d for d in config.definitions if d.name == "broad"), config.definitions[0])
    broad_types = [CREDENTIAL_TYPES.index(t) for t in broad.types]
    first_broad = _first_date(cred.person, cred.issued, np.isin(cred.type, broad_types), n)
    before_entry = np.where(np.isnat(first_broad), False, first_broad < car.entry_date)
    persons = {
        "source_identity": pid,
        "true_noc2021": pick(pop.nocs, ppl.occ),
        "true_noc2021_title": pick([k.noc_titles.get(c, "") for c in pop.nocs], ppl.occ),
        "true_occupation_group": pick([k.occupations[c]["group"] for c in pop.nocs], ppl.occ),
        "province": pick(PROVINCES, ppl.prov),
        "profile_language": pick(["en", "fr"], ppl.french),
        "true_education_level": pick(pop.levels, ppl.level),
        "true_education_level_coded": pick([CODED_LEVEL[lv] for lv in pop.levels], ppl.level),
        "true_education_field": pick(
            [*ppl.fields, None], np.where(ppl.field < 0, len(ppl.fields), ppl.field)
        ),
        "formal_digital_training": pa.array(ppl.fdt),
        "career_switcher": pa.array(ppl.switcher),
        "years_experience": pa.array(np.round(ppl.years, 3)),
        "seniority_current": pick(TRUTH_LEVELS, car.truth_level[np.cumsum(ppl.n_positions) - 1]),
        "entry_date": _dates(car.entry_date),
    }
    for name, flag in flags.items():
        persons[f"holder_{name}"] = pa.array(flag)
    persons["holder_probability"] = pa.array(np.round(cred.prob, 6))
    persons["first_credential_date"] = _dates(first_broad)
    persons["first_credential_before_entry"] = pa.array(before_entry)
    persons["design_weight"] = pa.array(np.round(ppl.design_weight, 6))

    cat = k.credentials
    creds = pa.table(
        {
            "source_identity": pc.take(pid, pa.array(cred.person)),
            "origin": pick(["certifications", "education"], cred.misfiled),
            "credential_idx": pa.array(cred_local_idx, pa.int32()),
            "true_credential_type": pick(CREDENTIAL_TYPES, cred.type),
            "true_provider": pick([c["provider"] for c in cat], cred.entry),
            "true_platform": pick([c["platform"] or None for c in cat], cred.entry),
            "catalogue_name": pick([c["names"][0] for c in cat], cred.entry),
        }
    )
    creds = creds.sort_by(
        [("source_identity", "ascending"), ("origin", "ascending"), ("credential_idx", "ascending")]
    )
    origin_noc = car.noc != np.array([all_nocs.index(c) for c in pop.nocs])[ppl.occ][car.person]
    positions = pa.table(
        {
            "source_identity": pc.take(pid, pa.array(car.person)),
            "position_idx": pa.array(car.idx, pa.int32()),
            "true_noc2021": pick(all_nocs, car.noc),
            "true_seniority": pick(TRUTH_LEVELS, car.truth_level),
            "seniority_in_title": pa.array(car.seniority_shown),
            "title_language": pick(k.titles.lang, car.title_base),
            "title_origin": pick(k.titles.origin, car.title_base),
            "in_current_occupation": pa.array(~origin_noc),
        }
    )
    return {"persons": pa.table(persons), "credentials": creds, "positions": positions}


def _r(x: float) -> float:
    return round(float(x), 6)


def build_parameters(
    k: Knowledge, pop, ppl, cred, truth, seed: int, n: int, reference_date: str
) -> dict:
    """The generative model and the realised rates, ready for ``json.dumps(sort_keys=True)``."""
    tp = truth["persons"]
    config = StudyConfig()
    group_of = np.array([k.groups.index(k.occupations[c]["group"]) for c in pop.nocs])[ppl.occ]
    w = ppl.design_weight
    realised: dict = {"by_group": {}, "by_noc": {}, "by_study_group": {}}
    for d in config.definitions:
        flag = tp[f"holder_{d.name}"].to_numpy(zero_copy_only=False)

        def rates(mask: np.ndarray, flag=flag) -> dict:
            cnt = int(mask.sum())
            if cnt == 0:
                return {"n": 0, "sample_rate": None, "population_rate": None}
            return {
                "n": cnt,
                "holders": int(flag[mask].sum()),
                "sample_rate": _r(flag[mask].mean()),
                "population_rate": _r((w[mask] * flag[mask]).sum() / w[mask].sum()),
            }

        for g in k.groups:
            realised["by_group"].setdefault(g, {})[d.name] = rates(group_of == k.groups.index(g))
        for i, c in enumerate(pop.nocs):
            realised["by_noc"].setdefault(c, {})[d.name] = rates(ppl.occ == i)
        for og in config.occupations:
            codes = [pop.nocs.index(c) for c in og.noc2021 if c in pop.nocs]
            realised["by_study_group"].setdefault(og.name, {})[d.name] = rates(
                np.isin(ppl.occ, codes)
            )
    hm = dict(k.model["holder_model"])
    return {
        "generator": "microcred.synth",
        "seed": seed,
        "profiles": n,
        "reference_date": reference_date,
        "truth_key": "source_identity = parquet person_id = linkedin-export folder name = jsonl id",
        "definitions": {d.name: sorted(d.types) for d in config.definitions},
        "holder_model": {
            **hm,
            "formula": "logit P(holder_broad) = intercept + occupation[noc] + experience_per_10y*(min(years,30)-8)/10 + formal_digital_training*fdt + career_switcher*switcher + province[p] + seniority*(seniority_rank-2)",
            "occupation": {c: k.occupations[c]["logit"] for c in pop.nocs},
            "seniority_levels": list(LEVELS),
        },
        "skills": {
            "hot_technology_weight": k.model["hot_technology_weight"],
            "hot_technology_weight_holders": k.model["hot_technology_weight_holders"],
            "skills_per_person": k.model["skills_per_person"],
        },
        "selection": {
            "occupation_sample_share": {
                c: _r(p) for c, p in zip(pop.nocs, pop.sample_occ, strict=True)
            },
            "population": {c: int(k.occupations[c]["population"]) for c in pop.nocs},
            "province_selection_rate": {p: k.model["provinces"][p][4] for p in PROVINCES},
            "education_selection": k.model["education_selection"],
            "design_weight": "truth/persons.parquet design_weight = population cell size / expected sample count of its (noc, province, education level) cell",
        },
        "occupations": {
            c: {
                "group": k.occupations[c]["group"],
                "p_digital_field": k.occupations[c]["p_digital_field"],
                "p_earlier_occupation": k.occupations[c]["p_switch"],
            }
            for c in pop.nocs
        },
        "realised": realised,
        "realised_overall": {
            d.name: _r(tp[f"holder_{d.name}"].to_numpy(zero_copy_only=False).mean())
            for d in config.definitions
        },
        "credentials_per_type": {
            t: int(c)
            for t, c in zip(
                CREDENTIAL_TYPES,
                np.bincount(cred.type, minlength=len(CREDENTIAL_TYPES)),
                strict=True,
            )
        },
    }


def load_truth(folder: str | Path) -> dict:
    """Read a ``truth/`` folder written by ``synth.write``: {persons, credentials, positions, parameters}."""
    root = Path(folder)
    if not (root / "persons.parquet").is_file():
        raise FileNotFoundError(f"{root}: not a synth truth folder (no persons.parquet)")
    out: dict = {
        name: pq.read_table(root / f"{name}.parquet")
        for name in ("persons", "credentials", "positions")
    }
    out["parameters"] = json.loads((root / "parameters.json").read_text(encoding="utf-8"))
    return out
