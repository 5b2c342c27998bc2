"""The coding cache cannot lie (keyed by everything that decides a code) or execute (no pickle)."""

from __future__ import annotations

import ast
import json
import pickle
import shutil
import stat
import warnings
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

import microcred
from microcred.coding.base import CoderSettings, loader_for, registered
from microcred.coding.cache import CacheWarning, CodingCache
from microcred.coding.credentials import CredentialCoder
from microcred.coding.education import DATA_DIR as EDUCATION_DATA
from microcred.coding.education import EducationCoder
from microcred.coding.education.coder import LEXICON_OPTION as EDUCATION_LEXICON_OPTION
from microcred.coding.occupation import OccupationCoder
from microcred.coding.skills import LEXICON_DIR as SKILLS_LEXICONS
from microcred.coding.skills import SkillCoder
from microcred.config import CodingConfig, Definition, StudyConfig
from microcred.datadir import DataDir

# ---- the key -----------------------------------------------------------------------------


def _copy_noc_reference(tmp_path: Path) -> Path:
    """The reference files the occupation coder reads, in a data folder of our own."""
    src = DataDir()
    for key in ("noc_structure", "noc_examples_en", "noc_examples_fr", "noc_to_soc"):
        path = src.path(key)
        dest = tmp_path / path.relative_to(src.root)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
    return tmp_path


def test_changing_an_occupation_setting_or_reference_file_changes_the_key(tmp_path) -> None:
    data = _copy_noc_reference(tmp_path / "data")

    def key(data_dir: Path | DataDir, threshold: float = 0.35, **options: object) -> str:
        settings = CoderSettings.with_coding(occupation_min_confidence=threshold, options=options)
        return OccupationCoder.fingerprint_for(data_dir, settings)

    base = key(data)
    assert base == key(DataDir())  # content, not path
    assert key(data, 0.5) != base
    assert key(data, exclude_titles=["data scientist"]) != base
    assert key(data, model_cache_dir="/elsewhere") == base  # where the model is kept: no change
    examples = DataDir(data).path("noc_examples_en")
    examples.write_bytes(examples.read_bytes() + b'21211,"Chief data wrangler"\n')
    assert key(data) != base


def test_changing_a_credential_setting_or_definition_changes_the_key() -> None:

    def settings(definitions: list[Definition], threshold: float) -> CoderSettings:
        config = StudyConfig(definitions=definitions)
        return CoderSettings.with_coding(config, credential_min_confidence=threshold)

    study = StudyConfig()
    base = CredentialCoder.fingerprint_for(None, settings(study.definitions, 0.5))
    assert CredentialCoder.fingerprint_for(None, settings(study.definitions, 0.8)) != base
    narrower = [Definition(name=d.name, types=d.types[:1]) for d in study.definitions]
    assert CredentialCoder.fingerprint_for(None, settings(narrower, 0.5)) != base
    coder = CredentialCoder.load(None, settings(study.definitions, 0.8))
    assert coder.fingerprint() == CredentialCoder.fingerprint_for(
        None, settings(study.definitions, 0.8)
    )


def test_changing_an_education_or_skills_lexicon_changes_the_key(tmp_path) -> None:
    edu = shutil.copytree(EDUCATION_DATA, tmp_path / "edu")
    settings = CoderSettings(options={EDUCATION_LEXICON_OPTION: str(edu)})
    base = EducationCoder.fingerprint_for(None, settings)
    assert base == EducationCoder.load(None, settings).fingerprint()
    assert base == EducationCoder.fingerprint_for()
    with (edu / "fields.yaml").open("a") as fh:
        fh.write("\n# an analyst's edit\n")
    assert EducationCoder.fingerprint_for(None, settings) != base

    lex = shutil.copytree(SKILLS_LEXICONS, tmp_path / "skills")
    base = SkillCoder.fingerprint_for(None, CoderSettings(options={"lexicon_dir": lex}))
    assert base == SkillCoder.fingerprint_for()
    with (lex / "onet_aliases.yaml").open("a") as fh:
        fh.write("\n# an analyst's edit\n")
    assert SkillCoder.fingerprint_for(None, CoderSettings(options={"lexicon_dir": lex})) != base


def test_the_run_keys_each_coder_by_the_study_settings() -> None:
    """What reproduced the bug: another configuration, same cache folder, stale codes reused."""

    def keys(config: StudyConfig) -> dict[str, str]:
        return {c.output: c.fingerprint_for(DataDir(), CoderSettings(config)) for c in registered()}

    base = keys(StudyConfig())
    stricter = keys(StudyConfig(coding=CodingConfig(credential_min_confidence=0.8)))
    assert stricter["credentials_coded"] != base["credentials_coded"]
    assert stricter["titles_coded"] == base["titles_coded"]
    wider = keys(StudyConfig(coding=CodingConfig(occupation_min_confidence=0.5)))
    assert wider["titles_coded"] != base["titles_coded"]
    narrow = StudyConfig().definitions
    narrow = [Definition(name=d.name, types=d.types[:2]) for d in narrow]
    assert keys(StudyConfig(definitions=narrow))["credentials_coded"] != base["credentials_coded"]


def test_credential_min_confidence_reaches_the_coder_and_changes_its_codes() -> None:
    batch = pa.table(
        {
            "name": [
                "Machine learning course",
                "Open badge in teamwork",
                "AWS Certified Solutions Architect",
            ],
            "authority": [None, None, None],
            "url_host": [None, "credly.com", None],
        }
    )
    config = StudyConfig(coding=CodingConfig(credential_min_confidence=0.8))
    load = loader_for(CredentialCoder, None, CoderSettings(config))
    strict = pickle.loads(pickle.dumps(load))()  # as a Spark executor would
    assert strict.min_confidence == 0.8
    lenient = CredentialCoder.load().code(batch)
    coded = strict.code(batch)
    assert lenient["credential_type"].to_pylist() == [
        "mooc_certificate",
        "digital_badge",
        "vendor_certification",
    ]
    # the keyword decisions (0.70, 0.75) fall below 0.8 and abstain; the catalogue hit stays
    assert coded["credential_type"].to_pylist() == ["unknown", "unknown", "vendor_certification"]
    assert coded["coding_method"].to_pylist()[:2] == ["none", "none"]


# ---- the store ---------------------------------------------------------------------------


def _coder_calls() -> tuple[list[int], object]:
    calls: list[int] = []

    def code(values: pa.Array) -> pa.Table:
        calls.append(len(values))
        return pa.table({"value": values, "code": pc.utf8_upper(values)})

    return calls, code


def test_cached_codes_are_reused_only_under_the_same_fingerprint(tmp_path) -> None:
    cache = CodingCache(tmp_path)
    calls, code = _coder_calls()
    inputs = pa.array(["a", "b", "c"])
    first = cache.code("demo", "f1" * 32, inputs, code)
    again = cache.code("demo", "f1" * 32, pa.array(["c", "a", "d"]), code)
    assert calls == [3, 1]  # only "d" was new
    assert again["code"].to_pylist() == ["C", "A", "D"] and first["code"].to_pylist() == [
        "A",
        "B",
        "C",
    ]
    cache.code("demo", "f2" * 32, inputs, code)
    assert calls == [3, 1, 3]  # another coder configuration: nothing reused
    folder = cache.folder("demo", "f1" * 32)
    for p in [folder, folder.parent, *folder.iterdir()]:  # cached codes hold profile text
        assert stat.S_IMODE(p.stat().st_mode) == (0o700 if p.is_dir() else 0o600), p


def _part(folder: Path) -> Path:
    return next(folder.glob("part-*.parquet"))


def test_an_altered_cache_part_is_ignored_with_a_warning(tmp_path) -> None:
    cache = CodingCache(tmp_path)
    calls, code = _coder_calls()
    cache.code("demo", "f" * 64, pa.array(["a", "b"]), code)
    folder = cache.folder("demo", "f" * 64)
    planted = pa.table({"value": ["a", "b"], "code": ["LIE", "LIE"], "__input_sha256": ["x", "y"]})
    pq.write_table(planted, _part(folder))  # same name, other bytes: the sidecar sha256 disagrees
    with pytest.warns(CacheWarning, match="sha256"):
        out = cache.code("demo", "f" * 64, pa.array(["a", "b"]), code)
    assert out["code"].to_pylist() == ["A", "B"] and calls == [2, 2]


class _Exploit:
    """Unpickling this creates a marker file: the proof that a pickle was executed."""

    marker: Path

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_planted_pickle_is_never_unpickled(tmp_path, monkeypatch) -> None:
    marker = tmp_path / "executed"
    _Exploit.marker = marker
    payload = pickle.dumps(_Exploit())
    cache = CodingCache(tmp_path / "cache")
    folder = cache.folder("demo", "f" * 64)
    folder.mkdir(parents=True)
    (folder / "part-0000000000000000.parquet").write_bytes(payload)
    (folder / "evil.pkl").write_bytes(payload)
    sidecar = {"format": "microcred-coding-cache-2", "coder": "demo", "fingerprint": "f" * 64}
    (folder / "part-0000000000000000.json").write_text(
        json.dumps({**sidecar, "parquet_sha256": "0"})
    )

    def refuse(*args, **kwargs):
        raise AssertionError("pickle used on a cache path")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    calls, code = _coder_calls()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = cache.code("demo", "f" * 64, pa.array(["a"]), code)
    assert out["code"].to_pylist() == ["A"] and calls == [1]
    assert any(issubclass(w.category, CacheWarning) for w in caught)
    assert not marker.exists()


def test_a_foreign_or_corrupt_part_is_ignored_with_a_warning(tmp_path) -> None:
    cache = CodingCache(tmp_path)
    calls, code = _coder_calls()
    cache.code("demo", "f" * 64, pa.array(["a"]), code)
    folder = cache.folder("demo", "f" * 64)
    sidecar = next(folder.glob("part-*.json"))
    meta = json.loads(sidecar.read_text())
    sidecar.write_text(json.dumps({**meta, "fingerprint": "g" * 64}))  # copied from elsewhere
    (folder / "stray.parquet").write_bytes(b"PAR1 not really")
    with pytest.warns(CacheWarning) as caught:
        out = cache.code("demo", "f" * 64, pa.array(["a"]), code)
    messages = " ".join(str(w.message) for w in caught)
    assert "another coder or fingerprint" in messages and "stray.parquet" in messages
    assert out["code"].to_pylist() == ["A"] and calls == [1, 1]


def test_no_module_imports_pickle() -> None:
    """Caches and stores are Parquet, npz and JSON: nothing in the package may unpickle."""
    root = Path(microcred.__file__).parent
    offenders = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            if any(n.split(".")[0] in ("pickle", "cloudpickle", "dill", "joblib") for n in names):
                offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_a_changed_setting_with_the_same_cache_folder_recodes(tmp_path) -> None:
    """The reported bug, at the coding step: a stricter threshold, same --cache-dir, old codes."""
    batch = pa.table(
        {
            "name": ["Machine learning course", "AWS Certified Solutions Architect"],
            "authority": pa.nulls(2, pa.string()),
            "url_host": pa.nulls(2, pa.string()),
        }
    )
    cache = CodingCache(tmp_path)

    def code_with(threshold: float) -> list[str]:
        settings = CoderSettings.with_coding(credential_min_confidence=threshold)
        load = loader_for(CredentialCoder, None, settings)
        key = CredentialCoder.fingerprint_for(None, settings)
        out = cache.code("credentials_coded", key, batch, lambda t: load().code(t))
        return out["credential_type"].to_pylist()

    assert code_with(0.5) == ["mooc_certificate", "vendor_certification"]
    assert code_with(0.8) == ["unknown", "vendor_certification"]
    assert code_with(0.5) == ["mooc_certificate", "vendor_certification"]  # from the cache
    assert cache.stats["credentials_coded"]["from_cache"] == 2
