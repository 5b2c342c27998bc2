"""Realistic released analysis tables for report tests: every chart kind, facets, suppressed cells."""

from __future__ import annotations

import numpy as np
import pandas as pd

from microcred.analysis.result import AnalysisTable, ChartSpec
from microcred.report.context import ReportContext

NAN = float("nan")


def _wilson(k: float, n: float) -> tuple[float, float]:
    z = 1.959964
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _uptake() -> AnalysisTable:
    rows = []
    counts = {
        ("Data scientists", "broad"): (212, 5903),
        ("Data scientists", "narrow"): (131, 5903),
        ("Software professionals", "broad"): (1507, 46870),
        ("Software professionals", "narrow"): (884, 46870),
        ("21211 Data scientists", "broad"): (212, 5903),
        ("21234 Web developers", "broad"): (7, 402),  # suppressed below min_cell
    }
    for (occupation, definition), (k, n) in counts.items():
        lo, hi = _wilson(k, n)
        rows.append(
            {
                "occupation": occupation,
                "definition": definition,
                "persons": n,
                "holders": k,
                "share": k / n,
                "ci_lower": lo,
                "ci_upper": hi,
            }
        )
    data = pd.DataFrame(rows)
    small = data["holders"] < 10
    data.loc[small, ["holders", "share", "ci_lower", "ci_upper"]] = NAN
    return AnalysisTable(
        name="uptake_by_occupation",
        title="Microcredential uptake by occupation and definition",
        section="uptake",
        method="Share of people in each occupation holding at least one microcredential, "
        "with 95 % Wilson score intervals.",
        data=data,
        count_columns=["persons", "holders"],
        dependent={"share": ["holders", "persons"]},
        dims=["occupation", "definition"],
        chart=ChartSpec(
            kind="interval",
            x="occupation",
            y="share",
            color="definition",
            lower="ci_lower",
            upper="ci_upper",
            title="Share holding a microcredential",
            y_title="Share of people (95 % interval)",
            y_format=".1%",
            description="Points with 95 % intervals: about 3.6 % of data scientists and 3.2 % of "
            "software professionals hold a microcredential under the broad definition.",
        ),
        notes=["Occupation coded from the current position title (NOC 2021)."],
        released=True,
    )


def _by_type() -> AnalysisTable:
    data = pd.DataFrame(
        {
            "credential_type": [
                "mooc_certificate",
                "vendor_certification",
                "professional_certification",
                "bootcamp_certificate",
                "university_microcredential",
                "digital_badge",
            ],
            "holders": [1020, 766, 211, 95, 43, np.nan],
        }
    )
    return AnalysisTable(
        name="uptake_by_type",
        title="Holders by credential type",
        section="uptake",
        method="Count of distinct people holding each type of credential (broad definition).",
        data=data,
        count_columns=["holders"],
        dims=["credential_type"],
        chart=ChartSpec(
            kind="bar",
            x="credential_type",
            y="holders",
            title="Holders by credential type",
            x_title="Credential type",
            y_title="People",
            y_format=",d",
            description="Bar chart: MOOC certificates are the most common microcredential, "
            "followed by vendor certifications.",
        ),
        released=True,
    )


def _experience() -> AnalysisTable:
    rows = []
    bands = ["0-2", "2-5", "5-10", "10-20", "20+"]
    for group, base in (("Data scientists", 0.045), ("Software professionals", 0.036)):
        for i, band in enumerate(bands):
            for status, shift in (("broad", 0.0), ("narrow", -0.012)):
                share = base - 0.004 * i + shift
                n = 900 - 120 * i
                lo, hi = _wilson(share * n, n)
                rows.append(
                    {
                        "occupation_group": group,
                        "experience_band": band,
                        "definition": status,
                        "persons": n,
                        "share": share,
                        "ci_lower": lo,
                        "ci_upper": hi,
                    }
                )
    data = pd.DataFrame(rows)
    data.loc[(data["experience_band"] == "20+") & (data["definition"] == "narrow"), "share"] = NAN
    data.loc[data["share"].isna(), ["ci_lower", "ci_upper"]] = NAN
    return AnalysisTable(
        name="holders_by_experience",
        title="Uptake by years of experience",
        section="holders",
        method="Uptake within experience bands, 95 % Wilson intervals.",
        data=data,
        count_columns=["persons"],
        dims=["occupation_group", "experience_band", "definition"],
        chart=ChartSpec(
            kind="interval",
            x="experience_band",
            y="share",
            color="definition",
            column="occupation_group",
            lower="ci_lower",
            upper="ci_upper",
            x_title="Years of experience",
            y_title="Share holding",
            y_format=".1%",
            sort=bands,
            description="Uptake falls with experience in both occupation groups.",
        ),
        released=True,
    )


def _differences() -> AnalysisTable:
    """Panels with different categories each (like analysis.holders): independent x axes."""
    categories = {
        "Seniority": ["junior", "intermediate", "senior", "lead", "executive"],
        "Education": ["college", "bachelor", "master", "doctorate"],
        "Province": ["BC", "AB", "ON", "QC"],
    }
    rows = []
    for v, (variable, cats) in enumerate(categories.items()):
        for c, category in enumerate(cats):
            for definition, shift in (("broad", 0.0), ("narrow", -0.01)):
                diff = 0.03 - 0.015 * c + 0.01 * v + shift
                rows.append(
                    {
                        "definition": definition,
                        "variable": variable,
                        "category": category,
                        "holders_in_category": 40 + 9 * c,
                        "difference": diff,
                        "diff_lower": diff - 0.02,
                        "diff_upper": diff + 0.02,
                        "smd": diff * 2.5,
                    }
                )
    data = pd.DataFrame(rows)
    small = (data["category"] == "executive") & (data["definition"] == "narrow")
    data.loc[small, ["holders_in_category", "difference", "diff_lower", "diff_upper", "smd"]] = NAN
    return AnalysisTable(
        name="holders_vs_non_holders",
        title="Holders minus non-holders",
        section="holders",
        method="Difference in the share of each category between holders and non-holders, "
        "with Newcombe intervals, and the standardised mean difference.",
        data=data,
        count_columns=["holders_in_category"],
        dependent={"difference": ["holders_in_category"]},
        dims=["definition", "variable", "category"],
        chart=ChartSpec(
            kind="interval",
            x="category",
            y="difference",
            lower="diff_lower",
            upper="diff_upper",
            column="variable",
            color="definition",
            tooltip=["variable", "category", "difference", "smd"],
            y_title="Difference in share (holders − non-holders)",
            y_format=".1%",
            description="Holders are more often junior and more often hold a master's degree.",
        ),
        released=True,
    )


def _skills() -> AnalysisTable:
    skills = ["Python", "Apache Spark", "Tableau", "Kubernetes", "TensorFlow", "Terraform"]
    rows = []
    for g, group in enumerate(["Data scientists", "Software professionals"]):
        for s, skill in enumerate(skills):
            rows.append(
                {
                    "occupation_group": group,
                    "skill": skill,
                    "z_score": round(3.1 - 0.9 * s + 1.4 * g * (s % 2), 3),
                    "holders_with_skill": 40 + 13 * s,
                }
            )
    data = pd.DataFrame(rows)
    data.loc[5, ["z_score", "holders_with_skill"]] = NAN
    return AnalysisTable(
        name="distinctive_skills",
        title="Skills over-represented among holders",
        section="skills",
        method="Weighted log-odds ratio with an informative Dirichlet prior (Monroe et al. 2008); "
        "z-scores above 1.96 mark skills distinctive of holders.",
        data=data,
        count_columns=["holders_with_skill"],
        dependent={"z_score": ["holders_with_skill"]},
        dims=["occupation_group", "skill"],
        chart=ChartSpec(
            kind="heat",
            x="occupation_group",
            y="skill",
            color="z_score",
            x_title="Occupation group",
            y_title="Skill",
            y_format=".2f",
            description="Heat map of z-scores: Python and Apache Spark are most distinctive.",
        ),
        released=True,
    )


def _models() -> AnalysisTable:
    data = pd.DataFrame(
        {
            "term": [
                "Experience 5-10 y",
                "Experience 10+ y",
                "Master's or higher",
                "Ontario",
                "Yukon",
            ],
            "odds_ratio": [0.82, 0.64, 1.31, 1.05, 1.40],
            "ci_lower": [0.70, 0.52, 1.12, 0.91, NAN],  # Yukon: interval not estimable
            "ci_upper": [0.96, 0.79, 1.53, 1.21, NAN],
            "p_value": [0.014, 0.00003, 0.0008, 0.51, NAN],
        }
    )
    return AnalysisTable(
        name="holding_odds_ratios",
        title="Adjusted odds of holding a microcredential",
        section="models",
        method="Weighted logistic GLM of holding on experience, education, occupation and province.",
        data=data,
        dims=["term"],
        chart=ChartSpec(
            kind="interval",
            x="term",
            y="odds_ratio",
            lower="ci_lower",
            upper="ci_upper",
            y_title="Odds ratio (95 % CI)",
            description="Odds ratios: more experience lowers the odds of holding.",
        ),
        released=True,
    )


def _pathways() -> AnalysisTable:
    rows = []
    for training in ("With formal digital training", "Without formal digital training"):
        for year in range(-4, 5):
            share = 0.08 + (0.02 if training.startswith("Without") else 0.0) - 0.01 * abs(year)
            rows.append({"years_from_entry": year, "training": training, "share": share})
    data = pd.DataFrame(rows)
    return AnalysisTable(
        name="credential_timing",
        title="When the first microcredential was earned, relative to entry",
        section="pathways",
        method="Distribution of the year of the first microcredential relative to the year of "
        "entry into the occupation.",
        data=data,
        dims=["training", "years_from_entry"],
        chart=ChartSpec(
            kind="line",
            x="years_from_entry",
            y="share",
            color="training",
            x_title="Years from entry into the occupation",
            y_title="Share of holders",
            y_format=".0%",
            description="Line chart: first credentials cluster around the year of entry.",
        ),
        released=True,
    )


def _sensitivity() -> AnalysisTable:
    data = pd.DataFrame(
        {
            "estimate": ["Uptake, data scientists", "Uptake, software professionals"],
            "broad_weighted": [0.0351, 0.0318],
            "narrow_weighted": [0.0222, 0.0189],
            "broad_no_low_confidence": [0.0337, np.nan],
        }
    )
    return AnalysisTable(
        name="sensitivity_headline",
        title="Headline figures under each definition",
        section="sensitivity",
        method="Each headline estimate recomputed under every definition and coding choice.",
        data=data,
        dims=["estimate"],
        released=True,
    )


def _all_suppressed() -> AnalysisTable:
    data = pd.DataFrame(
        {
            "education": ["Bachelor's", "Master's"],
            "respondents": [6.0, 4.0],
            "share_online": [NAN, NAN],
        }
    )
    return AnalysisTable(
        name="survey_uptake",
        title="Learned through online courses or certification (survey)",
        section="second_source",
        method="Share of Canadian respondents who learned to code through online courses.",
        data=data,
        count_columns=["respondents"],
        dims=["education"],
        chart=ChartSpec(kind="bar", x="education", y="share_online", y_format=".0%"),
        released=True,
    )


def _empty() -> AnalysisTable:
    return AnalysisTable(
        name="top_providers",
        title="Top providers",
        section="uptake",
        method="The fifteen providers with the most holders.",
        data=pd.DataFrame(),
        chart=ChartSpec(kind="bar", x="provider", y="holders"),
        released=True,
    )


def make_tables() -> list[AnalysisTable]:
    """Tables in a deliberately scrambled section order (the report fixes the order)."""
    return [
        _skills(),
        _uptake(),
        _by_type(),
        _models(),
        _experience(),
        _pathways(),
        _differences(),
        _all_suppressed(),
        _sensitivity(),
        _empty(),
    ]


def make_context() -> ReportContext:
    return ReportContext(
        title="Microcredentials among data scientists and software professionals",
        subtitle="Synthetic demonstration cohort",
        run_id="run-20251231-abc123",
        reference_date="2025-12-31",
        findings=[
            "3.6 % of data scientists (95 % CI 3.1–4.1 %) hold a microcredential (broad).",
            "Uptake falls with experience; no seniority difference after adjustment.",
        ],
        accounting=[
            {
                "file": "profiles.jsonl",
                "rows_read": 60000,
                "rows_ingested": 59870,
                "rows_quarantined": 130,
            },
            {"file": "survey.csv", "rows_read": 1000, "rows_ingested": 1000, "rows_quarantined": 0},
        ],
        coding=[
            {
                "coder": "occupation",
                "distinct": 8123,
                "coded": 7420,
                "abstained": 703,
                "low_confidence": 512,
            },
            {
                "coder": "credentials",
                "distinct": 3011,
                "coded": 2870,
                "abstained": 141,
                "low_confidence": 90,
            },
        ],
        quarantine_reasons=[
            {
                "source": "bulk_jsonl",
                "reason": "invalid JSON",
                "action": "row_dropped",
                "count": 118,
            },
            {
                "source": "bulk_jsonl",
                "reason": "unparseable date",
                "action": "field_nulled",
                "count": 12,
            },
        ],
        methods="Occupations were coded to NOC 2021 from job titles.\n\nHolders are people with "
        "at least one microcredential under a definition.",
        limitations=[
            "Profiles are not a random sample of workers.",
            "Credential dates are often missing.",
        ],
        config_summary={
            "definitions": ["broad", "narrow"],
            "seed": 20231129,
            "occupations": {"Data scientists": ["21211"]},
        },
        privacy={"min_cell": 10, "complementary": True, "dp": False},
        weighting={
            "method": "raking",
            "margins": "noc2021 × province; education level",
            "trim_upper": 5.0,
        },
    )
