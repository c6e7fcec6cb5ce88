"""The 2020 performance.gov HISP files: two per quarter, told apart by their columns.

`hisp-quarterly-data.csv` - `hisp, service, year, quarter, universe, surveyed, respondents,
response_rate`: survey volumes per service and quarter, into `survey_volumes`.
`hisp-question-details.csv` - `hisp, service, year, quarter, question, average_score, description`:
the 1-5 mean of each of seven questions, into `survey_results` as mean-only rows (counts NULL,
n = 0, `published_mean` the score), so every reader shows the mean and no agree share.

`hisp` + `service` together are the service slug (`va` + `vha` -> `va-vha`), resolved like every
other name (declared id, then alias: `ingest.service_names`); an unknown one rejects its row.
Years and quarters are fiscal. Numbers come as text ("8,586,476", "17%"). Which driver each
question is comes from data/hisp_2020_questions.csv. Checked in Python: these files are small.
"""

from __future__ import annotations

import csv

import duckdb

from core.paths import data_file
from ingest.a11 import (
    SURVEY_COLUMNS,
    Outcome,
    check_quarter,
    check_year,
    clean,
    parse_int,
    parse_number,
    slug,
    staged_rows,
)
from ingest.kind_base import Kind
from ingest.service_names import ServiceNames, key

KEY = ("hisp", "service", "year", "quarter")
VOLUME_COLUMNS = {"service_id": "VARCHAR", "fiscal_year": "INTEGER", "quarter": "INTEGER",
                  "universe": "BIGINT", "surveyed": "BIGINT", "respondents": "BIGINT",
                  "response_rate": "DOUBLE"}
RATE_TOLERANCE = 0.01  # a published whole percent vs respondents / surveyed


def question_drivers() -> dict[str, str]:
    """Question label (by letters and digits) -> A-11 driver, from data/hisp_2020_questions.csv."""
    with open(data_file("hisp_2020_questions.csv"), newline="", encoding="utf-8") as fh:
        return {key(r["question"]): r["driver"].strip() for r in csv.DictReader(fh)}


def parse_rate(raw: object) -> tuple[float | None, bool]:
    """A response rate as a share: "17%" -> 0.17, "0.17" -> 0.17; a bare number above 1 is refused
    (17 could be 17 % or a typo), as is a share outside 0-1."""
    text = clean(raw)
    if not text:
        return None, True
    percent = text.endswith("%")
    value, ok = parse_number(text[:-1].strip() if percent else text)
    if value is None or not ok:
        return None, False
    share = value / 100 if percent else value
    return (share, True) if 0 <= share <= 1 else (None, False)


def _service(out: Outcome, names: ServiceNames, r: dict) -> str | None:
    hisp, service = clean(r.get("hisp")), clean(r.get("service"))
    if not hisp or not service:
        out.problem(r["_row"], "service" if hisp else "hisp", r.get("service") if hisp else r.get("hisp"),
                    "both hisp and service are required (together they name the service, e.g. va + vha)")
        return None
    wanted = slug(hisp, service)
    found = names.service(wanted)
    if found is None:
        close = names.closest(wanted)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        out.problem(r["_row"], "service", service, f"unknown service {wanted} (hisp {hisp} + service "
                    f"{service}); declare it in data/services.csv or data/service_aliases.csv{hint}")
    return found


def _period(out: Outcome, r: dict) -> tuple[int | None, int | None]:
    return check_year(out, r["_row"], "year", r.get("year")), check_quarter(out, r["_row"], "quarter",
                                                                             r.get("quarter"))


def _duplicates(out: Outcome, keyed: list[tuple[int, tuple]]) -> None:
    first: dict[tuple, int] = {}
    for row, k in keyed:
        if k in first:
            out.problem(row, "quarter", None, f"duplicate of row {first[k]} (same hisp, service, year and "
                        "quarter" + (", question)" if len(k) > 3 else ")"))
        else:
            first.setdefault(k, row)


def check_volumes(con: duckdb.DuckDBPyConnection, kind: object, present: set[str]) -> list[str]:
    """One `survey_volumes` row per file row; a rate that disagrees with the counts is a warning."""
    out = Outcome()
    names = ServiceNames(con)
    checked: list[tuple] = []
    keyed: list[tuple[int, tuple]] = []
    for r in staged_rows(con):
        row, before = r["_row"], len(out.problems)
        service_id = _service(out, names, r)
        fiscal_year, quarter = _period(out, r)
        counts = {}
        for col in ("universe", "surveyed", "respondents"):
            counts[col], ok = parse_int(r.get(col))
            if not ok or (counts[col] is not None and counts[col] < 0):
                out.problem(row, col, r.get(col), "not a whole number (write 8586476 or 8,586,476)" if not ok
                            else "negative count")
        rate, ok = parse_rate(r.get("response_rate"))
        if not ok:
            out.problem(row, "response_rate", r.get("response_rate"),
                        "not a response rate: write it as 17% or 0.17")
        if len(out.problems) > before:
            continue
        keyed.append((row, (service_id, fiscal_year, quarter)))
        surveyed, respondents = counts["surveyed"], counts["respondents"]
        if surveyed is not None and respondents is not None and respondents > surveyed:
            out.warn(row, "respondents", r.get("respondents"), f"{respondents:,} respondents but only "
                     f"{surveyed:,} surveyed")
        if rate is not None and surveyed and respondents is not None \
                and abs(respondents / surveyed - rate) > RATE_TOLERANCE:
            out.warn(row, "response_rate", r.get("response_rate"),
                     f"a response rate of {rate:.0%} is published but {respondents:,} of {surveyed:,} is "
                     f"{respondents / surveyed:.1%}")
        checked.append((row, True, service_id, fiscal_year, quarter, counts["universe"], surveyed,
                        respondents, rate))
    _duplicates(out, keyed)
    bad = out.bad_rows()
    out.publish(con, VOLUME_COLUMNS, [c for c in checked if c[0] not in bad])
    return []


def check_details(con: duckdb.DuckDBPyConnection, kind: object, present: set[str]) -> list[str]:
    """One mean-only `survey_results` row per file row (see the module docstring)."""
    out = Outcome()
    names = ServiceNames(con)
    drivers = question_drivers()
    checked: list[tuple] = []
    keyed: list[tuple[int, tuple]] = []
    for r in staged_rows(con):
        row, before = r["_row"], len(out.problems)
        service_id = _service(out, names, r)
        fiscal_year, quarter = _period(out, r)
        label = clean(r.get("question"))
        driver = drivers.get(key(label))
        if driver is None:
            out.problem(row, "question", r.get("question"), "unknown question; use one of Satisfaction, "
                        "Trust / Confidence, Service Effectiveness, Process / Ease, Efficiency, Process "
                        "Transparency, Helpful Employees (or add it to data/hisp_2020_questions.csv)")
        score, ok = parse_number(r.get("average_score"))
        if not ok or (score is not None and not 1 <= score <= 5):
            out.problem(row, "average_score", r.get("average_score"), "the average score must be a number "
                        "from 1 to 5")
        if len(out.problems) > before:
            continue
        keyed.append((row, (service_id, fiscal_year, quarter, driver)))
        if score is None:
            out.warn(row, "average_score", r.get("average_score"), f"no average score for {label}; nothing "
                     "stored")
            continue
        text = clean(r.get("description")) or label
        checked.append((row, True, service_id, None, None, "all", fiscal_year, quarter, None, text, driver,
                        None, None, None, None, None, 0, 0, score, None, None, None))
    _duplicates(out, keyed)
    bad = out.bad_rows()
    out.publish(con, SURVEY_COLUMNS, [c for c in checked if c[0] not in bad])
    return []


VOLUMES_KIND = Kind(
    name="hisp-quarterly-data",
    table="survey_volumes",
    required=(*KEY, "universe", "surveyed", "respondents", "response_rate"),
    optional=(),
    description="performance.gov 2020 HISP quarterly data: customers served (universe), surveyed, "
                "respondents and response rate per service and fiscal quarter.",
    replace_on=("service_id", "fiscal_year", "quarter"),
    check=check_volumes,
)
DETAILS_KIND = Kind(
    name="hisp-question-details",
    table="survey_results",
    required=(*KEY, "question", "average_score"),
    optional=("description",),
    description="performance.gov 2020 HISP question details: the 1-5 average score of each of seven "
                "questions per service and fiscal quarter (means only, no answer counts).",
    replace_on=("service_id", "channel", "touchpoint", "fiscal_year", "quarter"),
    check=check_details,
)
KINDS = (VOLUMES_KIND, DETAILS_KIND)
