"""Data-quality findings about the stored survey questions: listed, never silently fixed.

Findings are recomputed from the facts as they stand (so a corrected file that replaced a
collection takes its findings with it, and an improved pattern file shows at once) with the same
rules and wording as ingest used (`core.survey_findings`). The file row comes from the
matching row-level warning ingest recorded in `load_warnings`; it is NULL for facts loaded by a
kind that records none (generic survey-results files).

Kinds of finding: driver_slot_mismatch (A-11 collections form only: the wording does not fit the
driver of its slot), mean_mismatch (published point_scale vs the mean of the counts, > 0.01),
counts_vs_respondents (answers to a question do not add up to the respondents reported) and
ten_point_wording (the text speaks of a 1-10 scale while the counts are 1-5).
"""

from __future__ import annotations

import os

import pandas as pd

from core import driver_patterns
from core.survey_findings import question_findings, where
from metrics.db import reader
from metrics.exports import export

FINDING_COLUMNS = ["load_id", "file_name", "row_number", "service", "fiscal_year", "quarter",
                   "question_number", "driver", "kind_of_finding", "detail", "service_id", "channel",
                   "touchpoint", "synthetic"]

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


@export("findings")
def findings(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per finding, ordered by load, file row and question."""
    rules = driver_patterns.rules()
    found = []
    for (load_id, file_name, kind, synthetic, service_id, service, channel, touchpoint, fiscal_year, quarter,
         number, driver, text, *counts, published, respondents) in _rows(db, _FACTS):
        place = where(fiscal_year, quarter, channel, touchpoint)
        for f in question_findings(place, number, text, driver, list(counts[:5]), published, respondents,
                                   positional=kind == "a11-cx", rules=rules):
            found.append((load_id, file_name, service, fiscal_year, quarter, number, driver, f.kind,
                          f.message, service_id, channel, touchpoint, synthetic, f.field))
    frame = pd.DataFrame(found, columns=[c for c in FINDING_COLUMNS if c != "row_number"] + ["field"])
    rows = pd.DataFrame(
        _rows(db, "SELECT load_id, field, message, min(row_number) FROM load_warnings"
                  " WHERE row_number IS NOT NULL GROUP BY ALL"),
        columns=["load_id", "field", "detail", "row_number"],
    )
    frame = frame.merge(rows, how="left", on=["load_id", "field", "detail"])
    frame["row_number"] = frame["row_number"].astype("Int64")
    return (frame.sort_values(["load_id", "row_number", "question_number", "kind_of_finding"], kind="stable",
                              na_position="last")
            .reset_index(drop=True)[FINDING_COLUMNS])
