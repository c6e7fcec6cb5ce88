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
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from core.models import (
    Declarations,
    Goal,
    Initiative,
    MetricDef,
    Peer,
    StandardVersion,
    StatusRules,
)
from core.paths import DATA_DIR, data_file
from core.units import convert
from core.yamlio import Collector, DeclarationError, DeclarationProblem, LineDict, line_of, read_yaml

FILES = {"metrics.yaml": "metrics", "standards.yaml": "standards", "goals.yaml": "goals",
         "initiatives.yaml": "initiatives", "benchmark_peers.yaml": "peers"}  # file -> its top-level list

# --------------------------------------------------------------------------- reading and checking


def _path(data_dir: Path, name: str) -> Path:
    return data_file(name, data_dir)


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


def _check_metrics(c: Collector, data: Any, file: str, units: set[str]) -> dict[str, MetricDef]:
    metrics: dict[str, MetricDef] = {}
    for m, raw in c.entries(data, "metrics", file, MetricDef):
        c.ref(file, raw, ("unit",), units, "unit", "see units.yaml")
        if m is None:
            continue
        if m.key in metrics:
            c.add(file, line_of(raw, ("key",)), f"duplicate metric key {m.key!r}")
        metrics[m.key] = m
    return metrics


def _check_standards(c: Collector, data: Any, file: str, metrics: dict[str, MetricDef],
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


def _check_comparable(c: Collector, s: StandardVersion, raw: LineDict, file: str,
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


def _check_goals(c: Collector, data: Any, file: str, metrics: dict[str, MetricDef], services: set[str],
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


def _check_initiatives(c: Collector, data: Any, file: str, services: set[str], standard_ids: set[str],
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


def _check_peers(c: Collector, data: Any, file: str, services: set[str]) -> dict[str, str]:
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
    c = Collector()
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
