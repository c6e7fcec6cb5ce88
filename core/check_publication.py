"""Checks of what the public may see and who may sign in: data/publication.yaml, data/users.example.yaml.

publication.yaml is read at run time by core/publication.py `rules()` (the workflow) and
metrics/suppression.py `min_count()`; both raise on a bad value, so the same rules are checked
here first, each at its line. users.example.yaml documents the users file's format: its shape is
checked as dashboard/accounts.py reads a users file, its (example) hashes are not.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from core.check_base import CheckContext, StrictModel, report_errors
from core.models import Text
from core.publication import NEW, WorkflowError, parse_quarter
from core.yamlio import line_of

WholeCount = Annotated[int, Field(ge=1, strict=True)]
Days = Annotated[int, Field(ge=0, strict=True)]


class Suppression(StrictModel):
    min_count: WholeCount = 10


class Workflow(StrictModel):
    """The shape of `workflow`; how states and moves fit together is checked in `_check_workflow`."""

    states: dict[str, Text] = Field(min_length=1)
    transitions: dict[str, list[str] | None] = {}
    reason_required: list[str] = []
    deadline_days_after_quarter: Days = 45


class Reporting(StrictModel):
    """From which fiscal quarter services owe a report; quarters are checked by `_check_reporting`."""

    first_quarter: str
    services: dict[str, str] | None = None


class Publication(StrictModel):
    suppression: Suppression = Suppression()
    workflow: Workflow
    reporting: Reporting


def check_publication(ctx: CheckContext, name: str) -> None:
    """publication.yaml: min_count a whole number >= 1; the workflow's states and moves consistent."""
    data, file, parsed = ctx.yaml(name)
    if not parsed:
        return
    if not isinstance(data, dict):
        ctx.add(file, 1, "expected `suppression:` and `workflow:` sections")
        return
    try:
        Publication.model_validate(dict(data))
    except ValidationError as exc:
        report_errors(ctx, file, data, exc)
    _check_workflow(ctx, file, data)
    _check_reporting(ctx, file, data)


def _check_reporting(ctx: CheckContext, file: str, data: Any) -> None:
    """Quarters written as obligation() reads them (core/publication.py); services declared."""
    rep = data.get("reporting")
    if not isinstance(rep, dict):
        return  # reported by the model
    quarters = [(("first_quarter",), rep.get("first_quarter"))]
    services = rep.get("services")
    if isinstance(services, dict):
        quarters += [(("services", sid), q) for sid, q in services.items()]
        for sid in services:
            if ctx.known.services is not None and sid not in ctx.known.services:
                ctx.add(file, line_of(rep, ("services", sid)), f"reporting.services: unknown service "
                        f"{sid!r} (see services.csv)")
    for loc, text in quarters:
        if not isinstance(text, str):
            continue  # reported by the model
        where = "reporting." + ".".join(map(str, loc))
        try:
            parse_quarter(text, where)
        except WorkflowError as exc:
            ctx.add(file, line_of(rep, loc), str(exc))


def _check_workflow(ctx: CheckContext, file: str, data: Any) -> None:
    """The consistency rules() enforces (core/publication.py), each at its line."""
    wf = data.get("workflow")
    states = wf.get("states") if isinstance(wf, dict) else None
    if not isinstance(states, dict) or not states:
        return  # reported by the model
    if NEW in states:
        ctx.add(file, line_of(wf, ("states", NEW)), f"workflow.states: {NEW!r} is reserved for a "
                "service-quarter with no state yet")
    if "published" not in states:
        ctx.add(file, line_of(wf, ("states",)), "workflow.states: 'published' must be declared (figures "
                "are public only in that state)")
    transitions = wf.get("transitions") or {}
    if isinstance(transitions, dict):
        if not transitions.get(NEW):
            ctx.add(file, line_of(wf, ("transitions",)), f"workflow.transitions: no move from {NEW!r}, so "
                    "no service-quarter could enter the workflow")
        for source, targets in transitions.items():
            if source != NEW and source not in states:
                ctx.add(file, line_of(wf, ("transitions", source)),
                        f"workflow.transitions: unknown state {source!r}")
            for i, target in enumerate(targets if isinstance(targets, list) else []):
                if target not in states:
                    ctx.add(file, line_of(wf, ("transitions", source, i)),
                            f"workflow.transitions.{source}: unknown state {target!r}")
    required = wf.get("reason_required")
    for i, state in enumerate(required if isinstance(required, list) else []):
        if state not in states:
            ctx.add(file, line_of(wf, ("reason_required", i)), f"workflow.reason_required: unknown state "
                    f"{state!r}")


class UserEntry(StrictModel):
    """One users-file entry, as dashboard/accounts.py `_parse_users` accepts it."""

    username: Text
    role: Literal["agency", "omb"]
    agency_id: str | None = None
    password_hash: Annotated[str, Field(pattern=r"\$")] | None = None
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    password: Any = None  # named only to refuse it with a reason

    @field_validator("password", mode="before")
    @classmethod
    def _no_password(cls, value: Any) -> Any:
        raise ValueError("not allowed: store 'password_hash' (servicestat users add writes it)")

    @model_validator(mode="after")
    def _role(self) -> UserEntry:
        if self.role == "agency" and not self.agency_id:
            raise ValueError("field 'agency_id' is required for role agency")
        if self.role == "omb" and self.agency_id:
            raise ValueError("field 'agency_id' is only for role agency")
        if self.password_hash is None and not self.email:
            raise ValueError("needs 'password_hash' or 'email' (for OpenID Connect)")
        return self


def check_users_example(ctx: CheckContext, name: str) -> None:
    """users.example.yaml (when present): the shape of a users file; agencies must be declared."""
    if not ctx.path(name).exists():
        return
    data, file, parsed = ctx.yaml(name)
    if not parsed:
        return
    seen: set[str] = set()
    for user, raw in ctx.collector.entries(data, "users", file, UserEntry):
        label = f"{raw.get('username')}: " if raw.get("username") else ""
        if user is None:
            continue
        ctx.collector.ref(file, raw, ("agency_id",), ctx.known.agencies, "agency", "see agencies.csv")
        if user.username in seen:
            ctx.add(file, line_of(raw, ("username",)), f"{label}username repeats an earlier entry")
        seen.add(user.username)
