"""Survey response volumes per service and fiscal quarter, as the 2020 HISP quarterly files
publish them (`survey_volumes`): customers served, surveyed and responding, and the response rate
both as published and as the counts give it, so a disagreement shows."""

from __future__ import annotations

import os

import pandas as pd

from metrics.db import reader

VOLUME_COLUMNS = ["agency_id", "service_id", "service", "fiscal_year", "quarter", "universe", "surveyed",
                  "respondents", "response_rate", "response_rate_from_counts", "synthetic"]


def survey_volumes(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per service and fiscal quarter; response_rate_from_counts = respondents / surveyed."""
    return reader(db).df(
        """
        SELECT s.agency_id, v.service_id, s.name AS service, v.fiscal_year, v.quarter, v.universe,
               v.surveyed, v.respondents, v.response_rate,
               v.respondents / nullif(v.surveyed, 0) AS response_rate_from_counts, l.synthetic
        FROM survey_volumes v JOIN loads l USING (load_id) LEFT JOIN services s USING (service_id)
        ORDER BY v.service_id, v.fiscal_year, v.quarter
        """
    )[VOLUME_COLUMNS]
