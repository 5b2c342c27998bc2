"""Who holds microcredentials, which ones, and when: the known generative model.

Holding a (broad) microcredential is a per-person Bernoulli draw with a logistic model
(``model.yaml: holder_model``); holders then get 1 + Poisson credentials whose types follow
a type mix (switchers favour bootcamps and university micro-credentials). The narrow holder
flag follows from those types. Other certifications (licences, degrees, attendance, first
aid ...) are drawn independently of holding, so coders must tell them apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from microcred.config import CREDENTIAL_TYPES
from microcred.synth.draws import Pools
from microcred.synth.knowledge import PROVINCES, Knowledge
from microcred.synth.people import People, Population

DAY = np.timedelta64(1, "D")
BROAD = (
    "mooc_certificate",
    "vendor_certification",
    "professional_certification",
    "bootcamp_certificate",
    "university_microcredential",
    "digital_badge",
)
FOCI = (
    "data",
    "software",
    "cloud",
    "security",
    "business",
    "marketing",
    "engineering",
    "health",
    "education",
    "general",
)
LICENCE_FOCUS = {
    "31301": "health",
    "41220": "education",
    "41200": "education",
    "11100": "business",
    "11101": "business",
}


@dataclass
class Credentials:
    person: np.ndarray
    entry: np.ndarray  # index into the catalogue
    type: np.ndarray  # index into CREDENTIAL_TYPES
    issued: np.ndarray
    precision: np.ndarray
    expires: np.ndarray
    misfiled: np.ndarray  # written as an education entry instead of a certification
    logit: np.ndarray  # per person
    prob: np.ndarray  # per person
    holder_broad_drawn: np.ndarray  # per person


def holder_logit(k: Knowledge, pop: Population, ppl: People, seniority: np.ndarray) -> np.ndarray:
    """The per-person log-odds of holding a broad microcredential (documented in docs/synth.md)."""
    hm = k.model["holder_model"]
    occ_eff = np.array([k.occupations[c]["logit"] for c in pop.nocs])[ppl.occ]
    prov_eff = np.array([hm["province"].get(p, hm["province"]["other"]) for p in PROVINCES])[
        ppl.prov
    ]
    return (
        hm["intercept"]
        + occ_eff
        + hm["experience_per_10y"] * (np.minimum(ppl.years, 30) - 8) / 10
        + hm["formal_digital_training"] * ppl.fdt
        + hm["career_switcher"] * ppl.switcher
        + prov_eff
        + hm["seniority"] * (seniority - 2)
    )


def _catalogue_pools(k: Knowledge) -> tuple[Pools, int]:
    """Pools keyed by (type, language, focus) with language and focus preferences as weights."""
    hm = k.model["holder_model"]
    items, weights = [], []
    for t in CREDENTIAL_TYPES:
        for lang in ("en", "fr"):
            for focus in FOCI:
                its, ws = [], []
                for i, c in enumerate(k.credentials):
                    if c["type"] != t:
                        continue
                    w = (
                        hm["language_weight_same"]
                        if c["lang"] == lang
                        else hm["language_weight_other"]
                    )
                    if c["focus"] == focus:
                        w *= hm["focus_weight_match"]
                    elif c["focus"] == "general":
                        w *= hm["focus_weight_general"]
                    else:
                        w *= hm["focus_weight_other"] if t != "professional_licence" else 0.01
                    its.append(i)
                    ws.append(w)
                items.append(its)
                weights.append(ws)
    return Pools(items, weights), len(FOCI)


def build_credentials(
    rng: np.random.Generator,
    k: Knowledge,
    pop: Population,
    ppl: People,
    seniority: np.ndarray,
    entry_date: np.ndarray,
    career_start: np.ndarray,
    ref: np.datetime64,
) -> Credentials:
    hm = k.model["holder_model"]
    n = ppl.n
    logit = holder_logit(k, pop, ppl, seniority)
    prob = 1 / (1 + np.exp(-logit))
    holder = rng.random(n) < prob
    n_broad = np.where(
        holder, 1 + np.minimum(rng.poisson(hm["extra_credentials_poisson"], n), 7), 0
    )

    # Broad credentials: types from the mix (switchers favour bootcamps / university programmes).
    tw = np.array([hm["type_weights"][t] for t in BROAD])
    tw_s = tw * np.array([hm["switcher_type_multiplier"].get(t, 1.0) for t in BROAD])
    b_person = np.repeat(np.arange(n), n_broad)
    sw = ppl.switcher[b_person]
    u = rng.random(b_person.shape[0])
    t_plain = np.searchsorted(np.cumsum(tw) / tw.sum(), u, side="right")
    t_sw = np.searchsorted(np.cumsum(tw_s) / tw_s.sum(), u, side="right")
    b_type = np.array([CREDENTIAL_TYPES.index(t) for t in BROAD])[
        np.where(sw, t_sw, t_plain).clip(0, len(BROAD) - 1)
    ]

    # Other certifications, independent of holding.
    oc = k.model["other_credentials"]
    lic_p = np.array(
        [
            oc["professional_licence"]["by_occupation"].get(
                c, oc["professional_licence"]["default"]
            )
            for c in pop.nocs
        ]
    )[ppl.occ]
    extra_p, extra_t = [], []
    for t, p in (
        ("professional_licence", lic_p),
        ("academic_credential", oc["academic_credential"]),
        ("training_attendance", oc["training_attendance"]),
        ("other", oc["other"]),
    ):
        mask = rng.random(n) < p
        extra_p.append(np.flatnonzero(mask))
        extra_t.append(np.full(int(mask.sum()), CREDENTIAL_TYPES.index(t)))
    person = np.concatenate([b_person, *extra_p])
    ctype = np.concatenate([b_type, *extra_t])

    # Catalogue entry: by type, profile language and the person's focus.
    pools, n_foci = _catalogue_pools(k)
    focus = np.array([FOCI.index(k.occupations[c]["focus"]) for c in pop.nocs])[ppl.occ][person]
    lic_focus = np.array([FOCI.index(LICENCE_FOCUS.get(c, "engineering")) for c in pop.nocs])[
        ppl.occ
    ][person]
    focus = np.where(ctype == CREDENTIAL_TYPES.index("professional_licence"), lic_focus, focus)
    key = (ctype * 2 + ppl.french[person]) * n_foci + focus
    entry = pools.draw(rng, key)

    # Dates. First broad credential relative to entry into the occupation; later ones after it.
    m = int(person.shape[0])
    is_broad = np.arange(m) < b_person.shape[0]
    first_of_holder = np.zeros(m, dtype=bool)
    starts = np.r_[0, np.cumsum(n_broad)[:-1]]
    first_of_holder[starts[holder]] = True
    p_before = np.where(
        ppl.switcher, hm["timing_before_entry_p"]["switcher"], hm["timing_before_entry_p"]["other"]
    )
    before = rng.random(n) < p_before
    ent = entry_date
    room_after = np.maximum((ref - ent) / DAY, 1)  # type: ignore[operator]  # why: numpy's stubs lack datetime64 array / timedelta64
    off_before = -(rng.uniform(0.1, 3.0, n) * 365).astype(np.int64)
    off_after = (rng.random(n) * room_after).astype(np.int64)
    first_date = ent + np.where(before, off_before, off_after) * DAY
    first_date = np.minimum(first_date, ref)
    fd = first_date[person]
    later = fd + (rng.random(m) * np.maximum((ref - fd) / DAY, 1)).astype(np.int64) * DAY
    cs = career_start[person]
    anywhen = cs - 365 * DAY + (rng.random(m) * ((ref - cs) / DAY + 365)).astype(np.int64) * DAY
    issued: np.ndarray = np.where(first_of_holder, fd, np.where(is_broad, later, anywhen))
    issued = np.minimum(issued, ref)
    u = rng.random(m)
    precision = np.where(u < 0.85, 0, np.where(u < 0.95, 1, 2))  # draws.PRECISION codes
    issued = np.where(
        precision == 0,
        issued.astype("datetime64[M]").astype("datetime64[D]"),
        issued.astype("datetime64[Y]").astype("datetime64[D]"),
    )
    vendor = ctype == CREDENTIAL_TYPES.index("vendor_certification")
    expires = np.where(
        vendor & (rng.random(m) < 0.5),
        issued + rng.choice([365, 730, 1095], m) * DAY,
        np.datetime64("NaT"),
    )
    issued = np.where(precision == 2, np.datetime64("NaT"), issued)
    expires = np.where(precision == 2, np.datetime64("NaT"), expires)
    mis_p = np.array([hm["p_misfiled_in_education"].get(t, 0.0) for t in CREDENTIAL_TYPES])[ctype]
    misfiled = is_broad & (rng.random(m) < mis_p)
    order = np.lexsort((np.where(np.isnat(issued), 0, issued.astype(np.int64)), person))
    return Credentials(
        person=person[order], entry=entry[order], type=ctype[order], issued=issued[order],
        precision=precision[order], expires=expires[order], misfiled=misfiled[order],
        logit=logit, prob=prob, holder_broad_drawn=holder,
    )  # fmt: skip


def catalogue_strings(
    rng: np.random.Generator, k: Knowledge, entry: np.ndarray
) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Name as typed, authority as typed (sometimes missing) and verification host per credential."""
    names: list[str] = []
    auths: list[str] = []
    n_items, a_items = [], []
    for c in k.credentials:
        n_items.append(list(range(len(names), len(names) + len(c["names"]))))
        names.extend(c["names"])
        a_items.append(list(range(len(auths), len(auths) + len(c["authority"]))))
        auths.extend(c["authority"])
    w_names = [[3.0] + [1.0] * (len(x) - 1) for x in n_items]
    name = pc.take(pa.array(names, pa.string()), Pools(n_items, w_names).draw(rng, entry))
    auth = pc.take(pa.array(auths, pa.string()), Pools(a_items).draw(rng, entry))
    auth = pc.if_else(
        pa.array(rng.random(entry.shape[0]) < 0.05), pa.scalar(None, pa.string()), auth
    )
    hosts = pa.array([c["host"] or None for c in k.credentials], pa.string())
    return name, auth, pc.take(hosts, entry)


def url_host_key(host: pa.Array) -> pa.Array:
    """The canonical ``url_host`` (host + first path segment, no trailing slash)."""
    return pc.utf8_rtrim(host, "/")
