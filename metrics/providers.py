"""Survey figures per A-11 service provider (HISP): agency -> provider -> service -> channel.

A provider's services are renamed, split and merged over the years (A-11 renamed most of them in
FY2021), so a series per service breaks where the provider's does not. Here the answer counts of
all a provider's services (data/services.csv `provider_id`) are pooled per driver, channel (and
`all` channels) and fiscal quarter: the agree share (answers 4-5 over all answers) with its Wilson
95 % interval, the mean on 1-5 from the counts, and n. Where a quarter has no counts but published
means (the 2020 HISP files are means only) the mean is the average of the published means
(`mean_source` published) and there is no agree share, never a share of 0. Services without a
declared provider are not pooled (`servicestat check` lists them).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from core.fiscal import quarter_start
from core.vocab import ALL_CHANNELS, UNSPECIFIED
from metrics.cache import cached
from metrics.db import reader
from metrics.stats import add_interval

PROVIDER_COLUMNS = ["agency_id", "agency", "provider_id", "provider", "channel", "fiscal_year", "quarter",
                    "period", "period_start", "driver", "services", "n", "agree", "agree_share",
                    "agree_ci_low", "agree_ci_high", "mean", "mean_source", "synthetic"]

_SQL = f"""
WITH r AS (
    SELECT s.provider_id, r.service_id, coalesce(r.channel, '{UNSPECIFIED}') AS channel, r.fiscal_year,
           r.quarter, r.driver, r.n, r.agree,
           coalesce(r.count_1, 0) + 2 * coalesce(r.count_2, 0) + 3 * coalesce(r.count_3, 0)
               + 4 * coalesce(r.count_4, 0) + 5 * coalesce(r.count_5, 0) AS points,
           r.published_mean, l.synthetic
    FROM survey_results r JOIN loads l USING (load_id) JOIN services s USING (service_id)
    WHERE s.provider_id IS NOT NULL
), both_ AS (
    SELECT * FROM r UNION ALL SELECT * REPLACE ('{ALL_CHANNELS}' AS channel) FROM r
)
SELECT provider_id, channel, fiscal_year, quarter, driver,
       list(DISTINCT service_id ORDER BY service_id) AS service_ids,
       sum(n)::BIGINT AS n, sum(agree)::BIGINT AS agree, sum(points)::BIGINT AS points,
       avg(published_mean) FILTER (WHERE n = 0) AS published_mean, bool_or(synthetic) AS synthetic
FROM both_ GROUP BY ALL
"""


@cached
def provider_scores(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Per provider x channel (and `all`) x fiscal quarter x driver: pooled agree share, interval,
    mean and n; `services` names the services pooled."""
    r = reader(db)
    frame = r.df(_SQL)
    names = r.df("SELECT p.provider_id, p.name AS provider, p.agency_id, coalesce(a.bureau, a.department)"
                 " AS agency FROM providers p LEFT JOIN agencies a USING (agency_id)")
    frame = frame.merge(names, on="provider_id", how="left")
    frame["services"] = [", ".join(ids) for ids in frame.pop("service_ids")]
    when = list(zip(frame["fiscal_year"], frame["quarter"], strict=True))
    starts = {(fy, q): quarter_start(int(fy), int(q)) for fy, q in set(when)}  # once per quarter, not row
    labels = {(fy, q): f"FY{fy} Q{q}" for fy, q in starts}
    frame["period_start"] = [starts[k] for k in when]
    frame["period"] = [labels[k] for k in when]
    frame = add_interval(frame, "agree", "n", prefix="agree_")
    n = frame["n"].astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["mean"] = np.where(n > 0, frame["points"] / n.where(n > 0), frame["published_mean"])
    frame["mean_source"] = np.where(n > 0, "counts",
                                    np.where(frame["published_mean"].notna(), "published", None))
    return (frame[PROVIDER_COLUMNS]
            .sort_values(["provider_id", "channel", "driver", "period_start"], ignore_index=True))
