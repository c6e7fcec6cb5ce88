"""Check of data/benchmarks_operational.csv: private-sector contact-centre figures beside ACSI.

Each row is one published figure (or convention) for an operational measure: contact-centre service
level (the 80/20 convention), average speed of answer, first-contact resolution. It names the metric of
data/metrics.yaml an agency reports the measure as, its value and unit, the source (publisher, title,
year when the source gives one, address) and a comparability note, said beside the figure wherever it
is shown, as the ACSI note is. The columns are declared here once; metrics/operational_benchmarks.py
reads the rows through `operational_benchmark_rows`.
"""

from __future__ import annotations

import csv
import os
from typing import Annotated, Literal

from pydantic import Field, ValidationError, model_validator

from core.check_base import CheckContext, RowModel, label_of, validate_rows
from core.models import Slug, Text
from core.paths import data_file
from core.units import THRESHOLD_UNITS, in_unit
from core.yamlio import DeclarationError, DeclarationProblem

COLUMNS = ("measure", "metric", "label", "value", "unit", "threshold", "threshold_unit", "kind", "publisher",
           "title", "year", "url", "comparability_note")
KINDS = ("convention", "industry_average")
Unit = Literal[tuple(THRESHOLD_UNITS)]  # type: ignore[valid-type]


class OperationalBenchmark(RowModel):
    measure: Slug
    metric: Slug
    label: Text
    value: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    unit: Unit
    threshold: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = None
    threshold_unit: Unit | None = None
    kind: Literal[KINDS]  # type: ignore[valid-type]
    publisher: Text
    title: Text
    year: Annotated[int, Field(ge=1980, le=2100)] | None = None
    url: Annotated[str, Field(pattern=r"^https?://\S+$")]
    comparability_note: Text

    @model_validator(mode="after")
    def _threshold_with_unit(self) -> OperationalBenchmark:
        if (self.threshold is None) != (self.threshold_unit is None):
            raise ValueError("threshold and threshold_unit go together")
        if self.unit in ("percent", "share") and in_unit(self.value, self.unit, "share") > 1:  # type: ignore[operator]
            raise ValueError("a share cannot exceed 100%")
        return self


def check_operational_benchmarks(ctx: CheckContext, name: str) -> None:
    """benchmarks_operational.csv: declared metrics, units the metric's unit converts to, a source per
    row, one row per measure."""
    f = ctx.csv(name, COLUMNS)
    if f is None:
        return
    metrics = ctx.known.catalogue.get("metrics")
    seen: dict[str, int] = {}
    for row, raw in validate_rows(ctx, f, OperationalBenchmark, "measure"):
        if row is None:
            continue
        if row.measure in seen:
            ctx.add(f.label, raw.line, f"{row.measure}: declared twice (first on line {seen[row.measure]})")
        seen.setdefault(row.measure, raw.line)
        if metrics is None:
            continue
        metric = metrics.get(row.metric)
        if metric is None:
            ctx.add(f.label, raw.line, f"{row.measure}: unknown metric {row.metric!r} (see metrics.yaml)")
        elif in_unit(1.0, row.unit, metric.unit) is None:
            ctx.add(f.label, raw.line, f"{row.measure}: unit {row.unit!r} cannot be compared with metric "
                                       f"{row.metric!r}, stored in {metric.unit!r}")


def operational_benchmark_rows(data_dir: str | os.PathLike[str] | None = None) -> list[OperationalBenchmark]:
    """The typed rows; raises DeclarationError (file:line: message) at the first invalid row."""
    path = data_file("benchmarks_operational.csv", data_dir)
    label = label_of(path)
    out = []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for line, values in enumerate(csv.DictReader(fh), start=2):
            try:
                out.append(OperationalBenchmark.model_validate({k: v for k, v in values.items() if v}))
            except ValidationError as exc:
                raise DeclarationError([DeclarationProblem(label, line, str(exc))]) from None
    return out
