"""``CredentialCoder``: distinct (name, authority, url_host) triples → credential codes.

Why this shape: the pipeline codes each distinct credential once and joins the codes
back to people, so the coder works on a table of distinct strings, loads its knowledge
once, and never looks at anything that identifies a person.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
from rapidfuzz import fuzz, process

from microcred import schema
from microcred.coding.credentials.catalogue import Catalogue, Provider, load_catalogue
from microcred.coding.credentials.model import vocabulary
from microcred.coding.credentials.rules import (
    EXAM_TYPES,
    AuthorityMatch,
    Decision,
    NameFacts,
    RuleSet,
)
from microcred.coding.credentials.text import host_candidates, normalise, reduce_url
from microcred.config import Definition, StudyConfig
from microcred.datadir import DataDir

TAXONOMY_VERSION = "microcred credential taxonomy v1"
FUZZY_CUTOFF = 90.0  # rapidfuzz ratio (0-100) for a misspelt authority to count as an alias
ASSESSED_BY_TYPE = {
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
        self._model = None  # FallbackModel, trained on first use
        self._vocabulary: frozenset[str] | None = None

    @classmethod
    def load(
        cls,
        definitions: list[Definition] | None = None,
        data_dir: DataDir | None = None,
        min_confidence: float | None = None,
    ) -> CredentialCoder:
        """Load the catalogue (kept in the repository; ``data_dir`` is accepted for the common
        coder signature and not needed) for the given definitions (default: the study's)."""
        config = StudyConfig()
        defs = definitions if definitions is not None else config.definitions
        conf = config.coding.credential_min_confidence if min_confidence is None else min_confidence
        return cls(load_catalogue(), defs, conf)

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
        """Code every row of ``batch`` (columns ``name`` and optionally ``authority``, ``url_host``)."""
        if "name" not in batch.column_names:
            raise ValueError(f"credential batch needs a 'name' column, got {batch.column_names}")
        n = batch.num_rows
        names = _strings(batch, "name", n)
        auths = _strings(batch, "authority", n)
        urls = _strings(batch, "url_host", n)

        auth_matches = self._authorities(auths)
        host_cache: dict[str | None, object] = {}
        # triples that normalise to the same name, authority match and host share a decision
        shared: dict[tuple, tuple[Decision, NameFacts, AuthorityMatch, object]] = {}
        decisions: dict[tuple, tuple[Decision, NameFacts, AuthorityMatch, object]] = {}
        for triple in zip(names, auths, urls, strict=True):
            if triple in decisions:
                continue
            name, auth, url = triple
            try:
                host = host_cache.get(url, host_cache)
                if host is host_cache:
                    host = host_cache[url] = self.rules.host(list(host_candidates(reduce_url(url))))
                am = auth_matches[auth]
                name_n = normalise(name)
                key = (name_n, am.signature, id(host))
                entry = shared.get(key)
                if entry is None:
                    facts = self.rules.name_facts(name_n)
                    entry = shared[key] = (self.rules.decide(facts, am, host), facts, am, host)  # type: ignore[arg-type]
                decisions[triple] = entry
            except Exception:  # noqa: BLE001 - one bad record must not stop the batch
                decisions[triple] = (
                    Decision(method="error"),
                    NameFacts(),
                    AuthorityMatch(),
                    None,
                )
        self._apply_model(decisions)
        return self._table(names, auths, urls, decisions)

    def _table(self, names: list, auths: list, urls: list, decisions: dict) -> pa.Table:
        """Assemble the output: one attribute tuple per distinct code, taken per row in C."""
        out_schema = self.output_schema()
        coded_fields = list(out_schema)[3:]
        index: dict[tuple, int] = {}
        uniq: list[tuple] = []
        rows: list[int] = []
        append = rows.append
        for triple in zip(names, auths, urls, strict=True):
            d, _facts, _am, host = decisions[triple]
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
            append(i)
        take = pa.array(rows, pa.int32())
        columns = list(zip(*uniq, strict=True)) if uniq else [()] * len(coded_fields)
        arrays = [
            pa.array(list(col), f.type).take(take)
            for f, col in zip(coded_fields, columns, strict=True)
        ]
        safe_urls = (
            [_safe_host(u) for u in urls] if any(_needs_reducing(u) for u in set(urls)) else urls
        )
        head = [
            pa.array(names, pa.string()),
            pa.array(auths, pa.string()),
            pa.array(safe_urls, pa.string()),
        ]
        return pa.Table.from_arrays(head + arrays, schema=out_schema)

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
                if (
                    row[best] >= FUZZY_CUTOFF
                    and len(normalise(a)) >= 5
                    and short <= set(alias.split())
                ):
                    prov, unit, plat = self.catalogue.aliases[alias]
                    match = self.rules._match(prov, unit, plat, "fuzzy")
                    out[a] = match
        return out

    def _fallback(self):
        """The fallback model (trained on first use, then cached per catalogue version)."""
        if self._model is None:
            from microcred.coding.credentials.model import fit_fallback

            self._model = fit_fallback(self.catalogue)
        return self._model

    def _apply_model(self, decisions: dict) -> None:
        """Send the residue the rules could not decide (or decided weakly) to the model."""
        residue = sorted(
            (t for t, (d, *_rest) in decisions.items() if d.needs_model),
            key=lambda t: tuple("" if x is None else x for x in t),
        )
        if not residue:
            return
        vocab = vocabulary(self.catalogue)
        texts = [normalise(t[0]) for t in residue]
        known = [any(w in vocab for w in text.split()) for text in texts]
        for triple, ok in zip(residue, known, strict=True):
            d = decisions[triple][0]
            if not ok and d.credential_type != "unknown" and d.confidence < self.min_confidence:
                d.credential_type, d.method = "unknown", "none"
        residue = [t for t, ok in zip(residue, known, strict=True) if ok]
        texts = [t for t, ok in zip(texts, known, strict=True) if ok]
        if not residue:
            return
        labels, probs = self._fallback().predict(texts)
        for triple, label, prob in zip(residue, labels, probs, strict=True):
            d, facts, am, host = decisions[triple]
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
            )  # type: ignore[arg-type]
            decisions[triple] = (new, facts, am, host)

    def _attributes(self, d: Decision, has_host: bool) -> tuple:
        """Every coded field after ``url_host``, in output order, for one decision."""
        ctype = d.credential_type
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


def _needs_reducing(url: str | None) -> bool:
    return url is not None and ("://" in url or url.count("/") > 1 or "?" in url)


def _safe_host(url: str | None) -> str | None:
    """An already reduced ``url_host`` as given (it is the join key); a full URL reduced,
    because the rest of a verification URL identifies the person."""
    if _needs_reducing(url):
        return reduce_url(url) or None
    return url


def _strings(batch: pa.Table, column: str, n: int) -> list[str | None]:
    if column not in batch.column_names:
        return [None] * n
    values = batch[column].to_pylist()
    return [None if v is None else str(v) for v in values]
