"""What every kind of file shares: the `Kind` declaration, the `Check` of a row, the lookups that
resolve services, channels and metrics once per distinct label, and `build_checked`, which turns a
kind's checks into the two temp tables ingest loads from.

A kind's `check` leaves two temp tables on the connection:
  `checked`  - one row per data row: `_row`, `_ok`, and the fact table's columns, typed;
  `problems` - `_row, field, value, reason` for every problem found (a row with any is not loaded).
Bulk kinds do this in SQL (ten million rows at DuckDB speed); kinds whose rows need reshaping
(the A-11 collections form) may do it in Python and register the result.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import yaml

from core.paths import DATA_DIR
from core.sqltext import literal as sql_str

OUTCOMES = (
    "completed",
    "resolved_first_contact",
    "transferred",
    "abandoned",
    "pending",
    "withdrawn",
    "denied",
)
WAIT_COLUMNS = {"wait_minutes": 1.0, "wait_seconds": 1 / 60, "wait_hours": 60.0, "wait": 1.0}
#: Judge every row with one boolean and word the problems (field, value, reason) only of the rows that
#: fail (`word_failing_rows`): wording a list for every row cost a third of the check of a clean file.
#: False: the single statement that words them as it judges (the text path tests compare it with).
WORD_ONLY_FAILING = True
log = logging.getLogger("servicestat.ingest")


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
    """Temp tables that resolve services (by id, name or declared alias) and metric keys.

    A key that stands for two services matches neither.
    """
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _service_lookup AS
        SELECT key, service_id FROM (
            SELECT DISTINCT key, service_id FROM (
                SELECT lower(trim(service_id)) AS key, service_id FROM services
                UNION ALL SELECT lower(trim(name)), service_id FROM services
                UNION ALL SELECT lower(trim(alias)), service_id FROM service_aliases
                    WHERE service_id IN (SELECT service_id FROM services)
            )
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

    def inner(rows: str = "staged r", rowid: str = "r.rowid") -> str:
        return (f"SELECT {rowid} - (SELECT min(rowid) FROM staged) + 1 AS _row, {fact_cols}, {raw_cols}"
                f" FROM {rows} {joins}")

    dup_join = ""
    if kind.unique_key and all(k in typed for k in kind.unique_key):
        # Find repeated keys with one grouping pass; join back only when there are any.
        key = ", ".join(kind.unique_key)
        # Only the key columns are typed for this pass: typing every column twice doubled the check.
        key_cols = ", ".join(f"{typed[k]} AS {k}" for k in kind.unique_key)
        keys_only = (f"SELECT r.rowid - (SELECT min(rowid) FROM staged) + 1 AS _row, {key_cols}"
                     f" FROM staged r {joins}")
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _dups AS SELECT {key}, min(_row) AS _first_row"
            f" FROM ({keys_only})"
            f" WHERE {kind.unique_key[0]} IS NOT NULL AND {kind.unique_key[-1]} IS NOT NULL"
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
    first = ", d._first_row" if dup_join else ""
    words = f"list_filter([{', '.join(structs)}], lambda p: p IS NOT NULL)"
    if WORD_ONLY_FAILING:
        # Judge every row with one boolean; word the problems of the failing rows only, below.
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _checked_all AS SELECT t._row, {cols}, {any_bad} AS _bad"
            f" FROM (SELECT i.*{first} FROM ({inner()}) i{dup_join}) t"
        )
        con.execute(
            "CREATE OR REPLACE TEMP VIEW checked AS SELECT _row, NOT _bad AS _ok,"
            f" {', '.join([*typed, *derived])} FROM _checked_all"
        )
        failing = con.execute("SELECT count(*) FROM _checked_all WHERE _bad").fetchone()[0]
        word_failing_rows(con, failing, words, any_bad,
                          f"(SELECT i.*{first} FROM ({inner(FAILING_ROWS, 'r._rid')}) i{dup_join}) t")
        return
    # The text path: one materialisation, typed columns plus, for bad rows only, their problems.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _checked_all AS
        SELECT t._row, {cols}, CASE WHEN {any_bad} THEN {words} END AS _problems
        FROM (SELECT i.*{first} FROM ({inner()}) i{dup_join}) t
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


#: The staged rows `_checked_all` judged bad, with their staging row id as `_rid`.
FAILING_ROWS = ("(SELECT rowid AS _rid, * FROM staged WHERE rowid IN (SELECT _row - 1 + (SELECT min(rowid)"
                " FROM staged) FROM _checked_all WHERE _bad)) r")


def word_failing_rows(con: duckdb.DuckDBPyConnection, failing: int, words: str, bad: str,
                      source: str) -> None:
    """Create `problems` (row, field, value, reason) for the `failing` rows only: the same checks,
    worded by the same expressions as the text path, over the staged rows `_checked_all` judged bad.
    A clean file costs nothing here; a file with rejects pays one more pass over its bad rows."""
    log.debug("wording the problems of %d failing row(s)", failing)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE problems AS SELECT _row, p.field AS field, p.value AS value,"
        f" p.reason AS reason FROM (SELECT t._row, unnest({words}) AS p FROM {source}"
        f" WHERE {f'({bad})' if failing else 'false'})"
    )


# --------------------------------------------------------------------------- service events
