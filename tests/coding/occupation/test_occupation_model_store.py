"""The trained occupation model is cached as arrays + JSON: exact round trip, never a pickle."""

from __future__ import annotations

import hashlib
import json
import pickle
from pathlib import Path

import pyarrow as pa
import pytest

from microcred.coding.base import CoderSettings
from microcred.coding.occupation import OccupationCoder
from microcred.coding.occupation.coder import training_key
from microcred.coding.occupation.store import ARRAYS, META, load_trained, save_trained
from microcred.datadir import DataDir

TITLES = [
    "Senior Data Scientist",
    "Sr. Software Engineer @ Shopify",
    "développeuse web principale",
    "chef de projet informatique",
    "Data Analyst II",
    "machine learning engineer",
    "Registered Nurse",
    "xyzzy plugh",
    "",
    None,
]


def test_a_saved_model_codes_exactly_like_the_trained_one(coder: OccupationCoder, tmp_path) -> None:
    save_trained(tmp_path, coder._t, "k1")
    reloaded = OccupationCoder(load_trained(tmp_path, "k1"), coder.min_confidence)
    titles = pa.array(TITLES, pa.string())
    assert reloaded.code(titles).equals(coder.code(titles))
    assert reloaded._t.lexicon == coder._t.lexicon and list(reloaded._t.lexicon) == list(
        coder._t.lexicon
    )
    assert reloaded._t.exact == coder._t.exact
    assert (reloaded._t.model.log_odds != coder._t.model.log_odds).nnz == 0
    new, old = reloaded._t.char_model, coder._t.char_model
    assert new.vocab == old.vocab and (new.log_odds != old.log_odds).nnz == 0
    assert (new.weight, new.temperature) == (old.weight, old.temperature)


def test_a_model_saved_under_another_key_is_not_used(coder: OccupationCoder, tmp_path) -> None:
    save_trained(tmp_path, coder._t, "k1")
    with pytest.warns(RuntimeWarning, match="another format or key"):
        assert load_trained(tmp_path, "k2") is None


def test_altered_arrays_are_ignored_with_a_warning(coder: OccupationCoder, tmp_path) -> None:
    save_trained(tmp_path, coder._t, "k1")
    data = bytearray((tmp_path / ARRAYS).read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / ARRAYS).write_bytes(bytes(data))
    with pytest.warns(RuntimeWarning, match="sha256"):
        assert load_trained(tmp_path, "k1") is None


class _Exploit:
    marker: Path

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_planted_pickle_with_a_matching_checksum_is_not_executed(
    coder: OccupationCoder, tmp_path
) -> None:
    """Even an attacker who rewrites both files gets no code run: the arrays load without pickle."""
    save_trained(tmp_path, coder._t, "k1")
    _Exploit.marker = tmp_path / "executed"
    payload = pickle.dumps(_Exploit())
    (tmp_path / ARRAYS).write_bytes(payload)
    meta = json.loads((tmp_path / META).read_text())
    meta["arrays_sha256"] = hashlib.sha256(payload).hexdigest()
    (tmp_path / META).write_text(json.dumps(meta))
    with pytest.warns(RuntimeWarning, match="ignoring the cached occupation model"):
        assert load_trained(tmp_path, "k1") is None
    assert not _Exploit.marker.exists()


def test_load_retrains_over_an_unusable_cache(coder: OccupationCoder, tmp_path) -> None:
    """A corrupt cached model costs a retraining, never a wrong or failed coder."""
    folder = tmp_path / "occupation" / training_key(DataDir())
    folder.mkdir(parents=True)
    (folder / META).write_text("{not json")
    with pytest.warns(RuntimeWarning, match="retraining"):
        settings = CoderSettings.with_coding(
            occupation_min_confidence=0.5, options={"model_cache_dir": tmp_path}
        )
        again = OccupationCoder.load(None, settings)
    titles = pa.array(TITLES, pa.string())
    assert again.code(titles)["noc2021_confidence"].equals(coder.code(titles)["noc2021_confidence"])
    assert again.fingerprint() != coder.fingerprint()  # the threshold is part of the coder's key
    assert load_trained(folder, training_key(DataDir())) is not None  # rewritten, usable again
