"""The kinds of file ingest understands, each declared once: columns, how values are read, the
checks that quarantine a row, the key that must be unique in a file, and which earlier rows a
corrected file replaces.

A kind's `check` leaves two temp tables on the connection:
  `checked`  - one row per data row: `_row`, `_ok`, and the fact table's columns, typed;
  `problems` - `_row, field, value, reason` for every problem found (a row with any is not loaded).
Bulk kinds do this in SQL (ten million rows at DuckDB speed); kinds whose rows need reshaping
(the A-11 collections form) may do it in Python and register the result.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import yaml

from ingest.driver_patterns import install_classifier
from ingest.reference import unit_aliases
from servicestat.config import DATA_DIR

OUTCOMES = (
    "completed",
    "resolved_first_contact",
    "transferred",
    "abandoned",
    "pending",
    "withdrawn",
    "denied",
)
DRIVERS = ("satisfaction", "trust", "effectiveness", "ease", "efficiency", "equity", "employee", "other")
WAIT_COLUMNS = {"wait_minutes": 1.0, "wait_seconds": 1 / 60, "wait_hours": 60.0, "wait": 1.0}


def sql_str(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


@dataclass(frozen=True)
class Check:
    """A row fails when `condition` is true; `field`/`value` name where, `reason` (SQL) says why."""

    field: str
    condition: str
    reason: str
    value: str | None = None


@dataclass
class Kind:
    name: str
    table: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    description: str
    aliases: dict[str, str] = field(default_factory=dict)
    # SQL over the fact table (alias t) and the incoming rows (alias n) that selects the earlier
    # rows a corrected file replaces: the same service and period.
    replace_on: tuple[str, ...] = ()
    unique_key: tuple[str, ...] = ()
    duplicate_field: str = ""  # the column a duplicate is reported on (default: last key column)
    check: Callable[[duckdb.DuckDBPyConnection, Kind, set[str]], list[str]] | None = None

    @property
    def known_columns(self) -> set[str]:
        return set(self.required) | set(self.optional) | set(self.aliases)


# --------------------------------------------------------------------------- shared lookups


def prepare_lookups(con: duckdb.DuckDBPyConnection) -> None:
    """Temp tables that resolve services (by id or name) and metric keys."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _service_lookup AS
        SELECT DISTINCT key, service_id FROM (
            SELECT lower(trim(service_id)) AS key, service_id FROM services
            UNION ALL SELECT lower(trim(name)), service_id FROM services
        ) QUALIFY count(*) OVER (PARTITION BY key) = 1
        """
    )
    metrics = yaml.safe_load((DATA_DIR / "metrics.yaml").read_text())["metrics"]
    con.execute("CREATE OR REPLACE TEMP TABLE _metrics (key VARCHAR, unit VARCHAR)")
    con.executemany("INSERT INTO _metrics VALUES (?, ?)", [(m["key"], m["unit"]) for m in metrics])


def _hint(value: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(value.lower(), choices, n=3, cutoff=0.5)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def prepare_value_maps(con: duckdb.DuckDBPyConnection, present: set[str]) -> None:
    """Resolve each distinct service and channel label once, not once per row.

    `_svc_map(raw, service_id, hint)`: for unknown services, the closest known ones as a hint.
    `_ch_map(raw, channel)`: raw channel label -> canonical channel (NULL when unknown).
    """
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _svc_map AS SELECT d.raw, l.service_id, NULL::VARCHAR AS hint"
        " FROM (SELECT DISTINCT service_id AS raw FROM staged) d"
        " LEFT JOIN _service_lookup l ON l.key = lower(trim(d.raw))"
    )
    unknown = [
        r[0]
        for r in con.execute(
            "SELECT raw FROM _svc_map WHERE service_id IS NULL AND NOT ss_blank(raw) LIMIT 10000"
        ).fetchall()
    ]
    if unknown:
        choices = [r[0] for r in con.execute("SELECT key FROM _service_lookup").fetchall()]
        con.executemany(
            "UPDATE _svc_map SET hint = ? WHERE raw = ?", [(_hint(u.strip(), choices), u) for u in unknown]
        )
    source = "(SELECT NULL AS raw)"
    if "channel" in present:
        source = "(SELECT DISTINCT channel AS raw FROM staged)"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _ch_map AS SELECT d.raw, a.channel FROM {source} d"
        " LEFT JOIN channel_aliases a ON a.raw_label = ss_label(d.raw)"
    )


def prepare_metric_hints(con: duckdb.DuckDBPyConnection) -> None:
    unknown = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT lower(trim(metric)) FROM staged WHERE NOT ss_blank(metric)"
            " AND lower(trim(metric)) NOT IN (SELECT key FROM _metrics)"
        ).fetchall()
    ]
    choices = [r[0] for r in con.execute("SELECT key FROM _metrics").fetchall()]
    con.execute("CREATE OR REPLACE TEMP TABLE _metric_hints (raw VARCHAR, hint VARCHAR)")
    if unknown:
        con.executemany(
            "INSERT INTO _metric_hints VALUES (?, ?)", [(u, _hint(u, choices)) for u in unknown]
        )


def service_checks(raw: str = "r.service_id") -> list[Check]:
    return [
        Check("service_id", f"ss_blank({raw})", "'a service is required'", raw),
        Check(
            "service_id",
            f"NOT ss_blank({raw}) AND t.service_id IS NULL",
            f"'unknown service ' || {raw} || coalesce(t._service_hint, '')",
            raw,
        ),
    ]


SERVICE_JOINS = "LEFT JOIN _svc_map svc ON svc.raw = r.service_id"
CHANNEL_JOIN = "LEFT JOIN _ch_map ch ON ch.raw = r.channel"
NO_CHANNEL_JOIN = "LEFT JOIN (SELECT NULL::VARCHAR AS channel) ch ON true"


def channel_checks(required: bool) -> list[Check]:
    known = "online, phone, in-person, mail, email, mixed"
    checks = [
        Check(
            "channel",
            "NOT ss_blank(r.channel) AND t.channel IS NULL",
            f"'unknown channel ' || r.channel || '; use one of {known} (or add the label to "
            "data/channels.yaml)'",
            "r.channel",
        )
    ]
    if required:
        checks.insert(0, Check("channel", "ss_blank(r.channel)", "'a channel is required'", "r.channel"))
    return checks


def build_checked(
    con: duckdb.DuckDBPyConnection,
    kind: Kind,
    typed: dict[str, str],
    checks: list[Check],
    joins: str,
    present: set[str],
    extras: dict[str, str] | None = None,
    derived: dict[str, str] | None = None,
) -> None:
    """Create `checked` and `problems` from typed expressions and checks (see module docstring).

    `typed` maps each fact column to an expression over the raw row `r` (and the joins); checks
    may refer to raw columns (r.x), to typed ones as t.x, and to `extras` (helper values from the
    joins, such as hints) as t._name. `derived` fact columns are computed from typed ones (t.x),
    so that a value parsed once is not parsed again.
    """
    derived = derived or {}
    extras = {**({"_service_hint": "svc.hint"} if " svc " in f" {joins} " else {}), **(extras or {})}
    fact_cols = ", ".join(f"{expr} AS {name}" for name, expr in {**typed, **extras}.items())
    raw_cols = ", ".join(f"r.{c} AS _raw_{c}" for c in sorted(present))

    def over_t(sql: str) -> str:
        return re.sub(r"\br\.", "t._raw_", sql)

    conds = [f"coalesce({over_t(c.condition)}, false)" for c in checks]
    structs = [
        f"CASE WHEN {cond} THEN {{'field': {sql_str(c.field)}, "
        f"'value': {over_t(c.value) if c.value else 'NULL'}::VARCHAR, "
        f"'reason': {over_t(c.reason)}}} END"
        for c, cond in zip(checks, conds, strict=True)
    ]
    inner = (
        f"SELECT r.rowid - (SELECT min(rowid) FROM staged) + 1 AS _row, {fact_cols}, {raw_cols}"
        f" FROM staged r {joins}"
    )
    dup_join = ""
    if kind.unique_key and all(k in typed for k in kind.unique_key):
        # Find repeated keys with one grouping pass; join back only when there are any.
        key = ", ".join(kind.unique_key)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _dups AS SELECT {key}, min(_row) AS _first_row"
            f" FROM ({inner}) WHERE {kind.unique_key[0]} IS NOT NULL AND {kind.unique_key[-1]} IS NOT NULL"
            " GROUP BY ALL HAVING count(*) > 1"
        )
        if con.execute("SELECT count(*) FROM _dups").fetchone()[0]:
            on = " AND ".join(f"d.{k} IS NOT DISTINCT FROM i.{k}" for k in kind.unique_key)
            dup_join = f" LEFT JOIN _dups d ON {on}"
            dup_cond = "(t._first_row < t._row)"
            conds.append(f"coalesce({dup_cond}, false)")
            dup_field = sql_str(kind.duplicate_field or kind.unique_key[-1])
            structs.append(
                f"CASE WHEN coalesce({dup_cond}, false) THEN {{'field': {dup_field}, "
                f"'value': NULL::VARCHAR, 'reason': 'duplicate of row ' || t._first_row || "
                f"' (same {key.replace('_', ' ')})'}} END"
            )
    any_bad = " OR ".join(conds) if conds else "false"
    cols = ", ".join([f"t.{c}" for c in typed] + [f"{expr} AS {name}" for name, expr in derived.items()])
    # One materialisation: typed columns plus, for bad rows only, the list of their problems.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _checked_all AS
        SELECT t._row, {cols}, CASE WHEN {any_bad}
               THEN list_filter([{', '.join(structs)}], lambda p: p IS NOT NULL) END AS _problems
        FROM (SELECT i.*{', d._first_row' if dup_join else ''} FROM ({inner}) i{dup_join}) t
        """
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW checked AS SELECT _row, _problems IS NULL AS _ok,"
        f" {', '.join([*typed, *derived])}"
        " FROM _checked_all"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE problems AS SELECT _row, p.field AS field, p.value AS value,"
        " p.reason AS reason FROM (SELECT _row, unnest(_problems) AS p FROM _checked_all"
        " WHERE _problems IS NOT NULL)"
    )


# --------------------------------------------------------------------------- service events


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
        Check("received_at", "t.received_at < TIMESTAMP '1989-10-01'",
              "'is before FY1990, the first fiscal year the warehouse covers'", "r.received_at"),
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
        Check("fiscal_year", "t.fiscal_year IS NULL OR t.fiscal_year NOT BETWEEN 1990 AND 2100",
              "'fiscal year must be a whole year between 1990 and 2100'", "r.fiscal_year"),
        Check("quarter", "t.quarter IS NULL OR t.quarter NOT BETWEEN 1 AND 4",
              "'quarter must be 1, 2, 3 or 4'", "r.quarter"),
        Check("question_text", "ss_blank(r.question_text)", "'the question text is required'",
              "r.question_text"),
        Check("driver", f"t.driver IS NULL OR t.driver NOT IN ({drivers})",
              f"'unknown driver; use one of {', '.join(DRIVERS)}'", "r.driver"),
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


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
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
}


def detect(columns: set[str]) -> Kind | None:
    """The kind whose required columns the file has (after aliases), best match first."""
    best: tuple[float, Kind] | None = None
    for kind in KINDS.values():
        have = {kind.aliases.get(c, c) for c in columns}
        missing = set(kind.required) - have
        if not missing:
            score = len(have & kind.known_columns) / max(len(kind.known_columns), 1)
            if best is None or score > best[0]:
                best = (score, kind)
    return best[1] if best else None


# Kinds declared in their own modules: A-11 collections (v1 and v2) and GPRA APR indicators.
from ingest.a11 import register_kinds  # noqa: E402

register_kinds(KINDS)
