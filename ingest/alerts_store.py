"""The only writer of the `alerts` table: what each evaluation of the alert rules found, kept over time.

An alert is one occurrence of a condition: a rule and a `subject` (a standard and the period its run
off track began, a service's quarter, a load). `record` takes what an evaluation finds holding now and,
in one atomic write (`ingest.warehouse.writer`): opens a new alert for each condition not already open
(first seen = last seen = now), updates the open ones still found (last seen, the figures of the text),
and resolves the open ones no longer found (resolved = now). A condition that holds again after it was
resolved is a new alert. `mark_sent` records who an alert was e-mailed to, so it is sent once.

The evaluation is handed in as a function and run while the write lock is held: no load or workflow
move can land between reading the figures and writing what they say, so the alerts always describe
the warehouse they are stored in. The function reads the live file (ingest never reads metrics).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import pandas as pd

from ingest.warehouse import writer


@dataclass(frozen=True)
class Finding:
    """A condition found holding by one evaluation of a rule."""

    rule_id: str
    kind: str
    severity: str
    subject: str
    message: str
    audience: str  # everyone, staff or public (core.schema `alerts.audience`)
    agency_id: str | None = None
    service_id: str | None = None
    fiscal_year: int | None = None
    quarter: int | None = None
    load_id: int | None = None


@dataclass(frozen=True)
class Recorded:
    """What one evaluation changed: alerts opened, still open (updated) and resolved."""

    opened: int
    updated: int
    resolved: int


_COLUMNS = ["rule_id", "kind", "severity", "subject", "message", "audience", "agency_id", "service_id",
            "fiscal_year", "quarter", "load_id"]


def _now(at: datetime | None) -> datetime:
    """Stored as naive UTC, like every time in the warehouse."""
    at = at or datetime.now(UTC)
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at


def record(db: str | os.PathLike[str], evaluate: Callable[[], Iterable[Finding]],
           at: datetime | None = None) -> Recorded:
    """Run `evaluate` under the write lock and keep what it found (see the module); one transaction."""
    now = _now(at)
    with writer(db) as con:
        found = pd.DataFrame([asdict(f) for f in evaluate()], columns=_COLUMNS)
        found = found.drop_duplicates(["rule_id", "subject"], keep="last")
        for col in ("fiscal_year", "quarter", "load_id"):
            found[col] = pd.array(found[col], dtype="Int64")
        first = con.execute("SELECT coalesce(max(alert_id), 0) + 1 FROM alerts").fetchall()[0][0]
        con.register("_found", found)
        try:
            open_ = "FROM alerts a WHERE a.resolved_at IS NULL"
            same = "a.rule_id = f.rule_id AND a.subject = f.subject"
            resolved = con.execute(f"SELECT count(*) {open_} AND NOT EXISTS (SELECT 1 FROM _found f"
                                   f" WHERE {same})").fetchall()[0][0]
            con.execute(f"UPDATE alerts a SET resolved_at = ? WHERE a.resolved_at IS NULL AND NOT EXISTS"
                        f" (SELECT 1 FROM _found f WHERE {same})", [now])
            updated = con.execute(
                "UPDATE alerts a SET last_seen = ?, kind = f.kind, severity = f.severity,"
                " message = f.message, audience = f.audience, agency_id = f.agency_id,"
                " service_id = f.service_id,"
                " fiscal_year = f.fiscal_year, quarter = f.quarter, load_id = f.load_id"
                f" FROM _found f WHERE a.resolved_at IS NULL AND {same}", [now]).fetchall()[0][0]
            opened = con.execute(
                "INSERT INTO alerts SELECT ? + row_number() OVER (ORDER BY f.rule_id, f.subject) - 1,"
                " f.rule_id, f.kind, f.severity, f.subject, f.agency_id, f.service_id, f.fiscal_year,"
                " f.quarter, f.load_id, f.message, f.audience, ?, ?, NULL, NULL, NULL FROM _found f"
                f" WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.resolved_at IS NULL AND {same})",
                [first, now, now]).fetchall()[0][0]
        finally:
            con.unregister("_found")
    return Recorded(int(opened), int(updated), int(resolved))


def mark_sent(db: str | os.PathLike[str], sent: Mapping[int, Iterable[str]],
              at: datetime | None = None) -> None:
    """Record that each alert (by id) was e-mailed to these addresses (added to those before)."""
    rows = [(int(alert_id), address) for alert_id, addresses in sent.items() for address in addresses]
    if not rows:
        return
    frame = pd.DataFrame(rows, columns=["alert_id", "address"])
    with writer(db) as con:
        # a query run to its end first: DuckDB will not register a frame on a connection whose last
        # result (the writer's schema statements) is unfinished
        con.execute("SELECT count(*) FROM alerts").fetchall()
        con.register("_sent", frame)
        try:
            con.execute(
                "UPDATE alerts a SET sent_to = list_distinct(list_concat(coalesce(a.sent_to, []::VARCHAR[]),"
                " s.addresses)), sent_at = ? FROM (SELECT alert_id, list(address) AS addresses FROM _sent"
                " GROUP BY alert_id) s WHERE a.alert_id = s.alert_id", [_now(at)])
        finally:
            con.unregister("_sent")
