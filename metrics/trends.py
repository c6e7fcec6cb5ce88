"""Change on the previous period and on the same period a year before, for any period table.

Works on any frame with a `period_start` column (the first day of a month, fiscal quarter or
fiscal year) and a set of key columns: the previous period starts one grain earlier, the same
period a year before starts twelve months earlier. A missing earlier period leaves NaN (no change
claimed), never a comparison with some other period.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from core.fiscal import period_label
from core.paths import DATA_DIR
from metrics.cache import cached

GRAIN_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def add_changes(frame: pd.DataFrame, keys: Sequence[str], value: str, grain: str,
                carry: Sequence[str] = ()) -> pd.DataFrame:
    """Add prev_{col} / yago_{col} for `value` and `carry` columns, and change_prev / change_yago.

    Keys plus period_start must identify a row.
    """
    months = GRAIN_MONTHS[grain]
    cols = [value, *carry]
    base = frame[[*keys, "period_start", *cols]].copy()
    base["period_start"] = pd.to_datetime(base["period_start"])
    out = frame.copy()
    out["_ps"] = pd.to_datetime(out["period_start"])
    for tag, shift in (("prev", months), ("yago", 12)):
        other = base.copy()
        other["_ps"] = other.pop("period_start") + pd.DateOffset(months=shift)
        other = other.rename(columns={c: f"{tag}_{c}" for c in cols})
        out = out.merge(other, on=[*keys, "_ps"], how="left")
        out[f"change_{tag}"] = out[value] - out[f"{tag}_{value}"]
    return out.drop(columns=["_ps"])


TREND_COLUMNS = ["service_id", "channel", "grain", "period", "period_start", "metric", "value", "n",
                 "prev_value", "change_prev", "yago_value", "change_yago", "last_loaded", "synthetic"]


def _metric_trends(db: str, metric: str, grain: str, data_dir: str | os.PathLike[str]) -> pd.DataFrame:
    from core.declarations import load_declarations
    from metrics.db import reader
    from metrics.provenance import attach_freshness, loads_table
    from metrics.standards import check_rollups, event_stat_column, reported_values
    from metrics.survey import driver_scores

    decl = load_declarations(Path(data_dir))
    if metric not in decl.metrics:
        raise ValueError(f"unknown metric {metric!r} (see data/metrics.yaml)")
    m = decl.metrics[metric]
    r = reader(db)
    if m.table == "survey_results":
        if grain not in ("quarter", "year"):
            raise ValueError("survey metrics exist per quarter or fiscal year")
        s = driver_scores(db, grain, data_dir=data_dir)
        frame = s[s["driver"] == m.driver].rename(columns={"agree_share": "value"})
        frame = frame[["service_id", "channel", "period_start", "value", "n", "last_loaded", "synthetic"]]
    else:
        stat = event_stat_column(decl, metric)
        if m.table == "service_events" and stat is None:
            raise ValueError(f"{metric} is judged per standard: see metrics.standards.standards_status")
        if stat:
            check_rollups(r)
            frame = r.df(f"SELECT service_id, channel, period_start, {stat[0]} AS value, {stat[1]} AS n,"
                         " load_ids FROM service_period WHERE grain = ?", [grain])
        else:
            frame = reported_values(r, grain, {metric: m.aggregate}).drop(columns=["metric", "parts"])
        frame = attach_freshness(frame, loads_table(r))
    frame = frame.assign(grain=grain, metric=metric)
    frame["period"] = [period_label(grain, p) for p in frame["period_start"]]
    frame = add_changes(frame, ["service_id", "channel"], "value", grain)
    return frame[TREND_COLUMNS].sort_values(["service_id", "channel", "period_start"], ignore_index=True)


def metric_trends(db: str | os.PathLike[str] | None = None, metric: str = "wait_time_median",
                  grain: str = "month", data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """Any catalogue metric per service x channel x period, with its change on the previous period
    and on the same period a year before (event metrics from the rollups, reported ones as reported,
    survey metrics as agree shares)."""
    return _cached_trends(db, metric, grain, data_dir=data_dir)


_cached_trends = cached(_metric_trends)
