"""Warehouse reads that several tables of one page make alike, run once per warehouse version and viewer.

A cold agency or service page builds survey drivers (four variants), channels (two grains) and standards
(two grains); each asked the warehouse for the same service names and the same rollup rows. These memos
(metrics.cache.memo: scoped by the viewer's own queries, a copy handed to each caller) read them once.
"""

from __future__ import annotations

import os

import pandas as pd

from metrics.cache import memo
from metrics.db import reader

PERIOD_COLUMNS = ["service_id", "channel", "period_start", "events", "completed", "n_wait", "wait_median",
                  "wait_p90", "n_processing", "processing_median", "processing_p90", "load_ids"]


@memo
def service_names(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Each service's name, agency id, agency (bureau, else department) and department."""
    return reader(db).df("SELECT s.service_id, s.name AS service, s.agency_id,"
                         " coalesce(a.bureau, a.department) AS agency, a.department"
                         " FROM services s LEFT JOIN agencies a USING (agency_id)")


@memo
def period_rows(db: str | os.PathLike[str] | None, grain: str) -> pd.DataFrame:
    """The service_period rollup rows of one grain (`PERIOD_COLUMNS`), in the warehouse's order."""
    return reader(db).df(f"SELECT {', '.join(PERIOD_COLUMNS)} FROM service_period WHERE grain = ?", [grain])
