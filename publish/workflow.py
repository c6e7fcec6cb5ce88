"""The A-11 quarterly reporting workflow: the only writer of `reporting_state` and `reporting_history`.

Each service and fiscal quarter moves draft -> submitted -> published, or is sent back
(change_requested) and resubmitted, or is marked not_reported. The allowed moves are declared in
data/publication.yaml (`workflow`), since OMB changes them, not code. Every move is written through
`ingest.warehouse.writer` like a load: the state and its history row land together, atomically, or
nothing does (an illegal move raises `WorkflowError` and leaves the file as it was). The history is
append-only: this module only ever inserts into it.

Publishing a quarter also writes the public archive of that quarter (`publish.archive`), and the
two succeed or fail together: the archive is computed from a copy of the new state and staged before
that state is swapped in (a failure leaves the warehouse file as it was, byte for byte), and the
staged version is renamed into place after the swap.

`publish_loaded` publishes whole loads at once (`servicestat report published --all`, and
`servicestat ingest --published-source` for files that are already the public record): every
loaded, unpublished service-quarter goes through the states the declared workflow requires on the
way (new -> submitted -> published), every step in the history, all in one transaction.
"""

from __future__ import annotations

import difflib
import os
import shutil
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from core.fiscal import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, is_fiscal_year
from core.paths import DATA_DIR, db_path
from core.publication import NEW, PUBLIC_RECORD, Rules, WorkflowError, rules
from ingest.warehouse import writer
from metrics.db import quarter_index, reader
from publish.archive import ArchiveError, Staged, commit, stage

PUBLISHED = "published"


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


def path_to(state: str, target: str, r: Rules) -> list[str]:
    """The shortest chain of moves the workflow allows from `state` to `target` (the states after
    `state`, `target` last); [] when already there; WorkflowError when the workflow has none.

    The chain never passes through a state that needs a reason (change_requested, not_reported):
    those are judgements about one quarter, not steps on the way, and a bulk move cannot give one."""
    if state == target:
        return []
    previous: dict[str, str] = {state: state}
    todo = deque([state])
    while todo:
        here = todo.popleft()
        for nxt in r.transitions.get(here, ()):
            if nxt in previous or (nxt != target and nxt in r.reason_required):
                continue
            previous[nxt] = here
            if nxt == target:
                chain = [nxt]
                while previous[chain[-1]] != state:
                    chain.append(previous[chain[-1]])
                return chain[::-1]
            todo.append(nxt)
    where = "a service-quarter with no state" if state == NEW else state
    raise WorkflowError(f"the workflow (data/publication.yaml) has no way from {where} to {target}"
                        " that does not pass through a state needing a reason")


def loaded_quarters(
    con: duckdb.DuckDBPyConnection,
    load_ids: Iterable[int] | None = None,
    fiscal_year: int | None = None,
    quarter: int | None = None,
) -> list[tuple[str, int, int]]:
    """Service-quarters that hold loaded figures (of these loads only, and of one quarter, if given):
    survey answers, v2 mentions, operational observations and event rollups, sorted."""
    ids = None if load_ids is None else sorted({int(i) for i in load_ids})
    if ids is not None and not ids:
        return []
    one = "load_id IN (SELECT unnest(?::BIGINT[]))"
    some = "list_has_any(load_ids, ?::BIGINT[])"
    parts = [
        (f"SELECT service_id, fiscal_year * 4 + quarter - 1 AS qi FROM {t}", one)
        for t in ("survey_results", "survey_mentions")
    ] + [
        (f"SELECT service_id, unnest(range({quarter_index('period_start')},"
         f" {quarter_index('period_end')} + 1)) AS qi FROM metric_observations", one),
        (f"SELECT DISTINCT service_id, {quarter_index('day')} AS qi FROM service_daily", some),
    ]
    sql = " UNION ".join(f"{select}{'' if ids is None else ' WHERE ' + where}" for select, where in parts)
    params = [] if ids is None else [ids] * len(parts)
    rows = con.execute(f"SELECT DISTINCT service_id, qi FROM ({sql})", params).fetchall()
    found = sorted((sid, qi // 4, qi % 4 + 1) for sid, qi in rows)
    return [
        (sid, fy, q) for sid, fy, q in found
        if (fiscal_year is None or fy == fiscal_year) and (quarter is None or q == quarter)
    ]


def _stage_archives(
    con: duckdb.DuckDBPyConnection, db: Path, quarters: list[tuple[int, int]]
) -> list[Staged]:
    """Stage the public archive of each quarter from a copy of the working file as it now stands
    (the metrics layer reads files, not this connection); ArchiveError if any cannot be built."""
    if not quarters:
        return []
    con.execute("CHECKPOINT")
    work = Path(con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()[0])
    source = work.with_name(work.name + ".archive-source")  # removed as stale by the next writer too
    shutil.copyfile(work, source)
    staged: list[Staged] = []
    try:
        for fy, q in quarters:
            staged.append(stage(db, fy, q, source=source))
    except BaseException:
        for s in staged:
            s.discard()
        raise
    finally:
        reader(source).close()
        source.unlink(missing_ok=True)
    return staged


def _apply(
    db: str | os.PathLike[str] | None,
    plan: Callable[[duckdb.DuckDBPyConnection, Rules], Iterable[Move]],
    data_dir: str | os.PathLike[str],
    archive: bool,
) -> list[Move]:
    """One transaction: the moves `plan` asks for, checked, written, and the archive of every quarter
    they publish staged from the new state, all before the swap; then the archive put in place."""
    r = rules(data_dir)
    path = Path(db_path(db))
    staged: list[Staged] = []
    try:
        with writer(path) as con:
            done = _plan(con, plan(con, r), r)
            _write(con, done)
            if archive:
                quarters = sorted({(m.fiscal_year, m.quarter) for m in done if m.state == PUBLISHED})
                try:
                    staged = _stage_archives(con, path, quarters)
                except (ArchiveError, OSError) as exc:
                    cause = str(exc) if isinstance(exc, ArchiveError) else f"{type(exc).__name__}: {exc}"
                    raise ArchiveError(f"nothing was moved (the warehouse is unchanged): {cause}") from exc
    except BaseException:  # the swap did not happen: no archive of it either
        for one in staged:
            one.discard()
        raise
    for i, one in enumerate(staged):
        try:
            commit(one)
        except ArchiveError as exc:  # after the swap: rare (a rename), but say how to finish
            for rest in staged[i + 1:]:
                rest.discard()
            fy, q = one.folder.name.removeprefix("FY").split("-Q")
            raise ArchiveError(
                f"FY{fy} Q{q} is published, but its public archive could not be put in place ({exc});"
                f" write it with: servicestat archive {fy} {q}"
            ) from exc
    return done


def move_many(
    db: str | os.PathLike[str] | None,
    moves: Iterable[Move],
    data_dir: str | os.PathLike[str] = DATA_DIR,
    archive: bool = True,
) -> list[Move]:
    """Apply moves in order as one transaction: all land, or (on the first illegal one) none does.

    With `archive`, each fiscal quarter that got a `published` move is archived with it: if its
    archive cannot be written, no move lands either (ArchiveError names the table and the cause).
    """
    wanted = list(moves)
    return _apply(db, lambda _con, _r: wanted, data_dir, archive)


def publish_loaded(
    db: str | os.PathLike[str] | None,
    by: str,
    reason: str | None = None,
    load_ids: Iterable[int] | None = None,
    fiscal_year: int | None = None,
    quarter: int | None = None,
    data_dir: str | os.PathLike[str] = DATA_DIR,
    archive: bool = True,
) -> list[Move]:
    """Publish every loaded, not yet published service-quarter (of `load_ids`, of one quarter, when
    given) in one transaction, through the states the workflow requires on the way (each step is a
    history row). Already published ones are left alone, so running it again changes nothing."""
    ids = None if load_ids is None else list(load_ids)

    def plan(con: duckdb.DuckDBPyConnection, r: Rules) -> list[Move]:
        current = {
            (sid, fy, q): state
            for sid, fy, q, state in con.execute(
                "SELECT service_id, fiscal_year, quarter, state FROM reporting_state"
            ).fetchall()
        }
        out = []
        for sid, fy, q in loaded_quarters(con, ids, fiscal_year, quarter):
            for state in path_to(current.get((sid, fy, q), NEW), PUBLISHED, r):
                out.append(Move(state, sid, fy, q, by, reason))
        return out

    return _apply(db, plan, data_dir, archive)


def publish_from_public_record(
    db: str | os.PathLike[str] | None,
    load_ids: Iterable[int],
    source: str,
    by: str | None = None,
    data_dir: str | os.PathLike[str] = DATA_DIR,
    archive: bool = True,
) -> list[Move]:
    """Record that the service-quarters of these loads are published at `source` (a file that is
    already the public record, e.g. performance.gov's A-11 data): each move's reason says so, which
    reporting compliance reads (their submission date is not known here, so not judged)."""
    if not (source or "").strip():
        raise WorkflowError("--published-source: say where the figures were published")
    return publish_loaded(db, (by or source).strip(), PUBLIC_RECORD + source.strip(), load_ids=load_ids,
                          data_dir=data_dir, archive=archive)


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
