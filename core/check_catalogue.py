"""Checks of the catalogue files: data/metrics.yaml, standards.yaml, goals.yaml, initiatives.yaml and
benchmark_peers.yaml, which together make `core.models.Declarations`.

Each entry is validated with its pydantic model (core/models.py) and its references are checked
against the files before it in `core.declarations.CHECKERS`; the typed objects are left in
`ctx.known.catalogue` for `load_declarations`.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from core.check_base import CheckContext
from core.models import Goal, Initiative, MetricDef, Peer, StandardVersion, StatusRules
from core.units import convert
from core.yamlio import Collector, LineDict, line_of

#: file -> its top-level list
TOP_LEVEL = {"metrics.yaml": "metrics", "standards.yaml": "standards", "goals.yaml": "goals",
             "initiatives.yaml": "initiatives", "benchmark_peers.yaml": "peers"}
Ids = set[str] | None  # None: the declaring file could not be read, so references are not checked


def _doc(ctx: CheckContext, name: str) -> tuple[Any, str]:
    """The parsed file; a file that did not parse has said so, and an empty stand-in keeps the
    files that refer to it checkable."""
    data, file, parsed = ctx.yaml(name)
    return (data if parsed else {TOP_LEVEL[name]: []}), file


def _check_metrics(c: Collector, data: Any, file: str, units: Ids, drivers: Ids) -> dict[str, MetricDef]:
    metrics: dict[str, MetricDef] = {}
    for m, raw in c.entries(data, "metrics", file, MetricDef):
        c.ref(file, raw, ("unit",), units, "unit", "see units.yaml")
        c.ref(file, raw, ("driver",), drivers, "driver", "see driver_patterns.yaml `slots`")
        if m is None:
            continue
        if m.key in metrics:
            c.add(file, line_of(raw, ("key",)), f"duplicate metric key {m.key!r}")
        metrics[m.key] = m
    return metrics


def _check_standards(c: Collector, data: Any, file: str, metrics: dict[str, MetricDef],
                     services: Ids, channels: Ids) -> tuple[StatusRules, list[StandardVersion]]:
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


def _check_goals(c: Collector, data: Any, file: str, metrics: dict[str, MetricDef], services: Ids,
                 channels: Ids, standard_ids: set[str]) -> dict[str, Goal]:
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


def _check_initiatives(c: Collector, data: Any, file: str, services: Ids, standard_ids: set[str],
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


def _check_peers(c: Collector, data: Any, file: str, services: Ids) -> dict[str, str]:
    peers: dict[str, str] = {}
    for p, raw in c.entries(data, "peers", file, Peer):
        c.ref(file, raw, ("service",), services, "service", "see services.csv")
        if p is None:
            continue
        if p.service in peers:
            c.add(file, line_of(raw, ("service",)), f"two peers for {p.service!r}")
        peers[p.service] = p.industry
    return peers


# --------------------------------------------------------------------------- the checkers


def check_metrics(ctx: CheckContext, name: str) -> None:
    """metrics.yaml: typed entries, unique keys, declared units and drivers."""
    metrics = _check_metrics(ctx.collector, *_doc(ctx, name), ctx.known.units, ctx.known.drivers)
    ctx.known.catalogue["metrics"] = metrics


def check_standards(ctx: CheckContext, name: str) -> None:
    """standards.yaml: typed versions of declared services, channels and metrics; no overlaps."""
    k = ctx.known
    rules, standards = _check_standards(ctx.collector, *_doc(ctx, name), k.catalogue.get("metrics", {}),
                                        k.services, k.channels)
    k.catalogue["status_rules"], k.catalogue["standards"] = rules, standards


def check_goals(ctx: CheckContext, name: str) -> None:
    """goals.yaml: typed goals measuring declared standards, or declared services and metrics."""
    k = ctx.known
    standard_ids = {s.id for s in k.catalogue.get("standards", [])}
    k.catalogue["goals"] = _check_goals(ctx.collector, *_doc(ctx, name), k.catalogue.get("metrics", {}),
                                        k.services, k.channels, standard_ids)


def check_initiatives(ctx: CheckContext, name: str) -> None:
    """initiatives.yaml: typed initiatives addressing declared standards and goals."""
    k = ctx.known
    standard_ids = {s.id for s in k.catalogue.get("standards", [])}
    k.catalogue["initiatives"] = _check_initiatives(ctx.collector, *_doc(ctx, name), k.services,
                                                    standard_ids, set(k.catalogue.get("goals", {})))


def check_peers(ctx: CheckContext, name: str) -> None:
    """benchmark_peers.yaml: one ACSI industry per declared service."""
    ctx.known.catalogue["peers"] = _check_peers(ctx.collector, *_doc(ctx, name), ctx.known.services)
