"""Service standards: is each service keeping its promise, per channel and period?

For every standard in data/standards.yaml and every calendar month, federal fiscal quarter or
fiscal year of the warehouse's data window in which it was in force, one row: the figure behind it
(`value`), how many observations (`n`), the share served within the threshold, the gap to target and
a status by the rule of `status_for` (printed on the methodology page by `status_rule_text()`).

Where the numbers come from, in order of preference:
  1. the service's own transactions: rollups built by ingest (service_period, service_period_standard);
     if data/standards.yaml changed since the rollups were built, the affected counts are recounted
     from the events so a figure never uses a threshold other than the one declared;
  2. figures the agency reported (metric_observations) for the metrics the standard lists in
     `reported` - a reported share within the standard, else a reported average or median judged
     against the threshold itself;
  3. nothing: "not reported".
"""

from __future__ import annotations

import inspect
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.declarations import load_declarations
from core.fiscal import period_label
from core.models import Declarations, StandardVersion
from core.paths import DATA_DIR
from core.rules import COUNTED_SQL, WITHIN_SQL, events_sql
from core.units import convert
from metrics.access import OMB, viewing
from metrics.cache import cached, memo
from metrics.db import Reader, reader
from metrics.provenance import attach_freshness, loads_table
from metrics.shared_rows import period_rows, service_names
from metrics.stats import wilson_interval
from metrics.trends import GRAIN_MONTHS

GRAIN_COLUMNS = {"month": "month_start", "quarter": "quarter_start", "year": "fiscal_year_start"}
GRAIN_RANK = {"day": 0, "month": 1, "quarter": 2, "year": 3}
EPS = 1e-9  # shares are ratios of integers; compare them with a hair of tolerance

COLUMNS = [
    "standard_id", "agency_id", "agency", "service_id", "service", "channel", "grain", "period",
    "period_start", "period_end", "metric", "standard", "version_from", "threshold", "threshold_unit",
    "target_share", "at_risk_band", "value", "value_metric", "value_unit", "n", "within", "share_within",
    "ci_low", "ci_high", "gap", "judged_on", "status", "source", "basis", "target_basis", "citation",
    "last_loaded", "synthetic",
]


# --------------------------------------------------------------------------- the rule


#: The unit of a gap between two shares.
POINTS = "percentage points"


def result_and_target(row: Any) -> tuple[str | None, float, float]:
    """A standards_status row's (unit, result, target) on the scale it is judged: the share within the
    standard against the target share, or the value against the threshold converted to the value's unit
    (NaN when the units do not convert). Exceptions and channel performance both compare these."""
    on_share = row.judged_on == "share"
    unit = "share" if on_share else row.value_unit
    result = row.share_within if on_share else row.value
    if on_share:
        return unit, result, row.target_share
    converted = convert(row.threshold, row.threshold_unit, unit) if isinstance(unit, str) else None
    return unit, result, np.nan if converted is None else converted


def status_for(has_data: bool, n: float | None, min_n: int, share: float | None, target: float | None,
               band: float, value: float | None, threshold: float | None, lower_is_better: bool,
               margin: float) -> str:
    """Status of one standard in one period.

    1. No figure at all for the period (no transactions, nothing reported): "not reported".
    2. Fewer observations than the standard's minimum n (default 30), including none: "insufficient
       data". A reported figure whose n the agency did not give is judged as it stands.
    3. A standard with a target share, judged on the share served within the threshold:
       share >= target: "on track"; share >= target - at-risk band: "at risk"; else "off track".
    4. A standard on a value (a score of at least 80, a backlog of at most 13,000), or a share
       standard for which only an agency-reported average is available, judged on the value against
       the threshold, in the metric's direction: on the right side of the threshold or exactly on it:
       "on track"; within the value margin (default 10 %) of the threshold on the wrong side: "at
       risk"; else "off track". For lower-is-better metrics the right side is at or below.
    Ties count in the service's favour: an event at exactly the threshold is within it, a share
    exactly at target is on track.
    """
    if not has_data:
        return "not reported"
    if n is not None and not pd.isna(n) and n < min_n:
        return "insufficient data"
    if target is not None and share is not None and not pd.isna(share):
        if share >= target - EPS:
            return "on track"
        return "at risk" if share >= target - band - EPS else "off track"
    if value is None or pd.isna(value) or threshold is None or pd.isna(threshold):
        return "not reported"
    if lower_is_better:
        if value <= threshold + EPS * abs(threshold):
            return "on track"
        return "at risk" if value <= threshold * (1 + margin) + EPS else "off track"
    if value >= threshold - EPS * abs(threshold):
        return "on track"
    return "at risk" if value >= threshold * (1 - margin) - EPS else "off track"


def status_rule_text(data_dir: str | os.PathLike[str] = DATA_DIR) -> str:
    """The status rule in words, with the declared defaults, for the methodology page."""
    rules = load_declarations(Path(data_dir)).status_rules
    body = " ".join((inspect.getdoc(status_for) or "").split())  # one paragraph per numbered step
    body = re.sub(r" (\d\. |Ties count)", r"\n\1", body)
    return (
        f"{body}\n\nDefaults declared in data/standards.yaml: minimum n {rules.min_n}; at-risk band "
        f"{rules.at_risk_band * 100:g} percentage points below target; value margin "
        f"{rules.value_margin:.0%}.\n"
        "A period is judged by the version of the standard in force on its last day (if the standard "
        "ended inside the period, by the last version in force during it), against all the period's "
        "transactions. Transactions belong to the day they were received. Waits: a customer who gave "
        "up is never within the standard. Processing: requests still open and already older than the "
        "threshold count as not within."
    )


# --------------------------------------------------------------------------- periods


class RollupsOutOfDate(RuntimeError):
    """Events were loaded that the rollups do not cover: ingest must refresh them."""


def check_rollups(r: Reader) -> None:
    """Refuse to report from rollups older than the events.

    Reads the load history, not the events, so it costs the same at any number of events; and it
    runs unscoped (it returns nothing but the refusal), since a viewer's scope hides the newest load
    when that load's quarters are not published yet.
    """
    with viewing(OMB):
        row = r.df("SELECT (SELECT max(load_id) FROM loads WHERE kind = 'service-events' AND rows_loaded > 0"
                   "         AND status IN ('loaded', 'loaded_with_rejects')) AS events,"
                   " (SELECT max(list_max(load_ids)) FROM service_daily) AS rolled").iloc[0]
    if pd.notna(row["events"]) and (pd.isna(row["rolled"]) or row["rolled"] < row["events"]):
        raise RollupsOutOfDate(
            f"the rollups do not cover service-events load {int(row['events'])}: ingest refreshes them after "
            "each service-events load (ingest.rollup.refresh_rollups); to rebuild now, run "
            "ingest.rollup.refresh(db)")


def data_window(r: Reader) -> tuple[date | None, date | None]:
    """First and last day with any transactions or reported figures (once per version and viewer)."""
    return _data_window(str(r.path))


@memo
def _data_window(db: str) -> tuple[date | None, date | None]:
    row = reader(db).df(
        "SELECT min(d0) AS first, max(d1) AS last FROM ("
        " SELECT min(first_day) AS d0, max(last_day) AS d1 FROM service_period WHERE grain = 'month'"
        " UNION ALL SELECT min(period_start), max(period_end) FROM metric_observations)"
    ).iloc[0]
    if pd.isna(row["first"]):
        return None, None
    return pd.Timestamp(row["first"]).date(), pd.Timestamp(row["last"]).date()


def periods_between(r: Reader, grain: str, first: date, last: date) -> list[tuple[date, date]]:
    col, months = GRAIN_COLUMNS[grain], GRAIN_MONTHS[grain]
    frame = r.df(
        f"SELECT DISTINCT {col} AS s, ({col} + INTERVAL {months} MONTH - INTERVAL 1 DAY)::DATE AS e"
        " FROM fiscal_calendar WHERE date BETWEEN ? AND ? ORDER BY 1", [first, last])
    return [(pd.Timestamp(s).date(), pd.Timestamp(e).date())
            for s, e in zip(frame["s"], frame["e"], strict=True)]


# --------------------------------------------------------------------------- source figures


def event_stat_column(decl: Declarations, metric_key: str) -> tuple[str, str] | None:
    """(value column, n column) in service_period for an event percentile metric."""
    m = decl.metrics.get(metric_key)
    if m is None or m.event_column is None or m.type != "percentile":
        return None
    stem = "wait" if m.event_column == "wait_minutes" else "processing"
    return f"{stem}_{'median' if m.percentile == 0.5 else 'p90'}", f"n_{stem}"


def reported_values(r: Reader, grain: str, metrics: dict[str, str]) -> pd.DataFrame:
    """Agency-reported figures per service x channel ('all' = every channel) x metric x period.

    `metrics` maps metric key -> aggregate rule (data/metrics.yaml). A period uses observations of
    its own grain when there are any, else the next finer grain present, combined by the rule: sum,
    last (value at the latest period start), weighted_mean (by n when every part has n, else a
    plain mean); `none`/`exact` metrics use same-grain observations only. `parts` counts them.
    """
    cols = ["service_id", "channel", "metric", "period_start", "value", "n", "parts", "load_ids"]
    if not metrics:
        return pd.DataFrame(columns=cols)
    # Each metric is combined on its own (per-metric window): one query of all serves every caller.
    frame = _observations(str(r.path), grain)
    frame = frame[frame["metric"].isin(list(metrics))].reset_index(drop=True)
    if frame.empty:
        return pd.DataFrame(columns=cols)
    rule = frame["metric"].map(metrics)
    frame["value"] = np.select([rule == "sum", rule == "last"], [frame["v_sum"], frame["v_last"]],
                               frame["v_mean"])
    frame["n"] = np.where(rule == "last", frame["n_last"], frame["n_sum"])
    keep = frame["same"] | rule.isin(["sum", "last", "weighted_mean"])
    frame["period_start"] = pd.to_datetime(frame["period_start"]).dt.date
    return frame.loc[keep, cols].reset_index(drop=True)


@memo
def _observations(db: str, grain: str) -> pd.DataFrame:
    """`reported_values` of every metric before its rule picks a figure (once per version and viewer)."""
    col = GRAIN_COLUMNS[grain]
    return reader(db).df(
        f"""
        WITH o AS (
            SELECT m.service_id, coalesce(m.channel, 'all') AS channel, m.metric, m.value, m.n, m.load_id,
                   m.period_start, c.{col} AS target_start,
                   CASE m.period_grain WHEN 'day' THEN 0 WHEN 'month' THEN 1 WHEN 'quarter' THEN 2 ELSE 3 END
                     AS rnk
            FROM metric_observations m JOIN fiscal_calendar c ON c.date = m.period_start
        ), best AS (
            SELECT *, max(rnk) OVER (PARTITION BY service_id, channel, metric, target_start) AS top
            FROM o WHERE rnk <= {GRAIN_RANK[grain]}
        )
        SELECT service_id, channel, metric, target_start AS period_start, top = {GRAIN_RANK[grain]} AS same,
               count(*) AS parts, sum(value) AS v_sum, arg_max(value, period_start) AS v_last,
               arg_max(n, period_start) AS n_last,
               CASE WHEN count(n) = count(*) AND sum(n) > 0 THEN sum(value * n) / sum(n) ELSE avg(value) END
                 AS v_mean,
               CASE WHEN count(n) = count(*) THEN sum(n) END AS n_sum,
               list(DISTINCT load_id ORDER BY load_id) AS load_ids
        FROM best WHERE rnk = top GROUP BY ALL
        """)


def _recount(r: Reader, grain: str, rows: pd.DataFrame) -> pd.DataFrame:
    """n / within from raw events for grid rows the rollups do not cover (standards edited since)."""
    if rows.empty:
        return pd.DataFrame(columns=["standard_id", "period_start", "n", "within"])
    values = ", ".join(["(?, ?, ?, ?, ?::DOUBLE, ?::DATE, ?::DATE)"] * len(rows))
    params: list = []
    for row in rows.itertuples():
        channel = None if pd.isna(row.channel_filter) else row.channel_filter
        params += [row.standard_id, row.service_id, channel, row.measure, row.threshold_minutes,
                   row.period_start, row.period_end]
    where = "service_id IN (SELECT service_id FROM v)"
    sql = (
        f"WITH v(standard_id, service_id, channel, measure, threshold_minutes, period_start, period_end)"
        f" AS (VALUES {values}), ev AS ({events_sql(where)})"
        f" SELECT v.standard_id, v.period_start, count(*) FILTER (WHERE {COUNTED_SQL}) AS n,"
        f" count(*) FILTER (WHERE {WITHIN_SQL}) AS within"
        " FROM ev e JOIN v ON v.service_id = e.service_id AND (v.channel IS NULL OR v.channel = e.channel)"
        " AND e.day BETWEEN v.period_start AND v.period_end GROUP BY ALL"
    )
    out = r.df(sql, params)
    out["period_start"] = pd.to_datetime(out["period_start"]).dt.date
    return out


# --------------------------------------------------------------------------- the table


def _grid(decl: Declarations, grain: str, periods: list[tuple[date, date]]) -> pd.DataFrame:
    """One row per standard x period in which it was in force, with the judging version's terms."""
    rules = decl.status_rules
    rows = []
    for sid in decl.standard_ids:
        for start, end in periods:
            v: StandardVersion | None = decl.version_for(sid, start, end)
            if v is None:
                continue
            measure = decl.event_measure(v)
            metric = decl.metrics[v.metric]
            rows.append({
                "standard_id": sid, "service_id": v.service, "channel": v.channel or "all",
                "channel_filter": v.channel, "grain": grain, "period_start": start, "period_end": end,
                "metric": v.metric, "standard": v.standard, "version_from": v.effective_from,
                "threshold": v.threshold.value, "threshold_unit": v.threshold.unit,
                "threshold_minutes": convert(v.threshold.value, v.threshold.unit, "minutes"),
                "target_share": v.target_share,
                "at_risk_band": rules.at_risk_band if v.at_risk_band is None else v.at_risk_band,
                "value_margin": rules.value_margin if v.value_margin is None else v.value_margin,
                "min_n": rules.min_n if v.min_n is None else v.min_n,
                "measure": measure, "metric_table": metric.table, "reported": v.reported,
                "basis": v.basis, "target_basis": v.target_basis, "citation": v.citation,
            })
    return pd.DataFrame(rows)


def _event_figures(r: Reader, decl: Declarations, grain: str, grid: pd.DataFrame) -> pd.DataFrame:
    """Attach events, value, n, within and load ids from the rollups (recounting stale cells)."""
    periods = period_rows(str(r.path), grain)[
        ["period_start", "service_id", "channel", "events", "n_wait", "wait_median", "wait_p90",
         "n_processing", "processing_median", "processing_p90", "load_ids"]]
    periods["period_start"] = pd.to_datetime(periods["period_start"]).dt.date
    counts = r.df("SELECT period_start, service_id, channel, standard_id, version_from, threshold_minutes,"
                  " n AS ev_n, within AS ev_within FROM service_period_standard WHERE grain = ?", [grain])
    for c in ("period_start", "version_from"):
        counts[c] = pd.to_datetime(counts[c]).dt.date
    out = grid.merge(periods, on=["period_start", "service_id", "channel"], how="left")
    out = out.merge(counts, on=["period_start", "service_id", "channel", "standard_id", "version_from",
                                "threshold_minutes"], how="left")
    has_events = out["events"].fillna(0) > 0
    stale = has_events & out["measure"].notna() & out["ev_n"].isna()
    if stale.any():
        fresh = _recount(r, grain, out.loc[stale]).set_index(["standard_id", "period_start"])
        keys = pd.MultiIndex.from_frame(out.loc[stale, ["standard_id", "period_start"]])
        found = fresh.reindex(keys)
        out.loc[stale, "ev_n"] = found["n"].fillna(0).to_numpy()
        out.loc[stale, "ev_within"] = found["within"].fillna(0).to_numpy()
    out["has_events"] = has_events
    value = np.full(len(out), np.nan)
    value_n = np.full(len(out), np.nan)
    for metric_key, idx in out.groupby("metric").groups.items():
        stat = event_stat_column(decl, metric_key)
        if stat:
            value[out.index.get_indexer(idx)] = out.loc[idx, stat[0]].to_numpy(dtype=float)
            value_n[out.index.get_indexer(idx)] = out.loc[idx, stat[1]].to_numpy(dtype=float)
    out["ev_value"] = value
    out["ev_value_n"] = value_n
    return out


def _choose(out: pd.DataFrame, decl: Declarations, reported: pd.DataFrame) -> pd.DataFrame:
    """Pick each row's figures: events first, then reported figures, else nothing."""
    cols = ["service_id", "channel", "metric", "period_start", "value", "n", "load_ids"]
    rep = {(s, c, m, p): (v, n, ids) for s, c, m, p, v, n, ids in reported[cols].itertuples(index=False)}
    records = []
    for row in out.itertuples(index=False):
        rec = {"value": np.nan, "value_metric": row.metric, "value_unit": decl.metrics[row.metric].unit,
               "n": np.nan, "within": np.nan, "share_within": np.nan, "source": None, "judged_on": None,
               "load_ids": []}
        share_std = pd.notna(row.target_share)
        by_events = pd.notna(row.measure) or pd.notna(row.ev_value)
        if row.has_events and by_events:
            rec.update(source="events", value=row.ev_value, value_unit="minutes", load_ids=row.load_ids)
            if share_std and pd.notna(row.measure):
                rec.update(n=row.ev_n, within=row.ev_within, judged_on="share")
                rec["share_within"] = row.ev_within / row.ev_n if row.ev_n else np.nan
            else:
                rec.update(n=row.ev_value_n, judged_on="value")
        else:
            own = [row.metric] if row.metric_table == "metric_observations" else []
            candidates = own + list(row.reported)

            def find(k: str, row=row) -> tuple | None:
                # A figure for the standard's channel, else one the agency gave for all channels.
                return rep.get((row.service_id, row.channel, k, row.period_start)) or rep.get(
                    (row.service_id, "all", k, row.period_start))

            shares = [k for k in candidates if decl.metrics[k].type == "share_within_threshold" and find(k)]
            values = [k for k in candidates if decl.metrics[k].type != "share_within_threshold" and find(k)]
            ids: list[int] = []
            if share_std and shares:
                v, n, got = find(shares[0])
                ids += list(got)
                rec.update(source="reported", share_within=v, n=n, judged_on="share",
                           within=round(v * n) if not pd.isna(n) else np.nan)
            if values:
                v, n, got = find(values[0])
                ids += list(got)
                rec.update(source="reported", value=v, value_metric=values[0],
                           value_unit=decl.metrics[values[0]].unit)
                if rec["judged_on"] is None:
                    rec.update(n=n, judged_on="value")
            rec["load_ids"] = sorted(set(ids))
        records.append(rec)
    chosen = pd.DataFrame(records, index=out.index)
    return pd.concat([out.drop(columns=["load_ids"]), chosen], axis=1)


def _judge(frame: pd.DataFrame, decl: Declarations) -> pd.DataFrame:
    thresholds, statuses, gaps = [], [], []
    for row in frame.itertuples(index=False):
        direction = decl.metrics[row.value_metric].direction
        thr = convert(row.threshold, row.threshold_unit, row.value_unit)
        target = None if pd.isna(row.target_share) else row.target_share
        on_share = row.judged_on == "share"
        statuses.append(status_for(
            has_data=row.source is not None, n=None if pd.isna(row.n) else row.n, min_n=row.min_n,
            share=row.share_within if on_share else None, target=target if on_share else None,
            band=row.at_risk_band, value=row.value, threshold=thr, lower_is_better=direction == "lower",
            margin=row.value_margin))
        if on_share and target is not None:
            gaps.append(row.share_within - target)
        elif thr is not None and not pd.isna(row.value):
            gaps.append(thr - row.value if direction == "lower" else row.value - thr)
        else:
            gaps.append(np.nan)
        thresholds.append(thr)
    frame["status"] = statuses
    frame["gap"] = gaps
    low, high = wilson_interval(frame["within"].to_numpy(dtype=float), frame["n"].to_numpy(dtype=float))
    frame["ci_low"] = np.where(frame["judged_on"] == "share", low, np.nan)
    frame["ci_high"] = np.where(frame["judged_on"] == "share", high, np.nan)
    return frame


def _names(r: Reader) -> pd.DataFrame:
    return service_names(str(r.path))[["service_id", "service", "agency_id", "agency"]]


@cached
def standards_status(db: str | os.PathLike[str] | None = None, grain: str = "quarter",
                     data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """One row per standard x period (month, quarter or year) in force: figures, status, provenance."""
    if grain not in GRAIN_COLUMNS:
        raise ValueError(f"grain must be one of {', '.join(GRAIN_COLUMNS)}")
    decl = load_declarations(Path(data_dir))
    r = reader(db)
    check_rollups(r)
    first, last = data_window(r)
    if first is None:
        return pd.DataFrame(columns=COLUMNS)
    grid = _grid(decl, grain, periods_between(r, grain, first, last))
    if grid.empty:
        return pd.DataFrame(columns=COLUMNS)
    wanted: dict[str, str] = {}
    for row in grid.itertuples(index=False):
        for k in ([row.metric] if row.metric_table == "metric_observations" else []) + list(row.reported):
            wanted[k] = decl.metrics[k].aggregate
    out = _event_figures(r, decl, grain, grid)
    out = _choose(out, decl, reported_values(r, grain, wanted))
    out = _judge(out, decl)
    out = out.merge(_names(r), on="service_id", how="left")
    out["period"] = [period_label(grain, p) for p in out["period_start"]]
    out = attach_freshness(out, loads_table(r))
    return out[COLUMNS].sort_values(["agency_id", "service_id", "standard_id", "period_start"],
                                    ignore_index=True)


EXPORT_COLUMNS = ["agency", "service", "channel", "grain", "period", "metric", "standard", "target_share",
                  "value", "value_unit", "n", "share_within", "gap", "status", "standard_id", "source",
                  "basis", "last_loaded", "synthetic"]


def standards_status_export(db: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Every standard by month, fiscal quarter and fiscal year, with its status."""
    frames = [standards_status(db, grain) for grain in ("month", "quarter", "year")]
    return pd.concat(frames, ignore_index=True)[EXPORT_COLUMNS]
