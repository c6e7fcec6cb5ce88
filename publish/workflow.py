"""The A-11 quarterly reporting workflow: the only writer of `reporting_state` and `reporting_history`.

Each service and fiscal quarter moves draft -> submitted -> published, or is sent back
(change_requested) and resubmitted, or is marked not_reported. The allowed moves are declared in
data/publication.yaml (`workflow`), since OMB changes them, not code. Every move is written through
`ingest.warehouse.writer` like a load: the state and its history row land together, atomically, or
nothing does (an illegal move raises `WorkflowError` and leaves the file as it was). The history is
append-only: this module only ever inserts into it.

Publishing a quarter also writes the public archive of that quarter (`publish.archive`), after the
new state is swapped in, so the archive holds what the public sees.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from core.fiscal import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, is_fiscal_year
from core.paths import DATA_DIR, db_path
from core.publication import NEW, Rules, WorkflowError, rules
from ingest.warehouse import writer


@dataclass(frozen=True)
class Move:
    """One requested (or recorded) move of a service-quarter."""

    state: str
    service_id: str
    fiscal_year: int
    quarter: int
    by: str
    reason: str | None = None
    at: datetime | None = None
    from_state: str | None = None


def _check_args(move: Move, r: Rules) -> None:
    if move.state not in r.states:
        raise WorkflowError(f"unknown state {move.state!r}; expected one of {', '.join(r.states)}")
    if not is_fiscal_year(move.fiscal_year):
        raise WorkflowError(f"fiscal year {move.fiscal_year!r} is not a fiscal year "
                            f"({FIRST_FISCAL_YEAR}-{LAST_FISCAL_YEAR})")
    if move.quarter not in (1, 2, 3, 4):
        raise WorkflowError(f"quarter {move.quarter!r} is not a fiscal quarter (1-4)")
    if not (move.by or "").strip():
        raise WorkflowError("--by: say who makes the move (a name or role)")
    if move.state in r.reason_required and not (move.reason or "").strip():
        raise WorkflowError(f"moving to {move.state} needs a reason (--reason TEXT)")


def _plan(con: duckdb.DuckDBPyConnection, moves: Iterable[Move], r: Rules) -> list[Move]:
    """Check every move in order against the states so far; the recorded moves, or WorkflowError."""
    services = {sid for (sid,) in con.execute("SELECT service_id FROM services").fetchall()}
    current: dict[tuple[str, int, int], str] = {
        (sid, fy, q): state
        for sid, fy, q, state in con.execute(
            "SELECT service_id, fiscal_year, quarter, state FROM reporting_state"
        ).fetchall()
    }
    now = datetime.now(UTC).replace(tzinfo=None)
    done = []
    for m in moves:
        _check_args(m, r)
        if m.service_id not in services:
            near = difflib.get_close_matches(m.service_id, sorted(services), n=3, cutoff=0.0)
            raise WorkflowError(
                f"unknown service {m.service_id!r} (declared in data/services.csv);"
                f" closest: {', '.join(near)}"
            )
        key = (m.service_id, m.fiscal_year, m.quarter)
        state = current.get(key, NEW)
        allowed = r.transitions.get(state, ())
        if m.state not in allowed:
            where = "it has no state yet" if state == NEW else f"it is {state}"
            raise WorkflowError(
                f"{m.service_id} FY{m.fiscal_year} Q{m.quarter}: cannot move to {m.state}: "
                f"{where}, and from there the workflow allows {', '.join(allowed) or 'no move'}"
                " (data/publication.yaml)"
            )
        # stored as naive UTC; a naive time is taken as UTC already
        at = now if m.at is None else m.at.astimezone(UTC).replace(tzinfo=None) if m.at.tzinfo else m.at
        done.append(
            Move(
                m.state,
                m.service_id,
                m.fiscal_year,
                m.quarter,
                m.by.strip(),
                (m.reason or "").strip() or None,
                at,
                None if state == NEW else state,
            )
        )
        current[key] = m.state
    return done


def _write(con: duckdb.DuckDBPyConnection, done: list[Move]) -> None:
    """Append the history rows and set the latest state of each service-quarter, in bulk."""
    if not done:
        return
    first = con.execute("SELECT coalesce(max(seq), 0) + 1 FROM reporting_history").fetchall()[0][0]
    moves = pd.DataFrame(
        {
            "seq": range(first, first + len(done)),
            "service_id": [m.service_id for m in done],
            "fiscal_year": [m.fiscal_year for m in done],
            "quarter": [m.quarter for m in done],
            "from_state": [m.from_state for m in done],
            "to_state": [m.state for m in done],
            "moved_at": [m.at for m in done],
            "moved_by": [m.by for m in done],
            "reason": [m.reason for m in done],
        }
    )
    con.register("_moves", moves)
    try:
        con.execute(
            "INSERT INTO reporting_history SELECT seq, service_id, fiscal_year, quarter, from_state,"
            " to_state, moved_at, moved_by, reason FROM _moves"
        )
        con.execute(
            "INSERT OR REPLACE INTO reporting_state SELECT service_id, fiscal_year, quarter,"
            " arg_max(to_state, seq), arg_max(moved_at, seq), arg_max(moved_by, seq),"
            " arg_max(reason, seq) FROM _moves GROUP BY service_id, fiscal_year, quarter"
        )
    finally:
        con.unregister("_moves")


def move_many(
    db: str | os.PathLike[str] | None,
    moves: Iterable[Move],
    data_dir: str | os.PathLike[str] = DATA_DIR,
    archive: bool = True,
) -> list[Move]:
    """Apply moves in order as one transaction: all land, or (on the first illegal one) none does.

    With `archive`, each fiscal quarter that got a `published` move is archived afterwards.
    """
    r = rules(data_dir)
    path = Path(db_path(db))
    with writer(path) as con:
        done = _plan(con, moves, r)
        _write(con, done)
    if archive:
        from publish.archive import ArchiveError, archive_quarter

        for fy, q in sorted({(m.fiscal_year, m.quarter) for m in done if m.state == "published"}):
            try:
                archive_quarter(path, fy, q)
            except Exception as exc:  # the move stands; say so, and how to finish the archive
                raise ArchiveError(
                    f"FY{fy} Q{q} is published, but its public archive could not be written ({exc});"
                    f" write it with: servicestat archive {fy} {q}"
                ) from exc
    return done


def move(
    db: str | os.PathLike[str] | None,
    state: str,
    service_id: str,
    fiscal_year: int,
    quarter: int,
    by: str,
    reason: str | None = None,
    at: datetime | None = None,
    data_dir: str | os.PathLike[str] = DATA_DIR,
    archive: bool = True,
) -> Move:
    """Move one service-quarter to `state`; raises WorkflowError (file unchanged) if not allowed."""
    return move_many(
        db,
        [Move(state, service_id, fiscal_year, quarter, by, reason, at)],
        data_dir=data_dir,
        archive=archive,
    )[0]
