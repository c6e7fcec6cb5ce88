"""What every declaration-file checker shares: the run's context, and reading CSV rows with their lines.

`core.declarations` runs one checker per file in data/, in the order of its `CHECKERS` list. A
checker reads its file through `CheckContext` (so a file that cannot be read or parsed is one
problem, never a crash), reports each problem with file and line to the shared `Collector`, and
publishes what later files may refer to (service ids, channels, drivers ...) in `CheckContext.known`.
A name left as None in `known` means "its file could not be read": references to it are then not
checked, rather than each reported as unknown.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from core.paths import DATA_DIR, data_file
from core.yamlio import Collector, line_of, read_yaml


def label_of(path: Path) -> str:
    """How a file is named in problems: relative to the folder above data/ when it is under it."""
    try:
        return str(path.relative_to(DATA_DIR.parent))
    except ValueError:
        return str(path)


@dataclass
class Known:
    """What the files checked so far declare, for the references of the files checked after them."""

    agencies: set[str] | None = None
    services: set[str] | None = None
    channels: set[str] | None = None
    units: set[str] | None = None
    drivers: set[str] | None = None
    catalogue: dict[str, Any] = field(default_factory=dict)  # typed objects of the catalogue files


@dataclass(frozen=True)
class CsvRow:
    """One data row: its 1-based line in the file (header = line 1) and its values by column."""

    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class CsvFile:
    label: str
    header: list[str]
    rows: list[CsvRow]


@dataclass
class CheckContext:
    """One run of the checks over a declarations folder."""

    data_dir: Path
    collector: Collector = field(default_factory=Collector)
    known: Known = field(default_factory=Known)

    def path(self, name: str) -> Path:
        return data_file(name, self.data_dir)

    def label(self, name: str) -> str:
        return label_of(self.path(name))

    def add(self, file: str, line: int | None, message: str) -> None:
        self.collector.add(file, line, message)

    def yaml(self, name: str) -> tuple[Any, str, bool]:
        """(document, label, parsed): a syntax error or duplicate key is reported here, once."""
        label = self.label(name)
        data, problems = read_yaml(self.path(name), label)
        self.collector.problems += problems
        return data, label, not (data is None and problems)

    def csv(self, name: str, required: tuple[str, ...]) -> CsvFile | None:
        """The rows of a CSV file; None (and one problem) when it cannot be read or lacks a column.

        Extra columns are allowed: checks name the columns they need, so a file may grow.
        """
        label = self.label(name)
        try:
            # utf-8-sig: as with pandas, a byte-order mark is not part of the first column name
            with open(self.path(name), newline="", encoding="utf-8-sig") as fh:
                header, rows = _read_csv(fh, label, self.collector)
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            self.add(label, None, f"cannot read: {exc}")
            return None
        if header is None:
            self.add(label, 1, "empty file: expected a header line")
            return None
        missing = [c for c in required if c not in header]
        if missing:
            self.add(label, 1, f"missing column(s) {', '.join(missing)}")
            return None
        return CsvFile(label, header, rows)


def _read_csv(lines: Iterator[str], label: str, c: Collector) -> tuple[list[str] | None, list[CsvRow]]:
    reader = csv.reader(lines)
    header: list[str] | None = None
    rows: list[CsvRow] = []
    end = 0
    for values in reader:
        start, end = end + 1, reader.line_num
        if not values:  # a blank line
            continue
        if header is None:
            header = [v.strip() for v in values]
            for i, col in enumerate(header):
                if col in header[:i]:
                    c.add(label, start, f"column {col!r} appears twice in the header")
            continue
        if len(values) > len(header):  # pandas would shift or refuse the row
            c.add(label, start, f"{len(values)} fields where the header has {len(header)}")
            continue
        values += [""] * (len(header) - len(values))  # trailing blank cells may be left out
        rows.append(CsvRow(start, dict(zip(header, (v.strip() for v in values), strict=True))))
    return header, rows


class StrictModel(BaseModel):
    """A YAML entry: unknown fields are refused (a misspelt key is a problem, not a silent default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def report_errors(ctx: CheckContext, file: str, raw: Any, exc: ValidationError, prefix: str = "") -> None:
    """Each validation error of `raw` (a LineDict) at the line of the field it is about."""
    for err in exc.errors():
        loc = tuple(err["loc"])
        fld = ".".join(str(p) for p in loc) or "entry"
        ctx.add(file, line_of(raw, loc), f"{prefix + ': ' if prefix else ''}{fld}: "
                f"{err['msg'].removeprefix('Value error, ')}")


class RowModel(BaseModel):
    """A CSV row: blank cells read as absent, columns the model does not name are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


def validate_rows(ctx: CheckContext, f: CsvFile, model: type[RowModel], key: str) -> list[tuple[Any, CsvRow]]:
    """Validate each row with `model`; problems read `line: <key value>: column: message`.

    Returns (object or None when invalid, row) pairs.
    """
    out = []
    for row in f.rows:
        values = {k: v for k, v in row.values.items() if v != ""}
        try:
            obj = model.model_validate(values)
        except ValidationError as exc:
            obj = None
            name = row.values.get(key, "")
            for err in exc.errors():
                column = ".".join(str(p) for p in err["loc"]) or "row"
                message = err["msg"].removeprefix("Value error, ")
                ctx.add(f.label, row.line, f"{name + ': ' if name else ''}{column}: {message}")
        out.append((obj, row))
    return out


def duplicates(ctx: CheckContext, f: CsvFile, column: str) -> set[str]:
    """Report a value of `column` that repeats an earlier row's; returns the set of values seen."""
    seen: dict[str, int] = {}
    for row in f.rows:
        value = row.values.get(column, "")
        if not value:
            continue
        if value in seen:
            ctx.add(f.label, row.line, f"duplicate {column} {value!r} (first on line {seen[value]})")
        else:
            seen[value] = row.line
    return set(seen)
