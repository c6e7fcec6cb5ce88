"""A-11 Section 280 survey drivers per service x channel x quarter, with uncertainty and change.

For each driver: the share who agree (answers 4 or 5 over all valid answers, the A-11 "top-2 box"),
its Wilson 95 % interval, the mean on 1-5 with its 95 % interval, n, the response rate (respondents /
customers offered the survey) and the change on the previous quarter with a pooled two-proportion
z-test (significant at p < 0.05). Several questions or touchpoints for one driver are pooled (their
counts are summed).

The mean is computed from the answer counts; where a row has no counts but a published mean, the
published means are averaged instead (`mean_source`). The mean the file published is kept beside it
(`published_mean`: the answer-weighted average of the pooled rows' published means, and only when
every pooled row with answers gave one), so a page can show the figure performance.gov printed. The
mean's interval is the normal one, mean +/- 1.96 standard errors (sample variance of the answers):
with the hundreds of answers behind a published mean it is as good as exact.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from core.declarations import load_declarations
from core.fiscal import quarter_start
from core.paths import DATA_DIR
from metrics.cache import cached
from metrics.db import reader
from metrics.provenance import attach_freshness, loads_table
from metrics.shared_rows import service_names
from metrics.stats import Z95, add_interval, significant, two_proportion_test
from metrics.trends import add_changes

KEYS = ["service_id", "channel", "driver"]

_SQL = """
WITH v AS (  -- survey volumes: one per touchpoint and quarter, repeated on each question row
    SELECT service_id, {channel} AS channel, fiscal_year, {quarter} AS quarter,
           sum(offered) AS offered, sum(responded) AS responded, sum(served) AS served
    FROM (SELECT service_id, channel, touchpoint, fiscal_year, quarter, max(volume_offered) AS offered,
                 max(volume_responded) AS responded, max(volume_served) AS served
          FROM survey_results GROUP BY ALL)
    GROUP BY ALL
), d AS (
    SELECT service_id, {channel} AS channel, fiscal_year, {quarter} AS quarter, driver,
           sum(n) AS n, sum(agree) AS agree,
           sum(count_1 + 2 * count_2 + 3 * count_3 + 4 * count_4 + 5 * count_5) AS points,
           sum(count_1 + 4 * count_2 + 9 * count_3 + 16 * count_4 + 25 * count_5) AS squares,
           CASE WHEN sum(n) > 0 THEN
                    CASE WHEN count(*) FILTER (WHERE n > 0 AND published_mean IS NULL) = 0
                         THEN sum(published_mean * n) FILTER (WHERE n > 0) / sum(n) END
                ELSE avg(published_mean) END AS published_mean,
           list(DISTINCT load_id ORDER BY load_id) AS load_ids
    FROM survey_results GROUP BY ALL
)
SELECT d.*, v.offered, v.responded, v.served
FROM d LEFT JOIN v USING (service_id, channel, fiscal_year, quarter)
"""


def mean_interval(points: pd.Series, squares: pd.Series, n: pd.Series) -> tuple[pd.Series, pd.Series]:
    """95 % interval of the mean answer from the sum of answers, the sum of their squares and n.

    Counts 5, 5, 10, 30, 50 (n 100, mean 4.15) give 3.932 to 4.368. NaN below two answers."""
    n = n.astype(float)
    ok = n > 1
    mean = points.astype(float) / n.where(ok)
    variance = (squares.astype(float) - n * mean * mean) / (n - 1).where(ok)
    half = Z95 * np.sqrt(variance.clip(lower=0) / n.where(ok))
    return mean - half, mean + half


@cached
def driver_scores(db: str | os.PathLike[str] | None = None, grain: str = "quarter", by_channel: bool = True,
                  data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """Per service x channel ('all' when not by channel) x quarter (or fiscal year) x driver."""
    if grain not in ("quarter", "year"):
        raise ValueError("grain must be quarter or year")
    r = reader(db)
    channel = "coalesce(channel, 'unspecified')" if by_channel else "'all'"
    frame = r.df(_SQL.format(channel=channel, quarter="quarter" if grain == "quarter" else "0"))
    min_n = load_declarations(Path(data_dir)).status_rules.min_n
    when = list(zip(frame["fiscal_year"], frame["quarter"], strict=True))
    # Worked out once per distinct period, not once per row.
    starts = {(fy, q): quarter_start(int(fy), int(q) if q else 1) for fy, q in set(when)}
    labels = {(fy, q): f"FY{fy} Q{q}" if q else f"FY{fy}" for fy, q in starts}
    frame["period_start"] = [starts[k] for k in when]
    frame["period"] = [labels[k] for k in when]
    frame = add_interval(frame, "agree", "n", prefix="agree_")
    n = frame["n"].astype(float)
    frame["mean"] = np.where(n > 0, frame["points"] / n.where(n > 0), frame["published_mean"])
    frame["mean_ci_low"], frame["mean_ci_high"] = mean_interval(frame["points"], frame["squares"], n)
    frame["mean_source"] = np.where(n > 0, "counts", np.where(frame["published_mean"].notna(), "published",
                                                               None))
    frame["response_rate"] = frame["responded"] / frame["offered"].where(frame["offered"] > 0)
    frame["low_n"] = n < min_n
    frame = add_changes(frame, KEYS, "agree_share", "quarter" if grain == "quarter" else "year",
                        carry=("agree", "n"))
    for tag in ("prev", "yago"):
        z, p = two_proportion_test(frame[f"{tag}_agree"], frame[f"{tag}_n"], frame["agree"], frame["n"])
        frame[f"p_value_{tag}"] = p
        frame[f"significant_{tag}"] = significant(p)
    frame = frame.merge(service_names(db), on="service_id", how="left")
    frame = attach_freshness(frame, loads_table(r))
    order = ["agency_id", "agency", "department", "service_id", "service", "channel", "fiscal_year",
             "quarter", "period", "period_start", "driver", "n", "agree", "agree_share", "agree_ci_low",
             "agree_ci_high", "low_n", "mean", "mean_ci_low", "mean_ci_high", "mean_source", "published_mean",
             "offered", "responded", "served", "response_rate",
             "prev_agree_share", "change_prev", "p_value_prev", "significant_prev", "yago_agree_share",
             "change_yago", "p_value_yago", "significant_yago", "last_loaded", "synthetic"]
    if grain == "year":
        order.remove("quarter")
    return frame[order].sort_values(["service_id", "channel", "driver", "period_start"], ignore_index=True)


def survey_trends(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Each driver's agree share per service, channel and quarter, with interval, n and change."""
    frame = driver_scores(db, "quarter")
    return frame.rename(columns={"change_prev": "change", "significant_prev": "significant",
                                 "p_value_prev": "p_value"})[
        ["agency", "service", "channel", "period", "fiscal_year", "quarter", "driver", "n", "agree",
         "agree_share", "agree_ci_low", "agree_ci_high", "mean", "response_rate", "change", "p_value",
         "significant", "low_n", "last_loaded", "synthetic"]]
