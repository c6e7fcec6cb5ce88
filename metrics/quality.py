"""Data-quality findings about the stored survey questions: listed, never silently fixed.

Findings are recomputed from the facts as they stand (so a corrected file that replaced a
collection takes its findings with it, and an improved pattern file shows at once) with the same
rules and wording as ingest used (`core.survey_findings`). The file row comes from the
matching row-level warning ingest recorded in `load_warnings`; it is NULL for facts loaded by a
kind that records none (generic survey-results files).

Kinds of finding: driver_slot_mismatch (A-11 collections form only: the wording does not fit the
driver of its slot), mean_mismatch (published point_scale vs the mean of the counts, > 0.01),
counts_vs_respondents (answers to a question do not add up to the respondents reported) and
ten_point_wording (the text speaks of a 1-10 scale while the counts are 1-5) and blank_question_text
(answers counted under a blank or placeholder text). Each has a severity (`core.survey_findings`):
problems are listed first; item non-response (fewer answers than respondents) is information.
"""

from __future__ import annotations

import os

import pandas as pd

from core import driver_patterns
from core.survey_findings import INFORMATION, MEAN_ONLY_KINDS, PROBLEM, SEVERITIES, question_findings, where
from metrics.db import reader
from metrics.directory import services
from metrics.loads import quality_loads

FINDING_COLUMNS = ["load_id", "file_name", "row_number", "service", "fiscal_year", "quarter",
                   "question_number", "driver", "severity", "kind_of_finding", "detail", "service_id",
                   "channel", "touchpoint", "synthetic"]

_FACTS = """
    SELECT r.load_id, l.file_name, l.kind, l.synthetic, r.service_id, s.name, r.channel, r.touchpoint,
           r.fiscal_year, r.quarter, r.question_number, r.driver, r.question_text,
           r.count_1, r.count_2, r.count_3, r.count_4, r.count_5, r.published_mean, r.volume_responded
    FROM survey_results r JOIN loads l USING (load_id) LEFT JOIN services s USING (service_id)
"""


def _rows(db: str | os.PathLike[str] | None, sql: str) -> list[tuple]:
    cur = reader(db).cursor()
    try:
        return cur.execute(sql).fetchall()
    finally:
        cur.close()


def findings(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per finding: problems first, then information; each by load, file row and question."""
    rules = driver_patterns.rules()
    found = []
    for (load_id, file_name, kind, synthetic, service_id, service, channel, touchpoint, fiscal_year, quarter,
         number, driver, text, *counts, published, respondents) in _rows(db, _FACTS):
        place = where(fiscal_year, quarter, channel, touchpoint)
        for f in question_findings(place, number, text, driver, list(counts[:5]), published, respondents,
                                   positional=kind == "a11-cx", rules=rules,
                                   mean_only=kind in MEAN_ONLY_KINDS):
            found.append((load_id, file_name, service, fiscal_year, quarter, number, driver, f.severity,
                          f.kind, f.message, service_id, channel, touchpoint, synthetic, f.field))
    frame = pd.DataFrame(found, columns=[c for c in FINDING_COLUMNS if c != "row_number"] + ["field"])
    rows = pd.DataFrame(
        _rows(db, "SELECT load_id, field, message, min(row_number) FROM load_warnings"
                  " WHERE row_number IS NOT NULL GROUP BY ALL"),
        columns=["load_id", "field", "detail", "row_number"],
    )
    frame = frame.merge(rows, how="left", on=["load_id", "field", "detail"])
    frame["row_number"] = frame["row_number"].astype("Int64")
    frame["_rank"] = frame["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    return (frame.sort_values(["_rank", "load_id", "row_number", "question_number", "kind_of_finding"],
                              kind="stable", na_position="last")
            .reset_index(drop=True)[FINDING_COLUMNS])


def check_lines(found: pd.DataFrame, show: int = 20) -> list[str]:
    """What `servicestat check` prints about findings: up to `show` problems one per line, then the
    information findings summarised in one line (counts per kind)."""
    if found.empty:
        return []
    problems = found[found["severity"] != INFORMATION]
    info = found[found["severity"] == INFORMATION]
    lines = [f"{len(problems)} data-quality problem(s) (loaded, flagged, not fixed):"] * bool(len(problems))
    lines += [f"  {r.file_name}, row {r.row_number}: {r.kind_of_finding}: {r.detail}"
              for r in problems.head(show).itertuples()]
    if len(problems) > show:
        lines.append(f"  … and {len(problems) - show} more")
    if len(info):
        kinds = ", ".join(f"{k} {n}" for k, n in info["kind_of_finding"].value_counts().sort_index().items())
        lines.append(f"{len(info)} information finding(s), normal and expected ({kinds}: fewer answers to a"
                     " question than respondents)")
    return lines


def agency_findings(db: str | os.PathLike[str] | None = None, agency_id: str | None = None,
                    found: pd.DataFrame | None = None) -> pd.DataFrame:
    """`findings` (or `found`) of one agency's services, with `agency_id`; all agencies when None."""
    found = findings(db) if found is None else found
    owner = services(db).set_index("service_id")["agency_id"]
    found = found.assign(agency_id=found["service_id"].map(owner))
    if agency_id is not None:
        found = found[found["agency_id"] == agency_id]
    return found.reset_index(drop=True)


def findings_by_severity(found: pd.DataFrame) -> pd.DataFrame:
    """Findings counted by severity (problems first) and kind: findings, loads and services they are in."""
    columns = ["severity", "kind_of_finding", "findings", "loads", "services"]
    if found.empty:
        return pd.DataFrame(columns=columns)
    out = (found.groupby(["severity", "kind_of_finding"], sort=False)
           .agg(findings=("load_id", "size"), loads=("load_id", "nunique"),
                services=("service_id", "nunique"))
           .reset_index())
    out["_rank"] = out["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
    out = out.sort_values(["_rank", "findings"], ascending=[True, False], kind="stable")
    return out[columns].reset_index(drop=True)


#: What `load_changes` compares, in reading order: (column, label).
MEASURES = (("rows_read", "Rows read"), ("rows_loaded", "Rows loaded"), ("rows_rejected", "Rows rejected"),
            ("warnings", "Warnings"), (PROBLEM, "Findings: problems"), (INFORMATION, "Findings: information"))
CHANGE_COLUMNS = ["agency_id", "kind", "measure", "label", "latest_load_id", "latest", "previous_load_id",
                  "previous", "change"]


def load_changes(db: str | os.PathLike[str] | None = None, agency_id: str | None = None,
                 found: pd.DataFrame | None = None) -> pd.DataFrame:
    """How each count changed since the last load: per agency and kind of file, the latest load's rows
    read, loaded and rejected, warnings and findings beside the previous load's of the same kind
    (files of different kinds are not like with like), and the change; without an earlier load the
    previous count and the change are missing. Findings count those of the agency's services that a
    load's rows carry as they stand (a load whose rows were replaced since has none left)."""
    found = agency_findings(db, None, found)
    agencies = [agency_id] if agency_id is not None else None
    rows = []
    every = quality_loads(db)
    owners = every.assign(agency_id=every["agencies"].str.split(", ")).explode("agency_id")
    owners = owners[owners["agency_id"].astype(bool)]
    if agencies is not None:
        owners = owners[owners["agency_id"].isin(agencies)]
    counts = found.groupby(["agency_id", "load_id", "severity"]).size()
    for (agency, kind), group in owners.sort_values("load_id").groupby(["agency_id", "kind"], sort=True):
        pair = group.tail(2).iloc[::-1]
        latest = pair.iloc[0]
        previous = pair.iloc[1] if len(pair) > 1 else None
        for measure, label in MEASURES:
            def value(load: pd.Series | None, measure: str = measure, agency: str = agency) -> object:
                if load is None:
                    return pd.NA
                if measure in SEVERITIES:
                    return int(counts.get((agency, load["load_id"], measure), 0))
                return load[measure]
            now, before = value(latest), value(previous)
            change = now - before if not (pd.isna(now) or pd.isna(before)) else pd.NA
            rows.append((agency, kind, measure, label, int(latest["load_id"]), now,
                         pd.NA if previous is None else int(previous["load_id"]), before, change))
    out = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    for column in ("latest_load_id", "latest", "previous_load_id", "previous", "change"):
        out[column] = out[column].astype("Int64")
    return out
