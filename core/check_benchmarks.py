"""Check of data/benchmarks_acsi.csv: published ACSI scores, each with the address it came from.

ingest/benchmarks.py refuses a malformed row when it writes the warehouse (the first one only);
these are the same rules, every row at once, each at its line in the file. The file's columns, series
and value types are declared here once; ingest reads them from this module.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from core.check_base import CheckContext, RowModel, validate_rows
from core.fiscal import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, is_fiscal_year
from core.models import Text

COLUMNS = ("series", "entity", "segment", "year", "period", "score", "value_type", "source_url",
           "source_note")
SERIES = ("federal_government_aggregate", "national_acsi", "federal_driver", "federal_channel", "department",
          "agency_service", "private_industry")
VALUE_TYPES = ("published", "derived")
Score = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]


class BenchmarkRow(RowModel):
    series: Literal[SERIES]  # type: ignore[valid-type]
    entity: Text
    segment: str | None = None
    year: int
    period: Literal["annual", "Q1", "Q2", "Q3", "Q4"] = "annual"
    score: Score
    value_type: Literal[VALUE_TYPES]  # type: ignore[valid-type]
    source_url: Annotated[str, Field(pattern=r"^https?://\S+$")]
    source_note: str | None = None

    @field_validator("year")
    @classmethod
    def _fiscal_year(cls, value: int) -> int:
        if not is_fiscal_year(value):
            raise ValueError(f"a year between {FIRST_FISCAL_YEAR} and {LAST_FISCAL_YEAR} is required")
        return value

    @model_validator(mode="after")
    def _derived_says_how(self) -> BenchmarkRow:
        if self.value_type == "derived" and not (self.source_note or "").lower().startswith("derived"):
            raise ValueError("source_note: a derived figure must say how it was derived ('derived: ...')")
        return self


def check_benchmarks(ctx: CheckContext, name: str) -> None:
    """benchmarks_acsi.csv: known series, fiscal year, score 0-100, a source per row, no figure twice."""
    f = ctx.csv(name, COLUMNS)
    if f is None:
        return
    seen: dict[tuple, int] = {}
    for row, raw in validate_rows(ctx, f, BenchmarkRow, "series"):
        if row is None:
            continue
        key = (row.series, row.entity, row.segment, row.year, row.period)
        if key in seen:
            ctx.add(f.label, raw.line, f"{row.series}: {row.entity} {row.period} {row.year}"
                    f"{' ' + row.segment if row.segment else ''}: the same figure is declared twice "
                    f"(first on line {seen[key]})")
        seen.setdefault(key, raw.line)
