"""Guards against issuers invented from file-sharing hosts and near-miss spellings."""

from __future__ import annotations

import pyarrow as pa

from microcred.coding.credentials import CredentialCoder


def _code(names, authorities, urls):
    batch = pa.table({"name": names, "authority": authorities, "url_host": urls})
    return CredentialCoder.load().code(batch).to_pylist()


def test_file_host_says_nothing_about_the_issuer():
    rows = _code(
        ["Six Sigma Green Belt", "Six Sigma Green Belt"],
        [None, None],
        ["https://docs.google.com/document/d/1abc/edit", "https://www.dropbox.com/s/x/c.pdf"],
    )
    for r in rows:
        assert r["provider"] is None
        assert r["verifiable"] == "unknown"  # a shared PDF is not a verification link


def test_a_near_miss_of_a_short_name_is_not_that_vendor():
    (row,) = _code(["Data Structures and Algorithms Course"], ["Scaler"], [None])
    assert row["provider"] == "Scaler"  # not Zscaler: unknown issuers stay as given
    (typo,) = _code(["Azure Fundamentals"], ["Microsft"], [None])
    assert typo["provider"] == "Microsoft"  # a typo inside the word is still forgiven
