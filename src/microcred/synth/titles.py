"""Job titles as people write them: NOC example titles and common profile titles, plus noise.

Noise is what the occupation coder must survive: seniority words in English and French,
"@ Company", "| PhD", "- Remote", typos, mixed case, French feminine forms. Every variant
keeps the true NOC of its base title, so the truth stays exact.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from microcred.schema import SENIORITY_LEVELS
from microcred.synth.draws import Pools
from microcred.synth.knowledge import TitleVocab

# Seniority labels as coding.seniority names them; managerial occupations take theirs from the title.
TRUTH_LEVELS = SENIORITY_LEVELS
LEVELS = SENIORITY_LEVELS[: SENIORITY_LEVELS.index("lead") + 1]  # intern … lead
_EXECUTIVE = re.compile(
    r"\b(vp|vice|chief|cto|cio|cdo|president|président|présidente)\b", re.IGNORECASE
)
_DIRECTOR = re.compile(r"\b(director|directeur|directrice|head)\b", re.IGNORECASE)

_SENIORITY_WORD = re.compile(
    r"\b(senior|sr\.?|junior|jr\.?|lead|principal|principale|staff|intern|co-op|stagiaire|chef|head|"
    r"manager|director|directeur|directrice|vp|vice|chief|supervisor|superviseur|superviseure)\b",
    re.IGNORECASE,
)

# (prefix, suffix, weight) per language and seniority level; managerial occupations use their own.
AFFIXES: dict[tuple[str, str], list[tuple[str, str, float]]] = {
    ("en", "intern"): [
        ("", " Intern", 4),
        ("", " Co-op", 2),
        ("", " (Co-op)", 1),
        ("", " - Intern", 1),
        ("Intern ", "", 1),
        ("", " Internship", 0.5),
    ],
    ("en", "entry"): [
        ("Junior ", "", 4),
        ("Jr. ", "", 2),
        ("Jr ", "", 1),
        ("Associate ", "", 1.5),
        ("", " I", 1),
        ("", "", 3),
    ],
    ("en", "intermediate"): [
        ("", "", 10),
        ("", " II", 2),
        ("", " 2", 0.5),
        ("Intermediate ", "", 1),
    ],
    ("en", "senior"): [
        ("Senior ", "", 6),
        ("Sr. ", "", 2),
        ("Sr ", "", 1),
        ("", " III", 0.7),
        ("SENIOR ", "", 0.2),
        ("", "", 2),
    ],
    ("en", "lead"): [
        ("Lead ", "", 3),
        ("Principal ", "", 2),
        ("Staff ", "", 2),
        ("Senior Staff ", "", 0.5),
        ("", " Lead", 1),
        ("", " - Team Lead", 1),
    ],
    ("fr", "intern"): [("", " stagiaire", 4), ("", " - stagiaire", 1), ("Stagiaire - ", "", 1)],
    ("fr", "entry"): [("", " junior", 4), ("", " Junior", 1), ("", "", 3)],
    ("fr", "intermediate"): [("", "", 10), ("", " intermédiaire", 1)],
    ("fr", "senior"): [("", " senior", 5), ("", " sénior", 2), ("", " principal", 2), ("", "", 2)],
    ("fr", "lead"): [
        ("", " principal", 2),
        ("Chef d'équipe - ", "", 2),
        ("", " - chef d'équipe", 1),
        ("", " principal - chef technique", 0.5),
    ],
    ("en", "manager"): [
        ("", "", 10),
        ("Senior ", "", 2),
        ("Associate ", "", 0.7),
        ("Interim ", "", 0.3),
    ],
    ("fr", "manager"): [("", "", 10), ("", " adjoint", 1), ("", " principal", 1)],
}
# Feminine agreement of French affixes (principal → principale, adjoint → adjointe).
_FEM = {
    " principal": " principale",
    " adjoint": " adjointe",
    " principal - chef technique": " principale - chef technique",
}

# Extra decorations: (text template, weight, which persons) - "{company}" is replaced by the company.
EXTRAS_EN = [
    ("", 86.0),
    (" @ {company}", 5.0),
    (" at {company}", 1.5),
    (" - Remote", 2.0),
    (" (Remote)", 1.0),
    (" - Contract", 1.5),
    (" | Freelance", 0.5),
]
EXTRAS_FR = [
    ("", 90.0),
    (" chez {company}", 2.5),
    (" @ {company}", 2.0),
    (" - télétravail", 2.0),
    (" (contractuel)", 1.0),
]
PHD_EXTRAS = [" | PhD", ", PhD", " (PhD)", " | Ph.D."]


def typo(text: str, rng: np.random.Generator) -> str:
    """One keyboard slip: swap, drop or double a letter inside a word."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 4:
        return text
    i = letters[int(rng.integers(1, len(letters) - 1))]
    kind = int(rng.integers(3))
    if kind == 0 and i + 1 < len(text) and text[i + 1].isalpha():
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    return text[:i] + text[i] + text[i:]


class TitleMaker:
    """Turns (true NOC, language, seniority, company) rows into noisy title strings."""

    def __init__(self, vocab: TitleVocab, all_nocs: list[str], seed: int):
        rng = np.random.default_rng(seed)
        self.all_nocs = all_nocs
        base = list(vocab.text)
        self.n_base = len(base)
        self.typos = [typo(t, rng) for t in base]
        self.text = pa.array(base + self.typos, pa.string())
        self.noc = np.array([all_nocs.index(c) for c in vocab.noc], dtype=np.int64)
        self.has_seniority = np.array([bool(_SENIORITY_WORD.search(t)) for t in base])
        # True seniority of a managerial title (index into TRUTH_LEVELS).
        self.managerial_level = np.array(
            [7 if _EXECUTIVE.search(t) else 6 if _DIRECTOR.search(t) else 5 for t in base]
        )
        self.vocab_lang = np.array([1 if lg == "fr" else 0 for lg in vocab.lang])
        # Pools keyed by noc*8 + lang*4 + source*2 + gender.
        n_keys = len(all_nocs) * 8
        items: list[list[int]] = [[] for _ in range(n_keys)]
        for i, (noc, lang, origin, gender) in enumerate(
            zip(vocab.noc, vocab.lang, vocab.origin, vocab.gender, strict=True)
        ):
            ni = all_nocs.index(noc)
            li = 1 if lang == "fr" else 0
            si = 1 if origin == "profile" else 0
            for g in (0, 1):
                if gender == "n" or (gender == "m" and g == 0) or (gender == "f" and g == 1):
                    items[ni * 8 + li * 4 + si * 2 + g].append(i)
        self.pools = Pools(items)
        # Affix pools keyed by lang*6 + level (0..4) or 5 for managerial occupations.
        self.affix_pairs: list[tuple[str, str]] = []
        aff_items: list[list[int]] = []
        aff_w: list[list[float]] = []
        for lang in ("en", "fr"):
            for lvl in (*LEVELS, "manager"):
                its, ws = [], []
                for pre, suf, w in AFFIXES[(lang, lvl)]:
                    its.append(len(self.affix_pairs))
                    self.affix_pairs.append((pre, suf))
                    ws.append(w)
                aff_items.append(its)
                aff_w.append(ws)
        self.affixes = Pools(aff_items, aff_w)
        fem = []
        for p, s in list(self.affix_pairs):
            pair = (p, _FEM.get(s, s))
            if pair not in self.affix_pairs:
                self.affix_pairs.append(pair)
            fem.append(self.affix_pairs.index(pair))
        self.fem_affix = np.array(fem, dtype=np.int64)

    def make(
        self,
        rng: np.random.Generator,
        noc: np.ndarray,
        french: np.ndarray,
        female: np.ndarray,
        level: np.ndarray,
        managerial: np.ndarray,
        company: pa.Array,
        phd: np.ndarray,
        p_profile: float = 0.5,
        p_typo: float = 0.03,
    ) -> tuple[pa.Array, np.ndarray, np.ndarray]:
        """Titles for the rows; also returns the chosen base-title index and whether seniority shows."""
        n = int(noc.shape[0])
        lang = french.astype(np.int64)
        g = female.astype(np.int64)
        src = (rng.random(n) < p_profile).astype(np.int64)
        key = noc * 8 + lang * 4 + src * 2 + g
        empty = self.pools.sizes[key] == 0
        key = np.where(empty, noc * 8 + lang * 4 + g, key)  # no profile titles: NOC examples
        empty = self.pools.sizes[key] == 0
        key = np.where(empty, noc * 8 + src * 2, key)  # no French titles: English ones
        empty = self.pools.sizes[key] == 0
        key = np.where(empty, noc * 8, key)
        base = self.pools.draw(rng, key)
        lang = self.vocab_lang[base]  # the language actually written
        # Seniority affixes (not on titles that already carry a seniority word).
        aff_key = lang * 6 + np.where(managerial, 5, level)
        aff = self.affixes.draw(rng, aff_key)
        aff = np.where(female & (lang == 1), self.fem_affix[aff], aff)
        shows = ~self.has_seniority[base] & ~managerial
        no_aff = self.affix_pairs.index(("", ""))
        aff = np.where(self.has_seniority[base], no_aff, aff)
        pre = pa.array([p for p, _ in self.affix_pairs], pa.string())
        suf = pa.array([s for _, s in self.affix_pairs], pa.string())
        shown_words = np.array([bool(p or s) for p, s in self.affix_pairs])
        shows &= shown_words[aff]
        use_typo = rng.random(n) < p_typo
        text_idx = base + np.where(use_typo, self.n_base, 0)
        out = pc.binary_join_element_wise(
            pc.take(pre, aff), pc.take(self.text, text_idx), pc.take(suf, aff), ""
        )
        out = _decorate(rng, out, lang, company, phd)
        return _case_noise(rng, out, lang), base, shows


def _decorate(
    rng: np.random.Generator, titles: pa.Array, lang: np.ndarray, company: pa.Array, phd: np.ndarray
) -> pa.Array:
    """Append "@ Company", "- Remote", "| PhD" and the like."""
    n = len(titles)
    templates = [t for t, _ in EXTRAS_EN] + [t for t, _ in EXTRAS_FR]
    picks = []
    for offset, table in ((0, EXTRAS_EN), (len(EXTRAS_EN), EXTRAS_FR)):
        w = np.array([x[1] for x in table])
        pick = np.searchsorted(np.cumsum(w) / w.sum(), rng.random(n), side="right")
        picks.append(offset + np.minimum(pick, len(table) - 1))
    tmpl = np.where(lang == 1, picks[1], picks[0])
    with_company = np.array(["{company}" in t for t in templates])[tmpl]
    before = pa.array([t.split("{company}")[0] for t in templates], pa.string())
    after = pa.array(
        [t.split("{company}")[1] if "{company}" in t else "" for t in templates], pa.string()
    )
    comp = pc.if_else(pa.array(with_company), pc.fill_null(company, ""), "")
    phd_pick = pc.take(
        pa.array(PHD_EXTRAS, pa.string()), (rng.random(n) * len(PHD_EXTRAS)).astype(np.int64)
    )
    phd_extra = pc.if_else(pa.array(phd & (rng.random(n) < 0.3)), phd_pick, "")
    return pc.binary_join_element_wise(
        titles, pc.take(before, tmpl), comp, pc.take(after, tmpl), phd_extra, ""
    )


def _case_noise(rng: np.random.Generator, titles: pa.Array, lang: np.ndarray) -> pa.Array:
    u = rng.random(len(titles))
    en = lang == 0
    lower = pa.array(u < 0.05)
    upper = pa.array((u >= 0.05) & (u < 0.07))
    title = pa.array((u >= 0.07) & (u < 0.11) & en)
    out = pc.if_else(lower, pc.utf8_lower(titles), titles)
    out = pc.if_else(upper, pc.utf8_upper(titles), out)
    return pc.if_else(title, pc.utf8_title(titles), out)
