"""Study configuration: what a study varies without code changes.

Occupations of interest, microcredential definitions, coding thresholds, privacy
and weighting settings live here, loaded from YAML and validated by pydantic, so
extending a study to adjacent occupations is an edit to a file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from microcred.datadir import DataDir
from microcred.errors import ConfigError
from microcred.limits import IngestConfig

CREDENTIAL_TYPES = (
    "mooc_certificate",
    "vendor_certification",
    "professional_certification",
    "bootcamp_certificate",
    "university_microcredential",
    "digital_badge",
    "professional_licence",
    "academic_credential",
    "training_attendance",
    "other",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OccupationGroup(_Strict):
    """A named group of NOC 2021 unit groups studied together."""

    name: str
    noc2021: list[str]

    @field_validator("noc2021")
    @classmethod
    def _five_digits(cls, v: list[str]) -> list[str]:
        for code in v:
            if len(code) != 5 or not code.isdigit():
                raise ValueError(f"NOC 2021 unit group codes have 5 digits, got {code!r}")
        return v


class Definition(_Strict):
    """A microcredential definition: the credential types that count."""

    name: str
    types: list[str]
    description: str = ""

    @field_validator("types")
    @classmethod
    def _known_types(cls, v: list[str]) -> list[str]:
        unknown = sorted(set(v) - set(CREDENTIAL_TYPES))
        if unknown:
            raise ValueError(f"unknown credential types {unknown}; known: {list(CREDENTIAL_TYPES)}")
        return v


class CodingConfig(_Strict):
    occupation_min_confidence: float = Field(0.35, ge=0, le=1)
    credential_min_confidence: float = Field(0.5, ge=0, le=1)
    # edits a typed skill of 9+ characters may differ from a dictionary spelling by
    skill_fuzzy_max_distance: int = Field(2, ge=0, le=3)
    low_confidence: float = Field(
        0.6, ge=0, le=1
    )  # below this a code counts as low-confidence in sensitivity


class DisclosureConfig(_Strict):
    min_cell: int = Field(10, ge=1)
    rounding_base: int | None = None  # e.g. 5 for random rounding to base 5
    complementary: bool = True
    # suppression: small cells hidden, complements chosen across linked tables;
    # rounding: every count randomly rounded to ``rounding_base`` (StatCan style), nothing hidden
    method: Literal["suppression", "rounding"] = "suppression"
    # the disclosure audit fails when a protected cell's feasible interval (from every other
    # published number) is narrower than max(absolute, relative x its upper bound) persons
    protection_absolute: float = Field(5.0, ge=0)
    protection_relative: float = Field(0.0, ge=0, le=1)


DP_ESTIMANDS = ("uptake_by_group", "uptake_by_noc", "holders_vs_non_holders")


class DPTotal(_Strict):
    """The total privacy-loss budget of every DP release of one input: (ε, δ) or ρ-zCDP."""

    epsilon: float | None = Field(None, gt=0)
    delta: float = Field(1e-6, gt=0, lt=1)
    rho: float | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _one_of(self) -> DPTotal:
        if (self.epsilon is None) == (self.rho is None):
            raise ValueError("give exactly one of dp.total.epsilon (with delta) or dp.total.rho")
        return self


class DPEstimand(_Strict):
    """One estimand of the DP query plan and its share of the total budget."""

    estimand: Literal["uptake_by_group", "uptake_by_noc", "holders_vs_non_holders"]
    share: float = Field(gt=0, le=1)


def _default_plan() -> list[DPEstimand]:
    return [
        DPEstimand(estimand="uptake_by_group", share=0.6),
        DPEstimand(estimand="uptake_by_noc", share=0.25),
        DPEstimand(estimand="holders_vs_non_holders", share=0.15),
    ]


class DPConfig(_Strict):
    """Differential privacy: the budget, the query plan (priorities) and the ledger.

    ``epsilon_total`` (old) is read as ``total.epsilon``; ``epsilon_per_release`` (old) is
    refused with what to write instead: the plan's shares replaced it.
    """

    enabled: bool = False
    total: DPTotal = Field(default_factory=lambda: DPTotal(epsilon=1.0))
    plan: list[DPEstimand] = Field(default_factory=_default_plan)
    # person variables compared between holders and non-holders (public category lists only)
    comparisons: list[Literal["experience_band", "education_level", "province"]] = Field(
        default_factory=lambda: ["experience_band", "education_level", "province"]  # type: ignore[arg-type]
    )
    # where the budget ledger lives (default: $MICROCRED_DP_LEDGER_DIR, else
    # $XDG_STATE_HOME/microcred/dp-ledger, else ~/.local/state/microcred/dp-ledger)
    ledger_dir: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _migrate(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        if "epsilon_per_release" in data:
            raise ValueError(
                "dp.epsilon_per_release is no longer used: the budget dp.total is split by the "
                "shares of dp.plan (e.g. uptake_by_group: 0.6); remove epsilon_per_release"
            )
        if "epsilon_total" in data:
            if "total" in data:
                raise ValueError("give dp.total or the old dp.epsilon_total, not both")
            data = dict(data)
            data["total"] = {"epsilon": data.pop("epsilon_total")}
        return data

    @field_validator("plan")
    @classmethod
    def _plan_shares(cls, v: list[DPEstimand]) -> list[DPEstimand]:
        names = [e.estimand for e in v]
        if len(set(names)) != len(names):
            raise ValueError(f"dp.plan names an estimand twice: {names}")
        if not {"uptake_by_group", "uptake_by_noc"} & set(names):
            raise ValueError("dp.plan must measure uptake_by_group or uptake_by_noc (the headline)")
        if sum(e.share for e in v) > 1 + 1e-9:
            raise ValueError(f"dp.plan shares add up to {sum(e.share for e in v):g}; at most 1")
        return v

    @property
    def epsilon_total(self) -> float | None:
        """The total ε when the budget is given as (ε, δ) (None for a ρ budget)."""
        return self.total.epsilon

    def budget_label(self) -> str:
        t = self.total
        return f"ε={t.epsilon:g}, δ={t.delta:g}" if t.epsilon is not None else f"ρ={t.rho:g} (zCDP)"


class WeightingConfig(_Strict):
    enabled: bool = True
    margins: list[list[str]] = Field(
        default_factory=lambda: [["noc2021", "province"], ["noc2021", "education_level"]]
    )
    trim_upper: float = Field(5.0, gt=1)  # trim weights above this multiple of the mean weight
    # within an occupation (a margin's first variable), cells with fewer people are pooled
    min_cell_sample: int = Field(10, ge=1)
    max_iter: int = 100
    tolerance: float = 1e-6


class LinkageConfig(_Strict):
    """Privacy-preserving record linkage: the clkhash schema (None = shipped default) and match threshold."""

    schema_path: str | None = None
    threshold: float = Field(0.85, gt=0, le=1)
    # Column names in the holder's file for each linkage field (field -> column).
    columns: dict[str, str] = Field(
        default_factory=lambda: {
            "given_name": "given_name",
            "surname": "surname",
            "birth_year": "birth_year",
            "province": "province",
            "email": "email",
        }
    )


class SeniorityConfig(_Strict):
    """The seniority comparison (docs/analysis-methods.md, "Seniority").

    ``equivalence_margin``: the largest difference in mean seniority rank that counts as
    "no difference"; ``margin_justification`` is printed beside every verdict, so a study
    that changes the margin must say why. ``imputations``: multiple imputations of
    unknown seniority (Rubin's rules).
    """

    equivalence_margin: float = Field(0.25, gt=0)
    equivalence_margin_senior_share: float = Field(0.05, gt=0, lt=1)
    margin_justification: str = (
        "One step of the seniority ladder (e.g. intermediate to senior) takes several years "
        "of experience; a quarter of a step, a few months to a year of ordinary career "
        "progression, is too small to matter to a hiring or training decision."
    )
    imputations: int = Field(20, ge=2, le=200)


# provider kinds of the credential catalogue (coding.credentials.catalogue.PROVIDER_KINDS is this)
ISSUER_KINDS = (
    "platform",
    "vendor",
    "industry_body",
    "bootcamp",
    "university_college",
    "employer",
    "other",
)
RECOGNISED_ISSUERS = ["vendor", "industry_body", "university_college", "bootcamp", "platform"]


class QualityTier(_Strict):
    """A credential quality tier: the attribute values a credential needs to be in it.

    A condition left empty accepts any value. ``verification`` is whether the listing shows
    a verification URL or credential id; ``issuer_kinds`` are provider kinds of the
    credential catalogue. Tiers are tried in order (docs/analysis-methods.md, "Credential
    quality"): the first whose every condition holds is the credential's tier; when no
    condition fails but one is unknown, the tier is ``unknown``, never a guess.
    """

    name: str
    description: str = ""
    assessed: list[Literal["yes", "no"]] | None = None
    verification: list[Literal["yes", "no"]] | None = None
    issuer_kinds: list[str] | None = None

    @field_validator("issuer_kinds")
    @classmethod
    def _known_kinds(cls, v: list[str] | None) -> list[str] | None:
        unknown = sorted(set(v or []) - set(ISSUER_KINDS))
        if unknown:
            raise ValueError(f"unknown issuer kinds {unknown}; known: {list(ISSUER_KINDS)}")
        return v


class QualityConfig(_Strict):
    """Credential quality tiers, best first (the quality section of the report)."""

    tiers: list[QualityTier] = Field(
        default_factory=lambda: [
            QualityTier(
                name="A",
                description="assessed, verification listed, recognised issuer",
                assessed=["yes"],
                verification=["yes"],
                issuer_kinds=list(RECOGNISED_ISSUERS),
            ),
            QualityTier(
                name="B",
                description="assessed, recognised issuer, no verification listed",
                assessed=["yes"],
                issuer_kinds=list(RECOGNISED_ISSUERS),
            ),
            QualityTier(
                name="C",
                description="not assessed (completion or attendance), recognised issuer",
                assessed=["no"],
                issuer_kinds=list(RECOGNISED_ISSUERS),
            ),
        ]
    )

    @field_validator("tiers")
    @classmethod
    def _unique_names(cls, v: list[QualityTier]) -> list[QualityTier]:
        names = [t.name for t in v]
        reserved = {"unknown", "none of the tiers", "all"} & {n.lower() for n in names}
        if len(set(names)) != len(names) or reserved or not names:
            raise ValueError(
                f"tier names must be unique, at least one, and not 'unknown', 'none of the "
                f"tiers' or 'all'; got {names}"
            )
        return v


class TimeConfig(_Strict):
    """The time section: which years, horizons and entry cohorts the tables show.

    ``cohort_starts``: first year of each entry cohort (the last runs to the reference
    date; entries before the first start form a cohort of their own).
    """

    first_year: int = Field(2012, ge=1950)
    horizons_years: list[int] = Field(default_factory=lambda: [1, 2, 3, 5, 10])
    cohort_starts: list[int] = Field(default_factory=lambda: [2005, 2010, 2015, 2020])
    top_providers: int = Field(8, ge=1, le=50)


class ReportConfig(_Strict):
    """How the report presents the study; nothing here changes a number.

    ``limitations`` are the study's own caveats (inline Markdown), listed before
    those the report detects in the run's figures. ``date`` is printed as given:
    the report never reads the clock. ``synthetic_data`` puts a banner on every
    page (the demo sets it).
    """

    title: str = "Microcredentials among Canadian digital professionals"
    subtitle: str | None = None  # None: the source and the occupations studied
    author: str = ""
    date: str = ""
    limitations: list[str] = Field(default_factory=list)
    synthetic_data: bool = False


class StudyConfig(_Strict):
    """Everything that defines a study run."""

    reference_date: str = "2025-12-31"  # ISO date: "current" positions end here
    country: str = "CA"
    occupations: list[OccupationGroup] = Field(
        default_factory=lambda: [
            OccupationGroup(name="Data scientists", noc2021=["21211"]),
            OccupationGroup(
                name="Software professionals", noc2021=["21230", "21231", "21232", "21234"]
            ),
        ]
    )
    definitions: list[Definition] = Field(
        default_factory=lambda: [
            Definition(
                name="broad",
                types=[
                    "mooc_certificate",
                    "vendor_certification",
                    "professional_certification",
                    "bootcamp_certificate",
                    "university_microcredential",
                    "digital_badge",
                ],
                description="Any short, assessed or platform-issued credential outside degrees and licences.",
            ),
            Definition(
                name="narrow",
                types=["mooc_certificate", "bootcamp_certificate", "university_microcredential"],
                description="Learning-based short credentials only.",
            ),
        ]
    )
    # list[float](...) only types the ints for mypy: the default stays [0, 2, 5, 10, 20]
    experience_bands: list[float] = Field(default_factory=lambda: list[float]([0, 2, 5, 10, 20]))
    coding: CodingConfig = Field(default_factory=CodingConfig)
    disclosure: DisclosureConfig = Field(default_factory=DisclosureConfig)
    dp: DPConfig = Field(default_factory=DPConfig)
    weighting: WeightingConfig = Field(default_factory=WeightingConfig)
    linkage: LinkageConfig = Field(default_factory=LinkageConfig)
    report: ReportConfig = Field(default_factory=ReportConfig)
    seniority: SeniorityConfig = Field(default_factory=SeniorityConfig)
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    quality: QualityConfig = Field(default_factory=QualityConfig)
    time: TimeConfig = Field(default_factory=TimeConfig)
    seed: int = 20231129

    @property
    def occupation_codes(self) -> dict[str, str]:
        """NOC code → group name for every occupation of interest."""
        return {code: g.name for g in self.occupations for code in g.noc2021}

    def definition_names(self) -> list[str]:
        return [d.name for d in self.definitions]

    def fingerprint(self) -> str:
        """A stable hash of the configuration, recorded in the manifest."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()


def load_config(path: str | Path | None, data_dir: DataDir | None = None) -> StudyConfig:
    """Load a YAML configuration; ``None`` gives the shipped defaults.

    Every problem is reported at once, one line each with the file and line
    (:class:`~microcred.errors.ConfigError`). With ``data_dir``, the occupation codes
    are also checked against the NOC 2021 structure in the reference data.
    """
    from microcred.configfile import noc_problems, read_yaml, validation_problems

    lines: dict = {}
    p = Path(path) if path is not None else None
    if p is None:
        cfg = StudyConfig()
    else:
        raw, lines = read_yaml(p)
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise ConfigError(
                f"{p}:1: the configuration must be a mapping of settings, got {type(raw).__name__}",
                "start from examples/study.yaml, which lists every setting",
            )
        try:
            cfg = StudyConfig.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError("\n".join(validation_problems(exc, StudyConfig, lines, p))) from None
    if data_dir is not None:
        problems = noc_problems(cfg.occupations, data_dir.noc_titles(), lines, p)
        if problems:
            raise ConfigError("\n".join(problems))
    return cfg
