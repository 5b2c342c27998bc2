"""Skills coder: normalisation to O*NET / ESCO, flags, unknowns, determinism, schema."""

from __future__ import annotations

import pyarrow as pa
import pytest

from microcred import schema
from microcred.coding.base import CoderSettings
from microcred.coding.skills import ESCO_BASE, SkillCoder
from microcred.datadir import DataDirError


def code(coder: SkillCoder, skills: list[str | None]) -> list[dict]:
    return coder.code(pa.array(skills, pa.string())).to_pylist()


@pytest.mark.parametrize(
    ("skill", "skill_id"),
    [
        ("Python (Programming Language)", "onet:Python"),
        ("python", "onet:Python"),
        ("MS Excel", "onet:Microsoft Excel"),
        ("Excel", "onet:Microsoft Excel"),
        ("Amazon Web Services (AWS)", "onet:Amazon Web Services AWS software"),
        ("AWS", "onet:Amazon Web Services AWS software"),
        ("Scikit-Learn", "onet:Scikit-learn"),
        ("Power BI", "onet:Microsoft Power BI"),
        ("SQL", "onet:Structured query language SQL"),
        ("Google BigQuery", "onet:BigQuery"),
        ("Advanced Tableau", "onet:Tableau"),
        ("HTML5", "onet:Hypertext markup language HTML"),
        ("Node.js", "onet:Node.js"),
        ("C++", "onet:C++"),
        ("C#", "onet:C#"),
    ],
)
def test_technologies_normalise_to_onet(skill_coder: SkillCoder, skill: str, skill_id: str) -> None:
    (row,) = code(skill_coder, [skill])
    assert row["skill_id"] == skill_id
    assert row["skill_label"] == skill_id.removeprefix("onet:")
    assert row["is_digital"] is True  # every O*NET technology here is in UNSPSC segment 43


@pytest.mark.parametrize(
    ("skill", "uuid"),
    [
        ("ML", "3a2d5b45-56e4-4f5a-a55a-4a4a65afdc43"),
        ("Machine Learning", "3a2d5b45-56e4-4f5a-a55a-4a4a65afdc43"),
        ("Apprentissage automatique", "3a2d5b45-56e4-4f5a-a55a-4a4a65afdc43"),
        ("Gestion de projet", "237db40b-4600-47c0-837f-4a2c4f3014ab"),
        ("Project Management", "237db40b-4600-47c0-837f-4a2c4f3014ab"),
        ("Communication", "15d76317-c71a-4fa2-aadc-2ecc34e627b7"),
        ("Leadership", "d5145a9a-602e-40bf-b3e1-f04cf9c3ef86"),
        ("Statistics", "7ee4c2ea-b349-4bd2-81a3-ec31475d4833"),
    ],
)
def test_general_skills_go_to_esco(skill_coder: SkillCoder, skill: str, uuid: str) -> None:
    (row,) = code(skill_coder, [skill])
    assert row["skill_id"] == f"esco:{ESCO_BASE}{uuid}"
    assert row["hot_technology"] is None  # O*NET flags do not apply to ESCO skills


def test_flags_come_from_onet_and_esco(skill_coder: SkillCoder) -> None:
    py, comm, ml = code(skill_coder, ["Python", "Communication", "Machine learning"])
    assert py["hot_technology"] is True and py["in_demand"] is True
    assert py["skill_category"] == "Object or component oriented development software"
    assert comm["is_digital"] is False
    assert ml["is_digital"] is True


def test_onet_rows_are_aggregated_per_technology(tmp_path) -> None:
    # A technology is hot / in demand if any O*NET occupation flags it; its category is
    # the commodity most occupations give; UNSPSC segment 43 makes it digital.
    onet = tmp_path / "reference" / "onet"
    onet.mkdir(parents=True)
    header = "O*NET-SOC Code\tExample\tCommodity Code\tCommodity Title\tHot Technology\tIn Demand"
    rows = [
        "15-2051.00\tPython\t43232402\tDevelopment software\tN\tN",
        "15-1252.00\tPython\t43232402\tDevelopment software\tY\tN",
        "11-1011.00\tPython\t43231500\tOther software\tN\tY",
        "47-2111.00\tVoltmeter\t41113600\tMeasuring instruments\tN\tN",
    ]
    (onet / "Technology Skills.txt").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    tiny = SkillCoder.load(
        tmp_path, CoderSettings(options={"lexicon_dir": _lexicon_without_aliases(tmp_path)})
    )
    py, volt = tiny.code(pa.array(["python", "Voltmeter"])).to_pylist()
    assert (py["hot_technology"], py["in_demand"], py["is_digital"]) == (True, True, True)
    assert py["skill_category"] == "Development software"
    assert (volt["hot_technology"], volt["is_digital"]) == (False, False)


def _lexicon_without_aliases(tmp_path):
    """The shipped lexicons minus O*NET aliases and families (they name technologies the tiny file lacks)."""
    import yaml

    from microcred.coding.skills import LEXICON_DIR

    lex = tmp_path / "lexicon"
    lex.mkdir()
    onet = yaml.safe_load((LEXICON_DIR / "onet_aliases.yaml").read_text(encoding="utf-8"))
    onet["aliases"] = {}
    (lex / "onet_aliases.yaml").write_text(yaml.safe_dump(onet), encoding="utf-8")
    signals = yaml.safe_load((LEXICON_DIR / "credential_signals.yaml").read_text(encoding="utf-8"))
    signals["families"] = {}
    (lex / "credential_signals.yaml").write_text(yaml.safe_dump(signals), encoding="utf-8")
    esco = (LEXICON_DIR / "esco_skills.yaml").read_text(encoding="utf-8")
    (lex / "esco_skills.yaml").write_text(esco, encoding="utf-8")
    return lex


def test_alias_to_a_missing_technology_is_a_clear_error(tmp_path) -> None:
    lex = _lexicon_without_aliases(tmp_path)
    (lex / "onet_aliases.yaml").write_text("aliases: {Nonexistent Tool: [nt]}\n", encoding="utf-8")
    onet = tmp_path / "reference" / "onet"
    onet.mkdir(parents=True)
    (onet / "Technology Skills.txt").write_text(
        "O*NET-SOC Code\tExample\tCommodity Code\tCommodity Title\tHot Technology\tIn Demand\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"onet_aliases\.yaml.*Nonexistent Tool"):
        SkillCoder.load(tmp_path, CoderSettings(options={"lexicon_dir": lex}))


@pytest.mark.parametrize("skill", ["Curling", "Origami", "zzqqx", "", None, "Ski alpin"])
def test_unknown_stays_unknown(skill_coder: SkillCoder, skill: str | None) -> None:
    (row,) = code(skill_coder, [skill])
    assert row["skill_id"] is None and row["skill_label"] is None
    assert row["is_digital"] is None
    assert row["coding_confidence"] == 0.0
    assert row["coding_method"] == "none"


def test_fuzzy_match_on_residue_only_and_less_confident(skill_coder: SkillCoder) -> None:
    exact, typo = code(skill_coder, ["Kubernetes", "Kubernetess"])
    assert typo["skill_id"] == exact["skill_id"] == "onet:Kubernetes"
    assert typo["coding_method"] == "fuzzy"
    assert exact["coding_method"].startswith("exact:")
    assert 0.5 < typo["coding_confidence"] < exact["coding_confidence"]


def test_short_strings_are_never_fuzzy_matched(skill_coder: SkillCoder) -> None:
    (row,) = code(skill_coder, ["Pyth"])
    assert row["coding_method"] != "fuzzy"


def test_schema_order_and_determinism(skill_coder: SkillCoder) -> None:
    skills = ["Python", "MS Excel", "Curling", "Kubernetess", "Gestion de projet", None, "Python"]
    first = skill_coder.code(pa.array(skills, pa.string()))
    assert first.schema == schema.SKILLS_CODED
    assert first["skill"].to_pylist() == skills  # one row per input, in input order
    assert first.equals(skill_coder.code(pa.array(skills, pa.string())))
    reversed_rows = skill_coder.code(pa.array(skills[::-1], pa.string())).to_pylist()[::-1]
    assert reversed_rows == first.to_pylist()


def test_chunked_input_and_empty_input(skill_coder: SkillCoder) -> None:
    chunked = pa.chunked_array([["Python"], ["SQL"]])
    assert skill_coder.code(chunked).num_rows == 2
    empty = skill_coder.code(pa.array([], pa.string()))
    assert empty.num_rows == 0 and empty.schema == schema.SKILLS_CODED


def test_missing_reference_data_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(DataDirError, match="Technology Skills"):
        SkillCoder.load(tmp_path)


def test_batch_variants_follow_the_per_string_rule(skill_coder: SkillCoder) -> None:
    """ASCII strings get their cleaned variants from Arrow kernels over the batch; the first
    dictionary hit must be the one the per-string generator ``_variants`` finds first."""
    skills = [
        "Advanced Python (Programming Language)", "Microsoft Excel (Advanced)", "Python 3.8+",
        "Google BigQuery (Cloud)", "Proficient in SQL skills", "Knowledge of Tableau software",
        "Amazon Web Services (AWS) certified", "HTML5 and CSS3", "Basic C4", "x (a (b) c",
        "Oracle Java (JDK 17)\n(Programming)", "Red Hat Linux 9", "Expert Node.js 18",
        "(Python)", "Langage de programmation Python", "Strong communication skills",
    ]  # fmt: skip
    coded = code(skill_coder, skills)
    for raw, row in zip(skills, coded, strict=True):
        expected = next(
            (
                (i, skill_coder.exact[k])
                for i, k in enumerate(skill_coder._variants(raw))
                if k in skill_coder.exact
            ),
            None,
        )
        if expected is None:  # no variant: a typo, a technology heading the string, or none
            assert row["coding_method"] in ("none", "fuzzy", "head"), raw
            continue
        i, (skill_id, method) = expected
        assert row["skill_id"] == skill_id, raw
        assert row["coding_method"] == f"{'normalised' if i else 'exact'}:{method}", raw
    assert sum(r["coding_method"].startswith("normalised:") for r in coded) >= 10
