"""Reading a study configuration file so that every problem names its file, line and fix.

Why a module: pydantic validates the values, but its errors name a location inside
the data (``occupations.0.noc2021.1``), not a line of the file the user edits, and
a typo gets "extra inputs are not permitted". Here PyYAML's node marks give each
location its line, the schema itself (walked generically, so any settings section
added to :class:`~microcred.config.StudyConfig` is covered) gives the valid keys,
and difflib the nearest one. NOC 2021 codes are checked against the structure in
the reference data, with the nearest valid code suggested.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from microcred.errors import ConfigError, did_you_mean

Loc = tuple[str | int, ...]


def read_yaml(path: Path) -> tuple[Any, dict[Loc, int]]:
    """The YAML document and the 1-based line of every key and list item in it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"configuration file not found: {path}",
            "check the --config path, or leave --config out to use the shipped defaults",
        ) from None
    except (UnicodeDecodeError, IsADirectoryError, PermissionError) as exc:
        raise ConfigError(
            f"{path}: cannot read the configuration ({type(exc).__name__})",
            "save it as a UTF-8 YAML text file",
        ) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ConfigError(
            f"{where}: not valid YAML ({problem})",
            "check the indentation and the quoting on that line",
        ) from None
    lines: dict[Loc, int] = {}
    problems: list[str] = []
    if node is not None:
        _index(node, (), lines, problems, path)
    if problems:
        raise ConfigError("\n".join(problems))
    return data, lines


def _index(
    node: yaml.Node, loc: Loc, lines: dict[Loc, int], problems: list[str], path: Path
) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:  # PyYAML would keep the last one silently
                problems.append(
                    f"{path}:{line}: {dotted((*loc, key))}: set twice — keep one of the two"
                )
            seen.add(key)
            lines[(*loc, key)] = line
            _index(value_node, (*loc, key), lines, problems, path)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*loc, i)] = item.start_mark.line + 1
            _index(item, (*loc, i), lines, problems, path)


def dotted(loc: Loc) -> str:
    """``occupations[0].noc2021[1]``: a location as a user reads it."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def line_of(loc: Loc, lines: Mapping[Loc, int]) -> int | None:
    """The line of ``loc``, or of its nearest enclosing location in the file."""
    for k in range(len(loc), -1, -1):
        if loc[:k] in lines:
            return lines[loc[:k]]
    return None


def _where(path: Path, loc: Loc, lines: Mapping[Loc, int]) -> str:
    line = line_of(loc, lines)
    return f"{path}:{line}" if line else str(path)


def _section_model(annotation: Any) -> tuple[type[BaseModel] | None, int]:
    """The settings model inside ``annotation`` and how many location parts its
    containers add (a list index, a mapping key)."""
    skip = 0
    for _ in range(4):
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation, skip
        origin = typing.get_origin(annotation)
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin in (typing.Union, types.UnionType) and len(args) == 1:
            annotation = args[0]
        elif origin in (list, tuple, set, frozenset) and args:
            annotation, skip = args[0], skip + 1
        elif origin in (dict, Mapping) and len(args) == 2:
            annotation, skip = args[1], skip + 1
        else:
            return None, skip
    return None, skip


def model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The settings model that holds the keys at ``loc`` (generic over the schema)."""
    current: type[BaseModel] | None = model
    skip = 0
    for part in loc:
        if skip:
            skip -= 1
            continue
        if current is None or not isinstance(part, str) or part not in current.model_fields:
            return None
        current, skip = _section_model(current.model_fields[part].annotation)
    return current if not skip else None


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def validation_problems(
    exc: ValidationError, model: type[BaseModel], lines: Mapping[Loc, int], path: Path
) -> list[str]:
    """One line per pydantic error: file:line, the setting, what is wrong and the fix."""
    problems: list[tuple[int, str]] = []
    for err in exc.errors():
        loc: Loc = tuple(err["loc"])
        where = _where(path, loc, lines)
        kind = err["type"]
        if kind == "extra_forbidden":
            parent = model_at(model, loc[:-1])
            valid = sorted(parent.model_fields) if parent else []
            key = str(loc[-1])
            hint = did_you_mean(key, valid)
            listing = f" (settings here: {', '.join(valid)})" if valid and not hint else ""
            text = f"{where}: unknown setting {dotted(loc)!r}{hint}{listing}"
        elif kind == "missing":
            text = f"{where}: {dotted(loc)}: required setting missing — add it"
        else:
            msg = err["msg"].removeprefix("Value error, ")
            text = f"{where}: {dotted(loc)}: {msg} (got {_shown(err.get('input'))})"
        problems.append((line_of(loc, lines) or 0, text))
    return [text for _, text in sorted(problems, key=lambda p: p[0])]


def noc_problems(
    groups: list[Any], known: Mapping[str, str], lines: Mapping[Loc, int], path: Path | None
) -> list[str]:
    """Codes in ``occupations`` that are not NOC 2021 unit groups, each with the nearest one."""
    problems = []
    for i, group in enumerate(groups):
        for j, code in enumerate(group.noc2021):
            if code in known:
                continue
            loc: Loc = ("occupations", i, "noc2021", j)
            where = _where(path, loc, lines) if path else "configuration"
            near = nearest_code(code, known)
            fix = f"; did you mean {near!r} ({known[near]})?" if near else ""
            problems.append(f"{where}: {dotted(loc)}: {code!r} is not a NOC 2021 unit group{fix}")
    return problems


def nearest_code(code: str, known: Mapping[str, str]) -> str | None:
    """The valid code sharing the longest prefix with ``code``, then the closest in value.

    Why not difflib: for codes, the hierarchy is in the prefix (broad category, major,
    minor group), so the longest shared prefix is the nearest occupation.
    """
    if not known:
        return None

    def prefix(other: str) -> int:
        n = 0
        for a, b in zip(code, other, strict=False):
            if a != b:
                break
            n += 1
        return n

    def distance(other: str) -> int:
        return abs(int(other) - int(code)) if other.isdigit() and code.isdigit() else 10**6

    return min(sorted(known), key=lambda c: (-prefix(c), distance(c)))
