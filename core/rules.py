"""The rules that decide how service events are judged against a standard, defined once.

Ingest writes the rollups with them (`ingest.rollup` in SQL, `ingest.ibis_rollup` in Ibis, which
also runs on Spark); metrics recounts raw events with them (`metrics.standards`). The SQL text and
the Ibis expressions below are the same rule in two dialects, side by side so that a change to one
is a change to both (tests/test_ibis_rollup.py checks they agree).

An event belongs to the day it was received. Which events count against a threshold:
  wait:        events with a wait; within = wait <= threshold and the customer did not give up
               (an abandoned call was not answered, however early it was abandoned);
  processing:  completed events, plus open (pending) ones already older than the threshold at the
               service's latest timestamp, which are known to be late; within = processing <= it.
Ties at the threshold count as within.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir
import pandas as pd

from core.models import Declarations
from core.units import convert

FAR_FUTURE = date(9999, 12, 31)
DAILY_COLUMNS = ["standard_id", "service_id", "channel", "measure", "version_from", "version_to",
                 "threshold_minutes"]

# Over prepared events `e` joined to standard versions `v` (columns measure, threshold_minutes).
COUNTED_SQL = """CASE v.measure
    WHEN 'wait_minutes' THEN e.wait_minutes IS NOT NULL
    ELSE e.processing_minutes IS NOT NULL OR (e.is_open AND e.age_minutes > v.threshold_minutes) END"""
WITHIN_SQL = """CASE v.measure
    WHEN 'wait_minutes' THEN e.wait_minutes <= v.threshold_minutes AND coalesce(e.outcome, '') <> 'abandoned'
    ELSE e.processing_minutes <= v.threshold_minutes END"""


def counted(j: ir.Table) -> ir.BooleanValue:
    """COUNTED_SQL in Ibis, over prepared events joined to their standard versions."""
    return ibis.cases(
        (j.measure == "wait_minutes", j.wait_minutes.notnull()),
        else_=j.processing_minutes.notnull() | (j.is_open & (j.age_minutes > j.threshold_minutes)),
    )


def within(j: ir.Table) -> ir.BooleanValue:
    """WITHIN_SQL in Ibis."""
    return ibis.cases(
        (j.measure == "wait_minutes",
         (j.wait_minutes <= j.threshold_minutes) & (j.outcome.fill_null("") != "abandoned")),
        else_=j.processing_minutes <= j.threshold_minutes,
    )


def events_sql(where: str, latest_elsewhere: str | None = None) -> str:
    """The events as the rollups see them (day, open, age at the service's latest timestamp).

    `where` filters service_events by `service_id`; metrics reuses this to recount from raw events.
    `latest_elsewhere` (SQL selecting `service_id, last_seen`) gives the services' latest times in
    events that `service_events` does not hold (a load's working table holds only part of them).
    """
    elsewhere = f" UNION ALL {latest_elsewhere}" if latest_elsewhere else ""
    return f"""
        WITH as_of AS (
            SELECT service_id, max(t) AS as_of FROM (
                SELECT service_id, greatest(received_at, coalesce(completed_at, received_at)) AS t
                FROM service_events WHERE {where}{elsewhere}
            ) GROUP BY service_id
        )
        SELECT e.service_id, e.channel, CAST(e.received_at AS DATE) AS day, e.load_id,
               e.wait_minutes, e.processing_minutes, e.outcome,
               e.completed_at IS NOT NULL AS is_completed,
               e.completed_at IS NULL AND coalesce(e.outcome, 'pending') = 'pending' AS is_open,
               date_diff('second', e.received_at, a.as_of) / 60.0 AS age_minutes
        FROM service_events e JOIN as_of a USING (service_id)
        WHERE {where.replace('service_id', 'e.service_id')}
    """


def event_standards(decl: Declarations) -> list[tuple[str, str, str | None, str]]:
    """(standard id, service, channel, measure column) of standards counted against events."""
    out = {}
    for s in decl.standards:
        measure = decl.event_measure(s)
        if measure:
            out[s.id] = (s.id, s.service, s.channel, measure)
    return list(out.values())


def daily_versions(decl: Declarations, services: set[str] | None) -> pd.DataFrame:
    rows = []
    for s in decl.standards:
        measure = decl.event_measure(s)
        if measure and (services is None or s.service in services):
            rows.append((s.id, s.service, s.channel, measure, s.effective_from, s.effective_to or FAR_FUTURE,
                         convert(s.threshold.value, s.threshold.unit, "minutes")))
    return pd.DataFrame(rows, columns=DAILY_COLUMNS)
