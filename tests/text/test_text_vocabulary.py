"""The shared text vocabulary: Python and Arrow versions agree on any text."""

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from microcred.text import fold, fold_array, normalise, normalise_array


def test_fold_removes_french_accents_and_keeps_other_letters() -> None:
    assert fold("Développeuse Québec") == "developpeuse quebec"
    assert fold("Straße") == "straße"
    assert fold(None) == ""


def test_normalise_keeps_and_drops_what_the_caller_says() -> None:
    assert normalise("B.Sc. Informatique", drop=".") == "bsc informatique"
    assert normalise("C++ / C#  Dev", keep="+#") == "c++ c# dev"
    assert normalise("C++ / C#  Dev") == "c c dev"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=20)), max_size=20))
def test_arrow_versions_match_python(values: list[str | None]) -> None:
    arr = pa.array(values, pa.string())
    assert fold_array(arr).to_pylist() == [fold(v) for v in values]
    for keep, drop in (("", ""), ("+#", ""), ("", ".")):
        got = normalise_array(arr, keep, drop).to_pylist()
        assert got == [normalise(v, keep, drop) for v in values]
