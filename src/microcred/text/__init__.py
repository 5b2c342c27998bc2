"""One vocabulary for text: accent folding and normalisation used by every coder and reader.

Why: accent folding had seven copies and normalisation one per coder, each a little
different, so "Développeuse" and "B.Sc." normalised one way in one coder and another
way in the next. Every module folds and normalises through here; the parameters say
what a caller keeps (``+``/``#`` for "C++"/"C#") and what it deletes (dots, so "B.Sc."
becomes "bsc"). The Arrow versions give exactly the Python versions' result, fast for
Latin text (Arrow kernels) and through the Python version for anything else.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc

#: characters below U+0180 (ASCII, Latin-1, Latin Extended-A): the Arrow kernels fold
#: these exactly as ``fold`` does when the result is ASCII
_LATIN = r"^[\x{0}-\x{17F}]*$"
_COMBINING = r"[\x{300}-\x{36F}]+"


def fold(text: str | None) -> str:
    """Lower case with accents removed: ``"Développeuse"`` → ``"developpeuse"``.

    Letters that do not decompose (ß, æ, other scripts) are kept as they are.
    """
    if not text:
        return ""
    low = text.lower()
    if low.isascii():
        return low
    decomposed = unicodedata.normalize("NFKD", low)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=64)
def _pattern(keep: str) -> re.Pattern[str]:
    return re.compile(f"[^0-9a-z{re.escape(keep)}]+") if keep else re.compile(r"[^0-9a-z]+")


def _arrow_class(keep: str) -> str:
    escaped = "".join("\\" + c if not c.isalnum() else c for c in keep)
    return f"[^0-9a-z{escaped}]+"


def normalise(text: str | None, keep: str = "", drop: str = "") -> str:
    """``fold``, delete the characters of ``drop``, every other run outside ``[0-9a-z]`` and
    ``keep`` to one space, trimmed. ``normalise("B.Sc. Informatique", drop=".")`` → ``"bsc informatique"``.
    """
    t = fold(text)
    if not t:
        return ""
    if drop:
        t = t.translate({ord(c): None for c in drop})
    return _pattern(keep).sub(" ", t).strip()


def fold_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``fold`` over a string array (nulls → ``""``)."""
    values = _as_array(values)
    folded = pc.replace_substring_regex(
        pc.utf8_normalize(pc.utf8_lower(values), "NFKD"), _COMBINING, ""
    )
    return _with_slow_path(values, pc.fill_null(folded, ""), fold)


def normalise_array(values: pa.Array | pa.ChunkedArray, keep: str = "", drop: str = "") -> pa.Array:
    """``normalise`` over a string array (nulls → ``""``), same result as the Python version."""
    values = _as_array(values)
    folded = pc.replace_substring_regex(
        pc.utf8_normalize(pc.utf8_lower(values), "NFKD"), _COMBINING, ""
    )
    if drop:
        folded = pc.replace_substring_regex(folded, "[" + re.escape(drop) + "]", "")
    out = pc.fill_null(
        pc.utf8_trim(pc.replace_substring_regex(folded, _arrow_class(keep), " "), " "), ""
    )
    return _with_slow_path(values, out, lambda v: normalise(v, keep, drop))


def _as_array(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not pa.types.is_string(values.type):
        values = values.cast(pa.string())
    return values


def _with_slow_path(values: pa.Array, fast: pa.Array, slow: object) -> pa.Array:
    """Replace the fast result by the Python one where the Arrow kernels are not exact:
    strings outside Latin, or whose folded form is not ASCII (ß, æ, ø, symbols)."""
    if len(values) == 0:
        return pa.array([], pa.string())
    exact = pc.and_(
        pc.fill_null(pc.match_substring_regex(values, _LATIN), True), pc.string_is_ascii(fast)
    )
    rest = pc.invert(pc.fill_null(exact, True))
    if not pc.any(rest).as_py():
        return fast
    slow_values = [slow(v) for v in values.filter(rest).to_pylist()]  # type: ignore[operator]
    return pc.replace_with_mask(fast, rest, pa.array(slow_values, pa.string()))


__all__ = ["fold", "fold_array", "normalise", "normalise_array"]
