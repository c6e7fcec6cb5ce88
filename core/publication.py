"""The publication rules declared in data/publication.yaml: the A-11 reporting workflow (states,
allowed moves, moves that need a reason, the reporting deadline) and the reporting obligation (from
which fiscal quarter each service owes a quarterly report).

Read here once for both sides: publish moves service-quarters by these rules, metrics reports
compliance against them.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from core.fiscal import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR
from core.paths import DATA_DIR, data_file

NEW = "new"  # a service-quarter with no state yet
#: Reason text that marks a move recorded from the public record (performance.gov, an agency's
#: published A-11 file) rather than made in this workflow: its time is when it was recorded here,
#: not when the agency reported, so compliance does not judge its timeliness.
PUBLIC_RECORD = "public record: "
_QUARTER = re.compile(r"^\s*FY\s*(\d{4})\s*Q([1-4])\s*$", re.IGNORECASE)


class WorkflowError(ValueError):
    """A move the workflow does not allow, or bad arguments; the message says which and why."""


def _document(path: Path) -> dict:
    """publication.yaml parsed once per file version (pages ask for it on every request)."""
    st = path.stat()
    return _parsed(str(path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=16)
def _parsed(path: str, mtime_ns: int, size: int) -> dict:
    del mtime_ns, size  # part of the key only
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


@dataclass(frozen=True)
class Rules:
    """The workflow declared in data/publication.yaml."""

    states: dict[str, str]
    transitions: dict[str, tuple[str, ...]]
    reason_required: frozenset[str]
    deadline_days: int


def rules(data_dir: str | os.PathLike[str] = DATA_DIR) -> Rules:
    """Read and check the `workflow` section; a broken declaration names the file and the key."""
    path = data_file("publication.yaml", data_dir)
    doc = _document(path).get("workflow")
    if not isinstance(doc, dict):
        raise WorkflowError(f"{path}: no `workflow` section")
    states = doc.get("states") or {}
    transitions = doc.get("transitions") or {}
    if not isinstance(states, dict) or not states:
        raise WorkflowError(f"{path}: workflow.states must map each state to its meaning")
    out: dict[str, tuple[str, ...]] = {}
    for source, targets in transitions.items():
        if source != NEW and source not in states:
            raise WorkflowError(f"{path}: workflow.transitions: unknown state {source!r}")
        for target in targets or []:
            if target not in states:
                raise WorkflowError(f"{path}: workflow.transitions.{source}: unknown state {target!r}")
        out[source] = tuple(targets or [])
    required = frozenset(doc.get("reason_required") or [])
    if required - set(states):
        raise WorkflowError(
            f"{path}: workflow.reason_required: unknown state(s) {sorted(required - set(states))}"
        )
    try:
        days = int(doc.get("deadline_days_after_quarter", 45))
    except (TypeError, ValueError) as exc:
        raise WorkflowError(f"{path}: workflow.deadline_days_after_quarter must be a whole number") from exc
    return Rules(states=dict(states), transitions=out, reason_required=required, deadline_days=days)


@dataclass(frozen=True)
class Obligation:
    """From which fiscal quarter a service owes a quarterly report (data/publication.yaml `reporting`).

    Quarters are (fiscal_year, quarter) pairs; `services` overrides `first_quarter` per service.
    """

    first_quarter: tuple[int, int]
    services: dict[str, tuple[int, int]] = field(default_factory=dict)

    def start(self, service_id: str) -> tuple[int, int]:
        return self.services.get(service_id, self.first_quarter)


def parse_quarter(text: object, where: str) -> tuple[int, int]:
    match = _QUARTER.match(str(text)) if isinstance(text, str) else None
    if match is None:
        raise WorkflowError(f"{where}: {text!r} is not a fiscal quarter; write it like FY2021 Q1")
    fiscal_year = int(match.group(1))
    if not FIRST_FISCAL_YEAR <= fiscal_year <= LAST_FISCAL_YEAR:
        raise WorkflowError(f"{where}: FY{fiscal_year} is outside {FIRST_FISCAL_YEAR}-{LAST_FISCAL_YEAR}")
    return fiscal_year, int(match.group(2))


def obligation(data_dir: str | os.PathLike[str] = DATA_DIR) -> Obligation:
    """Read the `reporting` section: `first_quarter` (required there) and optional `services`
    (service_id -> start quarter); a broken declaration names the file and the key."""
    path = data_file("publication.yaml", data_dir)
    doc = _document(path).get("reporting")
    if not isinstance(doc, dict) or "first_quarter" not in doc:
        raise WorkflowError(f"{path}: no `reporting.first_quarter` (the first quarter a report is due)")
    first = parse_quarter(doc["first_quarter"], f"{path}: reporting.first_quarter")
    services = doc.get("services") or {}
    if not isinstance(services, dict):
        raise WorkflowError(f"{path}: reporting.services must map a service_id to its first quarter")
    own = {str(sid): parse_quarter(q, f"{path}: reporting.services.{sid}") for sid, q in services.items()}
    return Obligation(first, own)
