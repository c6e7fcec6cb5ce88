"""The generic kinds, ServiceStat's own formats: service events, metric observations, survey results.

Each is checked in SQL (`build_checked`), so ten million rows are read at DuckDB's pace.
"""

from __future__ import annotations

import duckdb

from core.driver_patterns import install_classifier
from core.fiscal import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, fiscal_year_start
from core.sqltext import literal as sql_str
from core.vocab import DRIVERS, unit_aliases
from ingest.kind_base import (
    CHANNEL_JOIN,
    NO_CHANNEL_JOIN,
    OUTCOMES,
    SERVICE_JOINS,
    WAIT_COLUMNS,
    Check,
    Kind,
    build_checked,
    channel_checks,
    prepare_metric_hints,
    prepare_value_maps,
    service_checks,
)


def check_events(con: duckdb.DuckDBPyConnection, kind: Kind, present: set[str]) -> list[str]:
    warnings: list[str] = []
    waits = [c for c in WAIT_COLUMNS if c in present]
    if len(waits) > 1:
        warnings.append(f"several wait columns ({', '.join(waits)}); using {waits[0]}")
    wait_expr = f"ss_minutes(r.{waits[0]}, {WAIT_COLUMNS[waits[0]]!r})" if waits else "NULL::DOUBLE"

    def opt(col: str, expr: str, cast: str = "VARCHAR") -> str:
        return expr if col in present else f"NULL::{cast}"

    received = "ss_ts(r.received_at)"
    completed = opt("completed_at", "ss_ts(r.completed_at)", "TIMESTAMP")
    typed = {
        "event_id": opt("event_id", "nullif(trim(r.event_id), '')"),
        "service_id": "svc.service_id",
        "channel": "ch.channel",
        "channel_raw": "r.channel",
        "office": opt("office", "nullif(trim(r.office), '')"),
        "received_at": received,
        "completed_at": completed,
        "wait_minutes": wait_expr,
        "outcome": opt("outcome", "nullif(lower(trim(r.outcome)), '')"),
    }
    future = "now()::TIMESTAMP + INTERVAL 1 DAY"
    outcomes = ", ".join(sql_str(o) for o in OUTCOMES)
    checks = service_checks() + channel_checks(required=True) + [
        Check("received_at", "ss_blank(r.received_at)", "'a received date and time is required'",
              "r.received_at"),
        Check("received_at", "NOT ss_blank(r.received_at) AND t.received_at IS NULL",
              "'not a date and time; write it as 2024-03-15 14:30'", "r.received_at"),
        Check("received_at", f"t.received_at > {future}", "'is in the future'", "r.received_at"),
        Check("received_at", f"t.received_at < DATE '{fiscal_year_start(FIRST_FISCAL_YEAR)}'",
              f"'is before FY{FIRST_FISCAL_YEAR}, the first fiscal year the warehouse covers'",
              "r.received_at"),
    ]
    if "completed_at" in present:
        checks += [
            Check("completed_at", "NOT ss_blank(r.completed_at) AND t.completed_at IS NULL",
                  "'not a date and time; write it as 2024-03-15 14:30'", "r.completed_at"),
            Check("completed_at", f"t.completed_at > {future}", "'is in the future'",
                  "r.completed_at"),
            Check("completed_at", "t.completed_at < t.received_at",
                  "'completed before it was received (' || t.received_at || ')'", "r.completed_at"),
        ]
    if waits:
        w = waits[0]
        checks += [
            Check(w, f"NOT ss_blank(r.{w}) AND t.wait_minutes IS NULL",
                  "'not a duration; write minutes (15), a unit (90 s, 2 hours) or h:mm'", f"r.{w}"),
            Check(w, "t.wait_minutes < 0", "'negative duration'", f"r.{w}"),
            Check(w, "t.wait_minutes > 525600", "'longer than a year; check the unit'", f"r.{w}"),
        ]
    if "outcome" in present:
        checks.append(
            Check("outcome", f"t.outcome IS NOT NULL AND t.outcome NOT IN ({outcomes})",
                  f"'unknown outcome; use one of {', '.join(OUTCOMES)}'", "r.outcome")
        )
    prepare_value_maps(con, present)
    derived = {"processing_minutes": "date_diff('second', t.received_at, t.completed_at) / 60.0"}
    build_checked(con, kind, typed, checks, f"{SERVICE_JOINS} {CHANNEL_JOIN}", present, derived=derived)
    return warnings


# --------------------------------------------------------------------------- metric observations

PERIOD_HELP = "write 2024-03-15 (day), 2024-03 (month), FY2024 Q2 (fiscal quarter) or FY2024"


def check_observations(con: duckdb.DuckDBPyConnection, kind: Kind, present: set[str]) -> list[str]:
    prepare_metric_hints(con)
    units = [(alias, canonical, factor) for alias, (canonical, factor) in unit_aliases().items()]
    con.execute("CREATE OR REPLACE TEMP TABLE _units (alias VARCHAR, canonical VARCHAR, factor DOUBLE)")
    con.executemany("INSERT INTO _units VALUES (?, ?, ?)", units)
    p = "upper(regexp_replace(trim(r.period), '\\s+', ' ', 'g'))"
    fy_q = f"regexp_extract({p}, '^FY ?([0-9]{{4}})[ -]?Q([1-4])$', ['fy', 'q'])"
    grain = (
        f"CASE WHEN regexp_full_match({p}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') THEN 'day'"
        f" WHEN regexp_full_match({p}, '[0-9]{{4}}-[0-9]{{2}}') THEN 'month'"
        f" WHEN regexp_full_match({p}, 'FY ?[0-9]{{4}}[ -]?Q[1-4]') THEN 'quarter'"
        f" WHEN regexp_full_match({p}, 'FY ?[0-9]{{4}}') THEN 'year' END"
    )
    start = (
        f"CASE {grain} WHEN 'day' THEN TRY_CAST({p} AS DATE)"
        f" WHEN 'month' THEN TRY_CAST({p} || '-01' AS DATE)"
        f" WHEN 'quarter' THEN (make_date(TRY_CAST({fy_q}.fy AS INTEGER) - 1, 10, 1)"
        f"   + to_months(3 * (TRY_CAST({fy_q}.q AS INTEGER) - 1)))::DATE"
        f" WHEN 'year' THEN make_date(TRY_CAST(regexp_extract({p}, '[0-9]{{4}}') AS INTEGER) - 1, 10, 1)"
        " END"
    )
    end = (
        f"CASE {grain} WHEN 'day' THEN {start} WHEN 'month' THEN last_day({start})"
        f" WHEN 'quarter' THEN ({start} + INTERVAL 3 MONTH - INTERVAL 1 DAY)::DATE"
        f" WHEN 'year' THEN ({start} + INTERVAL 12 MONTH - INTERVAL 1 DAY)::DATE END"
    )
    # A unit written with the number ("17%", "3 days") says how to read that number, so it wins;
    # the unit column is the fallback, and must agree with it when both are given.
    suffix_word = "nullif(ss_unit_part(r.value), '')"
    column_word = "nullif(ss_label(r.unit), '')" if "unit" in present else "NULL::VARCHAR"
    unit_word = f"coalesce({suffix_word}, {column_word})"
    number = "coalesce(ss_number(ss_value_part(r.value)), ss_number(r.value))"
    typed = {
        "service_id": "svc.service_id",
        "channel": "ch.channel",
        "channel_raw": "r.channel" if "channel" in present else "NULL::VARCHAR",
        "period_grain": grain,
        "period_start": start,
        "period_end": end,
        "metric": "m.key",
        # The unit converts the number into the metric's canonical unit.
        "value": f"ss_finite({number} * coalesce(u.factor, 1))",
        "unit": "coalesce(u.canonical, m.unit)",
        "unit_raw": f"coalesce(nullif(trim(r.unit), ''), {suffix_word})" if "unit" in present
        else suffix_word,
        "n": "ss_int(r.n)" if "n" in present else "NULL::BIGINT",
    }
    joins = (
        f"{SERVICE_JOINS}"
        + (f" {CHANNEL_JOIN}" if "channel" in present else f" {NO_CHANNEL_JOIN}")
        + " LEFT JOIN _metrics m ON m.key = lower(trim(r.metric))"
        " LEFT JOIN _metric_hints mh ON mh.raw = lower(trim(r.metric))"
        f" LEFT JOIN _units u ON u.alias = {unit_word}"
        f" LEFT JOIN _units uc ON uc.alias = {column_word}"
    )
    checks = service_checks() + (channel_checks(required=False) if "channel" in present else []) + [
        Check("period", "ss_blank(r.period)", "'a period is required'", "r.period"),
        Check("period", "NOT ss_blank(r.period) AND t.period_start IS NULL",
              f"'period not understood; {PERIOD_HELP}'", "r.period"),
        Check("period", "t.period_start > current_date", "'is in the future'", "r.period"),
        Check("metric", "ss_blank(r.metric)", "'a metric is required'", "r.metric"),
        Check("metric", "NOT ss_blank(r.metric) AND t.metric IS NULL",
              "'unknown metric ' || r.metric || coalesce(t._metric_hint, '') || "
              "' (metrics are declared in data/metrics.yaml)'", "r.metric"),
        Check("value", "ss_blank(r.value)", "'a value is required'", "r.value"),
        Check("value", "NOT ss_blank(r.value) AND t._number IS NULL", "'not a number'", "r.value"),
        Check("value", "t._number IS NOT NULL AND t.value IS NULL",
              "'too large once converted to ' || t.unit", "r.value"),
        Check("unit", "t._suffix_word IS NOT NULL AND t._unit IS NULL",
              "'unknown unit ' || t._suffix_word || ' (units are declared in data/units.yaml)'", "r.value"),
        Check("unit", "t._column_word IS NOT NULL AND t._column_unit IS NULL",
              "'unknown unit ' || t._column_word || ' (units are declared in data/units.yaml)'",
              "r.unit" if "unit" in present else "r.value"),
        Check("unit", "t._unit IS NOT NULL AND t._column_unit IS NOT NULL AND t._unit <> t._column_unit",
              "'the unit written with the value (' || t._unit || ') does not match the unit column ('"
              " || t._column_unit || ')'", "r.unit" if "unit" in present else "r.value"),
        Check("unit", "t._unit IS NOT NULL AND t._metric_unit IS NOT NULL AND t._unit <> t._metric_unit",
              "'unit ' || t._unit || ' does not fit metric ' || t.metric || ', which is in ' || "
              "t._metric_unit",
              "coalesce(r.unit, r.value)" if "unit" in present else "r.value"),
        Check("value", "t.value < 0 AND t.unit IN ('minutes', 'business_days', 'count', 'share', 'usd')",
              "'negative value for a ' || t.unit || ' metric'", "r.value"),
        Check("value", "t.unit = 'share' AND t.value > 1", "'a share above 100%'", "r.value"),
    ]
    if "n" in present:
        checks += [
            Check("n", "NOT ss_blank(r.n) AND t.n IS NULL", "'not a whole number'", "r.n"),
            Check("n", "t.n < 0", "'negative count'", "r.n"),
        ]
    prepare_value_maps(con, present)
    extras = {"_metric_hint": "mh.hint", "_unit": "u.canonical", "_metric_unit": "m.unit",
              "_suffix_word": suffix_word, "_number": number, "_column_word": column_word,
              "_column_unit": "uc.canonical"}
    build_checked(con, kind, typed, checks, joins, present, extras)
    return []


# --------------------------------------------------------------------------- survey results


def check_survey(con: duckdb.DuckDBPyConnection, kind: Kind, present: set[str]) -> list[str]:
    counts = [f"count_{i}" for i in range(1, 6)]
    typed: dict[str, str] = {
        "service_id": "svc.service_id",
        "channel": "ch.channel",
        "channel_raw": "r.channel" if "channel" in present else "NULL::VARCHAR",
        "touchpoint": "coalesce(nullif(trim(r.touchpoint), ''), 'all')"
        if "touchpoint" in present else "'all'",
        "fiscal_year": "ss_int(r.fiscal_year)::INTEGER",
        "quarter": "ss_int(r.quarter)::INTEGER",
        "question_number": "ss_int(r.question_number)::INTEGER"
        if "question_number" in present else "NULL::INTEGER",
        "question_text": "trim(r.question_text)",
        # Without a driver column (or with a blank cell) the question's wording decides, by the
        # patterns in data/driver_patterns.yaml; `other` when none fits.
        "driver": "coalesce(nullif(lower(trim(r.driver)), ''), ss_driver(r.question_text))"
        if "driver" in present else "ss_driver(r.question_text)",
    }
    for c in counts:
        typed[c] = f"coalesce(ss_int(r.{c}), 0)"
    typed["n"] = " + ".join(f"coalesce(ss_int(r.{c}), 0)" for c in counts)
    typed["agree"] = "coalesce(ss_int(r.count_4), 0) + coalesce(ss_int(r.count_5), 0)"
    typed["published_mean"] = (
        "ss_number(r.published_mean)" if "published_mean" in present else "NULL::DOUBLE"
    )
    for v in ("volume_served", "volume_offered", "volume_responded"):
        typed[v] = f"ss_int(r.{v})" if v in present else "NULL::BIGINT"
    install_classifier(con)
    drivers = ", ".join(sql_str(d) for d in DRIVERS)
    checks = service_checks() + (channel_checks(required=False) if "channel" in present else []) + [
        Check("fiscal_year", f"t.fiscal_year IS NULL OR t.fiscal_year NOT BETWEEN {FIRST_FISCAL_YEAR} AND "
              f"{LAST_FISCAL_YEAR}", f"'fiscal year must be a whole year between {FIRST_FISCAL_YEAR} and "
              f"{LAST_FISCAL_YEAR}'", "r.fiscal_year"),
        Check("quarter", "t.quarter IS NULL OR t.quarter NOT BETWEEN 1 AND 4",
              "'quarter must be 1, 2, 3 or 4'", "r.quarter"),
        Check("question_text", "ss_blank(r.question_text)", "'the question text is required'",
              "r.question_text"),
        Check("driver", f"t.driver IS NULL OR t.driver NOT IN ({drivers})",
              f"'unknown driver; use one of {', '.join(DRIVERS)}'",
              "r.driver" if "driver" in present else "t.driver"),
    ]
    for c in counts:
        checks += [
            Check(c, f"NOT ss_blank(r.{c}) AND ss_int(r.{c}) IS NULL", "'not a whole number'", f"r.{c}"),
            Check(c, f"ss_int(r.{c}) < 0", "'negative count'", f"r.{c}"),
        ]
    for v in ("volume_served", "volume_offered", "volume_responded"):
        if v in present:
            checks += [
                Check(v, f"NOT ss_blank(r.{v}) AND t.{v} IS NULL", "'not a whole number'", f"r.{v}"),
                Check(v, f"t.{v} < 0", "'negative count'", f"r.{v}"),
            ]
    joins = SERVICE_JOINS + (
        f" {CHANNEL_JOIN}" if "channel" in present else f" {NO_CHANNEL_JOIN}"
    )
    prepare_value_maps(con, present)
    build_checked(con, kind, typed, checks, joins, present)
    return []


KINDS: tuple[Kind, ...] = (
    Kind(
        name="service-events",
        table="service_events",
        required=("service_id", "channel", "received_at"),
        optional=("event_id", "office", "completed_at", "outcome", *WAIT_COLUMNS),
        aliases={"service": "service_id", "location": "office", "queue": "office",
                 "received": "received_at", "completed": "completed_at",
                 "transaction_id": "event_id"},
        description="One row per transaction: received and completed times and/or a wait.",
        replace_on=("service_id", "channel", "CAST(received_at AS DATE)"),
        unique_key=("service_id", "event_id"),
        check=check_events,
    ),
    Kind(
        name="metric-observations",
        table="metric_observations",
        required=("service_id", "period", "metric", "value"),
        optional=("channel", "unit", "n"),
        aliases={"service": "service_id"},
        description="Operational metrics per service and period (long form).",
        replace_on=("service_id", "channel", "metric", "period_grain", "period_start"),
        unique_key=("service_id", "channel", "metric", "period_grain", "period_start"),
        duplicate_field="period",
        check=check_observations,
    ),
    Kind(
        name="survey-results",
        table="survey_results",
        required=("service_id", "fiscal_year", "quarter", "question_text",
                  "count_1", "count_2", "count_3", "count_4", "count_5"),
        optional=("driver", "channel", "touchpoint", "question_number", "published_mean",
                  "volume_served", "volume_offered", "volume_responded"),
        aliases={"service": "service_id", "year": "fiscal_year"},
        description="Survey answer counts per question, service, channel and fiscal quarter.",
        replace_on=("service_id", "channel", "touchpoint", "fiscal_year", "quarter"),
        unique_key=("service_id", "channel", "touchpoint", "fiscal_year", "quarter",
                    "question_text"),
        duplicate_field="question_text",
        check=check_survey,
    ),
)
