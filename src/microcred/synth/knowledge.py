"""Everything the generator knows, loaded once: the package's YAML/CSV files and reference data.

Why one loader: the generator is vectorised, so every vocabulary (titles, credentials,
degree forms, skills) is turned into arrays here, once, and the drawing code only
handles integer indices into them.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pv
import yaml

from microcred.datadir import DataDir

PROVINCES = ("NL", "PE", "NS", "NB", "QC", "ON", "MB", "SK", "AB", "BC", "YT", "NT", "NU")
LANGS = ("en", "fr")


def _data_text(name: str) -> str:
    return resources.files("microcred.synth").joinpath("data", name).read_text(encoding="utf-8")


def load_yaml(name: str) -> dict:
    """A YAML file shipped in ``microcred/synth/data``."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(_data_text(name), Loader=loader)  # noqa: S506 - a safe loader


@dataclass
class TitleVocab:
    """Every base title the generator may write, with its true NOC and language."""

    text: list[str] = field(default_factory=list)
    noc: list[str] = field(default_factory=list)
    lang: list[str] = field(default_factory=list)
    origin: list[str] = field(default_factory=list)  # noc-example | profile
    gender: list[str] = field(default_factory=list)  # m | f | n (French forms)

    def add(self, text: str, noc: str, lang: str, origin: str, gender: str = "n") -> None:
        self.text.append(text)
        self.noc.append(noc)
        self.lang.append(lang)
        self.origin.append(origin)
        self.gender.append(gender)


_SLASH = re.compile(r"^(?P<masc>[^/]+)/(?P<rest>[^/]+)$")


def split_french_gender(title: str) -> tuple[str, str]:
    """Split a NOC French title "Développeur/développeuse Web" into its masculine and feminine forms.

    The feminine alternative after the slash has as many words as the masculine one before
    it; what follows belongs to both ("Ingénieur concepteur/ingénieure conceptrice en logiciels").
    Titles without exactly one slash come back unchanged (twice).
    """
    m = _SLASH.match(title)
    if not m:
        return title, title
    masc = m["masc"].strip()
    rest = m["rest"].strip()
    n_words = len(masc.split())
    rest_words = rest.split(" ")
    fem_words, tail = rest_words[:n_words], rest_words[n_words:]
    fem = " ".join(fem_words)
    fem = fem[:1].upper() + fem[1:]
    tail_s = (" " + " ".join(tail)) if tail else ""
    return masc + tail_s, fem + tail_s


def _read_examples(path: Path, lang: str) -> dict[str, list[str]]:
    table = pv.read_csv(
        path, convert_options=pv.ConvertOptions(column_types={"noc2021_code": pa.string()})
    )
    out: dict[str, list[str]] = {}
    for code, title in zip(
        table["noc2021_code"].to_pylist(), table[f"example_title_{lang}"].to_pylist(), strict=True
    ):
        out.setdefault(code, []).append(title)
    return out


@dataclass
class Knowledge:
    occupations: dict
    origin_only: dict
    groups: list[str]
    digital_groups: list[str]
    model: dict
    education: dict
    places: dict
    credentials: list[dict]
    titles: TitleVocab
    noc_titles: dict[str, str]
    skills: dict[str, list[tuple[str, bool]]]  # noc -> [(skill, hot)]
    cache: dict = field(default_factory=dict)  # derived structures (title maker, pools)


def _load_noc_titles(dd: DataDir) -> dict[str, str]:
    import json

    raw = json.loads(dd.path("noc_structure").read_text(encoding="utf-8"))
    return {n["noc_code"]: n["title"] for n in raw["nocs"]}


def _title_vocab(dd: DataDir, nocs: list[str]) -> TitleVocab:
    en = _read_examples(dd.path("noc_examples_en"), "en")
    fr = _read_examples(dd.path("noc_examples_fr"), "fr")
    vocab = TitleVocab()
    for noc in nocs:
        for t in en.get(noc, []):
            if len(t) <= 70:
                vocab.add(t, noc, "en", "noc-example")
        for t in fr.get(noc, []):
            if len(t) > 90:
                continue
            masc, fem = split_french_gender(t)
            if masc == fem:
                vocab.add(masc, noc, "fr", "noc-example")
            else:
                vocab.add(masc, noc, "fr", "noc-example", "m")
                vocab.add(fem, noc, "fr", "noc-example", "f")
    for row in csv.DictReader(_data_text("profile_titles.csv").splitlines()):
        if row["noc2021"] in nocs:
            vocab.add(row["title"], row["noc2021"], row["language"], "profile")
    return vocab


def _load_skills(dd: DataDir, nocs: list[str]) -> dict[str, list[tuple[str, bool]]]:
    """O*NET technology skills per NOC, through the NOC → O*NET-SOC crosswalk."""
    xwalk: dict[str, list[str]] = {}
    with dd.path("noc_to_soc").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            xwalk.setdefault(row["noc"].zfill(5), []).append(row["onet"])
    tech = pv.read_csv(
        dd.path("onet_tech_skills"),
        parse_options=pv.ParseOptions(delimiter="\t", quote_char=False),
        convert_options=pv.ConvertOptions(column_types={"Commodity Code": pa.string()}),
    )
    by_soc: dict[str, list[tuple[str, bool]]] = {}
    for soc, example, hot in zip(
        tech["O*NET-SOC Code"].to_pylist(),
        tech["Example"].to_pylist(),
        tech["Hot Technology"].to_pylist(),
        strict=True,
    ):
        by_soc.setdefault(soc, []).append((example, hot == "Y"))
    skills: dict[str, list[tuple[str, bool]]] = {}
    for noc in nocs:
        seen: dict[str, bool] = {}
        for soc in xwalk.get(noc, []):
            for ex, hot in by_soc.get(soc, []):
                seen[ex] = seen.get(ex, False) or hot
        skills[noc] = sorted(seen.items())
    return skills


@lru_cache(maxsize=4)
def _load(root: str) -> Knowledge:
    dd = DataDir(root)
    occ = load_yaml("occupations.yaml")
    occupations = occ["occupations"]
    origin_only = {k: v for k, v in occ["origin_only"].items() if k not in occupations}
    nocs = sorted(set(occupations) | set(origin_only))
    skills = _load_skills(dd, nocs)
    return Knowledge(
        occupations=occupations,
        origin_only=origin_only,
        groups=occ["groups"],
        digital_groups=occ["digital_groups"],
        model=load_yaml("model.yaml"),
        education=load_yaml("education.yaml"),
        places=load_yaml("places.yaml"),
        credentials=load_yaml("credentials.yaml")["credentials"],
        titles=_title_vocab(dd, nocs),
        noc_titles=_load_noc_titles(dd),
        skills=skills,
    )


def load_knowledge(data_dir: DataDir | None = None) -> Knowledge:
    """Load (and cache per data directory) everything the generator draws from."""
    dd = data_dir or DataDir()
    return _load(str(dd.root))


def normalise(weights: dict[str, float], keys: list[str]) -> np.ndarray:
    """Weights for ``keys`` (missing = 0) as probabilities."""
    w = np.array([float(weights.get(k, 0.0)) for k in keys])
    if w.sum() <= 0:
        raise ValueError(f"no positive weight among {keys}")
    return w / w.sum()
