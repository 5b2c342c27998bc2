"""URL reduction to host/first segment, and LinkedIn degree-string splitting."""

from __future__ import annotations

import pytest

from microcred.sources.fields import split_degree, url_host


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://www.coursera.org/verify/ABCD1234XYZ", "coursera.org/verify"),
        ("https://www.credly.com/badges/0f1e2d3c-aaaa/public_url", "credly.com/badges"),
        (
            "https://learn.microsoft.com/api/credentials/share/en-us/JaneDoe-1234/ABC",
            "learn.microsoft.com/api",
        ),
        (
            "https://learn.microsoft.com/en-us/users/janedoe/credentials/abc",
            "learn.microsoft.com/users",
        ),
        ("https://www.linkedin.com/learning/certificates/abc123", "linkedin.com/learning"),
        ("https://www.udemy.com/certificate/UC-1234/", "udemy.com/certificate"),
        ("coursera.org/verify/XYZ", "coursera.org/verify"),
        ("HTTPS://WWW.Credly.COM/badges/ABC?x=1#frag", "credly.com/badges"),
        ("https://www.credly.com/Badges/ABC", "credly.com"),  # capitals: maybe a handle
        ("https://www.credential.net/", "credential.net"),
        ("https://www.credential.net/jane-doe-1234", "credential.net"),  # last segment = id
        ("https://badges.example.org/JaneDoe/badge/1", "badges.example.org"),  # a handle
        ("https://www.coursera.org/verify", "coursera.org"),
        ("not a url", None),
        ("", None),
        (None, None),
    ],
)
def test_url_host_keeps_only_host_and_first_segment(url: str | None, host: str | None) -> None:
    assert url_host(url) == host


@pytest.mark.parametrize(
    ("raw", "degree", "field"),
    [
        (
            "Bachelor of Science - BS, Computer Science",
            "Bachelor of Science - BS",
            "Computer Science",
        ),
        ("Master's degree, Data Science", "Master's degree", "Data Science"),
        ("BSc - Computer Science", "BSc", "Computer Science"),
        ("Doctor of Philosophy - PhD", "Doctor of Philosophy - PhD", None),
        ("Maîtrise - M.Sc.", "Maîtrise - M.Sc.", None),
        ("Baccalauréat, Mathématiques", "Baccalauréat", "Mathématiques"),
        ("Computer Science", "Computer Science", None),
        ("B. Sc., informatique", "B. Sc.", "informatique"),
        (
            "Bachelor's degree, Business Administration and Management, General",
            "Bachelor's degree",
            "Business Administration and Management, General",
        ),
        ("Data Science - Cohort 12", "Data Science - Cohort 12", None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_split_degree(raw: str | None, degree: str | None, field: str | None) -> None:
    assert split_degree(raw) == (degree, field)
