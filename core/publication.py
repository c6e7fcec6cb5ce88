"""The publication rules declared in data/publication.yaml: the A-11 reporting workflow (states,
allowed moves, moves that need a reason, the reporting deadline).

Read here once for both sides: publish moves service-quarters by these rules, metrics reports
compliance against them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import yaml

from core.paths import DATA_DIR, data_file

NEW = "new"  # a service-quarter with no state yet


class WorkflowError(ValueError):
    """A move the workflow does not allow, or bad arguments; the message says which and why."""


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
    doc = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("workflow")
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
