"""GPRA Annual Performance Report indicators: target and actual per indicator and fiscal year.

The APR "complete data" files are hand-kept spreadsheets: names carry leading spaces and line
breaks, the Desired Direction is Increase, Decrease, `With in Range` or blank, and a blank actual
means no data yet. Ingest cleans the names, normalises the direction and keeps blanks as NULL;
whether a target was met is decided when read (`metrics.goals.gpra_status`), so a rule change
needs no reload. Checked in SQL with the engine of `ingest.kind_base`.
"""

from __future__ import annotations

import duckdb

from core.fiscal import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR
from core.sqltext import literal as sql_str
from ingest.kind_base import Check, Kind, build_checked

DIRECTIONS = {  # label as written (normalised) -> direction
    "increase": "increase", "increasing": "increase", "higher is better": "increase",
    "decrease": "decrease", "decreasing": "decrease", "lower is better": "decrease",
    "with in range": "range", "within range": "range", "in range": "range", "range": "range",
}
REQUIRED = ("goal", "kpi", "year", "target", "actual", "desired_direction")
OPTIONAL = ("agency", "strategic_objective", "min_target", "max_target", "unit", "description", "notes",
            "further_questions")
# The objective column is named after the plan year ("2018 Strategic Objective").
ALIASES = {
    "indicator": "kpi", "measure": "kpi", "performance_indicator": "kpi", "fiscal_year": "year",
    "direction": "desired_direction", "objective": "strategic_objective", "department": "agency",
    **{f"{y}_strategic_objective": "strategic_objective" for y in range(2000, 2051)},
}


def _name(col: str) -> str:
    """A name with line breaks and runs of spaces collapsed; NULL when blank."""
    return f"nullif(trim(regexp_replace(r.{col}, '\\s+', ' ', 'g')), '')"


def check_apr(con: duckdb.DuckDBPyConnection, kind: Kind, present: set[str]) -> list[str]:
    def opt(col: str, expr: str, cast: str = "VARCHAR") -> str:
        return expr if col in present else f"NULL::{cast}"

    con.execute("CREATE OR REPLACE TEMP TABLE _directions (label VARCHAR, direction VARCHAR)")
    con.executemany("INSERT INTO _directions VALUES (?, ?)", list(DIRECTIONS.items()))
    typed = {
        "agency": opt("agency", _name("agency")),
        "goal": _name("goal"),
        "strategic_objective": opt("strategic_objective", _name("strategic_objective")),
        "indicator": _name("kpi"),
        "fiscal_year": "ss_int(r.year)::INTEGER",
        "target": "ss_number(r.target)",
        "actual": "ss_number(r.actual)",
        "min_target": opt("min_target", "ss_number(r.min_target)", "DOUBLE"),
        "max_target": opt("max_target", "ss_number(r.max_target)", "DOUBLE"),
        "unit": opt("unit", _name("unit")),
        "direction": "d.direction",
        "direction_raw": _name("desired_direction"),
        "description": opt("description", _name("description")),
        "notes": opt("notes", _name("notes")),
    }
    checks = [
        Check("goal", "ss_blank(r.goal)", "'a goal is required'", "r.goal"),
        Check("kpi", "ss_blank(r.kpi)", "'an indicator (KPI) is required'", "r.kpi"),
        Check("year", f"t.fiscal_year IS NULL OR t.fiscal_year NOT BETWEEN {FIRST_FISCAL_YEAR} AND "
              f"{LAST_FISCAL_YEAR}", f"'fiscal year must be a whole year between {FIRST_FISCAL_YEAR} and "
              f"{LAST_FISCAL_YEAR}'", "r.year"),
        Check("desired_direction", "t.direction_raw IS NOT NULL AND t.direction IS NULL",
              sql_str("unknown direction; use Increase, Decrease or With in Range, or leave it blank when"
                      " there is no rule"),
              "r.desired_direction"),
        Check("min_target", "t.min_target > t.max_target", "'Min Target is above Max Target'",
              "r.min_target"),
    ]
    for col in ("target", "actual", "min_target", "max_target"):
        if col in present:
            checks.append(Check(col, f"NOT ss_blank(r.{col}) AND t.{col} IS NULL", "'not a number'",
                                f"r.{col}"))
    joins = (
        "LEFT JOIN (SELECT NULL::VARCHAR AS hint) svc ON true"
        " LEFT JOIN _directions d ON d.label = trim(ss_label(r.desired_direction))"
    )
    build_checked(con, kind, typed, checks, joins, present)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE row_warnings AS SELECT _row, 'desired_direction' AS field,"
        " direction_raw AS value, 'With in Range needs both Min Target and Max Target; without them there is"
        " no rule to judge by' AS message FROM checked"
        " WHERE _ok AND direction = 'range' AND (min_target IS NULL OR max_target IS NULL)"
    )
    warnings = []
    if "agency" not in present:
        warnings.append("the file names no agency (add an 'agency' column): its indicators are stored "
                        "without one, and a later file without one replaces the same indicator and year")
    # Status precedence as in metrics.goals.gpra_status: no actual is "no data" whatever the rule.
    blank = con.execute("SELECT count(*) FROM checked WHERE _ok AND direction IS NULL AND actual IS NOT NULL"
                        ).fetchone()[0]
    if blank:
        warnings.append(f"{blank} indicator-year(s) have an actual but no Desired Direction: their status is"
                        " 'no rule'")
    return warnings


KIND = Kind(
    name="gpra-apr",
    table="gpra_indicators",
    required=REQUIRED,
    optional=OPTIONAL,
    aliases=ALIASES,
    description="GPRA Annual Performance Report indicators: Goal, Strategic Objective, KPI, Year, Target,"
                " Actual, Min/Max Target, Unit, Desired Direction.",
    replace_on=("agency", "indicator", "fiscal_year"),
    unique_key=("indicator", "fiscal_year", "agency"),
    duplicate_field="year",
    check=check_apr,
)
