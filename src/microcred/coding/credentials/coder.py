"""``CredentialCoder``: distinct (name, authority, url_host) triples → credential codes.

Why this shape: the pipeline codes each distinct credential once and joins the codes
back to people, so the coder works on a table of distinct strings, loads its knowledge
once, and never looks at anything that identifies a person.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
from rapidfuzz import fuzz, process

from microcred import schema
from microcred.coding.base import CoderSettings
from microcred.coding.credentials.catalogue import DATA_PATH as CATALOGUE_DATA
from microcred.coding.credentials.catalogue import (
    TRI,
    Catalogue,
    HostRule,
    Provider,
    load_catalogue,
)
from microcred.coding.credentials.model import FallbackModel, vocabulary
from microcred.coding.credentials.rules import (
    EXAM_TYPES,
    AuthorityMatch,
    Decision,
    Entry,
    NameFacts,
    RuleSet,
    _is_code,
)
from microcred.coding.credentials.steps import CERTIFIED_WORDS, PROFESSIONAL_CERTIFICATE
from microcred.coding.credentials.text import (
    host_candidates,
    normalise,
    normalise_array,
    reduce_url,
)
from microcred.coding.fingerprint import coder_fingerprint, package_sources
from microcred.coding.gcpause import gc_paused
from microcred.config import Definition
from microcred.datadir import DataDir

TAXONOMY_VERSION = "microcred credential taxonomy v1"
FUZZY_CUTOFF = 90.0  # rapidfuzz ratio (0-100) for a misspelt authority to count as an alias
ASSESSED_BY_TYPE: dict[str, TRI] = {
    "vendor_certification": "yes",
    "professional_certification": "yes",
    "professional_licence": "yes",
    "academic_credential": "yes",
    "university_microcredential": "yes",
    "training_attendance": "no",
}
EXPIRES_BY_TYPE = {"academic_credential": "no", "professional_licence": "yes"}


class CredentialCoder:
    """Codes credentials by the microcred credential taxonomy (see credential-taxonomy.md)."""

    def __init__(
        self,
        catalogue: Catalogue,
        definitions: Sequence[Definition],
        min_confidence: float = 0.5,
    ):
        self.catalogue = catalogue
        self.definitions = list(definitions)
        names = [d.name for d in self.definitions]
        if len(set(names)) != len(names):
            raise ValueError(f"definition names must be unique, got {names}")
        self.min_confidence = min_confidence
        self.rules = RuleSet(catalogue)
        self._alias_keys = sorted(catalogue.aliases)
        self._model: FallbackModel | None = None  # trained on first use
        self._vocabulary: frozenset[str] | None = None

    # ---- the contract (``coding.base.Coder``) ------------------------------------------
    name: ClassVar[str] = "credentials"
    version: ClassVar[str] = TAXONOMY_VERSION
    label: ClassVar[str] = "credential type"
    source_table: ClassVar[str] = "credentials"
    reads: ClassVar[tuple[str, ...]] = ("name", "authority", "url_host")
    output: ClassVar[str] = "credentials_coded"
    unknown: ClassVar[tuple[str, Any]] = ("credential_type", "unknown")
    confidence_column: ClassVar[str | None] = "coding_confidence"
    # the education-listed bootcamps and MOOCs join the credentials once education is coded
    after: ClassVar[tuple[str, ...]] = ("education",)

    @classmethod
    def load(
        cls, data_dir: DataDir | Path | None = None, settings: CoderSettings | None = None
    ) -> CredentialCoder:
        """Load the catalogue (kept in the repository; ``data_dir`` is not needed) for the
        study's definitions.

        Settings: ``definitions``, and ``coding.credential_min_confidence`` below which a weak
        rule or model decision is left ``unknown``.
        """
        defs, conf = _resolved(settings)
        return cls(load_catalogue(), defs, conf)

    @classmethod
    def fingerprint_for(
        cls, data_dir: DataDir | Path | None = None, settings: CoderSettings | None = None
    ) -> str:
        """What ``load`` with these arguments codes by (see ``coding.fingerprint``), without loading."""
        defs, conf = _resolved(settings)
        return _fingerprint(defs, conf)

    def fingerprint(self) -> str:
        """The cache key of this coder's output: taxonomy, catalogue files, definitions, threshold."""
        return _fingerprint(self.definitions, self.min_confidence)

    # ---- schema ---------------------------------------------------------------------------
    def output_schema(self) -> pa.Schema:
        fields: list[pa.Field] = []
        for f in schema.CREDENTIALS_CODED_BASE:
            fields.append(f)
            if f.name == "credential_type":
                fields += [pa.field(f"is_micro_{d.name}", pa.bool_()) for d in self.definitions]
        return pa.schema(fields)

    # ---- coding ---------------------------------------------------------------------------
    def code(self, batch: pa.Table) -> pa.Table:
        """Code every row of ``batch`` (columns ``name`` and optionally ``authority``, ``url_host``).

        Why in layers of distinct values: each distinct name is normalised and scanned once,
        each distinct authority and host resolved once, and the rules run once per distinct
        combination of what was *found* (name facts, authority match, host), which is far
        fewer than the distinct triples; rows are then assembled by index in Arrow.
        """
        if "name" not in batch.column_names:
            raise ValueError(f"credential batch needs a 'name' column, got {batch.column_names}")
        with gc_paused():
            return self._code(batch)

    def _code(self, batch: pa.Table) -> pa.Table:
        n = batch.num_rows
        name_col, name_ids, name_dict = _encoded_names(batch, n)
        auth_col, auth_ids, auth_vals = _encoded(batch, "authority", n)
        url_col, url_ids, url_vals = _encoded(batch, "url_host", n)

        # distinct hosts, authorities and names -> small integer ids of what they mean
        hosts: list[HostRule | None] = [None]
        host_ids = {id(None): 0}
        url_host_id = np.empty(len(url_vals), np.int64)
        for i, url in enumerate(url_vals):
            try:
                host = self.rules.host(list(host_candidates(reduce_url(url))))
            except Exception:  # noqa: BLE001 - one bad record must not stop the batch
                url_host_id[i] = -1
                continue
            hid = host_ids.get(id(host))
            if hid is None:
                hid = host_ids[id(host)] = len(hosts)
                hosts.append(host)
            url_host_id[i] = hid
        auth_matches = self._authorities(auth_vals)
        matches: list[AuthorityMatch] = []
        match_ids: dict[Hashable, int] = {}
        auth_match_id = np.empty(len(auth_vals), np.int64)
        for i, auth in enumerate(auth_vals):
            am = auth_matches[auth]
            mid = match_ids.get(am.signature)
            if mid is None:
                mid = match_ids[am.signature] = len(matches)
                matches.append(am)
            auth_match_id[i] = mid
        # each distinct name normalised (Arrow), each distinct normalised name given an id
        name_norm = normalise_array(name_dict).dictionary_encode()
        name_norm_id = _indices(name_norm)
        texts_arr = name_norm.dictionary
        texts = texts_arr.to_pylist()
        # names whose phrase-vocabulary tokens agree share facts: scan each such key once
        fact_keys = self.rules.facts_keys(texts_arr).dictionary_encode()
        facts_list: list[NameFacts] = []
        facts_ids: dict[Hashable, int] = {}
        distinct_keys = fact_keys.dictionary.to_pylist()
        key_facts_id = np.empty(len(distinct_keys), np.int64)
        for i, key in enumerate(distinct_keys):
            try:
                facts = self.rules.name_facts(key)
                sig = _facts_signature(facts)
            except Exception:  # noqa: BLE001 - one bad record must not stop the batch
                key_facts_id[i] = -1
                continue
            fid = facts_ids.get(sig)
            if fid is None:
                fid = facts_ids[sig] = len(facts_list)
                facts_list.append(facts)
            key_facts_id[i] = fid
        norm_facts_id = key_facts_id[_indices(fact_keys)]

        # one rule decision per distinct (name facts, authority match, host)
        row_norm = name_norm_id[name_ids]
        row_facts = norm_facts_id[row_norm]
        row_match = auth_match_id[auth_ids]
        row_host = url_host_id[url_ids]
        n_m, n_h = max(len(matches), 1), len(hosts)
        error = (row_facts < 0) | (row_host < 0)
        keys = np.where(error, -1, (row_facts * n_m + row_match) * n_h + row_host)
        uniq, row_decision = np.unique(keys, return_inverse=True)
        entries: list[tuple[Decision, NameFacts, AuthorityMatch, HostRule | None]] = []
        append, decide = entries.append, self.rules.decide
        rest, uniq_host = np.divmod(uniq, n_h)
        uniq_facts, uniq_match = np.divmod(rest, n_m)
        for key, fid, mid, hid in zip(
            uniq.tolist(), uniq_facts.tolist(), uniq_match.tolist(), uniq_host.tolist(), strict=True
        ):
            if key < 0:
                append((Decision(method="error"), NameFacts(), AuthorityMatch(), None))
                continue
            facts, am, host = facts_list[fid], matches[mid], hosts[hid]
            try:
                append((decide(facts, am, host), facts, am, host))
            except Exception:  # noqa: BLE001 - one bad record must not stop the batch
                append((Decision(method="error"), NameFacts(), AuthorityMatch(), None))
        row_decision = row_decision.reshape(-1).astype(np.int64)
        row_decision = self._apply_model(entries, row_decision, row_norm, texts)
        return self._table(name_col, auth_col, url_col, url_ids, url_vals, entries, row_decision)

    def _table(
        self,
        name_col: pa.Array,
        auth_col: pa.Array,
        url_col: pa.Array,
        url_ids: np.ndarray,
        url_vals: list[str | None],
        entries: list[Entry],
        row_decision: np.ndarray,
    ) -> pa.Table:
        """Assemble the output: one attribute tuple per distinct code, taken per row in C."""
        out_schema = self.output_schema()
        coded_fields = list(out_schema)[3:]
        index: dict[Hashable, int] = {}
        uniq: list[tuple[Any, ...]] = []
        entry_attr: list[int] = []
        for d, _facts, _am, host in entries:
            key = (
                d.credential_type,
                id(d.family),
                d.provider,
                d.platform,
                d.extra_stackable,
                d.method,
                d.confidence,
                host is not None,
            )
            i = index.get(key)
            if i is None:
                i = index[key] = len(uniq)
                uniq.append(self._attributes(d, host is not None))
            entry_attr.append(i)
        attr_of = np.array(entry_attr, np.int32)
        take = pa.array(attr_of[row_decision] if len(entries) else [], pa.int32())
        columns = list(zip(*uniq, strict=True)) if uniq else [()] * len(coded_fields)
        arrays = [
            pa.array(list(col), f.type).take(take)
            for f, col in zip(coded_fields, columns, strict=True)
        ]
        if any(_needs_reducing(u) for u in url_vals):
            safe = pa.array([_safe_host(u) for u in url_vals], pa.string())
            url_col = safe.take(pa.array(url_ids, pa.int64()))
        return pa.Table.from_arrays([name_col, auth_col, url_col] + arrays, schema=out_schema)

    def _authorities(self, auths: list[str | None]) -> dict[str | None, AuthorityMatch]:
        """Resolve each distinct authority once; misspelt ones by fuzzy alias matching."""
        out = {
            a: self.rules.authority(a)
            for a in sorted(set(auths), key=lambda x: (x is None, x or ""))
        }
        unresolved = [a for a, m in out.items() if m.method == "raw" and a]
        if unresolved:
            queries = [normalise(a) for a in unresolved]
            scores = process.cdist(
                queries, self._alias_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, workers=1
            )
            for a, row in zip(unresolved, scores, strict=True):
                best = int(row.argmax())
                alias = self._alias_keys[best]
                short = {w for w in normalise(a).split() if len(w) <= 3}
                # a typo is forgiven in long words, not in short distinguishing ones ("BC"/"MB")
                # and a typo rarely hits the first letter ("Scaler" is not Zscaler)
                if (
                    row[best] >= FUZZY_CUTOFF
                    and len(normalise(a)) >= 5
                    and normalise(a)[:1] == alias[:1]
                    and short <= set(alias.split())
                ):
                    prov, unit, plat = self.catalogue.aliases[alias]
                    match = self.rules._match(prov, unit, plat, "fuzzy")
                    out[a] = match
        return out

    def _fallback(self) -> FallbackModel:
        """The fallback model (trained on first use, then cached per catalogue version)."""
        if self._model is None:
            from microcred.coding.credentials.model import fit_fallback

            self._model = fit_fallback(self.catalogue)
        return self._model

    def _apply_model(
        self,
        entries: list[Entry],
        row_decision: np.ndarray,
        row_norm: np.ndarray,
        texts: list[str],
    ) -> np.ndarray:
        """Send the residue the rules could not decide (or decided weakly) to the model.

        A residue decision is split per distinct normalised name (the model reads the name),
        appended to ``entries``; returns the rows' decision indexes pointing at the split ones.
        """
        needs = np.fromiter((e[0].needs_model for e in entries), bool, len(entries))
        if not needs.any():
            return row_decision
        rows = np.flatnonzero(needs[row_decision])
        n_t = len(texts)
        pairs, inverse = np.unique(row_decision[rows] * n_t + row_norm[rows], return_inverse=True)
        row_decision = row_decision.copy()
        row_decision[rows] = len(entries) + inverse.reshape(-1)
        residue: list[tuple[int, str]] = []
        for pair in pairs.tolist():
            e, t = divmod(pair, n_t)
            d, facts, am, host = entries[e]
            residue.append((len(entries), texts[t]))
            entries.append((dataclasses.replace(d), facts, am, host))
        vocab = vocabulary(self.catalogue)
        asked: list[tuple[int, str]] = []
        for e, text in residue:
            d = entries[e][0]
            if any(w in vocab for w in text.split()):
                asked.append((e, text))
            elif d.credential_type != "unknown" and d.confidence < self.min_confidence:
                d.credential_type, d.method = "unknown", "none"
        if not asked:
            return row_decision
        distinct = sorted({text for _, text in asked})  # the model reads only the name
        labels, probs = self._fallback().predict(distinct)
        predicted = dict(zip(distinct, zip(labels, probs, strict=True), strict=True))
        for e, text in asked:
            label, prob = predicted[text]
            d, facts, am, host = entries[e]
            prob = round(float(prob), 4)
            if prob < self.min_confidence or prob <= d.confidence:
                if d.credential_type != "unknown" and d.confidence < self.min_confidence:
                    d.credential_type, d.method = "unknown", "none"
                continue
            if label in EXAM_TYPES and d.credential_type == "unknown" and am.provider is None:
                # an exam type needs a named issuer; the model alone cannot tell who
                continue
            new = self.rules._finish(
                Decision(), label, "model", prob, am, facts.mention, host, facts
            )
            entries[e] = (new, facts, am, host)
        return row_decision

    def _attributes(self, d: Decision, has_host: bool) -> tuple[Any, ...]:
        """Every coded field after ``url_host``, in output order, for one decision.

        A decision below ``min_confidence`` (the study's ``credential_min_confidence``) is
        published as ``unknown``: the threshold holds for rule and model decisions alike.
        """
        ctype = d.credential_type
        if ctype != "unknown" and d.confidence < self.min_confidence:
            ctype = "unknown"
        fam = d.family
        prov: Provider | None = self.catalogue.provider(d.provider)
        known = ctype != "unknown"
        flags = [None if not known else ctype in defn.types for defn in self.definitions]
        platform_rec = self.catalogue.provider(d.platform) or (
            prov if prov is not None and prov.kind == "platform" else None
        )
        assessed = fam.assessed if fam and fam.assessed else None
        if assessed is None and known:
            assessed = ASSESSED_BY_TYPE.get(ctype)
            if assessed is None and ctype == "mooc_certificate" and platform_rec is not None:
                assessed = platform_rec.assessed
        expires = None
        if fam is not None:
            if fam.validity_years is not None:
                expires = "yes" if fam.validity_years > 0 else "no"
            elif fam.expires:
                expires = fam.expires
        if expires is None and known:
            expires = EXPIRES_BY_TYPE.get(ctype)
            if expires is None and ctype in ("mooc_certificate", "bootcamp_certificate"):
                rec = platform_rec if platform_rec is not None else prov
                expires = rec.expires if rec is not None else None
        return (
            ctype,
            *flags,
            d.provider,
            prov.kind if prov else None,
            d.platform,
            "yes" if has_host else "unknown",
            assessed or "unknown",
            fam.workload_hours if fam else None,
            (fam.stackable if fam and fam.stackable else d.extra_stackable) or "unknown",
            expires or "unknown",
            prov.country if prov else None,
            fam.family if fam else None,
            round(d.confidence, 4) if known else 0.0,
            d.method if known else ("error" if d.method == "error" else "none"),
            TAXONOMY_VERSION,
        )


def _resolved(settings: CoderSettings | None) -> tuple[list[Definition], float]:
    study = (settings or CoderSettings()).study
    return list(study.definitions), float(study.coding.credential_min_confidence)


def _fingerprint(definitions: Sequence[Definition], min_confidence: float) -> str:
    return coder_fingerprint(
        "credentials",
        TAXONOMY_VERSION,
        files=sorted(CATALOGUE_DATA.glob("*.yaml")),
        settings={
            "definitions": [[d.name, sorted(d.types)] for d in definitions],
            "min_confidence": float(min_confidence),
        },
        code=package_sources(Path(__file__).parent),
    )


def _needs_reducing(url: str | None) -> bool:
    return url is not None and ("://" in url or url.count("/") > 1 or "?" in url)


def _safe_host(url: str | None) -> str | None:
    """An already reduced ``url_host`` as given (it is the join key); a full URL reduced,
    because the rest of a verification URL identifies the person."""
    if _needs_reducing(url):
        return reduce_url(url) or None
    return url


def _as_strings(batch: pa.Table, column: str) -> pa.Array:
    col = batch[column]
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        return (
            col.combine_chunks().cast(pa.string()) if col.num_chunks else pa.array([], pa.string())
        )
    return pa.array([None if v is None else str(v) for v in col.to_pylist()], pa.string())


def _encoded(batch: pa.Table, column: str, n: int) -> tuple[pa.Array, np.ndarray, list[str | None]]:
    """The column as a string array, each row's index into its distinct values, and those."""
    if column not in batch.column_names:
        return pa.nulls(n, pa.string()), np.zeros(n, np.int64), [None]
    arr = _as_strings(batch, column)
    encoded = arr.dictionary_encode(null_encoding="encode")
    return arr, _indices(encoded), encoded.dictionary.to_pylist()


def _encoded_names(batch: pa.Table, n: int) -> tuple[pa.Array, np.ndarray, pa.Array]:
    """The name column as strings, each row's index into its distinct values, and those
    distinct values as an Arrow array (they are normalised by Arrow kernels)."""
    arr = _as_strings(batch, "name")
    encoded = arr.dictionary_encode(null_encoding="encode")
    return arr, _indices(encoded), encoded.dictionary


def _indices(encoded: pa.DictionaryArray) -> np.ndarray:
    out: np.ndarray = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return out


def _facts_signature(facts: NameFacts) -> tuple[Hashable, ...]:
    """Exactly what the rules read from a name's facts: equal signatures decide alike.

    Why so narrow: the rules run once per distinct (signature, authority, host), so every
    field left out that no rule reads (the matched phrase text, providers after the first
    platform) merges combinations that would decide the same way.
    """
    words = facts.words
    family = facts.family
    return (
        id(family),
        _is_code(facts.family_phrase) if family is not None else None,
        frozenset(facts.keywords),
        id(facts.mention),
        facts.mention_unit,
        next((p.name for p, _, _ in facts.providers if p.kind == "platform"), None),
        facts.prep,
        facts.certificat,
        "microprogramme" in words,
        "programme" in words and "court" in words,
        "certificate" in words,
        bool(words & CERTIFIED_WORDS),  # steps.owner_kind: a vendor badge names no exam
        words >= PROFESSIONAL_CERTIFICATE,  # steps.name_keywords: a vendor's course series
        "mooc" in words,  # steps.name_keywords: an institution's MOOC
        # steps._acronym_of_another_issuer: a family found by a short all-letter code
        family is not None and facts.family_phrase.isalpha() and len(facts.family_phrase) <= 4,
    )
