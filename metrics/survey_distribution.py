"""The answer distribution of each A-11 question: the share answering 1, 2, 3, 4 and 5.

The agree share (4 or 5) hides how the rest answered: 70 % agreeing with 25 % strongly disagreeing is
not 70 % agreeing with 25 % neutral. Per service x period x driver, all channels pooled as
metrics.survey pools them (counts summed). A row whose answers the source gave only as an agree count
or a published mean (2020 HISP files) has no distribution: `distribution_reported` is False and the
shares are missing, so a page says "distribution not reported" rather than inventing one. `n` is the
answers behind the row: the frame is suppressed for the viewer like metrics.survey's.
"""

from __future__ import annotations

import os

import pandas as pd

from core.fiscal import quarter_start
from core.paths import DATA_DIR
from metrics.cache import cached
from metrics.db import reader
from metrics.provenance import attach_freshness, loads_table

ANSWERS = (1, 2, 3, 4, 5)

_SQL = """
SELECT service_id, fiscal_year, {quarter} AS quarter, driver, sum(n) AS n, sum(agree) AS agree,
       bool_and(count_1 IS NOT NULL AND count_2 IS NOT NULL AND count_3 IS NOT NULL
                AND count_4 IS NOT NULL AND count_5 IS NOT NULL) AS distribution_reported,
       sum(count_1) AS count_1, sum(count_2) AS count_2, sum(count_3) AS count_3, sum(count_4) AS count_4,
       sum(count_5) AS count_5, list(DISTINCT load_id ORDER BY load_id) AS load_ids
FROM survey_results GROUP BY ALL
"""

COLUMNS = ["agency_id", "service_id", "service", "grain", "period", "period_start", "driver", "n",
           "agree_share", "distribution_reported", *(f"share_{a}" for a in ANSWERS), "last_loaded",
           "synthetic"]


@cached
def answer_distribution(db: str | os.PathLike[str] | None = None, grain: str = "quarter",
                        data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """Per service x fiscal quarter (or year) x driver: agree share and the share of each answer 1-5."""
    del data_dir  # part of the cache key only (the suppression rule)
    if grain not in ("quarter", "year"):
        raise ValueError("grain must be quarter or year")
    r = reader(db)
    frame = r.df(_SQL.format(quarter="quarter" if grain == "quarter" else "0"))
    frame = attach_freshness(frame, loads_table(r))
    n = frame["n"].astype(float)
    answered = n.where(n > 0)
    frame["agree_share"] = frame["agree"].astype(float) / answered
    reported = frame["distribution_reported"].fillna(False).astype(bool) & (n > 0)
    frame["distribution_reported"] = reported
    for a in ANSWERS:
        frame[f"share_{a}"] = (frame[f"count_{a}"].astype(float) / answered).where(reported)
    frame["grain"] = grain
    frame["period_start"] = [quarter_start(int(fy), int(q) if q else 1)
                             for fy, q in zip(frame["fiscal_year"], frame["quarter"], strict=True)]
    frame["period"] = [f"FY{fy} Q{q}" if q else f"FY{fy}"
                       for fy, q in zip(frame["fiscal_year"], frame["quarter"], strict=True)]
    names = r.df("SELECT service_id, name AS service, agency_id FROM services")
    frame = frame.merge(names, on="service_id", how="left")
    return frame[COLUMNS].sort_values(["service_id", "period_start", "driver"], ignore_index=True)
