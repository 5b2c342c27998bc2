"""Guards over the occupation coder's answers: generic titles and the digital codes.

Why: on real profiles the costly errors are (a) generic titles ("Intern", "Teacher",
"Engineer") given a confident code from one NOC example that happens to match, and
(b) non-digital titles ("Operations Engineer", "Call Center Representative") landing
on digital codes, which moves non-digital people into a study of digital occupations.
A generic title abstains unless a context string decides (``context_rules``); a title
without any digital cue word cannot take a digital code. Lists live in
``data/guards.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from microcred.coding.occupation.lexicon import DATA
from microcred.coding.occupation.normalise import Normaliser, fold_accents

GUARDS_FILE = "guards.yaml"
ARROW_CUE_MIN = 512  # below this many keys the Python loop is faster
REASON_GENERIC = "generic title: needs context (company or previous title)"


@dataclass(frozen=True)
class ContextRule:
    heads: frozenset[str]
    pattern: re.Pattern[str]
    code: str


@dataclass(frozen=True)
class Guards:
    generic_keys: frozenset[str]
    rules: tuple[ContextRule, ...]
    digital_codes: frozenset[str]
    digital_cue: re.Pattern[str]

    def is_generic(self, key: str) -> bool:
        return key in self.generic_keys

    def has_digital_cue(self, key: str) -> bool:
        return bool(self.digital_cue.search(key))

    def digital_cue_mask(self, keys: list[str]) -> np.ndarray:
        """``has_digital_cue`` over many keys: RE2 over the ASCII ones, Python for the rest.

        On ASCII text RE2's ``\\b`` and ``\\w`` mean what Python's do; other keys (rare
        after accent folding) take Python's ``re``. Equality is tested.
        """
        if len(keys) < ARROW_CUE_MIN:
            return np.array([self.has_digital_cue(k) for k in keys], dtype=bool)
        arr = pa.array(keys, pa.string())
        ascii_ = np.asarray(pc.string_is_ascii(arr).to_numpy(zero_copy_only=False), dtype=bool)
        hit = pc.match_substring_regex(arr, self.digital_cue.pattern)
        out: np.ndarray = np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool) & ascii_
        for i in np.flatnonzero(~ascii_).tolist():
            out[i] = self.has_digital_cue(keys[i])
        return out

    def from_context(self, key: str, context: str | None) -> str | None:
        """The code a context string gives a generic title, or None."""
        if not context:
            return None
        text = fold_accents(str(context).lower())
        for rule in self.rules:
            if key in rule.heads and rule.pattern.search(text):
                return rule.code
        return None


@cache
def _raw() -> dict[str, Any]:
    with (DATA / GUARDS_FILE).open(encoding="utf-8") as f:
        data: dict[str, Any] = yaml.safe_load(f)
    return data


def load_guards(norm: Normaliser) -> Guards:
    """Read ``guards.yaml``; generic titles are normalised as English and as French."""
    raw = _raw()

    def keys(words: list[str]) -> frozenset[str]:
        out = set()
        for w in words:
            for lang in ("en", "fr"):
                k = norm.key(str(w), lang)
                if k:
                    out.add(k)
            out.add(fold_accents(str(w).lower()))
        return frozenset(out)

    rules = tuple(
        ContextRule(keys(r["heads"]), re.compile(r["pattern"], re.IGNORECASE), str(r["code"]))
        for r in raw.get("context_rules", [])
    )
    cue = "|".join(f"(?:{p})" for p in raw["digital_cues"])
    return Guards(
        generic_keys=keys(raw["generic"]),
        rules=rules,
        digital_codes=frozenset(str(c) for c in raw["digital_codes"]),
        digital_cue=re.compile(cue),
    )
