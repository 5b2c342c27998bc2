"""Rule layer: from the catalogue, keywords, authority and URL of one credential to its code.

Why rules first: the great majority of credentials people list are a few hundred
known exams and programmes, named providers and verification hosts; these are coded
exactly and cheaply, in a fixed order of evidence that follows the taxonomy's boundary
rules. Only what no rule decides goes to the learned fallback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

import pyarrow as pa

from microcred.coding.credentials.catalogue import Catalogue, Family, HostRule, Provider
from microcred.coding.credentials.steps import EXAM_TYPES, Evidence, Verdict, is_code, load_steps
from microcred.coding.credentials.text import PhraseIndex, mask_tokens_array, normalise

__all__ = ["EXAM_TYPES", "AuthorityMatch", "Decision", "NameFacts", "RuleSet", "_is_code"]
_is_code = is_code  # the coder's name-facts signature reads it
# a provider named in a phrase: (catalogue name, unit such as "ce", delivering platform)
ProviderMention = tuple[str, str | None, str | None]

NO_PLATFORM_TYPES = frozenset(
    {
        "vendor_certification",
        "professional_certification",
        "professional_licence",
        "academic_credential",
    }
)
PREP_PHRASES = (
    "course", "courses", "practice exam", "practice exams", "practice test", "practice tests",
    "preparing for", "preparation", "exam prep", "prep course", "learning path", "study guide",
    "with practice tests", "course completion", "training course", "cours de preparation",
    "preparation a l examen", "parcours d apprentissage", "masterclass",
)  # fmt: skip
# words ``decide`` reads from a name's word set, besides phrase hits
DECISIVE_WORDS = ("microprogramme", "programme", "court", "certificate")
NULL_AUTHORITIES = frozenset(
    {"", "n a", "na", "none", "self", "other", "autre", "aucun", "unknown"}
)


@dataclass
class AuthorityMatch:
    """What the authority field names: a provider, a unit of it, and a delivering platform."""

    provider: Provider | None = None
    unit: str | None = None  # "ce" (continuing education) or "online"
    platform: Provider | None = None
    raw: str | None = None  # the authority as given, when the catalogue does not know it
    method: str = "none"

    def __post_init__(self) -> None:
        # equal signatures code the same way, whatever the spelling of the authority
        self.signature = (
            self.provider.name if self.provider else None,
            self.unit,
            self.platform.name if self.platform else None,
            self.raw,
        )


@dataclass(slots=True)
class Decision:
    """The coded credential before it becomes a table row."""

    credential_type: str = "unknown"
    method: str = "none"
    confidence: float = 0.0
    family: Family | None = None
    provider: str | None = None
    platform: str | None = None
    extra_stackable: str | None = None
    needs_model: bool = False


@dataclass(slots=True)
class NameFacts:
    """Everything the phrase index found in a credential name."""

    family: Family | None = None
    family_phrase: str = ""
    keywords: set[str] = field(default_factory=set)
    providers: list[tuple[Provider, str | None, str | None]] = field(default_factory=list)
    prep: bool = False
    certificat: bool = False
    words: frozenset[str] = frozenset()
    mention: Provider | None = None  # first non-platform provider named in the name
    mention_unit: str | None = None


# one distinct (facts, authority, host) combination and the decision made for it
Entry = tuple[Decision, NameFacts, AuthorityMatch, HostRule | None]


@dataclass(frozen=True, slots=True)
class _PhraseInfo:
    """What one name phrase means: provider mentions, a family, keywords, prep/certificat cues."""

    providers: list[ProviderMention]
    has_rest: bool
    family_order: int | None
    keywords: frozenset[str]
    prep: bool
    certificat: bool
    has_digit: bool

    @classmethod
    def of(cls, phrase: str, payloads: list[tuple[str, Any]]) -> _PhraseInfo:
        orders = [v for k, v in payloads if k == "family"]
        return cls(
            providers=[v for k, v in payloads if k == "provider"],
            has_rest=any(k != "provider" for k, _ in payloads),
            family_order=min(orders) if orders else None,
            keywords=frozenset(v for k, v in payloads if k == "kw"),
            prep=any(k == "prep" for k, _ in payloads),
            certificat=any(k == "certificat" for k, _ in payloads),
            has_digit=_has_digit(phrase),
        )


class RuleSet:
    """Phrase indexes and lookups built once from a catalogue."""

    def __init__(self, cat: Catalogue):
        self.cat = cat
        self.steps = load_steps()
        # one index for everything looked for in a name: a single pass per name
        self.names = PhraseIndex()
        for order, fam in enumerate(cat.families):
            self.names.add_all(fam.phrases, ("family", order))
        for ctype, phrases in cat.keywords.model_dump().items():
            self.names.add_all(phrases, ("kw", ctype))
        self.names.add_all(PREP_PHRASES, ("prep", ""))
        self.names.add("certificat", ("certificat", ""))
        self.authority_index = PhraseIndex()
        for key, (prov, unit, plat) in cat.aliases.items():
            self.authority_index.add(key, (prov.name, unit, plat))
            if _mentionable(key, prov):
                self.names.add(key, ("provider", (prov.name, unit, plat)))
        self._facts_cache: dict[str, NameFacts] = {}
        # per phrase, what it means, worked out once here rather than per name
        self._info = {
            phrase: _PhraseInfo.of(phrase, payloads)
            for phrase, payloads in self.names.phrases.items()
        }

        # every token of a name phrase, and the words the rules read from a name directly
        self.phrase_tokens = pa.array(
            sorted(
                {t for phrase in self.names.phrases for t in phrase.split()} | set(DECISIVE_WORDS)
            ),
            pa.string(),
        )

    def facts_keys(self, names: pa.Array) -> pa.Array:
        """Per normalised name, a shorter string with the same facts (see ``mask_tokens_array``)."""
        return mask_tokens_array(names, self.phrase_tokens)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_facts_cache"] = {}  # a worker rebuilds its own cache
        return state

    # ---- names -----------------------------------------------------------------------------
    def name_facts(self, name_n: str) -> NameFacts:  # noqa: C901  # why: one pass over the name's phrase spans collecting family, keywords, flags and providers (a hot path, cached per name); helper h17 owns this package
        """Families, keywords and provider mentions in a normalised name (cached per name)."""
        cached = self._facts_cache.get(name_n)
        if cached is not None:
            return cached
        facts = NameFacts(words=frozenset(name_n.split()))
        spans = self.names.spans(name_n)
        if spans:
            info = self._info
            plain: list[tuple[int, int, str, _PhraseInfo]] = []
            provider_hits: list[tuple[int, int, list[ProviderMention]]] = []
            for start, end, phrase in spans:
                pi = info[phrase]
                if pi.providers:
                    provider_hits.append((start, end, pi.providers))
                if pi.has_rest:
                    plain.append((start, end, phrase, pi))
            if len(plain) > 1:
                plain = _drop_contained(plain)
            best: tuple[int, int, str, _PhraseInfo] | None = None
            keywords = facts.keywords
            for hit in plain:
                pi = hit[3]
                if pi.family_order is not None:
                    if best is None:
                        best = hit
                    else:
                        length, best_length = hit[1] - hit[0], best[1] - best[0]
                        if length > best_length or (length == best_length and pi.has_digit):
                            best = hit  # on a tie, an exam code ("saa c03") beats a name
                if pi.keywords:
                    keywords.update(pi.keywords)
                if pi.prep:
                    facts.prep = True
                if pi.certificat:
                    facts.certificat = True
            if best is not None:
                facts.family = self.cat.families[best[3].family_order]  # type: ignore[index]
                facts.family_phrase = best[2]
            if provider_hits:
                provider_hits.sort(key=lambda hv: (hv[0] - hv[1], hv[0]))
                by_name = self.cat.by_name
                facts.providers = [
                    (by_name[v[0]], v[1], v[2]) for _, _, vals in provider_hits for v in vals
                ]
                facts.mention = next(
                    (p for p, _, _ in facts.providers if p.kind != "platform"), None
                )
                facts.mention_unit = next(
                    (u for p, u, _ in facts.providers if p.kind != "platform" and u), None
                )
        if len(self._facts_cache) < 200_000:
            self._facts_cache[name_n] = facts
        return facts

    # ---- authority ---------------------------------------------------------------------------
    def authority(self, authority: str | None) -> AuthorityMatch:
        key = normalise(authority)
        if key in NULL_AUTHORITIES:
            return AuthorityMatch()
        exact = self.cat.aliases.get(key)
        if exact is not None:
            prov, unit, plat = exact
            return self._match(prov, unit, plat, "exact")
        hits = self.authority_index.scan(key)
        if hits:
            hits.sort(key=lambda h: (-h.length, h.start))
            found = [
                (self.cat.by_name[n], unit, plat) for h in hits for (n, unit, plat) in h.payloads
            ]
            non_platform = [f for f in found if f[0].kind != "platform"]
            platforms = [f for f in found if f[0].kind == "platform"]
            if non_platform:
                prov, unit, plat = non_platform[0]
                extra = platforms[0][0] if platforms else None
                return self._match(prov, unit, plat, "phrase", extra)
            prov, unit, plat = platforms[0]
            return self._match(prov, unit, plat, "phrase")
        return AuthorityMatch(raw=" ".join(str(authority).split()), method="raw")

    def _match(
        self,
        prov: Provider,
        unit: str | None,
        plat: str | None,
        how: str,
        extra_platform: Provider | None = None,
    ) -> AuthorityMatch:
        platform = prov if prov.kind == "platform" else (self.cat.provider(plat) or extra_platform)
        return AuthorityMatch(provider=prov, unit=unit, platform=platform, method=how)

    # ---- hosts -------------------------------------------------------------------------------
    def host(self, candidates: list[str]) -> HostRule | None:
        rules = self.cat.host_rules
        for c in candidates:
            rule = rules.get(c)
            if rule is not None:
                return None if rule.file_host else rule
        return None

    # ---- the decision ------------------------------------------------------------------------
    def decide(self, facts: NameFacts, auth: AuthorityMatch, host: HostRule | None) -> Decision:
        """The credential type and provider: the first step of ``data/steps.yaml`` that
        applies decides, and its outcome row says what it codes (see ``steps.py``)."""
        host_platform = self.cat.provider(host.platform) if host and host.platform else None
        ev = Evidence(
            facts, auth, host, auth.provider, host_platform, bool(host and host.badge_host)
        )
        for step in self.steps.order:
            verdict = step(self, ev)
            if verdict is not None:
                return self._apply(verdict, ev)
        raise AssertionError("the last step always decides")  # pragma: no cover

    def _apply(self, v: Verdict, ev: Evidence) -> Decision:
        out = self.steps.outcomes[v.outcome]
        d = Decision(family=v.family, extra_stackable=v.extra_stackable)
        d.needs_model = out.needs_model
        ctype = out.type if out.type is not None else v.ctype
        return self._finish(
            d,
            ctype,  # type: ignore[arg-type]
            out.method,
            out.confidence,
            ev.auth,
            ev.facts.mention,
            ev.host,
            ev.facts,
            provider=v.provider,
            use_family=v.use_family,
        )

    def _finish(
        self,
        d: Decision,
        ctype: str,
        method: str,
        conf: float,
        auth: AuthorityMatch,
        mention: Provider | None,
        host: HostRule | None,
        facts: NameFacts,
        provider: str | None = None,
        use_family: bool = True,
    ) -> Decision:
        d.credential_type, d.method, d.confidence = ctype, method, conf
        if not use_family:
            d.family = None
        if provider is None:
            provider = self.provider_for(auth, mention, host)
        d.provider = provider
        if ctype == "mooc_certificate" and d.platform is None:
            d.platform = self.platform_for(d, auth, host, facts)
        if ctype in NO_PLATFORM_TYPES or ctype != "mooc_certificate":
            d.platform = None
        return d

    def provider_for(
        self, auth: AuthorityMatch, mention: Provider | None, host: HostRule | None
    ) -> str | None:
        """Canonical provider: the designer, not the delivering partner platform."""
        a = auth.provider
        if a is not None:
            if a.kind == "platform" and a.partner_model:
                return mention.name if mention is not None else None
            return a.name
        if host is not None and host.provider is not None and host.platform is not None:
            return host.provider  # a course page on Udemy, LinkedIn Learning ... is theirs
        if mention is not None:
            return mention.name
        if host is not None and host.provider is not None:
            return host.provider
        return auth.raw

    def platform_for(
        self, d: Decision, auth: AuthorityMatch, host: HostRule | None, facts: NameFacts
    ) -> str | None:
        if auth.platform is not None:
            return auth.platform.name
        if auth.unit == "online":
            return None
        if host is not None and host.platform is not None:
            return host.platform
        plat = next((p for p, _, _ in facts.providers if p.kind == "platform"), None)
        if plat is not None:
            return plat.name
        if d.family is not None and d.family.platform is not None:
            return d.family.platform
        prov = self.cat.provider(d.provider)
        if prov is not None and prov.kind == "platform":
            return prov.name
        return None


Hit = TypeVar("Hit", bound=tuple[Any, ...])


def _drop_contained(hits: list[Hit]) -> list[Hit]:
    """Hits ``(start, end, ...)`` not strictly inside a longer hit (longest phrase wins)."""
    kept = []
    for hit in hits:
        s, e = hit[0], hit[1]
        for other in hits:
            os_, oe = other[0], other[1]
            if os_ <= s and e <= oe and oe - os_ > e - s:
                break
        else:
            kept.append(hit)
    return kept


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _mentionable(key: str, prov: Provider) -> bool:
    """Aliases safe to look for inside a credential name (not 2-letter acronyms, not "mac")."""
    if len(key) <= 2:
        return False
    if len(key) == 3:
        originals = [prov.name, *prov.aliases, *prov.ce_aliases, *prov.online_aliases]
        return any(normalise(o) == key and o.isupper() for o in originals)
    return True
