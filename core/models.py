"""The typed catalogue: pydantic models of each entry of the catalogue files in data/ (metrics,
standards, goals, initiatives, benchmark peers), and `Declarations`, all of them. The models of the
other declaration files live beside their checks (core/check_*.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from core.fiscal import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR
from core.units import THRESHOLD_UNITS, in_unit

EVENT_PERCENTILES = (0.5, 0.9)  # the percentiles the event rollups materialise

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Basis = Literal["cited", "illustrative"]
Share = Annotated[float, Field(ge=0, le=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricDef(_Model):
    """One catalogue entry (dbt MetricFlow-like)."""

    key: Slug
    label: Text
    definition: Text
    unit: Text
    direction: Literal["higher", "lower"]
    type: Literal["count", "share", "mean", "percentile", "share_within_threshold", "ratio"]
    table: Literal["service_events", "metric_observations", "survey_results"]
    column: str | None = None
    grain: Literal["day", "month", "quarter", "year"]
    aggregate: Literal["exact", "sum", "last", "weighted_mean", "none"]
    percentile: float | None = Field(default=None, gt=0, lt=1)
    driver: Slug | None = None  # one of driver_patterns.yaml `slots` (checked with the references)
    #: The unit pages show the figure in (stored in `unit`): processing times in days, not minutes.
    display_unit: Literal[tuple(THRESHOLD_UNITS)] | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _shape(self) -> MetricDef:
        if (self.type == "percentile") != (self.percentile is not None):
            raise ValueError("`percentile` is required for, and only for, type percentile")
        if self.table == "service_events" and self.type == "percentile":
            if self.column not in ("wait_minutes", "processing_minutes"):
                raise ValueError("an event percentile needs column wait_minutes or processing_minutes")
            if self.percentile not in EVENT_PERCENTILES:
                raise ValueError(f"event percentiles are materialised for {EVENT_PERCENTILES} only")
        if self.table == "survey_results" and self.driver is None:
            raise ValueError("a survey metric needs a `driver`")
        shown = self.display_unit
        if shown and self.unit in THRESHOLD_UNITS and in_unit(1.0, self.unit, shown) is None:
            raise ValueError(f"display_unit {shown!r} cannot show a figure stored in {self.unit!r}")
        return self

    @property
    def event_column(self) -> str | None:
        """The event duration this metric summarises, when it is an event metric."""
        return self.column if self.table == "service_events" else None


class Quantity(_Model):
    value: float
    unit: Literal[tuple(THRESHOLD_UNITS)]  # type: ignore[valid-type]


class StatusRules(_Model):
    """Defaults for the status rule (metrics/standards.py); each standard may override them."""

    min_n: int = Field(default=30, ge=0)
    at_risk_band: Share = 0.05
    value_margin: float = Field(default=0.10, ge=0)


class StandardVersion(_Model):
    """One version of a service standard; versions of one standard share its `id`."""

    id: Slug
    service: Slug
    channel: str | None = None
    metric: Slug
    standard: Text
    threshold: Quantity
    target_share: float | None = Field(default=None, gt=0, le=1)
    at_risk_band: Share | None = None
    value_margin: float | None = Field(default=None, ge=0)
    min_n: int | None = Field(default=None, ge=0)
    effective_from: date
    effective_to: date | None = None
    reported: tuple[Slug, ...] = ()
    basis: Basis
    target_basis: Basis
    citation: Text

    @model_validator(mode="after")
    def _dates(self) -> StandardVersion:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        return self

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


class Baseline(_Model):
    fiscal_year: int = Field(ge=FIRST_FISCAL_YEAR, le=LAST_FISCAL_YEAR)
    value: float


class GoalTarget(_Model):
    fiscal_year: int = Field(ge=FIRST_FISCAL_YEAR, le=LAST_FISCAL_YEAR)
    target: float | None = None
    min_target: float | None = None
    max_target: float | None = None


class Measure(_Model):
    """Where a goal's actual comes from: a standard, or a service's catalogue metric."""

    standard: Slug | None = None
    service: Slug | None = None
    metric: Slug | None = None
    channel: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Measure:
        if (self.standard is None) == (self.service is None or self.metric is None):
            raise ValueError("give either `standard`, or `service` and `metric`")
        return self


class Goal(_Model):
    id: Slug
    agency: Text
    goal: Text
    objective: str | None = None
    indicator: Text
    unit: Text
    direction: Literal["increase", "decrease", "range"] | None = None
    priority_goal: bool = False
    baseline: Baseline | None = None
    targets: tuple[GoalTarget, ...]
    measure: Measure | None = None
    basis: Basis
    source: Text

    @model_validator(mode="after")
    def _range(self) -> Goal:
        if self.direction == "range":
            for t in self.targets:
                if t.min_target is None or t.max_target is None:
                    raise ValueError(f"direction range needs min_target and max_target (FY{t.fiscal_year})")
        return self


class Milestone(_Model):
    name: Text
    due: date
    status: Literal["planned", "in_progress", "done", "missed", "dropped"]
    done_on: date | None = None


class Addresses(_Model):
    standards: tuple[Slug, ...] = ()
    goals: tuple[Slug, ...] = ()

    @model_validator(mode="after")
    def _some(self) -> Addresses:
        if not self.standards and not self.goals:
            raise ValueError("an initiative must address at least one standard or goal")
        return self


class Initiative(_Model):
    id: Slug
    kind: Literal["signature_initiative", "action_plan"]
    service: Slug | None = None
    agency: str | None = None
    title: Text
    description: Text
    addresses: Addresses
    milestones: tuple[Milestone, ...] = ()
    basis: Basis
    citation: Text


class Peer(_Model):
    service: Slug
    industry: Text


@dataclass(frozen=True)
class Declarations:
    """Everything declared in data/, validated and cross-checked."""

    metrics: dict[str, MetricDef]
    status_rules: StatusRules
    standards: tuple[StandardVersion, ...]
    goals: dict[str, Goal]
    initiatives: dict[str, Initiative]
    peers: dict[str, str]

    def versions(self, standard_id: str) -> list[StandardVersion]:
        return sorted((s for s in self.standards if s.id == standard_id), key=lambda s: s.effective_from)

    @property
    def standard_ids(self) -> list[str]:
        return list(dict.fromkeys(s.id for s in self.standards))

    def version_for(self, standard_id: str, start: date, end: date) -> StandardVersion | None:
        """The version that judges the period [start, end]: the one in force on its last day; if the
        standard ended inside the period, the last version that was in force during it."""
        best = None
        for v in self.versions(standard_id):
            if v.in_force(end):
                return v
            if v.effective_from <= end and (v.effective_to is None or v.effective_to >= start):
                best = v
        return best

    def event_measure(self, s: StandardVersion) -> str | None:
        """The event duration column a share standard counts against, when it has one."""
        if s.target_share is None:
            return None
        metric = self.metrics.get(s.metric)
        return metric.event_column if metric else None
