"""Statistics Canada tables: read full-table CSV downloads, map them to microcred codes.

Why: weighting needs population margins (occupation × province, education ...)
and Statistics Canada publishes them as "full table" CSV downloads — a zip with
``<pid>.csv`` (data) and ``<pid>_MetaData.csv`` — through its Web Data Service.
This module reads both layouts in use:

- the **standard** layout: ``REF_DATE, GEO, DGUID, <dimension columns>, UOM,
  UOM_ID, SCALAR_FACTOR, SCALAR_ID, VECTOR, COORDINATE, VALUE, STATUS, SYMBOL,
  TERMINATED, DECIMALS`` (UTF-8 with a byte-order mark);
- the **Census data-table** layout, where the last dimension is laid across
  columns headed ``<Dimension> (<n>):<Member>[<id>]`` (each optionally followed
  by a ``Symbol`` column), which is melted back to one value a row.

Dimension labels are mapped to microcred codes: NOC 2021 ("21211 Data scientists"
or "Data scientists [21211]" → ``21211``), geography (GEO name or DGUID →
``ON``, ``QC`` ..., ``Canada`` → ``CA``), age ("25 to 34 years" → ``25-34``),
education (see ``EDUCATION_LEVELS``) and gender. Totals and aggregates
("Total - ...", "Bachelor's degree or higher", "25 to 64 years" when finer bands
exist, members with children in the metadata) are flagged in ``<dim>_total`` /
``<dim>_aggregate`` so that margins are built from mutually exclusive cells only.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

WDS_BASE_URL = "https://www150.statcan.gc.ca/t1/wds/rest"
STANDARD_TAIL = [
    "UOM", "UOM_ID", "SCALAR_FACTOR", "SCALAR_ID", "VECTOR", "COORDINATE", "VALUE", "STATUS",
    "SYMBOL", "TERMINATED", "DECIMALS",
]  # fmt: skip

# Standard Geographical Classification codes of provinces and territories.
SGC_TO_PROVINCE = {
    "10": "NL", "11": "PE", "12": "NS", "13": "NB", "24": "QC", "35": "ON", "46": "MB",
    "47": "SK", "48": "AB", "59": "BC", "60": "YT", "61": "NT", "62": "NU",
}  # fmt: skip
PROVINCE_NAMES = {
    "newfoundland and labrador": "NL", "prince edward island": "PE", "nova scotia": "NS",
    "new brunswick": "NB", "quebec": "QC", "québec": "QC", "ontario": "ON", "manitoba": "MB",
    "saskatchewan": "SK", "alberta": "AB", "british columbia": "BC", "yukon": "YT",
    "northwest territories": "NT", "nunavut": "NU",
}  # fmt: skip

# microcred education levels (coding.education), lowest to highest.
EDUCATION_LEVELS = (
    "no_postsecondary", "apprenticeship_trades", "college", "bachelor", "graduate_certificate",
    "master", "doctorate", "professional_degree",
)  # fmt: skip
# Census 2021 "Highest certificate, diploma or degree" members → (level, is_aggregate).
EDUCATION_LABELS: dict[str, tuple[str | None, bool]] = {
    "no certificate, diploma or degree": ("no_postsecondary", False),
    "high (secondary) school diploma or equivalency certificate": ("no_postsecondary", False),
    "postsecondary certificate, diploma or degree": (None, True),
    "postsecondary certificate or diploma below bachelor level": (None, True),
    "apprenticeship or trades certificate or diploma": ("apprenticeship_trades", True),
    "non-apprenticeship trades certificate or diploma": ("apprenticeship_trades", False),
    "apprenticeship certificate": ("apprenticeship_trades", False),
    "college, cegep or other non-university certificate or diploma": ("college", False),
    # A sub-bachelor university certificate sits with college-level credentials.
    "university certificate or diploma below bachelor level": ("college", False),
    "bachelor's degree or higher": (None, True),
    "bachelor's degree": ("bachelor", False),
    "university certificate or diploma above bachelor level": ("graduate_certificate", False),
    "degree in medicine, dentistry, veterinary medicine or optometry": (
        "professional_degree",
        False,
    ),
    "master's degree": ("master", False),
    "earned doctorate": ("doctorate", False),
}
GENDER_LABELS = {"men+": "man", "men": "man", "males": "man", "women+": "woman", "women": "woman", "females": "woman"}  # fmt: skip
NOC_LEVELS = {1: "broad", 2: "major", 3: "sub_major", 4: "minor", 5: "unit_group"}

_PIVOT_HEADER = re.compile(r"^(?P<dim>.+?\(\d+[A-Z]?\)):\s*(?P<member>.*?)\s*\[(?P<id>\d+)\]$")
_DIM_COUNT = re.compile(r"\s*\(\d+[A-Z]?\)\s*$")
_FOOTNOTE = re.compile(r"\s*\d+$")


class StatCanError(ValueError):
    """A Statistics Canada file is not in the expected layout (names file, row and field)."""


class StatCanDownloadError(RuntimeError):
    """A table could not be downloaded (offline, wrong id, server error)."""


# ---- label mapping -----------------------------------------------------------------------


def dimension_kind(header: str) -> str:
    """The microcred column a dimension maps to: noc2021, education_level, age_band, gender or a slug."""
    name = _DIM_COUNT.sub("", header).strip().lower()
    if "occupation" in name or "noc" in name.split():
        return "noc2021"
    if "highest certificate" in name or "education" in name:
        return "education_level"
    if re.search(r"\bage\b", name):
        return "age_band"
    if "gender" in name or re.search(r"\bsex\b", name):
        return "gender"
    return re.sub(r"[^a-z0-9]+", "_", name).strip("_")


def _is_total_label(label: str) -> bool:
    low = label.strip().lower()
    return low.startswith(("total", "all ")) or low in {"all", "both sexes", "total"}


def map_noc(label: str) -> tuple[str | None, str | None, bool]:
    """(code, NOC level, is_total) for an occupation member label."""
    text = label.strip()
    if _is_total_label(text) or text.lower().startswith("occupation - not applicable"):
        return None, None, True
    m = re.match(r"^(\d{1,5})\s+\S", text) or re.search(r"\[(\d{1,5})\]\s*$", text)
    if not m:
        return None, None, True  # e.g. "Management occupations [00, 10, 20]": an aggregate
    code = m.group(1)
    return code, NOC_LEVELS[len(code)], len(code) != 5


def map_education(label: str) -> tuple[str | None, bool]:
    """(microcred education level, is_aggregate) for a Census education member."""
    low = _FOOTNOTE.sub("", label.strip()).lower()
    if _is_total_label(low):
        return None, True
    if low in EDUCATION_LABELS:
        return EDUCATION_LABELS[low]
    return None, False  # unknown member: kept, with a null code, never guessed


def map_age(label: str) -> tuple[str | None, tuple[float, float] | None]:
    """(band code, interval) for an age member ("25 to 34 years" → "25-34")."""
    low = label.strip().lower()
    if m := re.match(r"^(\d+) to (\d+) years", low):
        lo, hi = int(m.group(1)), int(m.group(2))
        return f"{lo}-{hi}", (lo, hi + 1)
    if m := re.match(r"^(\d+) years and over", low):
        lo = int(m.group(1))
        return f"{lo}+", (lo, 200)
    if m := re.match(r"^under (\d+) years", low):
        return f"<{m.group(1)}", (0, int(m.group(1)))
    return None, None


def map_gender(label: str) -> str | None:
    return GENDER_LABELS.get(label.strip().lower())


def map_geography(geo: str, dguid: str | None) -> tuple[str | None, str]:
    """(province code or CA, level) from the DGUID when present, else the GEO name."""
    dg = (dguid or "").strip()
    if m := re.match(r"^\d{4}A(\d{4})(\d+)$", dg):
        schema, uid = m.groups()
        if schema == "0000":
            return "CA", "canada"
        if schema == "0002" and uid in SGC_TO_PROVINCE:
            return SGC_TO_PROVINCE[uid], "province"
    name = re.sub(r"\s*\[\d+\]$", "", geo.strip()).lower()
    if name == "canada":
        return "CA", "canada"
    if name in PROVINCE_NAMES:
        return PROVINCE_NAMES[name], "province"
    return None, "other"


def _aggregate_ages(
    intervals: Mapping[str, tuple[float, float] | None],
) -> tuple[set[str], str | None]:
    """(labels whose interval strictly contains another present interval, the widest one
    if it contains every other interval — e.g. "15 years and over" — else None)."""
    agg = set()
    items = [(k, v) for k, v in intervals.items() if v is not None]
    for k, (lo, hi) in items:
        for k2, (lo2, hi2) in items:
            if k2 != k and lo <= lo2 and hi2 <= hi and (lo, hi) != (lo2, hi2):
                agg.add(k)
                break
    widest = None
    for k, (lo, hi) in items:
        if len(items) > 1 and all(lo <= lo2 and hi2 <= hi for _, (lo2, hi2) in items):
            widest = k
    return agg, widest


# ---- reading --------------------------------------------------------------------------------


def _read_text(path: Path) -> tuple[str, str]:
    """(csv text, name) from a .csv, or the data CSV inside a StatCan .zip."""
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as zf:
            names = [
                n
                for n in zf.namelist()
                if n.lower().endswith(".csv") and "metadata" not in n.lower()
            ]
            if not names:
                raise StatCanError(f"{path}: no data CSV inside the zip")
            return zf.read(names[0]).decode("utf-8-sig"), f"{path}!{names[0]}"
    return path.read_text(encoding="utf-8-sig"), str(path)


def read_metadata(path: Path) -> dict[str, Any]:
    """Title and member hierarchy from a ``<pid>_MetaData.csv`` (or the zip holding it).

    Returns ``{"title": str | None, "hierarchy": {dimension name: (roots, parents)}}``:
    roots (members without a parent that have children) are grand totals, other
    members with children are aggregates.
    """
    text = _metadata_text(path)
    if text is None:
        return {"title": None, "hierarchy": {}}
    rows = list(csv.reader(io.StringIO(text)))
    title, dims, members = None, {}, []
    section = None
    for row in rows:
        if not row or not any(cell.strip() for cell in row):
            continue
        head = row[0].strip()
        if head == "Cube Title":
            section = "cube"
            continue
        if head == "Dimension ID" and len(row) > 1 and row[1].strip() == "Dimension name":
            section = "dims"
            continue
        if head == "Dimension ID" and len(row) > 1 and row[1].strip() == "Member Name":
            section = "members"
            continue
        if head in ("Symbol Legend", "Footnote ID", "Correction ID"):
            section = None
            continue
        if section == "cube" and title is None:
            title = head
        elif section == "dims" and head.isdigit():
            dims[head] = row[1].strip()
        elif section == "members" and head.isdigit() and len(row) >= 5:
            members.append((head, row[1].strip(), row[3].strip(), row[4].strip()))
    return {"title": title, "hierarchy": _hierarchy(dims, members)}


def _metadata_text(path: Path) -> str | None:
    """The metadata CSV's text: the file, or the member of a zip named like it (None: none)."""
    if path.suffix.lower() != ".zip":
        return path.read_text(encoding="utf-8-sig")
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if "metadata" in n.lower()]
        return zf.read(names[0]).decode("utf-8-sig") if names else None


def _hierarchy(
    dims: dict[str, str], members: list[tuple[str, str, str, str]]
) -> dict[str, tuple[set[str], set[str]]]:
    """Per dimension name: (grand totals, aggregates) among its members (dim, name, id, parent)."""
    hierarchy: dict[str, tuple[set[str], set[str]]] = {}
    for dim_id in dims:
        ids = {mid: name for d, name, mid, _ in members if d == dim_id}
        parent_ids = {pid for d, _, _, pid in members if d == dim_id and pid}
        parents = {ids[p] for p in parent_ids if p in ids}
        roots = {name for d, name, _, pid in members if d == dim_id and not pid and name in parents}
        hierarchy[dims[dim_id]] = (roots, parents)
    return hierarchy


def _records(text: str, source: str) -> tuple[list[str], list[list[str]]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration as exc:
        raise StatCanError(f"{source}: empty file") from exc
    for required in ("REF_DATE", "GEO"):
        if required not in header:
            raise StatCanError(f"{source}: header row lacks {required!r}; got {header[:6]}")
    rows = [r for r in reader if r and any(c.strip() for c in r)]
    return header, rows


def _to_long(
    header: list[str], rows: list[list[str]], source: str
) -> tuple[pd.DataFrame, list[str]]:
    """Standard or Census-pivot rows → one value a row, raw labels; returns (frame, dim columns)."""
    start = header.index("DGUID") + 1 if "DGUID" in header else header.index("GEO") + 1
    for lineno, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise StatCanError(
                f"{source}: row {lineno} has {len(row)} fields, header has {len(header)}"
            )
    if "VALUE" in header:
        end = header.index("UOM") if "UOM" in header else header.index("VALUE")
        dims = header[start:end]
        df = pd.DataFrame(rows, columns=header)
        return df, dims
    pivot = [(i, _PIVOT_HEADER.match(h)) for i, h in enumerate(header)]
    value_cols = [(i, m) for i, m in pivot if m]
    if not value_cols:
        raise StatCanError(f"{source}: neither a VALUE column nor Census pivot columns found")
    first = value_cols[0][0]
    dims = [h for h in header[start:first] if h not in ("COORDINATE", "Coordinate")]
    pivot_dim = value_cols[0][1].group("dim")
    out = []
    for row in rows:
        base = dict(zip(header[:first], row[:first], strict=True))
        for i, m in value_cols:
            status = (
                row[i + 1]
                if i + 1 < len(header) and header[i + 1].lower().startswith("symbol")
                else ""
            )
            out.append({**base, pivot_dim: m.group("member"), "VALUE": row[i], "STATUS": status})
    return pd.DataFrame(out), [*dims, pivot_dim]


def _num(values: pd.Series, source: str, field: str) -> np.ndarray:
    out = np.full(len(values), np.nan)
    for k, v in enumerate(values.fillna("").astype(str)):
        v = v.strip().replace(",", "")
        if v in ("", "..", "...", "x", "X", "F"):
            continue
        try:
            out[k] = float(v)
        except ValueError as exc:
            raise StatCanError(
                f"{source}: row {k + 2}, field {field}: not a number: {v!r}"
            ) from exc
    return out


def read_statcan_table(path: str | Path, metadata: str | Path | None = None) -> pd.DataFrame:
    """A tidy frame of a Statistics Canada table (zip, or data CSV with its metadata beside it).

    Columns: ``ref_date, geo, dguid, province, geo_level``; for each dimension
    ``<kind>`` (code), ``<kind>_label`` (member as published), ``<kind>_total`` (the
    dimension's grand total), ``<kind>_aggregate`` (a subtotal such as "Bachelor's
    degree or higher"); NOC dimensions also ``noc_level``; then
    ``value`` (scaled to units by SCALAR_ID; null when suppressed or unavailable),
    ``uom, status, vector, coordinate``.
    """
    path = Path(path)
    text, source = _read_text(path)
    header, rows = _records(text, source)
    long, dims = _to_long(header, rows, source)
    meta_path = Path(metadata) if metadata else None
    if meta_path is None:
        cand = (
            path if path.suffix.lower() == ".zip" else path.with_name(f"{path.stem}_MetaData.csv")
        )
        meta_path = cand if cand.exists() else None
    meta = read_metadata(meta_path) if meta_path else {"title": None, "hierarchy": {}}
    out = pd.DataFrame(
        {
            "ref_date": long["REF_DATE"].astype(str),
            "geo": long["GEO"].astype(str),
            "dguid": long["DGUID"].astype(str) if "DGUID" in long else "",
        }
    )
    geo = [map_geography(g, d) for g, d in zip(out.geo, out.dguid, strict=True)]
    out["province"] = [g[0] for g in geo]
    out["geo_level"] = [g[1] for g in geo]
    used: set[str] = set()
    for dim in dims:
        kind = dimension_kind(dim)
        if kind in used:
            kind = f"{kind}_{len(used)}"
        used.add(kind)
        labels = long[dim].astype(str).str.strip()
        hierarchy = meta["hierarchy"].get(_DIM_COUNT.sub("", dim).strip()) or meta["hierarchy"].get(
            dim
        )
        out[f"{kind}_label"] = labels
        total = [_is_total_label(v) for v in labels]
        aggregate = [False] * len(labels)
        if kind == "noc2021":
            mapped = [map_noc(v) for v in labels]
            out[kind] = [m[0] for m in mapped]
            out["noc_level"] = [m[1] for m in mapped]
            aggregate = [m[2] and not t for m, t in zip(mapped, total, strict=True)]
        elif kind == "education_level":
            mapped_e = [map_education(v) for v in labels]
            out[kind] = [m[0] for m in mapped_e]
            aggregate = [m[1] and not t for m, t in zip(mapped_e, total, strict=True)]
        elif kind == "age_band":
            ages = {v: map_age(v) for v in labels.unique()}
            nested, widest = _aggregate_ages({k: v[1] for k, v in ages.items()})
            has_total = any(total)
            out[kind] = [ages[v][0] for v in labels]
            aggregate = [v in nested and not (v == widest and not has_total) for v in labels]
            total = [
                t or (v == widest and not has_total) for t, v in zip(total, labels, strict=True)
            ]
        elif kind == "gender":
            out[kind] = [map_gender(v) for v in labels]
        else:
            out[kind] = labels
        if hierarchy:  # the metadata is authoritative: roots are totals, parents aggregates
            roots, parents = hierarchy
            total = [t or v in roots for t, v in zip(total, labels, strict=True)]
            aggregate = [v in parents for v in labels]
        out[f"{kind}_total"] = total
        out[f"{kind}_aggregate"] = [a and not t for a, t in zip(aggregate, total, strict=True)]
    scalar = (
        _num(long["SCALAR_ID"], source, "SCALAR_ID") if "SCALAR_ID" in long else np.zeros(len(long))
    )
    out["value"] = _num(long["VALUE"], source, "VALUE") * np.power(10.0, np.nan_to_num(scalar))
    out["uom"] = long["UOM"].astype(str) if "UOM" in long else "Number"
    out["status"] = long["STATUS"].astype(str) if "STATUS" in long else ""
    out["vector"] = long["VECTOR"].astype(str) if "VECTOR" in long else ""
    out["coordinate"] = long["COORDINATE"].astype(str) if "COORDINATE" in long else ""
    out.attrs["title"] = meta["title"]
    out.attrs["source"] = source
    return out


def margins_from_table(
    table: pd.DataFrame,
    dims: Iterable[str],
    filters: Mapping[str, str | Iterable[str]] | None = None,
    ref_date: str | None = None,
) -> pd.DataFrame:
    """Population margin over ``dims`` (e.g. ``["noc2021", "province"]``) ready for raking.

    Keeps rows where every requested dimension is a leaf (not a total or aggregate;
    NOC at unit-group level), every other dimension is at its total — unless
    ``filters`` fixes it (``{"labour_force_status": "Employed"}`` matches the label
    or the code; a list matches any) — and geography is provinces when
    ``province`` is requested, else Canada. Returns ``dims + ["population"]``.
    Cells Statistics Canada suppressed (no value) are left out.
    """
    dims = list(dims)
    filters = dict(filters or {})
    df = table
    if ref_date is not None:
        df = df[df.ref_date == ref_date]
    elif df.ref_date.nunique() > 1:
        df = df[df.ref_date == sorted(df.ref_date.unique())[-1]]
    geo_dims = {"province"}
    df = df[df.geo_level == ("province" if "province" in dims else "canada")]
    kinds = [c[: -len("_total")] for c in df.columns if c.endswith("_total")]
    for d in dims:
        if d not in geo_dims and d not in kinds:
            raise KeyError(
                f"margin dimension {d!r} not in table (has {sorted(kinds)} and province)"
            )
    mask = np.ones(len(df), dtype=bool)
    for kind in kinds:
        if kind in filters:
            want = filters[kind]
            want_set = {want} if isinstance(want, str) else set(want)
            mask &= (df[kind].isin(want_set) | df[f"{kind}_label"].isin(want_set)).to_numpy()
            if kind not in dims:
                continue
        if kind in dims:
            leaf = ~df[f"{kind}_total"] & ~df[f"{kind}_aggregate"] & df[kind].notna()
            mask &= leaf.to_numpy()
            if kind == "noc2021":
                mask &= (df["noc_level"] == "unit_group").to_numpy()
        elif kind not in filters:
            mask &= df[f"{kind}_total"].to_numpy()
    sel = df[mask & df.value.notna().to_numpy()]
    if sel.empty:
        raise ValueError(
            f"{table.attrs.get('source', 'table')}: no rows give a margin over {dims} "
            f"with filters {filters} (geography level, totals or filters do not match)"
        )
    out = sel.groupby(dims, sort=True, as_index=False)["value"].sum()
    return out.rename(columns={"value": "population"})


# ---- downloading ----------------------------------------------------------------------------


def product_id(table_id: str) -> str:
    """WDS product id: the table id's first 8 digits (98-10-0404-01 → 98100404)."""
    digits = re.sub(r"\D", "", table_id)
    if len(digits) < 8:
        raise ValueError(
            f"not a Statistics Canada table id: {table_id!r} (expected e.g. 98-10-0404-01)"
        )
    return digits[:8]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class DownloadedTable:
    table_id: str
    zip_path: Path
    checksums: dict[str, str]  # file name -> sha256
    from_cache: bool


def download_table(
    table_id: str, cache_dir: str | Path, base_url: str = WDS_BASE_URL, timeout: float = 60.0
) -> DownloadedTable:
    """Download a full table through the Web Data Service, or reuse the cached copy.

    The cache is ``<cache_dir>/<table_id>/``: the zip plus ``download.json`` with the
    source URL and sha256 of the zip and of each member. A cached zip whose checksum
    no longer matches is downloaded again.
    """
    pid = product_id(table_id)
    folder = Path(cache_dir) / table_id
    sidecar = folder / "download.json"
    if sidecar.exists():
        info = json.loads(sidecar.read_text(encoding="utf-8"))
        zpath = folder / info["zip"]
        if zpath.exists() and _sha256(zpath) == info["checksums"][info["zip"]]:
            return DownloadedTable(table_id, zpath, info["checksums"], True)
    endpoint = f"{base_url.rstrip('/')}/getFullTableDownloadCSV/{pid}/en"
    try:
        with urllib.request.urlopen(endpoint, timeout=timeout) as resp:
            answer = json.loads(resp.read().decode("utf-8"))
        if answer.get("status") != "SUCCESS" or not answer.get("object"):
            raise StatCanDownloadError(
                f"{endpoint}: Web Data Service refused table {table_id}: {answer}"
            )
        zip_url = answer["object"]
        with urllib.request.urlopen(zip_url, timeout=timeout) as resp:
            payload = resp.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise StatCanDownloadError(
            f"could not download Statistics Canada table {table_id} from {endpoint} ({exc}). "
            "Are you offline? Download the CSV by hand from "
            f"https://www150.statcan.gc.ca/t1/tbl1/en/tv.action?pid={pid}01 and pass the zip "
            "to the reader, or retry with --base-url pointing at a mirror."
        ) from exc
    except json.JSONDecodeError as exc:
        raise StatCanDownloadError(f"{endpoint}: the Web Data Service answer is not JSON") from exc
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{pid}-eng.zip"
    zpath = folder / name
    tmp = zpath.with_suffix(".part")
    tmp.write_bytes(payload)
    try:
        with zipfile.ZipFile(tmp) as zf:
            checksums = {n: hashlib.sha256(zf.read(n)).hexdigest() for n in sorted(zf.namelist())}
    except zipfile.BadZipFile as exc:
        tmp.unlink()
        raise StatCanDownloadError(f"{zip_url}: the download is not a zip file") from exc
    tmp.replace(zpath)
    checksums[name] = _sha256(zpath)
    info = {
        "table_id": table_id,
        "product_id": pid,
        "url": zip_url,
        "zip": name,
        "checksums": checksums,
    }
    sidecar.write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return DownloadedTable(table_id, zpath, checksums, False)


def load_margins(
    source: str | Path | Iterable[str | Path],
    margins: Iterable[Iterable[str]],
    filters: Mapping[str, str | Iterable[str]] | None = None,
) -> dict[tuple[str, ...], pd.DataFrame]:
    """Population margins for ``config.weighting.margins`` from a folder (or list) of tables.

    Each margin (e.g. ``["noc2021", "province"]``) is taken from the first table —
    in sorted file order — that has all its dimensions; ``filters`` restricts
    other dimensions (e.g. ``{"noc2021": [...study occupations]}`` so that the
    education margin counts only the occupations studied). Reads ``*.zip``
    downloads, or data CSVs when no zip is present. Raises ``KeyError`` naming the
    margin when no table has its dimensions.
    """
    if isinstance(source, str | Path):
        folder = Path(source)
        files = sorted(folder.glob("*.zip")) or sorted(
            p for p in folder.glob("*.csv") if not p.name.endswith("_MetaData.csv")
        )
    else:
        files = sorted(Path(p) for p in source)
    tables = [read_statcan_table(p) for p in files]
    out: dict[tuple[str, ...], pd.DataFrame] = {}
    filters = dict(filters or {})
    for spec in margins:
        key = tuple(spec)
        for table in tables:
            kinds = {c[: -len("_total")] for c in table.columns if c.endswith("_total")}
            if all(d == "province" or d in kinds for d in key):
                usable = {k: v for k, v in filters.items() if k in kinds}
                out[key] = margins_from_table(table, key, filters=usable)
                break
        else:
            raise KeyError(
                f"no Statistics Canada table among {[p.name for p in files]} has the "
                f"dimensions {list(key)}"
            )
    return out
