"""Reading declaration files so that every problem can be reported with its file and line.

A YAML loader that remembers where each mapping, key and item starts; `DeclarationProblem` and
`DeclarationError`, which carry `file:line: message`; and `Collector`, which validates entries one
at a time so that a broken entry never hides the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

# --------------------------------------------------------------------------- problems


@dataclass(frozen=True, order=True)
class DeclarationProblem:
    """One thing wrong in a declaration file; `line` is 1-based (None: the file as a whole)."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"


class DeclarationError(ValueError):
    """The declarations have problems; `problems` lists them all."""

    def __init__(self, problems: list[DeclarationProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# --------------------------------------------------------------------------- YAML with line numbers


class LineDict(dict):
    """A YAML mapping that remembers where it and each of its keys start (1-based lines)."""

    line: int = 0
    lines: dict[Any, int]


class LineList(list):
    """A YAML sequence that remembers where it and each item start."""

    line: int = 0
    lines: list[int]


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records node.start_mark.line and notes duplicate keys."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            loader.duplicates.append((key_node.start_mark.line + 1, f"duplicate key {key!r}"))
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.lines = [child.start_mark.line + 1 for child in node.value]
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def read_yaml(path: Path, label: str) -> tuple[Any, list[DeclarationProblem]]:
    """Parse a YAML file keeping line numbers; a syntax error is one problem at its line."""
    try:
        loader = _LineLoader(path.read_text(encoding="utf-8"))
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        return None, [DeclarationProblem(label, line, f"not valid YAML: {exc.problem or exc}")]
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return None, [DeclarationProblem(label, None, f"cannot read: {exc}")]
    return data, [DeclarationProblem(label, line, msg) for line, msg in loader.duplicates]


def line_of(node: Any, loc: tuple[Any, ...] = ()) -> int | None:
    """The line of the deepest element of `loc` found in a LineDict / LineList tree."""
    line = getattr(node, "line", None) or None
    for part in loc:
        if isinstance(node, LineDict) and part in node:
            line = node.lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lines[part]
            node = node[part]
        else:
            break
    return line


class Collector:
    """Validates entries one by one so a broken entry does not hide the others."""

    def __init__(self) -> None:
        self.problems: list[DeclarationProblem] = []

    def add(self, file: str, line: int | None, message: str) -> None:
        self.problems.append(DeclarationProblem(file, line, message))

    def entries(self, data: Any, key: str, file: str, model: type[BaseModel]) -> list[tuple[Any, LineDict]]:
        """Validate each mapping of `data[key]` with `model`: (object or None when invalid, raw) pairs."""
        if not isinstance(data, dict) or key not in data:
            self.add(file, getattr(data, "line", None) or 1, f"expected a top-level `{key}:` list")
            return []
        items = data[key]
        if not isinstance(items, list):
            self.add(file, line_of(data, (key,)), f"`{key}` must be a list")
            return []
        out = []
        for i, raw in enumerate(items):
            if not isinstance(raw, dict):
                self.add(file, line_of(data, (key, i)), "each entry must be a mapping of field: value")
                continue
            try:
                out.append((model.model_validate(dict(raw)), raw))
            except ValidationError as exc:
                out.append((None, raw))
                name = raw.get("id") or raw.get("key") or raw.get("service") or raw.get("username") or ""
                for err in exc.errors():
                    loc = tuple(err["loc"])
                    field = ".".join(str(p) for p in loc) or "entry"
                    label = f"{name}: " if name else ""
                    message = err["msg"].removeprefix("Value error, ")
                    self.add(file, line_of(raw, loc), f"{label}{field}: {message}")
        return out

    def ref(self, file: str, raw: LineDict, loc: tuple[Any, ...], known: set[str] | dict | None, what: str,
            hint: str = "") -> None:
        """Report a reference (raw[loc...]) that names nothing known; lists are checked item by item.

        `known` None: the file that declares them could not be read (reported there), so skip.
        """
        if known is None:
            return
        node: Any = raw
        for part in loc:
            node = node.get(part) if isinstance(node, dict) else None
        values = list(enumerate(node)) if isinstance(node, list) else [(None, node)]
        name = raw.get("id") or raw.get("key") or ""
        for i, value in values:
            if value is not None and isinstance(value, str) and value not in known:
                where = loc if i is None else (*loc, i)
                self.add(file, line_of(raw, where), f"{name + ': ' if name else ''}unknown {what} "
                         f"{value!r}{' (' + hint + ')' if hint else ''}")
