"""Who is who: the agencies and services the warehouse knows (public reference tables).

The API and the pages list and validate agency and service ids through these, so the dashboard
never queries the warehouse itself.
"""

from __future__ import annotations

import os

import pandas as pd

from metrics.cache import cached
from metrics.db import reader

AGENCY_COLUMNS = ["agency_id", "department", "department_abbreviation", "bureau", "bureau_abbreviation"]
SERVICE_COLUMNS = ["service_id", "agency_id", "name", "is_hisp", "url"]


@cached
def agencies(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per agency (department and bureau), ordered by id."""
    return reader(db).df(f"SELECT {', '.join(AGENCY_COLUMNS)} FROM agencies ORDER BY agency_id")


@cached
def services(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """One row per declared service with its owning agency, ordered by id."""
    return reader(db).df(f"SELECT {', '.join(SERVICE_COLUMNS)} FROM services ORDER BY service_id")
