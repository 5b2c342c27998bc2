"""Fault injection for the LinkedIn reader: named broken inputs, each read without a crash.

Every case builds an input under a temporary folder and reads it. The reader must either
raise one intended one-line :class:`SourceError` (only for inputs unreadable as a whole)
or return a batch whose accounting balances (read = ingested + quarantined + skipped per
file, one quarantine record per dropped unit), and then the case's own check must hold.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from linkedin_kit import (
    CERTIFICATIONS,
    FULL,
    LEARNING,
    POSITIONS,
    PROFILE,
    SKILLS,
    bomb_zip,
    corrupt_crc,
    export_zip,
    patch_headers,
    person,
    symlink_member_zip,
    write_export,
    zip_bytes,
)

from microcred.limits import MIB, IngestConfig, LearningRule
from microcred.pseudonym import Pseudonymizer
from microcred.sources import SourceBatch, SourceError, read_source

KEY = Pseudonymizer(b"faults-tests-key-0123456789abcdef")


@dataclass
class Case:
    build: Callable[[Path], Path]
    check: Callable[[SourceBatch], None] | None = None
    settings: IngestConfig | None = None
    error: str | None = None  # regex of the expected SourceError


CASES: dict[str, Case] = {}


def case(
    name: str,
    check: Callable[[SourceBatch], None] | None = None,
    settings: IngestConfig | None = None,
    error: str | None = None,
) -> Callable[[Callable[[Path], Path]], Callable[[Path], Path]]:
    def register(build: Callable[[Path], Path]) -> Callable[[Path], Path]:
        assert name not in CASES, name
        CASES[name] = Case(build, check, settings, error)
        return build

    return register


# ---- checks -------------------------------------------------------------------------------


def persons(n: int) -> Callable[[SourceBatch], None]:
    def check(batch: SourceBatch) -> None:
        assert batch.tables["persons"].num_rows == n

    return check


def quarantined(file_end: str, reason: str, persons_n: int | None = None):
    """A row_dropped record for a file ending ``file_end`` whose reason contains ``reason``."""

    def check(batch: SourceBatch) -> None:
        rows = [
            r
            for r in batch.tables["quarantine"].to_pylist()
            if r["file"].endswith(file_end) and r["action"] == "row_dropped"
        ]
        assert any(reason in r["reason"] for r in rows), rows
        if persons_n is not None:
            assert batch.tables["persons"].num_rows == persons_n

    return check


def skipped(file_end: str, reason: str, rows: int | None = None, persons_n: int | None = None):
    def check(batch: SourceBatch) -> None:
        accts = [a for a in batch.accounting if a.file.endswith(file_end)]
        assert any(reason in (a.skipped_reason or "") for a in accts), [
            (a.file, a.skipped_reason) for a in batch.accounting
        ]
        if rows is not None:
            assert sum(a.rows_skipped for a in accts) == rows
        if persons_n is not None:
            assert batch.tables["persons"].num_rows == persons_n

    return check


def both(*checks: Callable[[SourceBatch], object]) -> Callable[[SourceBatch], None]:
    def check(batch: SourceBatch) -> None:
        for c in checks:
            assert c(batch) is not False  # a predicate (lambda) must hold too

    return check


def column(table: str, name: str, expected: list) -> Callable[[SourceBatch], None]:
    def check(batch: SourceBatch) -> None:
        assert batch.tables[table].column(name).to_pylist() == expected

    return check


def credential_origins(expected: dict[str, int]) -> Callable[[SourceBatch], None]:
    def check(batch: SourceBatch) -> None:
        origins = batch.tables["credentials"].column("origin").to_pylist()
        assert {o: origins.count(o) for o in set(origins)} == expected

    return check


def one_export(tmp: Path, files: dict[str, str | bytes]) -> Path:
    """A cohort folder with one good export and one export made of ``files``."""
    root = tmp / "cohort"
    write_export(root / "good")
    write_export(root / "odd", files)
    return root


def with_file(name: str, content: str | bytes) -> dict[str, str | bytes]:
    return {**FULL, name: content}


def write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


# ---- containers -----------------------------------------------------------------------------


@case("single_export_folder", persons(1))
def _(tmp: Path) -> Path:
    return write_export(tmp / "ada")


@case("single_export_zip_flat", persons(1))
def _(tmp: Path) -> Path:
    return write(tmp / "ada.zip", export_zip())


@case(
    "basic_layout_zip", column("persons", "person_id", [KEY("Basic_LinkedInDataExport_01-12-2025")])
)
def _(tmp: Path) -> Path:
    return write(tmp / "Basic_LinkedInDataExport_01-12-2025.zip", export_zip("Basic_Export/"))


@case(
    "complete_layout_with_subfolders",
    both(
        persons(1), skipped("Job Applications.csv", "not a LinkedIn file the study knows", rows=1)
    ),
)
def _(tmp: Path) -> Path:
    files = with_file("Jobs/Job Applications.csv", "Application Date,Company Name\n1/1/25,X\n")
    return write(tmp / "Complete_LinkedInDataExport_01-12-2025.zip", export_zip("", files))


@case("two_exports_in_one_zip", persons(2))
def _(tmp: Path) -> Path:
    return write(
        tmp / "two.zip",
        zip_bytes({f"{p}/{k}": v for i, p in enumerate("ab") for k, v in person(i).items()}),
    )


@case("many_exports_in_one_zip_with_top_folder", persons(5))
def _(tmp: Path) -> Path:
    entries = {f"cohort/p{i}/{k}": v for i in range(5) for k, v in person(i).items()}
    return write(tmp / "cohort.zip", zip_bytes(entries))


@case("zip_of_zips", persons(3))
def _(tmp: Path) -> Path:
    return write(
        tmp / "all.zip", zip_bytes({f"p{i}.zip": export_zip("", person(i)) for i in range(3)})
    )


@case("zip_of_zips_of_zips", persons(2))
def _(tmp: Path) -> Path:
    inner = zip_bytes({f"p{i}.zip": export_zip("", person(i)) for i in range(2)})
    return write(tmp / "outer.zip", zip_bytes({"batch.zip": inner}))


@case("zip_of_folders_and_zips", persons(3))
def _(tmp: Path) -> Path:
    entries: dict[str, str | bytes] = {f"folder/{k}": v for k, v in FULL.items()}
    entries.update({"z1.zip": export_zip("", person(1)), "z2.zip": export_zip("top/", person(2))})
    return write(tmp / "mixed.zip", zip_bytes(entries))


@case("folder_of_zips", persons(4))
def _(tmp: Path) -> Path:
    for i in range(4):
        write(tmp / "zips" / f"p{i}.zip", export_zip("", person(i)))
    return tmp / "zips"


@case("nested_folders_of_exports", persons(3))
def _(tmp: Path) -> Path:
    for i, rel in enumerate(("2024/a", "2024/b", "2025/x/c")):
        write_export(tmp / "root" / rel, person(i))
    return tmp / "root"


@case("folder_name_does_not_matter", column("persons", "person_id", [KEY("whatever-name")]))
def _(tmp: Path) -> Path:
    return write_export(tmp / "whatever-name")


@case(
    "duplicate_export_folder_and_zip", skipped("p.zip/Profile.csv", "duplicate export", persons_n=1)
)
def _(tmp: Path) -> Path:
    write_export(tmp / "c" / "p")
    write(tmp / "c" / "p.zip", export_zip())
    return tmp / "c"


@case(
    "duplicate_export_same_content", skipped("copy/Profile.csv", "same files as 'a'", persons_n=1)
)
def _(tmp: Path) -> Path:
    write_export(tmp / "c" / "a")
    write_export(tmp / "c" / "copy")
    return tmp / "c"


@case("duplicate_zip_inside_zip", skipped("Profile.csv", "duplicate export", persons_n=1))
def _(tmp: Path) -> Path:
    return write(tmp / "d.zip", zip_bytes({"p.zip": export_zip(), "p/Profile.csv": PROFILE}))


@case("same_files_without_profile_are_two_people", persons(2))
def _(tmp: Path) -> Path:
    for p in ("a", "b"):
        write_export(tmp / "c" / p, {"Certifications.csv": CERTIFICATIONS.splitlines()[0] + "\n"})
    return tmp / "c"


@case(
    "second_copy_in_same_export",
    skipped("profile.csv", "second copy of profile", rows=1, persons_n=1),
)
def _(tmp: Path) -> Path:
    return write(tmp / "x.zip", zip_bytes({**FULL, "profile.csv": PROFILE}))


@case("encrypted_member", quarantined("Certifications.csv", "encrypted zip member", persons_n=1))
def _(tmp: Path) -> Path:
    return write(tmp / "e.zip", patch_headers(export_zip(), "Certifications.csv", flags=1))


@case("encrypted_whole_export", error="encrypted zip member")
def _(tmp: Path) -> Path:
    data = export_zip()
    for name in FULL:
        data = patch_headers(data, name, flags=1)
    return write(tmp / "e.zip", data)


@case("ppmd_member", quarantined("Positions.csv", "unsupported zip compression method PPMd", 1))
def _(tmp: Path) -> Path:
    return write(tmp / "p.zip", patch_headers(export_zip(), "Positions.csv", method=98))


@case("deflate64_member", quarantined("Skills.csv", "Deflate64", 1))
def _(tmp: Path) -> Path:
    return write(tmp / "p.zip", patch_headers(export_zip(), "Skills.csv", method=9))


@case(
    "unknown_method_member", quarantined("Skills.csv", "unsupported zip compression method 77", 1)
)
def _(tmp: Path) -> Path:
    return write(tmp / "p.zip", patch_headers(export_zip(), "Skills.csv", method=77))


@case("bzip2_member_is_fine", column("skills", "skill", ["Python", "SQL"]))
def _(tmp: Path) -> Path:
    return write(tmp / "b.zip", zip_bytes(FULL, zipfile.ZIP_BZIP2))


@case("lzma_member_is_fine", column("skills", "skill", ["Python", "SQL"]))
def _(tmp: Path) -> Path:
    return write(tmp / "l.zip", zip_bytes(FULL, zipfile.ZIP_LZMA))


@case("bad_crc_member", quarantined("Skills.csv", "corrupt zip member", 1))
def _(tmp: Path) -> Path:
    return write(tmp / "c.zip", corrupt_crc(zip_bytes(FULL, zipfile.ZIP_STORED), b"Name\nPython"))


@case("corrupt_zip_in_cohort", quarantined("broken.zip", "cannot open zip", 1))
def _(tmp: Path) -> Path:
    write_export(tmp / "c" / "good")
    write(tmp / "c" / "broken.zip", b"PK\x03\x04 not a zip at all")
    return tmp / "c"


@case("truncated_zip_in_cohort", quarantined("cut.zip", "cannot open zip", 1))
def _(tmp: Path) -> Path:
    write_export(tmp / "c" / "good")
    data = export_zip()
    write(tmp / "c" / "cut.zip", data[: len(data) // 2])
    return tmp / "c"


@case("garbage_root_zip", error="cannot open zip")
def _(tmp: Path) -> Path:
    return write(tmp / "g.zip", b"garbage")


@case("empty_root_zip", error="no LinkedIn export")
def _(tmp: Path) -> Path:
    return write(tmp / "empty.zip", zip_bytes({}))


@case("missing_root", error="no such file")
def _(tmp: Path) -> Path:
    return tmp / "nowhere"


@case("root_not_folder_or_zip", error="expected a folder or a .zip")
def _(tmp: Path) -> Path:
    return write(tmp / "notes.txt", b"hello")


@case("empty_folder", error="no LinkedIn export")
def _(tmp: Path) -> Path:
    (tmp / "e").mkdir()
    return tmp / "e"


@case("zip_bomb", quarantined("bomb.zip/Skills.csv", "compression ratio", 2))
def _(tmp: Path) -> Path:
    files = {k: v for k, v in FULL.items() if k != "Skills.csv"}
    write_export(tmp / "c" / "good", person(1))
    write(tmp / "c" / "bomb.zip", bomb_zip("Skills.csv", 16 * MIB, files))
    return tmp / "c"


@case("nested_zip_bomb", quarantined("inner.zip/Skills.csv", "compression ratio", 1))
def _(tmp: Path) -> Path:
    files = {k: v for k, v in FULL.items() if k != "Skills.csv"}
    return write(
        tmp / "outer.zip", zip_bytes({"inner.zip": bomb_zip("Skills.csv", 16 * MIB, files)})
    )


@case(
    "member_over_file_cap",
    quarantined("Skills.csv", "inflates past", 1),
    IngestConfig(max_file_bytes=MIB, max_compression_ratio=1e9),
)
def _(tmp: Path) -> Path:
    files = {k: v for k, v in FULL.items() if k != "Skills.csv"}
    return write(tmp / "big.zip", bomb_zip("Skills.csv", 3 * MIB, files))


@case(
    "input_over_total_cap",
    quarantined("Skills.csv", "inflates past", 1),
    IngestConfig(max_total_bytes=2 * MIB, max_compression_ratio=1e9),
)
def _(tmp: Path) -> Path:
    files = {k: v for k, v in FULL.items() if k != "Skills.csv"}
    return write(tmp / "big.zip", bomb_zip("Skills.csv", 3 * MIB, files))


@case(
    "disk_file_over_cap",
    quarantined("Skills.csv", "max_file_bytes", 1),
    IngestConfig(max_file_bytes=1024),
)
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Skills.csv", "Name\n" + "Python\n" * 400))


@case(
    "too_many_members",
    quarantined("many.zip", "over ingest.max_members", 1),
    IngestConfig(max_members=20),
)
def _(tmp: Path) -> Path:
    write_export(tmp / "c" / "good")
    write(tmp / "c" / "many.zip", zip_bytes({f"f{i}.txt": "x" for i in range(30)}))
    return tmp / "c"


@case("root_zip_too_many_members", error="max_members", settings=IngestConfig(max_members=3))
def _(tmp: Path) -> Path:
    return write(tmp / "r.zip", export_zip())


@case("nesting_too_deep", quarantined("d3.zip", "max_depth", 1), IngestConfig(max_depth=2))
def _(tmp: Path) -> Path:
    deep = zip_bytes({"d3.zip": zip_bytes({"p.zip": export_zip()})})
    return write(tmp / "d1.zip", zip_bytes({"good/Profile.csv": PROFILE, "d2.zip": deep}))


@case(
    "macosx_and_hidden_entries_ignored",
    both(
        persons(1), lambda b: not any("__MACOSX" in a.file or "/._" in a.file for a in b.accounting)
    ),
)
def _(tmp: Path) -> Path:
    entries = {**FULL, "__MACOSX/._Profile.csv": b"\x00\x05\x16\x07junk", ".DS_Store": b"\x00\x00"}
    return write(tmp / "mac.zip", zip_bytes(entries))


@case("backslash_member_names", persons(1))
def _(tmp: Path) -> Path:
    return write(tmp / "win.zip", zip_bytes({f"export\\{k}": v for k, v in FULL.items()}))


@case(
    "dot_dot_member_names_stay_inside",
    column("persons", "person_id", [KEY("evil")]),  # ".." dropped: the export is the zip itself
)
def _(tmp: Path) -> Path:
    return write(tmp / "evil.zip", zip_bytes({f"../../{k}": v for k, v in FULL.items()}))


@case("symlink_member_in_zip", quarantined("Skills.csv", "symbolic link inside a zip", 1))
def _(tmp: Path) -> Path:
    files = {k: v for k, v in FULL.items() if k != "Skills.csv"}
    return write(tmp / "l.zip", symlink_member_zip("Skills.csv", "/etc/passwd", files))


@case("directory_entries_only_zip", error="no LinkedIn export")
def _(tmp: Path) -> Path:
    return write(tmp / "dirs.zip", zip_bytes({"a/": b"", "a/b/": b""}))


# ---- links and odd files on disk --------------------------------------------------------------


@case("symlink_self_loop", both(persons(2), skipped("self", "already read as the input root")))
def _(tmp: Path) -> Path:
    root = tmp / "c"
    write_export(root / "a")
    write_export(root / "b", with_file("Skills.csv", "Name\nGo\n"))
    os.symlink(".", root / "self")
    return root


@case("symlink_loop_between_folders", both(persons(1), skipped("back", "already read as")))
def _(tmp: Path) -> Path:
    root = tmp / "c"
    write_export(root / "a" / "p")
    os.symlink("..", root / "a" / "p" / "back")
    return root


@case("symlink_out_of_root", both(persons(1), skipped("outside", "out of the input root")))
def _(tmp: Path) -> Path:
    write_export(tmp / "elsewhere" / "x", with_file("Skills.csv", "Name\nRust\n"))
    root = tmp / "c"
    write_export(root / "a")
    os.symlink(tmp / "elsewhere", root / "outside")
    return root


@case("symlink_file_out_of_root", both(persons(1), skipped("Skills.csv", "out of the input root")))
def _(tmp: Path) -> Path:
    write(tmp / "secret.csv", b"Name\nSecret\n")
    root = tmp / "c"
    write_export(root / "a", {k: v for k, v in FULL.items() if k != "Skills.csv"})
    os.symlink(tmp / "secret.csv", root / "a" / "Skills.csv")
    return root


@case("broken_symlink", both(persons(1), skipped("dangling", "broken symbolic link")))
def _(tmp: Path) -> Path:
    root = tmp / "c"
    write_export(root / "a")
    os.symlink(root / "missing", root / "dangling")
    return root


@case("symlink_to_export_inside_root", both(persons(1), skipped("alias", "already read as a")))
def _(tmp: Path) -> Path:
    root = tmp / "c"
    write_export(root / "a")
    os.symlink("a", root / "alias")
    return root


@case("symlink_to_unread_folder_is_followed", persons(1))
def _(tmp: Path) -> Path:
    root = tmp / "c"
    write_export(root / ".hidden" / "a")
    os.symlink(".hidden/a", root / "visible")
    return root


@case("hard_link_duplicate_file", skipped("Skills2.csv", "same file as", persons_n=1))
def _(tmp: Path) -> Path:
    root = write_export(tmp / "p")
    os.link(root / "Skills.csv", root / "Skills2.csv")
    return root


@case("fifo_is_not_opened", both(persons(1), skipped("pipe.csv", "not a regular file")))
def _(tmp: Path) -> Path:
    root = write_export(tmp / "p")
    os.mkfifo(root / "pipe.csv")
    return root


def _locked_folder(batch: SourceBatch) -> None:
    assert batch.tables["persons"].num_rows == 1
    if os.geteuid() != 0:  # (root reads any folder)
        quarantined("locked", "cannot list folder")(batch)


@case("unreadable_folder", _locked_folder)
def _(tmp: Path) -> Path:
    root = tmp / "c"
    write_export(root / "a")
    locked = root / "locked"
    locked.mkdir()
    locked.chmod(0)
    return root


# ---- partial exports and file names ----------------------------------------------------------


@case("certifications_only", both(persons(1), credential_origins({"certifications": 2})))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", {"Certifications.csv": CERTIFICATIONS})


@case("learning_only", credential_origins({"learning": 2}))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", {"Learning.csv": LEARNING})


@case("skills_only", column("skills", "skill", ["Python", "SQL"]))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", {"Skills.csv": SKILLS})


@case("education_only", persons(1))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", {"Education.csv": "School Name,Degree Name\nLaval,BSc\n"})


@case(
    "positions_only",
    both(persons(1), column("positions", "title", ["Data Analyst", "Junior Analyst"])),
)
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", {"Positions.csv": POSITIONS})


@case("connections_only_is_no_person", error="no LinkedIn export")
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", {"Connections.csv": "First Name,Last Name\nA,B\n"})


@case(
    "connections_only_beside_person",
    skipped("odd/Connections.csv", "has none of Profile", rows=1, persons_n=1),
)
def _(tmp: Path) -> Path:
    return one_export(tmp, {"Connections.csv": "First Name,Last Name\nA,B\n"})


@case(
    "older_underscore_names",
    skipped("Endorsement_Received_Info.csv", "study does not use", rows=2, persons_n=1),
)
def _(tmp: Path) -> Path:
    return write_export(
        tmp / "p", with_file("Endorsement_Received_Info.csv", "Skill Name,Endorser\nSQL,X\nGo,Y\n")
    )


@case("older_spaced_names", skipped("Endorsement Received Info.csv", "study does not use", rows=1))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Endorsement Received Info.csv", "Skill Name\nSQL\n"))


@case("lowercase_file_names", column("skills", "skill", ["Python", "SQL"]))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", {k.lower(): v for k, v in FULL.items()})


@case(
    "unknown_csv_listed_with_rows",
    skipped("Messages.csv", "study does not use", rows=3, persons_n=1),
)
def _(tmp: Path) -> Path:
    return write_export(
        tmp / "p", with_file("Messages.csv", "From,To,Content\na,b,c\nd,e,f\ng,h,i\n")
    )


@case("unknown_file_in_export", skipped("notes.csv", "not a LinkedIn file the study knows", rows=1))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("notes.csv", "a,b\n1,2\n"))


@case("non_csv_file_in_export", skipped("photo.jpg", "not a CSV file", rows=0, persons_n=1))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Rich Media/photo.jpg", b"\xff\xd8\xff\xe0"))


@case(
    "stray_csv_outside_exports",
    skipped("stray/other.csv", "not in a LinkedIn export", rows=2, persons_n=1),
)
def _(tmp: Path) -> Path:
    write_export(tmp / "c" / "a")
    write(tmp / "c" / "stray" / "other.csv", b"x,y\n1,2\n3,4\n")
    return tmp / "c"


@case("only_unknown_files", error="no LinkedIn export")
def _(tmp: Path) -> Path:
    write(tmp / "c" / "readme.txt", b"hello")
    return tmp / "c"


def _profile_missing(batch: SourceBatch) -> None:
    (rec,) = batch.tables["quarantine"].to_pylist()
    assert (rec["action"], rec["field"], rec["file"]) == (
        "field_nulled",
        "Profile.csv",
        "p/Profile.csv",
    )
    assert batch.tables["persons"].column("country").to_pylist() == [None]


@case("missing_profile_nulls_country", _profile_missing)
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", {k: v for k, v in FULL.items() if k != "Profile.csv"})


# ---- CSV encodings and dialects -----------------------------------------------------------------


def _skills_ok(batch: SourceBatch) -> None:
    assert batch.tables["skills"].column("skill").to_pylist() == ["Génie", "Python"]


SKILLS_FR = "Name\nPython\nGénie\n"


@case("utf8_bom", _skills_ok)
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Skills.csv", b"\xef\xbb\xbf" + SKILLS_FR.encode()))


@case("utf16_le_bom_tab_excel", _skills_ok)
def _(tmp: Path) -> Path:
    return write_export(
        tmp / "p", with_file("Skills.csv", SKILLS_FR.replace(",", "\t").encode("utf-16"))
    )


@case("utf16_le_without_bom", _skills_ok)
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Skills.csv", SKILLS_FR.encode("utf-16-le")))


@case("utf16_be_without_bom", _skills_ok)
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Skills.csv", SKILLS_FR.encode("utf-16-be")))


@case("utf16_odd_length", quarantined("Skills.csv", "invalid UTF-16", 1))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Skills.csv", SKILLS_FR.encode("utf-16") + b"\x00"))


@case("cp1252", _skills_ok)
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Skills.csv", SKILLS_FR.encode("cp1252")))


@case("semicolon_delimiter", column("positions", "company", ["Northwind", "Contoso"]))
def _(tmp: Path) -> Path:
    text = "Company Name;Title;Description;Location;Started On;Finished On\n"
    text += "Northwind;Data Analyst;Built dashboards, models;Toronto;Jan 2021;\n"
    text += "Contoso;Junior Analyst;;Ottawa;Mar 2018;Dec 2020\n"
    return write_export(tmp / "p", with_file("Positions.csv", text))


@case("tab_delimiter", column("positions", "company", ["Northwind", "Contoso"]))
def _(tmp: Path) -> Path:
    text = POSITIONS.replace('"Built dashboards, models"', "Built dashboards").replace(",", "\t")
    return write_export(tmp / "p", with_file("Positions.csv", text))


@case("semicolon_excel_cp1252", column("positions", "title", ["Analyste données", "Junior"]))
def _(tmp: Path) -> Path:
    text = "Company Name;Title;Started On\nBanque;Analyste données;2021\nX;Junior;2019\n"
    return write_export(tmp / "p", with_file("Positions.csv", text.encode("cp1252")))


@case("crlf_line_endings", column("skills", "skill", ["Python", "SQL"]))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Skills.csv", SKILLS.replace("\n", "\r\n")))


@case("cr_only_line_endings", column("skills", "skill", ["Python", "SQL"]))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Skills.csv", SKILLS.replace("\n", "\r")))


@case("binary_file", quarantined("Skills.csv", "binary content", 1))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Skills.csv", b"\x00\x01\x02\x00\xff\x00binary"))


@case("empty_file", quarantined("Skills.csv", "empty file", 1))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Skills.csv", b""))


@case("header_only", both(persons(1), column("skills", "skill", [])))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Skills.csv", "Name\n"))


@case("wrong_header", quarantined("Skills.csv", "none of the columns", 1))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Skills.csv", "Foo,Bar\n1,2\n"))


@case("quoted_header_with_spaces", column("skills", "skill", ["Python"]))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Skills.csv", '"  Name "\nPython\n'))


def _connections_counted(batch: SourceBatch) -> None:
    (acct,) = [a for a in batch.accounting if a.file.endswith("Connections.csv")]
    assert (acct.rows_read, acct.rows_ingested) == (2, 2)  # past the preamble, never stored


@case("notes_preamble_in_connections", _connections_counted)
def _(tmp: Path) -> Path:
    text = 'Notes:\n"Some emails are missing."\n\nFirst Name,Last Name\nA,B\nC,D\n'
    return write_export(tmp / "p", with_file("Connections.csv", text))


@case("preamble_without_blank_line", quarantined("Connections.csv", "preamble", 1))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Connections.csv", "Notes:\nFirst Name\nA\n"))


# ---- malformed rows -----------------------------------------------------------------------------


@case(
    "unbalanced_quote_merges_with_right_width",
    quarantined("Certifications.csv", "unbalanced quote", 1),
)
def _(tmp: Path) -> Path:
    text = (
        "Name,Url,Authority,Started On,Finished On,License Number\n"
        'AWS,,"Amazon,Jan 2022,,\n'
        'GCP,,"Google",Feb 2023,,\n'
    )
    return write_export(tmp / "p", with_file("Certifications.csv", text))


@case(
    "unbalanced_quote_in_description_swallows_record",
    quarantined("Positions.csv", "is itself a record", 1),
)
def _(tmp: Path) -> Path:
    text = (
        "Company Name,Title,Description,Location,Started On,Finished On\n"
        'Northwind,Analyst,"Led the team,Toronto,Jan 2021,\n'
        "Contoso,Junior,,Ottawa,Mar 2018,Dec 2020\n"
        'Fabrikam,Intern,"x",Ottawa,2017,2018\n'
    )
    return write_export(tmp / "p", with_file("Positions.csv", text))


@case("unbalanced_quote_at_end_of_file", quarantined("Positions.csv", "wrong column count", 1))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Positions.csv", POSITIONS + 'Globex,"Intern\n'))


@case("quarantine_names_line_numbers", quarantined("Skills.csv", "lines 3-4", 1), IngestConfig())
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Skills.csv", 'Name\nPython\n"SQL\nGo"\nRust\n'))


@case("multiline_description_is_fine", column("positions", "company", ["Northwind"]))
def _(tmp: Path) -> Path:
    text = 'Company Name,Title,Description,Started On\nNorthwind,Analyst,"Line one, a\nline two",2021\n'
    return write_export(tmp / "p", with_file("Positions.csv", text))


@case("too_few_fields", quarantined("Positions.csv", "expected 6, got 2", 1))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Positions.csv", POSITIONS + "Globex,Intern\n"))


@case("too_many_fields", quarantined("Positions.csv", "expected 6, got 8", 1))
def _(tmp: Path) -> Path:
    return write_export(
        tmp / "p", with_file("Positions.csv", POSITIONS + "a,b,c,d,2020,2021,x,y\n")
    )


@case("trailing_empty_cells_are_fine", column("skills", "skill", ["Python", "SQL"]))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Skills.csv", "Name\nPython,,\nSQL,\n"))


@case("blank_and_empty_rows_not_records", column("skills", "skill", ["Python", "SQL"]))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Skills.csv", "Name\n\nPython\n,\n\nSQL\n"))


@case("huge_cell", quarantined("Positions.csv", "max_cell_chars", 1))
def _(tmp: Path) -> Path:
    text = POSITIONS + "Globex," + "A" * (MIB + 10) + ",,,2020,\n"
    return write_export(tmp / "p", with_file("Positions.csv", text))


@case(
    "huge_cell_low_cap",
    quarantined("Skills.csv", "max_cell_chars=10", 1),
    IngestConfig(max_cell_chars=10),
)
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Skills.csv", "Name\nPython\n" + "x" * 50 + "\n"))


@case(
    "record_cap",
    skipped("Skills.csv", "over ingest.max_records=2", rows=3, persons_n=1),
    IngestConfig(max_records=2),
)
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Skills.csv", "Name\na\nb\nc\nd\ne\n"))


@case("nul_in_middle_of_file", quarantined("Skills.csv", "binary content", 1))
def _(tmp: Path) -> Path:
    return write_export(tmp / "p", with_file("Skills.csv", b"Name\nPython\n\x00\x00SQL\n"))


@case("bad_date_drops_row", quarantined("Positions.csv", "Agust", 1))
def _(tmp: Path) -> Path:
    return write_export(
        tmp / "p", with_file("Positions.csv", POSITIONS + "Globex,Intern,,,Agust 2014,\n")
    )


# ---- LinkedIn Learning vs certifications ------------------------------------------------------


@case(
    "learning_duplicate_of_certification",
    both(
        credential_origins({"certifications": 2, "learning": 1}),
        skipped("Learning.csv", "duplicate of certification", rows=1),
    ),
)
def _(tmp: Path) -> Path:
    return write_export(tmp / "p")


@case(
    "learning_duplicate_by_linkedin_url",
    skipped("Learning.csv", "duplicate of certification", rows=1),
)
def _(tmp: Path) -> Path:
    certs = CERTIFICATIONS.replace(",LinkedIn,Feb", ",Microsoft,Feb")  # URL still linkedin.com
    return write_export(tmp / "p", with_file("Certifications.csv", certs))


@case(
    "learning_same_name_other_issuer_not_merged",
    credential_origins({"certifications": 2, "learning": 2}),
)
def _(tmp: Path) -> Path:
    certs = CERTIFICATIONS.replace(
        "https://www.linkedin.com/learning/certificates/abc,LinkedIn",
        "https://coursera.org/v,Coursera",
    )
    return write_export(tmp / "p", with_file("Certifications.csv", certs))


@case(
    "learning_name_normalised_for_merge",
    skipped("Learning.csv", "duplicate of certification", rows=1),
)
def _(tmp: Path) -> Path:
    return write_export(
        tmp / "p",
        with_file(
            "Learning.csv",
            LEARNING.replace("SQL Essential Training,", "  sql essential   TRAINING.,", 1),
        ),
    )


@case(
    "learning_video_not_a_credential",
    lambda b: "Intro to Excel" not in b.tables["credentials"].column("name").to_pylist(),
)
def _(tmp: Path) -> Path:
    return write_export(tmp / "p")


@case(
    "learning_not_completed_not_a_credential",
    lambda b: "Power BI Essentials" not in b.tables["credentials"].column("name").to_pylist(),
)
def _(tmp: Path) -> Path:
    return write_export(tmp / "p")


@case(
    "learning_merge_off_counts_twice",
    credential_origins({"certifications": 2, "learning": 2}),
    IngestConfig(learning=LearningRule(merge_with_certifications=False)),
)
def _(tmp: Path) -> Path:
    return write_export(tmp / "p")


@case(
    "learning_completions_off",
    credential_origins({"certifications": 2}),
    IngestConfig(learning=LearningRule(count_completions=False)),
)
def _(tmp: Path) -> Path:
    return write_export(tmp / "p")


@case(
    "learning_videos_counted_when_configured",
    credential_origins({"certifications": 2, "learning": 2}),
    IngestConfig(learning=LearningRule(credential_content_types=["course", "video"])),
)
def _(tmp: Path) -> Path:
    return write_export(tmp / "p")


@case("learning_without_content_type_counts", credential_origins({"learning": 1}))
def _(tmp: Path) -> Path:
    text = (
        "Content Title,Content Completed At (if completed)\nLearning Python,2023-03-02 10:00 UTC\n"
    )
    return write_export(tmp / "p", {"Learning.csv": text})


# ---- the test -----------------------------------------------------------------------------------


def test_there_are_enough_named_cases() -> None:
    assert len(CASES) >= 70


@pytest.mark.parametrize("name", sorted(CASES))
def test_fault_case(name: str, tmp_path: Path) -> None:
    spec = CASES[name]
    path = spec.build(tmp_path)
    try:
        if spec.error is not None:
            with pytest.raises(SourceError, match=spec.error) as info:
                read_source("linkedin-export", path, KEY, settings=spec.settings)
            assert "\n" not in str(info.value)  # one line, no traceback for the user
            return
        batch = read_source("linkedin-export", path, KEY, settings=spec.settings)
        batch.check_accounting()
        if spec.check is not None:
            result = spec.check(batch)
            assert result is None or result is True
    finally:
        for p in tmp_path.rglob("*"):  # let pytest clean up folders made unreadable
            if p.is_dir() and not p.is_symlink():
                p.chmod(0o755)
        shutil.rmtree(tmp_path, ignore_errors=True)
