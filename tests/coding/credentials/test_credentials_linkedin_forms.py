"""Certification entries as LinkedIn exports them (issue 20, round 2): a short acronym of
another issuer, a vendor's professional certificate, a vendor badge, an institution's course
on a MOOC platform, "Scrum Master" that is no degree."""

from __future__ import annotations

import pyarrow as pa
import pytest

from microcred.coding.credentials import CredentialCoder


@pytest.fixture(scope="module")
def coder() -> CredentialCoder:
    return CredentialCoder.load()


def code_one(coder: CredentialCoder, name: str, authority: str = "", url: str = "") -> dict:
    batch = pa.table({"name": [name], "authority": [authority], "url_host": [url]})
    return coder.code(batch).to_pylist()[0]


def test_mcp_in_another_issuers_course_is_not_a_microsoft_exam(coder: CredentialCoder) -> None:
    for authority in ("DeepLearning.AI", "Hugging Face"):
        row = code_one(coder, "MCP (Model Context Protocol) Course", authority)
        assert row["credential_type"] == "mooc_certificate", authority
        assert row["provider"] != "Microsoft", authority
    # with Microsoft as the authority the code still names the exam
    assert code_one(coder, "MCP", "Microsoft")["credential_type"] == "vendor_certification"


def test_a_vendor_professional_certificate_is_a_course_series(coder: CredentialCoder) -> None:
    row = code_one(coder, "IBM Cybersecurity Analyst Professional Certificate", "IBM")
    assert row["credential_type"] == "mooc_certificate"


def test_a_vendor_badge_on_a_badge_host_names_no_exam(coder: CredentialCoder) -> None:
    url = "https://www.credly.com/badges/8899aabb-ccdd-eeff-0011-223344556677"
    assert code_one(coder, "AI Fundamentals", "IBM SkillsBuild", url)["credential_type"] == (
        "digital_badge"
    )
    certified = code_one(coder, "IBM Certified Associate Developer", "IBM", url)
    assert certified["credential_type"] == "vendor_certification"


def test_an_institutions_course_on_a_mooc_platform_is_a_mooc(coder: CredentialCoder) -> None:
    url = "https://www.edx.org/verify/UMontrealX123"
    row = code_one(
        coder, "Introduction à l'intelligence artificielle", "Université de Montréal", url
    )
    assert row["credential_type"] == "mooc_certificate"
    assert row["provider"] == "Université de Montréal"
    mooc = code_one(coder, "MOOC Intelligence artificielle pour tous", "Université de Montréal")
    assert mooc["credential_type"] == "mooc_certificate"


def test_scrum_master_is_not_a_masters_degree(coder: CredentialCoder) -> None:
    row = code_one(coder, "SAFe 6 Scrum Master", "Scaled Agile, Inc.")
    assert (row["credential_type"], row["provider"]) == (
        "professional_certification",
        "Scaled Agile",
    )


def test_strategy_in_a_course_title_is_not_microstrategy(coder: CredentialCoder) -> None:
    row = code_one(coder, "Marketing Strategy", "IE Business School")
    assert row["provider"] != "MicroStrategy"
