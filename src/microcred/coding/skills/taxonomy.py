"""Taxonomy loading for the skills coder: O*NET Technology Skills, ESCO files, team lexicons.

Why separate: what the coder knows (entries, keys, their provenance) is built here once at
load; ``coder.py`` only looks strings up.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.csv as pacsv
import yaml

from microcred.datadir import DataDir, DataDirError
from microcred.text import fold

ESCO_BASE = "http://data.europa.eu/esco/skill/"
DIGITAL_UNSPSC_SEGMENTS = ("43",)  # Information Technology Broadcasting and Telecommunications
# optional ESCO collection files with clean labels: file → (category, is digital)
ESCO_COLLECTIONS = {
    "ictSkillsCollection_en.csv": ("ESCO digital competence", True),
    "transversalSkillsCollection_en.csv": ("ESCO transversal skill", False),
    "languageSkillsCollection_en.csv": ("ESCO language skill", False),
}
_ESCO_PREFIX_MAX_WORDS = 5
_NON_KEY = re.compile(r"[^0-9a-z+#]+")


def skill_key(text: str | None) -> str:
    """Normalised lookup key: lower case, accents stripped, punctuation → space (keeps + and #)."""
    if not text:
        return ""
    return _NON_KEY.sub(" ", fold(text)).strip()


@dataclass(frozen=True)
class Skill:
    """One taxonomy entry: what a matched string is coded as."""

    skill_id: str
    label: str
    category: str | None
    is_digital: bool | None
    hot_technology: bool | None
    in_demand: bool | None


# among offers of one method, the lowest tiebreak wins: (-count, example) for O*NET-derived keys
Tiebreak = tuple[()] | tuple[int, str]


class Offer(Protocol):
    """Offers a lexicon key for a skill (the loader keeps the best offer per key)."""

    def __call__(self, key: str, skill_id: str, method: str, tiebreak: Tiebreak = ()) -> None: ...


def _onet_id(example: str) -> str:
    return f"onet:{example}"


def _load_onet(path: Path, skills: dict[str, Skill]) -> Counter[str]:
    """Aggregate O*NET rows per technology: most common category; hot/in demand if flagged anywhere."""
    need = ["Example", "Commodity Code", "Commodity Title", "Hot Technology", "In Demand"]
    try:
        table = pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(delimiter="\t", quote_char=False),
            convert_options=pacsv.ConvertOptions(
                include_columns=need, column_types={c: pa.string() for c in need}
            ),
        )
    except (pa.ArrowInvalid, KeyError) as exc:
        raise ValueError(f"{path}: cannot read O*NET Technology Skills ({exc})") from exc
    examples, codes, titles, hots, demands = (table[c].to_pylist() for c in need)
    counts: Counter[str] = Counter()
    categories: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    hot: dict[str, bool] = defaultdict(bool)
    demand: dict[str, bool] = defaultdict(bool)
    for ex, code, title, h, d in zip(examples, codes, titles, hots, demands, strict=True):
        ex = (ex or "").strip()
        if not ex:
            continue
        counts[ex] += 1
        categories[ex][(code or "", title or "")] += 1
        hot[ex] |= h == "Y"
        demand[ex] |= d == "Y"
    for ex in counts:
        (code, title), _ = min(categories[ex].items(), key=lambda kv: (-kv[1], kv[0]))
        digital = code.startswith(DIGITAL_UNSPSC_SEGMENTS)
        skills[_onet_id(ex)] = Skill(_onet_id(ex), ex, title, digital, hot[ex], demand[ex])
    return counts


_GENERIC_SUFFIX = " software"
_CAMEL = re.compile(r"^[A-Z][a-z]+[A-Z][A-Za-z0-9]*$")  # SolidWorks, LabVIEW, ChatGPT
# brand names that are also ordinary words (a profile typing "Profile" means no product)
_BRAND_WORDS = frozenset(
    [
        "embark",
        "impact",
        "insight",
        "maple",
        "module",
        "online",
        "origin",
        "perform",
        "profile",
        "profit",
        "toolbox",
        "toolkit",
        "sentry",
        "popcorn",
        "radix",
        "moses",
        "toad",
        "forword",
        "colibri",
        "lidar",
        "origin",
    ]
)


def _derived_aliases(example: str, vendor_keys: list[str]) -> list[str]:
    """Spellings derivable from an O*NET example: no "software" suffix, trailing acronym, no vendor."""
    forms = [example]
    name = example[: -len(_GENERIC_SUFFIX)]
    # "SAP software" → "SAP", but "Presentation software" is a category, not "presentation":
    # only names with a capital after the first letter (a brand, an acronym) lose the suffix.
    if example.endswith(_GENERIC_SUFFIX) and len(name) >= 2 and any(c.isupper() for c in name[1:]):
        forms.append(name)
    for form in list(forms):
        words = form.split()
        last = words[-1] if words else ""
        if len(words) >= 2 and len(last) >= 2 and last.isupper() and last.isalnum():
            forms.append(last)
            # "Oracle JDBC" without its acronym is the vendor, not the product
            if skill_key(" ".join(words[:-1])) + " " not in vendor_keys:
                forms.append(" ".join(words[:-1]))
    forms += _brand_names(example)
    keys = [skill_key(f) for f in forms]
    for k in list(keys):
        for v in vendor_keys:
            if k.startswith(v) and len(k) - len(v) >= 3:
                keys.append(k[len(v) :])
    own = skill_key(example)
    return [k for k in dict.fromkeys(keys) if k and k != own]


def _brand_names(example: str) -> list[str]:
    """The product name after its maker: "Dassault Systemes SolidWorks" → "SolidWorks",
    "StataCorp Stata" → "Stata", "OpenAI ChatGPT" → "ChatGPT".

    Why: profiles name the product without the maker, and a vendor list cannot hold every
    maker. Only a last word that reads as a brand is taken: a capital inside it
    (SolidWorks, LabVIEW, ChatGPT) or the maker's name beginning with it (StataCorp Stata),
    so "Project management software" gives nothing.
    """
    words = example.split()
    if len(words) < 2 or len(words) > 4:
        return []
    last = words[-1]
    if len(last) < 4 or not last.isalnum() or last.isupper():
        return []
    camel = len(last) >= 5 and _CAMEL.match(last) is not None
    maker = words[0].lower().startswith(last.lower()) and len(words[0]) > len(last)
    return [last] if (camel or maker) and last.lower() not in _BRAND_WORDS else []


def _load_esco_collections(dd: DataDir, skills: dict[str, Skill], offer: Offer) -> None:
    """ESCO collections with clean labels: ICT (digital), transversal, languages (optional files)."""
    folder = dd.root / "reference" / "esco"
    for name, (category, digital) in ESCO_COLLECTIONS.items():
        if (folder / name).exists():
            _offer_collection(folder / name, category, digital, skills, offer)


def _offer_collection(
    path: Path, category: str, digital: bool, skills: dict[str, Skill], offer: Offer
) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            uri, label = row.get("conceptUri"), row.get("preferredLabel")
            if not uri or not label:
                continue
            sid = f"esco:{uri}"
            skills.setdefault(sid, Skill(sid, label, category, digital, None, None))
            offer(skill_key(label), sid, "esco_collection")
            for alt in re.split(r"\s*\|\s*|\n", row.get("altLabels") or ""):
                offer(skill_key(alt), sid, "esco_collection")


def _esco_prefix_index(dd: DataDir, skills: dict[str, Skill]) -> dict[str, tuple[str, str]]:
    """Keys that begin exactly one ESCO skill text (labels and description run together there).

    Why: the shipped ESCO file has no clean preferred label, but a string that only one
    skill's text starts with is very likely that skill's label ("data mining methods").
    """
    try:
        path = dd.path("esco_skills")
    except DataDirError:
        return {}
    owners: dict[str, set[str]] = defaultdict(set)
    original: dict[str, str] = {}
    table = pacsv.read_csv(
        path, convert_options=pacsv.ConvertOptions(include_columns=["id", "description"])
    )
    for uri, text in zip(table["id"].to_pylist(), table["description"].to_pylist(), strict=True):
        if not uri:
            continue
        words = (text or "").split(None, _ESCO_PREFIX_MAX_WORDS)[:_ESCO_PREFIX_MAX_WORDS]
        for n in range(1, len(words) + 1):
            key = skill_key(" ".join(words[:n]))
            owners[key].add(uri)
            original.setdefault(key, " ".join(words[:n]))
    index: dict[str, tuple[str, str]] = {}
    for key in sorted(owners):
        uris = owners[key]
        if len(uris) != 1 or len(key) < 4:
            continue
        sid = f"esco:{next(iter(uris))}"
        # The shortest unique prefix (sorted keys put it first) labels the skill; each
        # matched key keeps its own wording as the row's label.
        skills.setdefault(sid, Skill(sid, original[key], "ESCO skill", None, None, None))
        index[key] = (sid, original[key])
    return index


def _resolve_ref(ref: str, skills: dict[str, Skill], path: Path) -> str:
    kind, _, value = ref.partition(":")
    sid = _onet_id(value) if kind == "onet" else f"esco:{ESCO_BASE}{value}"
    if kind not in ("onet", "esco") or sid not in skills:
        raise ValueError(f"{path}: unknown skill reference {ref!r}")
    return sid


def _edge_words(phrases: list[str], index: int) -> frozenset[str]:
    """First (index 0) or last (index -1) words of phrases: a cheap test before a regex."""
    return frozenset(skill_key(p).split()[index] for p in phrases if skill_key(p))


def _alternation(words: list[str], template: str) -> re.Pattern[str]:
    """One regex for a list of filler words, longest first so "programming language" beats "language"."""
    keys = sorted({skill_key(w) for w in words if skill_key(w)}, key=lambda k: (-len(k), k))
    return re.compile(template.format("|".join(re.escape(k) for k in keys)) if keys else r"(?!x)x")


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"skills lexicon missing: {path}") from exc
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {exc}") from exc
