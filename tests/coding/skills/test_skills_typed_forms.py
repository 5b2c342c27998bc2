"""Skills as people type them (issue 20, round 2): joined and spaced forms, a technology
heading a longer string, brand names without their maker, and the guards that keep those
rules from mapping ordinary words."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from microcred.coding.skills import SkillCoder
from microcred.coding.skills.taxonomy import _brand_names
from microcred.evaluation.splits import select_split
from microcred.text.skill_lists import split_skill_list


def label_and_method(coder: SkillCoder, skills: list[str]) -> list[tuple[str | None, str]]:
    out = coder.code(pa.array(skills, pa.string())).to_pylist()
    return [(r["skill_label"], r["coding_method"]) for r in out]


@pytest.mark.parametrize(
    ("skill", "label"),
    [
        ("C#.NET", "C#"),
        ("VB.NET", "Microsoft Visual Basic.NET"),
        ("My SQL", "MySQL"),
        ("Excel VBA", "Microsoft Visual Basic for Applications VBA"),
        ("Oracle DB", "Oracle Database"),
        ("Swift (Programming Language)", "Swift"),
        ("Solidworks", "Dassault Systemes SolidWorks"),
        ("Stata", "StataCorp Stata"),
        ("Prise de décision", "make decisions"),
        ("Gestion du stress", "cope with pressure"),
        ("Esprit d'analyse", "think analytically"),
    ],
)
def test_typed_forms_reach_their_concept(skill_coder: SkillCoder, skill: str, label: str) -> None:
    assert label_and_method(skill_coder, [skill])[0][0] == label


def test_a_technology_heading_a_longer_string_is_coded_as_head(skill_coder: SkillCoder) -> None:
    got = label_and_method(skill_coder, ["Excel pivot tables", "Selenium WebDriver grid"])
    assert got == [("Microsoft Excel", "head"), ("Selenium", "head")]


@pytest.mark.parametrize(
    "skill",
    ["Chef de projet", "Spark plugs", "HTML5 and CSS3", "Ice Hockey", "Visual Studio Code"],
)
def test_heads_that_are_words_lists_or_other_products_are_not_coded(
    skill_coder: SkillCoder, skill: str
) -> None:
    label, method = label_and_method(skill_coder, [skill])[0]
    assert method != "head", (skill, label)
    assert label is None or label not in {"Chef", "Apache Spark", "Microsoft Visual Studio"}


def test_tableau_de_bord_is_a_dashboard_not_tableau(skill_coder: SkillCoder) -> None:
    assert label_and_method(skill_coder, ["Tableau de bord"])[0][0] == "data visualisation software"


def test_vendor_alone_is_not_a_product(skill_coder: SkillCoder) -> None:
    got = label_and_method(skill_coder, ["Oracle", "Google", "Strategy"])
    assert got[0][0] == "Oracle Database"  # what "Oracle" means on a profile; never Oracle JDBC
    assert got[1] == (None, "none") and got[2] == (None, "none")


def test_a_typo_never_changes_a_one_letter_name(skill_coder: SkillCoder) -> None:
    label, method = label_and_method(skill_coder, ["Langage C", "Langage Q"])[1]
    assert label != "R" and method != "fuzzy"
    assert label_and_method(skill_coder, ["Langage C"])[0][0] == "C"


def test_brand_names_after_their_maker() -> None:
    assert _brand_names("Dassault Systemes SolidWorks") == ["SolidWorks"]
    assert _brand_names("StataCorp Stata") == ["Stata"]
    assert _brand_names("Project management software") == []
    assert _brand_names("Oak Mountain Software Profile") == []  # an ordinary word


def test_lists_are_not_split_inside_parentheses() -> None:
    assert split_skill_list("Excel (Pivot Tables, VLOOKUP)") == ["Excel (Pivot Tables, VLOOKUP)"]
    assert split_skill_list("Python (pandas), R") == ["Python (pandas)", "R"]
    assert split_skill_list("C/C++") == ["C", "C++"]


def test_select_split_keeps_the_named_part_and_refuses_a_missing_one() -> None:
    df = pd.DataFrame({"skill": ["a", "b", "c"], "split": ["tune", "holdout", "tune"]})
    assert select_split(df, "tune", "f.csv")["skill"].tolist() == ["a", "c"]
    assert select_split(df, None, "f.csv") is df
    with pytest.raises(ValueError, match="f.csv: no row has split 'test'"):
        select_split(df, "test", "f.csv")
    with pytest.raises(ValueError, match="no 'split' column"):
        select_split(df.drop(columns="split"), "tune", "f.csv")


def test_real_dev_set_has_a_holdout_part() -> None:
    path = Path(__file__).parents[3] / "eval" / "skills" / "real_dev.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert set(df["split"]) == {"tune", "holdout"}
    assert (df["split"] == "holdout").sum() >= 50
