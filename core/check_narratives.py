"""Check of data/narratives.yaml: the agency's own words per service and period (A-11 section 280).

A-11 asks each High Impact Service Provider to say, each quarter or year, what its customers told it,
what it did about it and what comes next. An entry quotes an agency's published words with their
source (title and address); an entry written for the demonstration data says `synthetic: true`, has
no source, and is shown only beside synthetic figures, labelled as illustrative, never as the
agency's words. `narrative_entries()` gives metrics/narratives.py the typed entries.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from pydantic import AnyHttpUrl, Field, model_validator

from core.check_base import CheckContext, StrictModel, label_of
from core.fiscal import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR
from core.models import Slug, Text
from core.paths import data_file
from core.yamlio import Collector, DeclarationError, line_of, read_yaml

FiscalYear = Annotated[int, Field(ge=FIRST_FISCAL_YEAR, le=LAST_FISCAL_YEAR)]


class Source(StrictModel):
    """Where the agency published the words: the document's title and its address."""

    title: Text
    url: AnyHttpUrl


class Narrative(StrictModel):
    """One service's narrative for a fiscal quarter (`quarter` given) or a whole fiscal year."""

    service: Slug
    fiscal_year: FiscalYear
    quarter: Annotated[int, Field(ge=1, le=4)] | None = None
    customers_said: Text
    agency_did: Text
    next_steps: Text
    source: Source | None = None
    synthetic: bool = False

    @model_validator(mode="after")
    def _attributed_or_synthetic(self) -> Narrative:
        if self.synthetic and self.source is not None:
            raise ValueError("a synthetic narrative is not the agency's words: it must not name a source")
        if not self.synthetic and self.source is None:
            raise ValueError("the agency's words need a `source` (title and url); demonstration text says "
                             "`synthetic: true`")
        return self


def _entries(c: Collector, data: object, file: str, services: set[str] | None) -> list[Narrative]:
    out: list[Narrative] = []
    seen: dict[tuple, int] = {}
    for entry, raw in c.entries(data, "narratives", file, Narrative):
        c.ref(file, raw, ("service",), services, "service", "see services.csv")
        if entry is None:
            continue
        key = (entry.service, entry.fiscal_year, entry.quarter, entry.synthetic)
        line = line_of(raw, ())
        if key in seen:
            period = f"FY{entry.fiscal_year}" + (f" Q{entry.quarter}" if entry.quarter else "")
            c.add(file, line, f"{entry.service}: {period}: a second narrative for the same period "
                              f"(first on line {seen[key]})")
            continue
        seen[key] = line
        out.append(entry)
    return out


def check_narratives(ctx: CheckContext, name: str) -> None:
    """narratives.yaml: declared services, fiscal periods, a source for real words, one per period."""
    data, file, parsed = ctx.yaml(name)
    if parsed:
        _entries(ctx.collector, data, file, ctx.known.services)


def narrative_entries(data_dir: str | os.PathLike[str] | None = None) -> list[Narrative]:
    """The typed entries; raises DeclarationError (file:line: message) when the file has a problem.

    Service references are checked by `servicestat check` (they need services.csv)."""
    path = Path(data_file("narratives.yaml", data_dir))
    label = label_of(path)
    data, problems = read_yaml(path, label)
    if problems:
        raise DeclarationError(problems)
    c = Collector()
    entries = _entries(c, data, label, None)
    if c.problems:
        raise DeclarationError(c.problems)
    return entries

