"""The steps of a credential decision, in the taxonomy's order of evidence.

Why steps: one decision used to be a single 200-line function; each step is now a
short function that reads the evidence and names an *outcome* (or passes). Which
steps run, in which order, and what each outcome codes (type, method, confidence)
are data, in ``data/steps.yaml``; the steps only say which case applies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from pydantic import BaseModel, ConfigDict

from microcred.coding.credentials.catalogue import Family, HostRule, Provider
from microcred.config import CREDENTIAL_TYPES

if TYPE_CHECKING:  # rules imports this module at run time
    from microcred.coding.credentials.rules import AuthorityMatch, NameFacts, RuleSet

STEPS_PATH = Path(__file__).parent / "data" / "steps.yaml"
EXAM_TYPES = frozenset({"vendor_certification", "professional_certification"})


class Outcome(BaseModel):
    """What one outcome of a step codes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: str | None  # None: the step supplies the type
    method: str
    confidence: float
    needs_model: bool = False


@dataclass(slots=True)
class Evidence:
    """Everything one decision reads, worked out once from the name, authority and host."""

    facts: NameFacts
    auth: AuthorityMatch
    host: HostRule | None
    a: Provider | None  # the provider the authority names
    host_platform: Provider | None  # the learning platform the URL host names
    badge_host: bool  # the URL is on a badge / credential wallet

    @property
    def a_kind(self) -> str | None:
        return self.a.kind if self.a is not None else None


@dataclass(slots=True)
class Verdict:
    """A step's answer: the outcome, and what the step supplies beside it."""

    outcome: str
    ctype: str | None = None  # for outcomes whose type is None in the table
    provider: str | None = None
    use_family: bool = True
    family: Family | None = None
    extra_stackable: str | None = None


Step = Callable[["RuleSet", Evidence], "Verdict | None"]


# ---- the steps ----------------------------------------------------------------------------
def unrelated(rs: RuleSet, ev: Evidence) -> Verdict | None:
    return Verdict("other_keyword") if "other" in ev.facts.keywords else None


def attendance(rs: RuleSet, ev: Evidence) -> Verdict | None:
    kw = ev.facts.keywords
    if "training_attendance" not in kw:
        return None
    if "digital_badge" in kw or ev.badge_host:
        return Verdict("attendance_badge")  # a workshop badge on a badge platform
    return Verdict("attendance")


def family(rs: RuleSet, ev: Evidence) -> Verdict | None:
    facts, auth, a, a_kind = ev.facts, ev.auth, ev.a, ev.a_kind
    fam = facts.family
    if fam is None:
        return None
    platform_authority = a_kind == "platform" or (auth.platform is not None and a_kind != "vendor")
    if _acronym_of_another_issuer(ev, fam, platform_authority):
        return None  # "MCP" in a DeepLearning.AI course title is not a Microsoft exam
    if fam.type in EXAM_TYPES and (facts.prep or platform_authority or ev.host_platform):
        # a course about an exam, taken on a learning platform, is a MOOC
        by_platform = a is not None and a.kind == "platform" and not a.partner_model
        provider = a.name if a is not None and by_platform else fam.provider
        return Verdict("exam_family_as_course", provider=provider, use_family=False)
    if (
        fam.type == "mooc_certificate"
        and a is not None
        and not (a_kind == "platform" and a.partner_model)
        and auth.unit != "online"
        and fam.provider != a.name
        and fam.platform != a.name
    ):
        # a course title that exists elsewhere; this one came from another issuer
        if a_kind == "bootcamp":
            return Verdict("bootcamp_authority")
        return Verdict("course_family_other_issuer", provider=a.name, use_family=False)
    mention = facts.mention
    provider = (
        fam.provider or (a.name if a else None) or (mention.name if mention else None) or auth.raw
    )
    outcome = "family_exam_code" if is_code(facts.family_phrase) else "family_name"
    return Verdict(outcome, ctype=fam.type, provider=provider, family=fam)


def platform_authority(rs: RuleSet, ev: Evidence) -> Verdict | None:
    auth, a_kind = ev.auth, ev.a_kind
    if (
        a_kind == "platform"
        or auth.unit == "online"
        or (auth.platform is not None and a_kind != "vendor")
    ):
        return Verdict("platform_authority")
    return None


def bootcamp_authority(rs: RuleSet, ev: Evidence) -> Verdict | None:
    return Verdict("bootcamp_authority") if ev.a_kind == "bootcamp" else None


def name_keywords(rs: RuleSet, ev: Evidence) -> Verdict | None:  # noqa: C901  # why: one rule step; its branches are the keyword table's cases in priority order
    facts, auth, a, a_kind = ev.facts, ev.auth, ev.a, ev.a_kind
    kw, mention = facts.keywords, facts.mention
    if a_kind == "university_college":
        inst = a
    elif mention is not None and mention.kind == "university_college" and a is None:
        inst = mention
    else:
        inst = None
    unit = auth.unit if a is not None else facts.mention_unit
    if "university_microcredential" in kw:
        words = facts.words
        quebec = "microprogramme" in words or {"programme", "court"} <= words
        # Québec microprogrammes count toward a degree
        return Verdict("microcredential_keyword", extra_stackable="yes" if quebec else None)
    if "academic_credential" in kw:
        return Verdict("academic_keyword")
    if "bootcamp_certificate" in kw:
        return Verdict("bootcamp_keyword")
    if unit == "ce":
        return Verdict("continuing_education_unit")
    if facts.certificat and (inst is not None or a is None) and "mooc_certificate" not in kw:
        return Verdict("quebec_certificat")  # a Québec university "certificat": 30 credits
    if "digital_badge" in kw:
        return Verdict("institution_badge" if inst is not None else "badge_keyword")
    if "professional_licence" in kw:
        return Verdict("licence_keyword")
    if inst is not None:
        if (ev.host_platform is not None and a is inst) or "mooc" in facts.words:
            return Verdict("institution_on_platform")  # its course, on edX / Coursera / a MOOC
        if inst.country != "CA" and "certificate" not in facts.words:
            return Verdict("foreign_institution_course")
        return Verdict("institution")
    if "mooc_certificate" in kw and (
        a_kind not in ("vendor", "industry_body", "employer")
        or facts.words >= PROFESSIONAL_CERTIFICATE
    ):
        # a vendor's "Professional Certificate" (IBM, Google, Meta) is a course series on a
        # platform, never its exam (taxonomy boundary rule)
        return Verdict("mooc_keyword")
    return None


def owner_kind(rs: RuleSet, ev: Evidence) -> Verdict | None:
    owner = ev.a or ev.facts.mention
    if owner is None:
        return None
    if owner.kind == "vendor":
        exam_words = "exam_words" in ev.facts.keywords
        if ev.badge_host and not (ev.facts.words & CERTIFIED_WORDS):
            # a vendor badge ("IBM SkillsBuild: AI Fundamentals" on Credly) names no exam
            return Verdict("vendor_badge_host")
        return Verdict("vendor_exam_words" if exam_words else "vendor_weak")
    if owner.default_type is not None:
        body = owner.kind in ("industry_body", "employer")
        return Verdict("owner_default_body" if body else "owner_default", ctype=owner.default_type)
    return None


def url_only(rs: RuleSet, ev: Evidence) -> Verdict | None:
    host = ev.host
    if host is not None and host.type is not None:
        return Verdict("host_type", ctype=host.type)
    if ev.badge_host:
        return Verdict("badge_host_only")
    if "mooc_certificate" in ev.facts.keywords:
        return Verdict("mooc_keyword_weak")
    return Verdict("undecided")


STEP_FUNCTIONS: dict[str, Step] = {
    f.__name__: f
    for f in (
        unrelated,
        attendance,
        family,
        platform_authority,
        bootcamp_authority,
        name_keywords,
        owner_kind,
        url_only,
    )
}


PROFESSIONAL_CERTIFICATE = frozenset({"professional", "certificate"})
# exam words that name an exam by themselves; "fundamentals" / "foundation" also name badges
# and courses ("AI Fundamentals" on IBM SkillsBuild)
_WEAK_EXAM_WORDS = frozenset({"fundamentals", "foundation", "fondation"})
CERTIFIED_WORDS = frozenset(
    w
    for w in yaml.safe_load(
        (Path(__file__).parent / "data" / "keywords.yaml").read_text(encoding="utf-8")
    )["exam_words"]
    if " " not in w and w not in _WEAK_EXAM_WORDS
)


def _acronym_of_another_issuer(ev: Evidence, fam: Family, platform_authority: bool) -> bool:
    """A family found only by a short all-letter code ("MCP", "CSM") while the authority names
    another issuer that is no learning platform: the letters are that issuer's own words."""
    phrase = ev.facts.family_phrase
    if not phrase or not phrase.isalpha() or len(phrase) > 4 or fam.provider is None:
        return False
    a = ev.a
    if platform_authority or ev.host_platform is not None:
        return False
    if a is None:  # an issuer the catalogue does not know ("Hugging Face")
        return bool(ev.auth.raw and ev.auth.raw.strip())
    return a.name != fam.provider and a.kind != "platform"


# ---- the tables -----------------------------------------------------------------------------
@dataclass(frozen=True)
class StepTable:
    """The steps in order and the outcome table, validated."""

    order: tuple[Step, ...]
    outcomes: dict[str, Outcome]


@lru_cache(maxsize=4)
def load_steps(path: str = str(STEPS_PATH)) -> StepTable:
    """Read ``steps.yaml``; an unknown step, outcome type or missing outcome is an error."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    unknown = [s for s in raw["order"] if s not in STEP_FUNCTIONS]
    if unknown:
        raise ValueError(f"{path}: unknown step(s) {unknown}; known {sorted(STEP_FUNCTIONS)}")
    outcomes = {k: Outcome.model_validate(v) for k, v in raw["outcomes"].items()}
    for k, o in outcomes.items():
        if o.type is not None and o.type not in (*CREDENTIAL_TYPES, "unknown"):
            raise ValueError(f"{path}: outcome {k!r}: type {o.type!r} is not a credential type")
    return StepTable(tuple(STEP_FUNCTIONS[s] for s in raw["order"]), outcomes)


@lru_cache(maxsize=8192)
def is_code(phrase: str) -> bool:
    """A family phrase that is an exam code ("saa c03", "cka") rather than a name."""
    return any(ch.isdigit() for ch in phrase) or len(phrase) <= 5
