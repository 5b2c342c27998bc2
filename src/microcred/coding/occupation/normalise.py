"""Turn a job title as people write it into the coding key the model knows.

Why: the NOC example titles are clean ("Software engineer"), profile titles are
not ("Sr. SWE II @ Shopify 🚀", "Développeuse Full-Stack chez Desjardins").
The same function is applied to the example titles at training time and to
profile titles at coding time, so both meet in one canonical form: lower case,
no accents, employer/place/credential noise and seniority words removed,
abbreviations expanded, French feminine forms mapped to the masculine form,
repeated words dropped (which also merges "Analyste programmeur/analyste
programmeuse" into one form).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from microcred.coding.occupation.lexicon import Lexicons, load_lexicons

_PAREN_CONTENT = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_QUALIFIER = re.compile(r"\s+[-–—:]\s+|,\s*|\s+/\s+")
_TOKEN_SPLIT = re.compile(r"[^\w+#]+|_")
# Inclusive writing: "ingénieur(e)", "ingénieur·e", "technicien(ne)", "programmeur·euse",
# "développeur/euse", "conseiller.ère(s)": the feminine ending (and plural mark) is
# dropped so the masculine form remains, as the gender rules would give anyway.
_FEM_ENDING = r"(?:e|ne|le|te|se|euse|rice|trice|ère|ere|ière|iere|s)"
_INCLUSIVE = re.compile(
    rf"(?<=[a-zà-ÿ])(?:\({_FEM_ENDING}\)|[·•.]{_FEM_ENDING}(?:[·•.]s)?|/{_FEM_ENDING})(?![a-zà-ÿ])"
)
_ACCENTED = re.compile(r"[àâäçéèêëîïôöùûüÿœæ]")


def fold_accents(text: str) -> str:
    """``"développeuse"`` -> ``"developpeuse"`` (NFKD, combining marks dropped)."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class NormalisedTitle:
    key: str  # full canonical key (qualifiers and bracket content kept)
    candidates: tuple[str, ...]  # keys to try in the lookup tables, most specific first
    language: str  # en, fr, mixed, unknown


@dataclass
class Normaliser:
    """Canonicalises titles; ``fr_words``/``en_words`` come from the example titles."""

    lexicons: Lexicons = field(default_factory=load_lexicons)
    fr_words: frozenset[str] = frozenset()
    en_words: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        lx = self.lexicons
        self._cut = [re.compile(p, re.IGNORECASE) for p in lx.noise_cut_after]
        self._cut_any = re.compile("|".join(f"(?:{p})" for p in lx.noise_cut_after), re.IGNORECASE)
        self._gender_suffixes = [(re.compile(rf"^{p}$"), r) for p, r in lx.gender_suffixes]
        single = {fold_accents(w) for w in lx.noise_words + lx.seniority_strip if " " not in w}
        self._drop_tokens = frozenset(single)
        multi = [fold_accents(w) for w in lx.noise_words + lx.seniority_strip if " " in w]
        self._drop_phrases = (
            re.compile(r"\b(?:" + "|".join(re.escape(m) for m in multi) + r")\b") if multi else None
        )
        # per language: raw token -> mapped tokens (no tuple key built per lookup)
        self._token_cache: dict[str, dict[str, tuple[str, ...]]] = {}
        self._vote_cache: dict[str, int] = {}

    # ---- language -------------------------------------------------------------------
    def _vote(self, token: str) -> int:
        """1 = a French word, 2 = an English word, 0 = either or neither."""
        if len(token) < 2:
            return 0
        if _ACCENTED.search(token) or fold_accents(token) in self.fr_words:
            return 1
        return 2 if token in self.en_words else 0

    def language(self, lower_title: str) -> str:
        """en / fr / mixed / unknown from words seen only in English or only in French examples."""
        return self._language_of(_TOKEN_SPLIT.split(lower_title))

    def vote_counts(self, tokens: list[str]) -> tuple[int, int]:
        """(French, English) votes of ``tokens`` (see ``_vote``)."""
        fr = en = 0
        votes = self._vote_cache
        for t in tokens:
            v = votes.get(t)
            if v is None:
                v = votes[t] = self._vote(t)
            fr += v == 1
            en += v == 2
        return fr, en

    def _language_of(self, tokens: list[str], fr: int = 0, en: int = 0) -> str:
        """Language from the votes of ``tokens`` plus ``fr``/``en`` votes counted elsewhere."""
        more_fr, more_en = self.vote_counts(tokens)
        fr, en = fr + more_fr, en + more_en
        if fr and en:
            if fr >= 2 * en:
                return "fr"
            if en >= 2 * fr:
                return "en"
            return "mixed"
        if fr:
            return "fr"
        if en:
            return "en"
        return "unknown"

    # ---- tokens ---------------------------------------------------------------------
    def _map_token(self, token: str, language: str) -> tuple[str, ...]:
        cached = self._token_cache.setdefault(language, {}).get(token)
        if cached is not None:
            return cached
        lx = self.lexicons
        french = language != "en"  # English titles carry no French feminine forms
        t = lx.gender_words.get(token, token) if french else token
        if french and t == token and token not in lx.gender_keep and len(token) > 4:
            for pattern, repl in self._gender_suffixes:
                if pattern.match(token):
                    t = pattern.sub(repl, token)
                    break
        folded = fold_accents(t)
        first, second = (
            (lx.abbreviations_fr, lx.abbreviations_en)
            if language == "fr"
            else (lx.abbreviations_en, lx.abbreviations_fr)
        )
        if language != "en" and folded in lx.french_words:
            # "de" is a word, not "data engineer"; French function words carry no
            # occupation, and dropping them lets "représentant des ventes" share
            # the bigram of "représentant ventes"
            none: tuple[str, ...] = ()
            self._token_cache[language][token] = none
            return none
        else:
            expansion = first.get(folded)
            if expansion is None:
                expansion = second.get(folded)
        out = tuple(expansion.split()) if expansion else (folded,)
        if language != "en" and expansion:  # "ti" -> "technologies information", as written out
            out = tuple(w for w in out if w not in lx.french_words)
        self._token_cache[language][token] = out
        return out

    def _canon_tokens(self, raw_tokens: list[str], language: str) -> str:
        return self._canon_checked(raw_tokens, language)[0]

    def _canon_checked(self, raw_tokens: list[str], language: str) -> tuple[str, bool]:
        """The canonical key, and whether every word was dropped (the words were kept instead)."""
        tokens: list[str] = []
        cache = self._token_cache.setdefault(language, {})
        for raw in raw_tokens:
            if raw:
                mapped = cache.get(raw)
                tokens.extend(mapped if mapped is not None else self._map_token(raw, language))
        joined = " ".join(tokens)
        if self._drop_phrases is not None:
            joined = self._drop_phrases.sub(" ", joined)
        kept = [t for t in joined.split() if t not in self._drop_tokens]
        if not kept:  # "Intern", "Senior": keep the word rather than say nothing
            return " ".join(dict.fromkeys(joined.split())), True
        return " ".join(dict.fromkeys(kept)), False  # repeated words dropped, first kept

    def cut_noise(self, title: str) -> str:
        """Drop employer, place and credential tails ("@ Shopify", "| PhD", "chez Desjardins")."""
        s = title.strip()
        if not self._cut_any.search(s):  # most titles carry no tail: one search, no subs
            return s
        for pattern in self._cut:
            cut = pattern.sub("", s).strip()
            if cut:
                s = cut
        return s

    def lower_form(self, title: str) -> str:
        """Noise tails cut, NFC, lower case, inclusive endings dropped: what is split into words."""
        lower = self.cut_noise(title)
        if not lower.isascii():
            lower = unicodedata.normalize("NFC", lower)
        lower = lower.lower()
        if "(" in lower or "·" in lower or "/" in lower or "." in lower or "•" in lower:
            lower = _INCLUSIVE.sub("", lower)
        return lower

    def normalise(self, title: str | None, language: str | None = None) -> NormalisedTitle:
        """Canonical keys for one title; ``language`` skips detection (known for examples)."""
        if title is None or not title.strip():
            return NormalisedTitle("", (), "unknown")
        lower = self.lower_form(title)
        tokens = _TOKEN_SPLIT.split(lower)  # brackets split like spaces: the full key's tokens
        keys = self._from_lower(lower, tokens, language or self._language_of(tokens), False)
        if keys is None:  # pragma: no cover - not strict: the keep-all fallback gives keys
            raise AssertionError(f"no keys for title {title!r}")
        return keys

    def normalise_core(self, core: str, language: str, strict: bool) -> NormalisedTitle | None:
        """Keys of a title whose lower form is ``core`` plus droppable words around it.

        The words around the core (seniority, noise: see ``batch.affix_words``) only
        count in the language vote, so every title with the same core and language
        gets these keys. ``strict`` (words were split off): None when that does not
        hold, i.e. when a key of the core alone falls back to keeping dropped words
        ("Senior Intern"), which differ between such titles.
        """
        return self._from_lower(core, _TOKEN_SPLIT.split(core), language, strict)

    def _from_lower(
        self, lower: str, tokens: list[str], language: str, strict: bool
    ) -> NormalisedTitle | None:
        """Keys from the lower form; ``strict``: None if any key needed the keep-all fallback."""
        full, fell_back = self._canon_checked(tokens, language)
        if strict and (fell_back or not full):
            return None
        candidates = [full] if full else []
        bare = _PAREN_CONTENT.sub(" ", lower) if ("(" in lower or "[" in lower) else lower
        if bare is not lower:
            k, fell_back = self._canon_checked(_TOKEN_SPLIT.split(bare), language)
            if strict and (fell_back or not k):
                return None
            if k and k not in candidates:
                candidates.append(k)
        parts = _QUALIFIER.split(bare, maxsplit=1)
        if len(parts) > 1:
            k, fell_back = self._canon_checked(_TOKEN_SPLIT.split(parts[0]), language)
            if strict and (fell_back or not k):
                return None
            if k and k not in candidates:
                candidates.append(k)
        return NormalisedTitle(full, tuple(candidates), language)

    def key(self, title: str | None, language: str | None = None) -> str:
        """The full canonical key (what the classifier reads)."""
        return self.normalise(title, language).key
