"""Building blocks for the LinkedIn fault-injection tests: exports, zips, patched zip headers."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

PROFILE = (
    "First Name,Last Name,Maiden Name,Address,Birth Date,Headline,Summary,Industry,Zip Code,"
    "Geo Location,Twitter Handles,Websites,Instant Messengers\n"
    'Ada,Fictional,,,,Analyst,,Software Development,,"Toronto, Ontario, Canada",,,\n'
)
POSITIONS = (
    "Company Name,Title,Description,Location,Started On,Finished On\n"
    'Northwind,Data Analyst,"Built dashboards, models",Toronto,Jan 2021,\n'
    "Contoso,Junior Analyst,,Ottawa,Mar 2018,Dec 2020\n"
)
CERTIFICATIONS = (
    "Name,Url,Authority,Started On,Finished On,License Number\n"
    "AWS Certified Cloud Practitioner,https://www.credly.com/badges/x1,Amazon Web Services,"
    "Jan 2022,Jan 2025,AB12\n"
    "SQL Essential Training,https://www.linkedin.com/learning/certificates/abc,LinkedIn,Feb 2023,,\n"
)
LEARNING = (
    "Content Title,Content Description,Content Type,Content Last Watched Date (if viewed),"
    "Content Completed At (if completed),Content Saved,Notes taken on videos (if taken)\n"
    "SQL Essential Training,,Course,2023-02-01 10:00 UTC,2023-02-02 10:00 UTC,false,\n"
    "Learning Python,,Course,2023-03-01 10:00 UTC,2023-03-02 10:00 UTC,false,\n"
    "Intro to Excel,,Video,2023-04-01 10:00 UTC,2023-04-01 11:00 UTC,false,\n"
    "Power BI Essentials,,Course,2023-05-01 10:00 UTC,N/A,true,\n"
)
SKILLS = "Name\nPython\nSQL\n"
FULL = {
    "Profile.csv": PROFILE,
    "Positions.csv": POSITIONS,
    "Certifications.csv": CERTIFICATIONS,
    "Learning.csv": LEARNING,
    "Skills.csv": SKILLS,
}


def person(i: int) -> dict[str, str | bytes]:
    """A full export of a distinct person (another name in Profile.csv)."""
    return {**FULL, "Profile.csv": PROFILE.replace("Ada,", f"Ada{i},")}


def write_export(folder: Path, files: dict[str, str | bytes] | None = None) -> Path:
    """An export folder with ``files`` (default: a full small export)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in (FULL if files is None else files).items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return folder


def zip_bytes(entries: dict[str, str | bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip (as bytes) of ``entries`` name → content."""
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, content in entries.items():
            zf.writestr(name, content.encode() if isinstance(content, str) else content)
    return buf.getvalue()


def zip_folder(folder: Path, target: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                zf.write(f, prefix + f.relative_to(folder).as_posix())
    return target


def export_zip(prefix: str = "", files: dict[str, str | bytes] | None = None) -> bytes:
    """A zip of one export (``files``, default a full one), under ``prefix`` inside."""
    return zip_bytes({prefix + k: v for k, v in (FULL if files is None else files).items()})


def patch_headers(
    data: bytes, name: str, *, method: int | None = None, flags: int | None = None
) -> bytes:
    """Rewrite the compression method and/or flag bits of member ``name`` in both headers."""
    out = bytearray(data)
    raw = name.encode()
    pos = 0
    while (pos := out.find(b"PK\x03\x04", pos)) >= 0:
        (n,) = struct.unpack_from("<H", out, pos + 26)
        if bytes(out[pos + 30 : pos + 30 + n]) == raw:
            if flags is not None:
                struct.pack_into("<H", out, pos + 6, flags)
            if method is not None:
                struct.pack_into("<H", out, pos + 8, method)
        pos += 4
    pos = 0
    while (pos := out.find(b"PK\x01\x02", pos)) >= 0:
        (n,) = struct.unpack_from("<H", out, pos + 28)
        if bytes(out[pos + 46 : pos + 46 + n]) == raw:
            if flags is not None:
                struct.pack_into("<H", out, pos + 8, flags)
            if method is not None:
                struct.pack_into("<H", out, pos + 10, method)
        pos += 4
    return bytes(out)


def bomb_zip(name: str, size: int, extra: dict[str, str | bytes] | None = None) -> bytes:
    """A zip whose member ``name`` inflates to ``size`` zero bytes (written in chunks)."""
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, v in (extra or {}).items():
            zf.writestr(k, v)
        with zf.open(name, "w", force_zip64=True) as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(size >> 20):
                fh.write(chunk)
    return buf.getvalue()


def symlink_member_zip(name: str, target: str, extra: dict[str, str]) -> bytes:
    import io
    import stat

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for k, v in extra.items():
            zf.writestr(k, v)
        info = zipfile.ZipInfo(name)
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, target)
    return buf.getvalue()


def corrupt_crc(data: bytes, needle: bytes) -> bytes:
    """Flip one byte of a STORED member's content (found by ``needle``): its CRC no longer holds."""
    i = data.index(needle)
    return data[:i] + bytes([data[i] ^ 0x20]) + data[i + 1 :]
