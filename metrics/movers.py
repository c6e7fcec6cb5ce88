"""Movers: agencies and services whose trust, another A-11 driver or share of standards met changed
significantly on the previous quarter, declines first.

Like with like: a change pools the same things in both quarters. A service's driver compares the
service with itself; an agency's driver pools the answers of the agency's services that hold answers
in both quarters (a service that starts or stops reporting does not move the agency); standards met
counts the standards (standard x channel) judged in both quarters. So an agency manager's draft is
compared with their own agency's previous quarter, never with other agencies' figures.

No new statistics: the test is metrics.stats' pooled two-proportion z-test (two-sided, significant
below p = 0.05, as every other change in ServiceStat), the shares' intervals are Wilson's, and the
interval of the change is Newcombe's hybrid score interval built from those two Wilson intervals
(Newcombe 1998, method 10): change - sqrt((p1 - low1)^2 + (high2 - p2)^2) to
change + sqrt((high1 - p1)^2 + (p2 - low2)^2), for change = p1 - p2 (this quarter minus the previous).
Standards met is a share of standards, not of customers: the same test is applied to the counts of
standards met out of judged, which is why so few of its changes are significant.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from core.fiscal import fiscal_columns, period_label
from core.paths import DATA_DIR
from core.vocab import JUDGED
from metrics.cache import cached
from metrics.periods import mark_drafts
from metrics.standards import standards_status
from metrics.stats import significant, two_proportion_test, wilson_interval
from metrics.survey import driver_scores
from metrics.trends import add_changes

STANDARDS_MET = "standards met"
TEST = "pooled two-proportion z-test, two-sided, p < 0.05"
DECLINE, IMPROVEMENT = "decline", "improvement"
COLUMNS = [
    "level", "agency_id", "agency", "service_id", "service", "measure", "period", "period_start",
    "fiscal_year", "quarter", "prev_period", "direction", "prev_share", "share", "change", "change_ci_low",
    "change_ci_high", "p_value", "test", "prev_k", "prev_n", "k", "n", "services", "same_as_agency", "draft",
    "last_loaded", "synthetic",
]


def change_interval(k1: np.ndarray, n1: np.ndarray, k2: np.ndarray, n2: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """95 % interval of k1/n1 - k2/n2 from the two Wilson intervals (Newcombe's hybrid score)."""
    k1, n1, k2, n2 = (np.asarray(a, dtype=float) for a in (k1, n1, k2, n2))
    low1, high1 = (np.asarray(a, dtype=float) for a in wilson_interval(k1, n1))
    low2, high2 = (np.asarray(a, dtype=float) for a in wilson_interval(k2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = k1 / n1, k2 / n2
    diff = p1 - p2
    return (diff - np.sqrt((p1 - low1) ** 2 + (high2 - p2) ** 2),
            diff + np.sqrt((high1 - p1) ** 2 + (p2 - low2) ** 2))


def _pairs(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows (k, n per key and quarter) with the previous quarter's k and n of the same key; only keys
    present in both quarters."""
    rows = add_changes(rows, keys, "k", "quarter", carry=("n",))
    return rows[(rows["prev_n"].fillna(0) > 0) & (rows["n"].fillna(0) > 0)]


def _tested(pairs: pd.DataFrame, group: list[str]) -> pd.DataFrame:
    """Pool the pairs by `group` and test each pooled change."""
    out = pairs.groupby(group, as_index=False, dropna=False).agg(
        k=("k", "sum"), n=("n", "sum"), prev_k=("prev_k", "sum"), prev_n=("prev_n", "sum"),
        services=("service_id", "nunique"), draft=("draft", "any"), last_loaded=("last_loaded", "max"),
        synthetic=("synthetic", "any"))
    out["share"] = out["k"] / out["n"]
    out["prev_share"] = out["prev_k"] / out["prev_n"]
    out["change"] = out["share"] - out["prev_share"]
    out["change_ci_low"], out["change_ci_high"] = change_interval(out["k"], out["n"], out["prev_k"],
                                                                  out["prev_n"])
    _, out["p_value"] = two_proportion_test(out["prev_k"], out["prev_n"], out["k"], out["n"])
    return out


def _around(frame: pd.DataFrame, period: str | None) -> pd.DataFrame:
    """The rows of `period` and of the quarter before it (all rows when no period is asked for): all
    that the changes of that one quarter are worked out from."""
    if period is None:
        return frame
    starts = pd.to_datetime(frame["period_start"])
    these = set(starts[(frame["period"] == period).to_numpy()])
    return frame[starts.isin(these | {s - pd.DateOffset(months=3) for s in these}).to_numpy()]


def _driver_pairs(db: str | os.PathLike[str] | None, data_dir: str | os.PathLike[str],
                  period: str | None = None) -> pd.DataFrame:
    scores = _around(driver_scores(db, "quarter", by_channel=False, data_dir=data_dir), period)
    scores = scores[scores["n"].fillna(0) > 0].rename(columns={"agree": "k", "driver": "measure"})
    scores = mark_drafts(scores, db)
    cols = ["agency_id", "agency", "service_id", "service", "measure", "period", "period_start", "k", "n",
            "draft", "last_loaded", "synthetic"]
    return _pairs(scores[cols], ["service_id", "measure"])


def _standard_pairs(db: str | os.PathLike[str] | None, data_dir: str | os.PathLike[str],
                    period: str | None = None) -> pd.DataFrame:
    status = _around(standards_status(db, "quarter", data_dir=data_dir), period)
    status = mark_drafts(status[status["status"].isin(JUDGED)], db)
    status = status.assign(k=(status["status"] == "on track").astype("int64"), n=1, measure=STANDARDS_MET)
    cols = ["agency_id", "agency", "service_id", "service", "measure", "standard_id", "channel", "period",
            "period_start", "k", "n", "draft", "last_loaded", "synthetic"]
    return _pairs(status[cols], ["service_id", "standard_id", "channel"])


@cached
def movers(db: str | os.PathLike[str] | None = None, data_dir: str | os.PathLike[str] = DATA_DIR,
           period: str | None = None) -> pd.DataFrame:
    """Every significant change on the previous quarter, of agencies (`level` agency) and services
    (`level` service), for trust and every driver and for standards met: in each quarter (or only
    `period`) declines first, the largest first, then improvements, the largest first."""
    parts = []
    for pairs in (_driver_pairs(db, data_dir, period), _standard_pairs(db, data_dir, period)):
        if period is not None:
            pairs = pairs[pairs["period"] == period]
        if pairs.empty:
            continue
        base = ["agency_id", "agency", "measure", "period", "period_start"]
        parts.append(_tested(pairs, base).assign(level="agency", service_id=None, service=None))
        parts.append(_tested(pairs, [*base, "service_id", "service"]).assign(level="service"))
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out = out[significant(out["p_value"])].copy()
    # A service that is all of its agency's change repeats the agency's row (pages show one of them).
    single = out.loc[(out["level"] == "agency") & (out["services"] == 1), ["agency_id", "measure", "period"]]
    out = out.merge(single.assign(same_as_agency=True), on=["agency_id", "measure", "period"], how="left")
    out["same_as_agency"] = (out["level"] == "service") & out["same_as_agency"].eq(True)
    start = pd.to_datetime(out["period_start"])
    fiscal_year, quarter = fiscal_columns(start)
    out["fiscal_year"], out["quarter"] = fiscal_year.astype("int64"), quarter.astype("int64")
    # One label per quarter, not per row (a DateOffset per row cost more than the whole test).
    prev = {s: period_label("quarter", s - pd.DateOffset(months=3)) for s in start.unique()}
    out["prev_period"] = start.map(prev).astype(object)
    out["direction"] = np.where(out["change"] < 0, DECLINE, IMPROVEMENT)
    out["test"] = TEST
    out["_order"] = np.where(out["change"] < 0, 0, 1)
    out["_size"] = -out["change"].abs()
    out["period_start"] = start.dt.date
    out = out.sort_values(["period_start", "_order", "_size", "level", "agency", "service", "measure"],
                          ascending=[False, True, True, True, True, True, True], ignore_index=True)
    return out[COLUMNS]


def movers_export(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Every quarter's significant movers (the registry filters by place and period)."""
    return movers(db)


__all__ = ["movers", "movers_export", "change_interval", "STANDARDS_MET", "TEST", "DECLINE", "IMPROVEMENT"]
