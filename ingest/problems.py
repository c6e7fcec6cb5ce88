"""What ingest reports: problems with a file, a row or a field, always naming where."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: Longest reason made from someone else's text (a reader library's error): its first sentences are
#: what an agency needs; the rest (DuckDB's sniffer dump) goes to the server log.
MAX_REASON_CHARS = 300
#: Longest warning kept: a warning over a file's columns could otherwise be as long as the header.
MAX_WARNING_CHARS = 1000
#: Names a message lists before "and N more".
MAX_LISTED = 10


def short(text: str, limit: int = MAX_REASON_CHARS) -> str:
    """`text` cut to at most `limit` characters, marked with an ellipsis where it was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def listed(names: Sequence[str], most: int = MAX_LISTED) -> str:
    """'a, b, c' for a few names; 'a, b, ... and 95 more' for many, so a message stays short."""
    if len(names) <= most:
        return ", ".join(names)
    return f"{', '.join(names[:most])} and {len(names) - most} more"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a file. `row_number` counts data rows from 1 (the header is row 0)."""

    reason: str
    row_number: int | None = None
    field: str | None = None
    value: str | None = None

    def describe(self, file_name: str) -> str:
        where = [file_name]
        if self.row_number is not None:
            where.append(f"row {self.row_number}")
        if self.field:
            where.append(f"field '{self.field}'")
        shown = "" if self.value is None else f" (value {self.value!r})"
        return f"{', '.join(where)}: {self.reason}{shown}"


class FileRefused(Exception):
    """The file as a whole cannot be loaded; nothing from it is written to the facts."""

    def __init__(self, file_name: str, problems: list[Problem]):
        self.file_name = file_name
        self.problems = problems
        super().__init__("\n".join(p.describe(file_name) for p in problems))
