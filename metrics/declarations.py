"""The declarations in data/ (metric catalogue, service standards, GPRA goals, initiatives), typed.

Rules people change live in readable YAML files, not in code. This module reads them with a YAML
loader that remembers line numbers, validates each entry with a pydantic model and then checks the
references between files, so that `servicestat check` can report every problem at once as
`file:line: message`. `load_declarations` returns the typed objects the metrics use.

A directory given to either function may hold only some of the files (tests do this); the others
come from the project's own data/ directory.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from servicestat.config import DATA_DIR

FILES = {"metrics.yaml": "metrics", "standards.yaml": "standards", "goals.yaml": "goals",
         "initiatives.yaml": "initiatives", "benchmark_peers.yaml": "peers"}  # file -> its top-level list
DRIVERS = ("satisfaction", "trust", "effectiveness", "ease", "efficiency", "equity", "employee", "other")
EVENT_PERCENTILES = (0.5, 0.9)  # the percentiles ingest/rollup.py materialises

# Threshold units: family and factor into the family's canonical unit.
THRESHOLD_UNITS: dict[str, tuple[str, float]] = {
    "seconds": ("minutes", 1 / 60),
    "minutes": ("minutes", 1.0),
    "hours": ("minutes", 60.0),
    "days": ("minutes", 1440.0),
    "weeks": ("minutes", 10080.0),
    "business_days": ("business_days", 1.0),
    "share": ("share", 1.0),
    "percent": ("share", 0.01),
    "count": ("count", 1.0),
    "index": ("index", 1.0),
    "scale_1_5": ("scale_1_5", 1.0),
    "usd": ("usd", 1.0),
}
BUSINESS_DAYS_PER_CALENDAR_MINUTE = 5 / (7 * 1440)  # a week is five business days


def convert(value: float, unit: str, to_unit: str) -> float | None:
    """`value unit` expressed in `to_unit`, or None when the two cannot be compared.

    Calendar time converts to business days at five business days a week (an approximation the
    methodology page states); business days never convert back to calendar minutes.
    """
    if unit not in THRESHOLD_UNITS:
        return None
    family, factor = THRESHOLD_UNITS[unit]
    base = value * factor
    if to_unit == family:
        return base
    if family == "minutes" and to_unit == "business_days":
        return base * BUSINESS_DAYS_PER_CALENDAR_MINUTE
    return None


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


# --------------------------------------------------------------------------- models

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
    driver: Literal[DRIVERS] | None = None  # type: ignore[valid-type]

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
    fiscal_year: int = Field(ge=1990, le=2100)
    value: float


class GoalTarget(_Model):
    fiscal_year: int = Field(ge=1990, le=2100)
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


# --------------------------------------------------------------------------- reading and checking


def _path(data_dir: Path, name: str) -> Path:
    own = data_dir / name
    return own if own.exists() else DATA_DIR / name


def _label(path: Path) -> str:
    try:
        return str(path.relative_to(DATA_DIR.parent))
    except ValueError:
        return str(path)


def _reference_ids(data_dir: Path) -> tuple[set[str], set[str], set[str]]:
    """Known service ids, agency ids and channels (from services.csv, agencies.csv, channels.yaml)."""
    with open(_path(data_dir, "services.csv"), newline="", encoding="utf-8") as fh:
        services = {row["service_id"] for row in csv.DictReader(fh)}
    with open(_path(data_dir, "agencies.csv"), newline="", encoding="utf-8") as fh:
        agencies = {row["agency_id"] for row in csv.DictReader(fh)}
    channels = set(yaml.safe_load(_path(data_dir, "channels.yaml").read_text())["channels"])
    return services, agencies, channels


class _Collector:
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
                name = raw.get("id") or raw.get("key") or raw.get("service") or ""
                for err in exc.errors():
                    loc = tuple(err["loc"])
                    field = ".".join(str(p) for p in loc) or "entry"
                    label = f"{name}: " if name else ""
                    message = err["msg"].removeprefix("Value error, ")
                    self.add(file, line_of(raw, loc), f"{label}{field}: {message}")
        return out

    def ref(self, file: str, raw: LineDict, loc: tuple[Any, ...], known: set[str] | dict, what: str,
            hint: str = "") -> None:
        """Report a reference (raw[loc...]) that names nothing known; lists are checked item by item."""
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


def _check_metrics(c: _Collector, data: Any, file: str, units: set[str]) -> dict[str, MetricDef]:
    metrics: dict[str, MetricDef] = {}
    for m, raw in c.entries(data, "metrics", file, MetricDef):
        c.ref(file, raw, ("unit",), units, "unit", "see units.yaml")
        if m is None:
            continue
        if m.key in metrics:
            c.add(file, line_of(raw, ("key",)), f"duplicate metric key {m.key!r}")
        metrics[m.key] = m
    return metrics


def _check_standards(c: _Collector, data: Any, file: str, metrics: dict[str, MetricDef],
                     services: set[str], channels: set[str]) -> tuple[StatusRules, list[StandardVersion]]:
    rules = StatusRules()
    if isinstance(data, dict) and "status_rules" in data:
        try:
            rules = StatusRules.model_validate(dict(data["status_rules"] or {}))
        except ValidationError as exc:
            for err in exc.errors():
                c.add(file, line_of(data, ("status_rules", *err["loc"])),
                      f"status_rules.{'.'.join(map(str, err['loc']))}: {err['msg']}")
    pairs = c.entries(data, "standards", file, StandardVersion)
    for s, raw in pairs:
        c.ref(file, raw, ("service",), services, "service", "see services.csv")
        c.ref(file, raw, ("channel",), channels, "channel", "see channels.yaml")
        c.ref(file, raw, ("metric",), metrics, "metric", "see metrics.yaml")
        c.ref(file, raw, ("reported",), metrics, "reported metric", "see metrics.yaml")
        if s is not None and s.metric in metrics:
            _check_comparable(c, s, raw, file, metrics)
    valid = [(s, raw) for s, raw in pairs if s is not None]
    by_id: dict[str, list[tuple[StandardVersion, LineDict]]] = {}
    for s, raw in valid:
        by_id.setdefault(s.id, []).append((s, raw))
    for sid, versions in by_id.items():
        versions.sort(key=lambda p: p[0].effective_from)
        first = versions[0][0]
        for (prev, _), (cur, raw) in zip(versions, versions[1:], strict=False):
            for fld in ("service", "channel", "metric"):
                if getattr(cur, fld) != getattr(first, fld):
                    c.add(file, line_of(raw, (fld,)), f"{sid}: every version of a standard must have the "
                          f"same {fld} ({getattr(first, fld)!r})")
            if prev.effective_to is None or prev.effective_to >= cur.effective_from:
                c.add(file, line_of(raw, ("effective_from",)),
                      f"{sid}: version from {cur.effective_from} overlaps the version from "
                      f"{prev.effective_from}; close that one with effective_to before {cur.effective_from}")
    return rules, [s for s, _ in valid]


def _check_comparable(c: _Collector, s: StandardVersion, raw: LineDict, file: str,
                      metrics: dict[str, MetricDef]) -> None:
    """The threshold must be comparable with what it is applied to."""
    metric = metrics[s.metric]
    reported = [metrics[k] for k in s.reported if k in metrics]
    if s.target_share is not None:
        shares = [m for m in reported if m.type == "share_within_threshold"]
        if metric.event_column is None and not shares:
            c.add(file, line_of(raw, ("target_share",)),
                  f"{s.id}: a standard with a target share needs an event metric (wait or processing "
                  "time) or a reported share_within_threshold metric")
        if metric.event_column and convert(s.threshold.value, s.threshold.unit, "minutes") is None:
            c.add(file, line_of(raw, ("threshold", "unit")),
                  f"{s.id}: threshold in {s.threshold.unit} cannot be compared with times in minutes")
    elif convert(s.threshold.value, s.threshold.unit, metric.unit) is None:
        c.add(file, line_of(raw, ("threshold", "unit")),
              f"{s.id}: threshold in {s.threshold.unit} cannot be compared with {s.metric} in {metric.unit}")
    for i, m in enumerate(reported):
        comparable = convert(s.threshold.value, s.threshold.unit, m.unit) is not None
        if m.type != "share_within_threshold" and not comparable:
            c.add(file, line_of(raw, ("reported", i)), f"{s.id}: reported metric {m.key} is in {m.unit}, "
                  "which the threshold cannot be compared with")


def _check_goals(c: _Collector, data: Any, file: str, metrics: dict[str, MetricDef], services: set[str],
                 channels: set[str], standard_ids: set[str]) -> dict[str, Goal]:
    goals: dict[str, Goal] = {}
    for g, raw in c.entries(data, "goals", file, Goal):
        c.ref(file, raw, ("measure", "standard"), standard_ids, "standard", "see standards.yaml")
        c.ref(file, raw, ("measure", "service"), services, "service", "see services.csv")
        c.ref(file, raw, ("measure", "metric"), metrics, "metric", "see metrics.yaml")
        c.ref(file, raw, ("measure", "channel"), channels, "channel", "see channels.yaml")
        if g is None:
            continue
        if g.id in goals:
            c.add(file, line_of(raw, ("id",)), f"duplicate goal id {g.id!r}")
        goals[g.id] = g
        years = [t.fiscal_year for t in g.targets]
        for i, y in enumerate(years):
            if y in years[:i]:
                c.add(file, line_of(raw, ("targets", i)), f"{g.id}: two targets for FY{y}")
    return goals


def _check_initiatives(c: _Collector, data: Any, file: str, services: set[str], standard_ids: set[str],
                       goal_ids: set[str]) -> dict[str, Initiative]:
    out: dict[str, Initiative] = {}
    for ini, raw in c.entries(data, "initiatives", file, Initiative):
        c.ref(file, raw, ("service",), services, "service", "see services.csv")
        c.ref(file, raw, ("addresses", "standards"), standard_ids, "standard", "see standards.yaml")
        c.ref(file, raw, ("addresses", "goals"), goal_ids, "goal", "see goals.yaml")
        if ini is None:
            continue
        if ini.id in out:
            c.add(file, line_of(raw, ("id",)), f"duplicate initiative id {ini.id!r}")
        out[ini.id] = ini
        for i, ms in enumerate(ini.milestones):
            if ms.status == "done" and ms.done_on is None:
                c.add(file, line_of(raw, ("milestones", i)), f"{ini.id}: milestone {ms.name!r} is done "
                      "but has no done_on date")
    return out


def _check_peers(c: _Collector, data: Any, file: str, services: set[str]) -> dict[str, str]:
    peers: dict[str, str] = {}
    for p, raw in c.entries(data, "peers", file, Peer):
        c.ref(file, raw, ("service",), services, "service", "see services.csv")
        if p is None:
            continue
        if p.service in peers:
            c.add(file, line_of(raw, ("service",)), f"two peers for {p.service!r}")
        peers[p.service] = p.industry
    return peers


def _read_all(data_dir: Path) -> tuple[list[DeclarationProblem], Declarations | None]:
    c = _Collector()
    docs: dict[str, tuple[Any, str]] = {}
    for name in FILES:
        path = _path(data_dir, name)
        label = _label(path)
        data, problems = read_yaml(path, label)
        c.problems += problems
        # A file that did not parse has said so; an empty stand-in keeps the others checkable.
        docs[name] = (data if data is not None or not problems else {FILES[name]: []}, label)
    services, _agencies, channels = _reference_ids(data_dir)
    units = set(yaml.safe_load(_path(data_dir, "units.yaml").read_text())["units"])
    metrics = _check_metrics(c, *docs["metrics.yaml"], units)
    rules, standards = _check_standards(c, *docs["standards.yaml"], metrics, services, channels)
    standard_ids = {s.id for s in standards}
    goals = _check_goals(c, *docs["goals.yaml"], metrics, services, channels, standard_ids)
    initiatives = _check_initiatives(c, *docs["initiatives.yaml"], services, standard_ids, set(goals))
    peers = _check_peers(c, *docs["benchmark_peers.yaml"], services)
    problems = sorted(set(c.problems), key=lambda p: (p.file, p.line or 0, p.message))
    return problems, Declarations(metrics, rules, tuple(standards), goals, initiatives, peers)


def check_declarations(data_dir: str | Path = DATA_DIR) -> list[DeclarationProblem]:
    """Every problem in the declarations, each with its file and line; empty when all is well."""
    return _read_all(Path(data_dir))[0]


_cache: dict[tuple[str, tuple[int, ...]], Declarations] = {}


def fingerprint(data_dir: str | Path = DATA_DIR) -> tuple[int, ...]:
    """Changes whenever a declaration file changes; part of the metrics cache key."""
    data_dir = Path(data_dir)
    stamps = []
    for name in (*FILES, "services.csv", "agencies.csv", "channels.yaml", "units.yaml"):
        st = _path(data_dir, name).stat()
        stamps += [st.st_mtime_ns, st.st_size]
    return tuple(stamps)


def load_declarations(data_dir: str | Path = DATA_DIR) -> Declarations:
    """The typed declarations; raises DeclarationError listing every problem if any."""
    data_dir = Path(data_dir).resolve()
    key = (str(data_dir), fingerprint(data_dir))
    if key not in _cache:
        problems, decl = _read_all(data_dir)
        if problems or decl is None:
            raise DeclarationError(problems)
        _cache[key] = decl
    return _cache[key]
