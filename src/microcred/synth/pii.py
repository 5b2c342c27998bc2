"""Fictional personal data (names, emails, phones, profile URLs) for the source-format writers.

Why generate it at all: the pipeline must prove that personal data never reaches an
output, and that needs inputs that contain some. Emails use reserved example domains
and phones the fictional 555-01xx range, so nothing here can reach a real person.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from microcred.synth.draws import Pools
from microcred.synth.knowledge import Knowledge
from microcred.synth.people import People

AREA_CODES = {
    "en": ["416", "647", "613", "604", "403", "780", "905", "902", "204", "306"],
    "fr": ["514", "438", "418", "450", "819", "506"],
}
EMAIL_DOMAINS = ["example.com", "example.ca", "example.org", "mail.example.net"]


def _ascii_slug(values: pa.Array) -> pa.Array:
    """Lower-case ASCII slug of a name (for emails and URLs)."""
    out = pc.utf8_lower(values)
    for src, dst in (
        ("é", "e"),
        ("è", "e"),
        ("ë", "e"),
        ("ê", "e"),
        ("ï", "i"),
        ("î", "i"),
        ("ô", "o"),
        ("ç", "c"),
        ("à", "a"),
        ("'", ""),
        (" ", "-"),
    ):
        out = pc.replace_substring(out, src, dst)
    return out


def make_pii(
    rng: np.random.Generator, k: Knowledge, ppl: People, female: np.ndarray, pid: pa.Array
) -> pa.Table:
    """One row a person: source_identity, first_name, last_name, email, phone, profile_url."""
    del female  # first-name lists are not split by gender
    names = k.places["names"]
    vocab: list[str] = []
    items = []
    for part in ("first", "last"):
        for lang in ("en", "fr"):
            items.append(list(range(len(vocab), len(vocab) + len(names[part][lang]))))
            vocab.extend(names[part][lang])
    pools = Pools(items)
    v = pa.array(vocab, pa.string())
    lang_code = ppl.french.astype(np.int64)
    first = pc.take(v, pools.draw(rng, lang_code))
    last = pc.take(v, pools.draw(rng, 2 + lang_code))
    num = pc.cast(pa.array(np.arange(1, ppl.n + 1)), pa.string())
    dom = pc.take(
        pa.array(EMAIL_DOMAINS), (rng.random(ppl.n) * len(EMAIL_DOMAINS)).astype(np.int64)
    )
    email = pc.binary_join_element_wise(
        _ascii_slug(first), ".", _ascii_slug(last), num, "@", dom, ""
    )
    area_vocab = AREA_CODES["en"] + AREA_CODES["fr"]
    area = np.where(
        ppl.french,
        len(AREA_CODES["en"]) + (rng.random(ppl.n) * len(AREA_CODES["fr"])).astype(np.int64),
        (rng.random(ppl.n) * len(AREA_CODES["en"])).astype(np.int64),
    )
    line = pc.cast(
        pa.array(rng.integers(100, 200, ppl.n)), pa.string()
    )  # 555-0100..0199: fictional
    phone = pc.binary_join_element_wise(
        "+1 ",
        pc.take(pa.array(area_vocab), area),
        "-555-0",
        line,
        "",
    )
    hexid = pc.cast(pa.array(rng.integers(0x10000000, 0xFFFFFFFF, ppl.n)), pa.string())
    url = pc.binary_join_element_wise(
        "https://www.linkedin.com/in/", _ascii_slug(first), "-", _ascii_slug(last), "-", hexid, ""
    )
    return pa.table(
        {
            "source_identity": pid,
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": phone,
            "profile_url": url,
        }
    )
