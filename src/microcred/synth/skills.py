"""Skills from O*NET Technology Skills, with hot technologies over-represented among holders.

Each person draws skills from the technologies O*NET lists for their occupation
(through the NOC → O*NET-SOC crosswalk), hot technologies weighted by
``hot_technology_weight``; holders weight them by ``hot_technology_weight_holders`` on
top (a recorded effect that "distinctive skills" analyses should find).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from microcred.synth.draws import Pools
from microcred.synth.knowledge import Knowledge
from microcred.synth.people import People, Population
from microcred.synth.typed_skills import typed
from microcred.text.skill_lists import split_skill_list

SOFT_SKILLS = {
    "en": [
        "Leadership",
        "Communication",
        "Teamwork",
        "Problem Solving",
        "Project Management",
        "Agile Methodologies",
        "Public Speaking",
        "Customer Service",
    ],
    "fr": [
        "Leadership",
        "Communication",
        "Travail d'équipe",
        "Résolution de problèmes",
        "Gestion de projet",
        "Méthodes agiles",
        "Service à la clientèle",
    ],
}


def build_skills(
    rng: np.random.Generator, k: Knowledge, pop: Population, ppl: People, holder: np.ndarray
) -> tuple[np.ndarray, pa.Array, np.ndarray]:
    """(person index, skill string, is_hot) rows, one per distinct (person, skill)."""
    sp = k.model["skills_per_person"]
    hot_w = k.model["hot_technology_weight_holders"]
    vocab: list[str] = []
    hot_flags: list[bool] = []
    index: dict[str, int] = {}
    items, weights = [], []
    for noc in pop.nocs:
        entries = k.skills.get(noc, [])
        ids = []
        for name, is_hot in entries:
            if name not in index:
                index[name] = len(vocab)
                vocab.append(name)
                hot_flags.append(is_hot)
            ids.append(index[name])
        base = [k.model["hot_technology_weight"] if is_hot else 1.0 for _, is_hot in entries]
        for is_holder in (False, True):
            items.append(ids)
            weights.append(
                [
                    w * (hot_w if (is_holder and hot) else 1.0)
                    for w, (_, hot) in zip(base, entries, strict=True)
                ]
            )
    soft_start = len(vocab)
    for lang in ("en", "fr"):
        for s in SOFT_SKILLS[lang]:
            vocab.append(s)
            hot_flags.append(False)
    en_soft = list(range(soft_start, soft_start + len(SOFT_SKILLS["en"])))
    fr_soft = list(range(soft_start + len(SOFT_SKILLS["en"]), len(vocab)))
    items += [en_soft, fr_soft]
    pools = Pools(items, [*weights, [1.0] * len(en_soft), [1.0] * len(fr_soft)])

    n_sk = np.minimum(sp["base"] + rng.poisson(sp["poisson"], ppl.n), sp["max"])
    person = np.repeat(np.arange(ppl.n), n_sk)
    key = ppl.occ[person] * 2 + holder[person]
    soft = rng.random(person.shape[0]) < k.model["p_soft_skill"]
    key = np.where(soft, len(pop.nocs) * 2 + ppl.french[person], key)
    skill = pools.draw(rng, key)
    ok = skill >= 0
    person, skill = person[ok], skill[ok]
    uniq = np.sort(person.astype(np.int64) * len(vocab) + skill)  # np.unique's hashing is slow here
    uniq = uniq[np.r_[True, uniq[1:] != uniq[:-1]]]
    person, skill = uniq // len(vocab), uniq % len(vocab)
    hot: np.ndarray = np.array(hot_flags)[skill]
    texts = pc.take(pa.array(vocab, pa.string()), skill)
    p_typed = float(k.model.get("p_typed_skill", 0.0))
    if p_typed > 0:  # its own stream: the draws above and after stay as they were
        seed_seq = rng.bit_generator.seed_seq
        assert isinstance(seed_seq, np.random.SeedSequence)  # default_rng's: it can spawn
        typed_rng = np.random.default_rng(seed_seq.spawn(1)[0])
        rows = typed(
            typed_rng,
            texts.to_pylist(),
            ppl.french[person].astype(bool),
            p_typed,
            float(k.model.get("p_typed_soft_skill", 0.0)),
        )
        # a typed list ("C/C++") is split as the readers split it, one row per skill
        out_p, out_s, out_h, seen = [], [], [], set()
        for p, text, h in zip(person.tolist(), rows, hot.tolist(), strict=True):
            for part in split_skill_list(text):
                if (p, part) not in seen:
                    seen.add((p, part))
                    out_p.append(p)
                    out_s.append(part)
                    out_h.append(h)
        person, hot = np.array(out_p, dtype=person.dtype), np.array(out_h, bool)
        texts = pa.array(out_s, pa.string())
    return person, texts, hot
