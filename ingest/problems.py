"""What ingest reports: problems with a file, a row or a field, always naming where."""

from __future__ import annotations

from dataclasses import dataclass


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
