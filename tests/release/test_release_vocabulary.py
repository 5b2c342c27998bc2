"""Only coded values are published: profile text outside a vocabulary never reaches a table."""

from __future__ import annotations

import pandas as pd
import pytest

from microcred.analysis.result import AnalysisTable, Controlled
from microcred.release.vocabulary import (
    OTHER,
    UncontrolledTextError,
    catalogue_name,
    check_table,
    employer_terms,
    to_vocabulary,
)


def _table(df, controlled=()):
    return AnalysisTable("t", "T", "uptake", "m", df, controlled=list(controlled))


def test_out_of_catalogue_values_fold_into_other():
    raw = pd.Series(["Coursera", "Jane Q. Public", '=HYPERLINK("x")', None, "Google"])
    out = to_vocabulary(raw, "catalogue")
    assert out.isna().tolist() == [False, False, False, True, False]
    assert out.dropna().tolist() == ["Coursera", OTHER, OTHER, "Google"]


def test_employers_are_named_only_by_their_catalogue_name():
    raw = pd.Series(["shopify", "royal bank of canada", "zorblax consulting", None])
    out = employer_terms(raw)
    assert out[:3].tolist() == ["Shopify", "RBC", OTHER]
    assert out.isna()[3]
    assert catalogue_name("  TELUS communications ") == "TELUS"
    assert catalogue_name("Jane Doe Inc") is None


def test_release_refuses_a_value_outside_the_vocabulary_without_printing_it():
    df = pd.DataFrame({"provider": ["Coursera", "Jane Q. Public"], "holders": [12, 11]})
    with pytest.raises(UncontrolledTextError) as err:
        check_table(_table(df, [Controlled("provider", "catalogue")]))
    assert "Jane" not in str(err.value)
    assert "1 value(s)" in str(err.value)
    ok = df.assign(provider=["Coursera", OTHER])
    check_table(_table(ok, [Controlled("provider", "catalogue")]))


def test_release_refuses_an_undeclared_profile_text_column():
    df = pd.DataFrame({"company": ["Coursera"], "n": [12]})
    with pytest.raises(UncontrolledTextError, match="company"):
        check_table(_table(df))
    check_table(_table(df.assign(company=[12])))  # a number is not text


def test_a_rule_scoped_to_a_long_table_checks_only_its_rows():
    df = pd.DataFrame(
        {
            "variable": ["current_employer", "current_employer", "province"],
            "category": ["Shopify", OTHER, "ON"],
        }
    )
    rule = Controlled("category", "catalogue", when=("variable", "current_employer"))
    check_table(_table(df, [rule]))
    bad = df.assign(category=["Shopify", "Zorblax Inc", "ON"])
    with pytest.raises(UncontrolledTextError, match="current_employer"):
        check_table(_table(bad, [rule]))
