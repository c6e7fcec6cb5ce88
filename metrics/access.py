"""Who is reading: the viewer whose rights every query of the metrics layer is scoped to.

Roles are enforced where the data are read, not in the pages: the web process sets the viewer of
each request (`set_viewer` / `reset_viewer`, or `viewing()`), and `metrics.db.reader` scopes what
the queries can see to that viewer. Outside any request (the command line, tests) the process
default applies: the operator sees everything, unless the process declared itself public with
`set_default_viewer(PUBLIC)` (the web app does, so a forgotten `set_viewer` fails safe).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

Role = Literal["public", "agency", "omb"]
ROLES: tuple[Role, ...] = ("public", "agency", "omb")


@dataclass(frozen=True)
class Viewer:
    """A role, and for an agency manager the agency whose unpublished figures they may see."""

    role: Role
    agency_id: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; expected one of {', '.join(ROLES)}")
        if (self.role == "agency") != (self.agency_id is not None):
            raise ValueError("an agency manager needs an agency_id, and only an agency manager has one")

    @property
    def key(self) -> str:
        """A short stable text for cache keys and logs: 'public', 'omb', 'agency:VA'."""
        return f"agency:{self.agency_id}" if self.role == "agency" else self.role


PUBLIC = Viewer("public")
OMB = Viewer("omb")


def agency_manager(agency_id: str) -> Viewer:
    return Viewer("agency", agency_id)


_default: Viewer = OMB
_current: contextvars.ContextVar[Viewer | None] = contextvars.ContextVar("servicestat_viewer", default=None)


def set_default_viewer(viewer: Viewer) -> None:
    """The viewer when no request set one: OMB (operator) for the CLI, PUBLIC for a web process."""
    global _default
    _default = viewer


def default_viewer() -> Viewer:
    return _default


def current_viewer() -> Viewer:
    viewer = _current.get()
    return _default if viewer is None else viewer


def set_viewer(viewer: Viewer) -> contextvars.Token:
    return _current.set(viewer)


def reset_viewer(token: contextvars.Token) -> None:
    _current.reset(token)


@contextlib.contextmanager
def viewing(viewer: Viewer) -> Iterator[Viewer]:
    """Run a block as `viewer` (tests, the API's per-request scope)."""
    token = set_viewer(viewer)
    try:
        yield viewer
    finally:
        reset_viewer(token)
