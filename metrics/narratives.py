"""The agency's own words per service and period: what customers said, what it did, what comes next.

Read from data/narratives.yaml (checked by core/check_narratives.py). An entry quoting an agency names
its source and is always returned; an entry written for the demonstration data (`synthetic`) is
returned only when the warehouse itself holds synthetic (demo) loads, so demonstration words never
sit beside real figures; pages label them as illustrative. No figure is involved, so nothing here is
suppressed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import pandas as pd

from core.check_narratives import narrative_entries
from core.fiscal import fiscal_year_start, period_label, quarter_start
from core.paths import DATA_DIR
from metrics.db import reader
from metrics.provenance import loads_table

COLUMNS = ["service_id", "service", "agency_id", "fiscal_year", "quarter", "grain", "period", "period_start",
           "customers_said", "agency_did", "next_steps", "source_title", "source_url", "synthetic"]


def service_narratives(service_ids: Iterable[str] | None = None, db: str | os.PathLike[str] | None = None,
                       data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """One row per declared narrative (of `service_ids`, or every service), newest period first.

    `grain` is "quarter" when the entry covers a fiscal quarter, "year" for a whole fiscal year;
    `period` reads "FY2024 Q2" or "FY2024". Demonstration entries (`synthetic` True) come back only
    when the warehouse `db` holds synthetic loads. Raises metrics.db.WarehouseMissing without one.
    """
    r = reader(db)
    demo = bool(loads_table(r)["synthetic"].any())
    wanted = None if service_ids is None else set(service_ids)
    rows = []
    for e in narrative_entries(data_dir):
        if (wanted is not None and e.service not in wanted) or (e.synthetic and not demo):
            continue
        grain = "quarter" if e.quarter else "year"
        start = quarter_start(e.fiscal_year, e.quarter) if e.quarter else fiscal_year_start(e.fiscal_year)
        rows.append({"service_id": e.service, "fiscal_year": e.fiscal_year, "quarter": e.quarter,
                     "grain": grain, "period": period_label(grain, start), "period_start": start,
                     "customers_said": e.customers_said, "agency_did": e.agency_did,
                     "next_steps": e.next_steps, "source_title": e.source.title if e.source else None,
                     "source_url": str(e.source.url) if e.source else None, "synthetic": e.synthetic})
    frame = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in ("service", "agency_id")])
    names = r.df("SELECT service_id, name AS service, agency_id FROM services")
    frame = frame.merge(names, on="service_id", how="left")
    frame["quarter"] = frame["quarter"].astype("Int64")
    return frame[COLUMNS].sort_values(["service_id", "period_start"], ascending=[True, False],
                                      ignore_index=True)
