"""Cross-agency scorecards and GPRA goal progress, always with the counts behind each cell.

* `driver_scorecard`: agencies x A-11 drivers per fiscal year - agree share with its n and interval;
* `government_drivers`: each A-11 driver per quarter (or fiscal year), all services and channels
  pooled - agree share, interval, n, mean answer and the change on the previous period, tested;
* `standards_scorecard`: agencies x periods - standards met (on track) out of those judged;
* `goal_progress`: GPRA goals x fiscal years - actual against target (met / not met / no data /
  no rule, decided by `metrics.goals.gpra_status`) and progress from the baseline.

Progress = (actual - baseline) / (target - baseline): 0 at the baseline, 1 at the target, above 1
beyond it, negative when the indicator moved away. It is not defined (NaN) for range goals, goals
without a baseline, or a target equal to the baseline.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from core.declarations import load_declarations
from core.models import Goal
from core.paths import DATA_DIR
from core.vocab import STATUSES
from metrics.cache import cached
from metrics.db import Reader, reader, withhold_partial_years
from metrics.periods import in_scope
from metrics.provenance import attach_freshness, loads_table
from metrics.shared_rows import period_rows
from metrics.standards import event_stat_column, reported_values, standards_status
from metrics.stats import add_interval, significant, two_proportion_test
from metrics.survey import driver_scores
from metrics.trends import add_changes


@cached
def driver_scorecard(db: str | os.PathLike[str] | None = None,
                     data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """Agency x driver x fiscal year: agree, n, agree share and Wilson interval (all channels pooled)."""
    scores = driver_scores(db, "year", by_channel=False, data_dir=data_dir)
    if scores.empty:
        return pd.DataFrame(columns=["agency_id", "agency", "fiscal_year", "driver", "services", "agree", "n",
                                     "agree_share", "agree_ci_low", "agree_ci_high", "last_loaded",
                                     "synthetic"])
    out = scores.groupby(["agency_id", "agency", "fiscal_year", "driver"], as_index=False).agg(
        services=("service_id", "nunique"), agree=("agree", "sum"), n=("n", "sum"),
        last_loaded=("last_loaded", "max"), synthetic=("synthetic", "any"))
    out = add_interval(out, "agree", "n", prefix="agree_")
    return out[["agency_id", "agency", "fiscal_year", "driver", "services", "agree", "n", "agree_share",
                "agree_ci_low", "agree_ci_high", "last_loaded", "synthetic"]]


GOVERNMENT_DRIVER_COLUMNS = [
    "driver", "period", "period_start", "services", "agree", "n", "agree_share", "agree_ci_low",
    "agree_ci_high", "mean", "prev_agree_share", "change_prev", "p_value_prev", "significant_prev",
    "last_loaded", "synthetic",
]


@cached
def government_drivers(db: str | os.PathLike[str] | None = None, grain: str = "quarter",
                       data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """Driver x period, every service and channel pooled (agree and n summed, Wilson interval).

    `mean` is the answer-weighted mean of the services' means computed from answer counts (rows with
    only a published mean carry no answers to weigh). The change on the previous period is tested
    with the pooled two-proportion z-test, like each service's change."""
    scores = driver_scores(db, grain, by_channel=False, data_dir=data_dir)
    scores = scores[scores["n"].fillna(0) > 0]
    if grain == "quarter":  # like with like: government-wide pools no manager's own drafts
        scores = in_scope(scores, db)
    if scores.empty:
        return pd.DataFrame(columns=GOVERNMENT_DRIVER_COLUMNS)
    scores = scores.assign(points=scores["mean"] * scores["n"])
    out = scores.groupby(["driver", "period", "period_start"], as_index=False).agg(
        services=("service_id", "nunique"), agree=("agree", "sum"), n=("n", "sum"), points=("points", "sum"),
        last_loaded=("last_loaded", "max"), synthetic=("synthetic", "any"))
    out = add_interval(out, "agree", "n", prefix="agree_")
    out["mean"] = out["points"] / out["n"]
    out = add_changes(out, ["driver"], "agree_share", grain, carry=("agree", "n"))
    _, p = two_proportion_test(out["prev_agree"], out["prev_n"], out["agree"], out["n"])
    out["p_value_prev"] = p
    out["significant_prev"] = significant(p)
    return out[GOVERNMENT_DRIVER_COLUMNS].sort_values(["period_start", "driver"], ignore_index=True)


@cached
def standards_scorecard(db: str | os.PathLike[str] | None = None, grain: str = "year",
                        data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """Agency x period: standards met (on track) out of standards judged, with every status counted."""
    status = standards_status(db, grain, data_dir=data_dir)
    cols = ["agency_id", "agency", "grain", "period", "period_start"]
    if status.empty:
        return pd.DataFrame(columns=[*cols, "met", "judged", "share_met", "last_loaded", "synthetic"])
    counts = pd.crosstab([status[c] for c in cols], status["status"]).reset_index()
    for s in STATUSES:
        if s not in counts:
            counts[s] = 0
    counts = counts.rename(columns={s: s.replace(" ", "_") for s in STATUSES})
    counts["met"] = counts["on_track"]
    counts["judged"] = counts["on_track"] + counts["at_risk"] + counts["off_track"]
    counts["share_met"] = counts["met"] / counts["judged"].where(counts["judged"] > 0)
    fresh = status.groupby(cols, as_index=False).agg(last_loaded=("last_loaded", "max"),
                                                     synthetic=("synthetic", "any"))
    out = counts.merge(fresh, on=cols, how="left")
    out.columns.name = None
    return out[[*cols, "met", "judged", "share_met", "on_track", "at_risk", "off_track", "insufficient_data",
                "not_reported", "last_loaded", "synthetic"]]


# --------------------------------------------------------------------------- GPRA


def progress(actual: float | None, baseline: float | None, target: float | None, direction: str | None
             ) -> float:
    """Share of the way from baseline to target (see module docstring); NaN where undefined."""
    if direction not in ("increase", "decrease") or any(
            v is None or pd.isna(v) for v in (actual, baseline, target)) or target == baseline:
        return float("nan")
    return (actual - baseline) / (target - baseline)


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", str(text or "").replace("\u2019", "'").replace("\u2018", "'")).strip().lower()


def _gpra_rows(r: Reader) -> pd.DataFrame:
    """Loaded GPRA report rows (latest load per indicator and year), if the table exists."""
    exists = r.df("SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = 'gpra_indicators'")["n"][0]
    if not exists:
        return pd.DataFrame(columns=["agency", "indicator", "fiscal_year", "actual", "load_ids"])
    frame = r.df("SELECT agency, indicator, fiscal_year, actual, [load_id] AS load_ids FROM gpra_indicators"
                 " QUALIFY row_number() OVER (PARTITION BY agency, indicator, fiscal_year"
                 " ORDER BY load_id DESC) = 1")
    frame["key"] = frame["indicator"].map(_norm)
    return frame


def _measured(db: str, goal: Goal, data_dir: str | os.PathLike[str]) -> pd.DataFrame:
    """fiscal_year, actual, n, actual_source, last_loaded, synthetic for a goal measured in the warehouse."""
    m = goal.measure
    decl = load_declarations(Path(data_dir))
    cols = ["fiscal_year", "actual", "n", "actual_source", "last_loaded", "synthetic"]
    if m is None:
        return pd.DataFrame(columns=cols)
    if m.standard is not None:
        s = standards_status(db, "year", data_dir=data_dir)
        s = s[(s["standard_id"] == m.standard) & s["share_within"].notna()]
        out = pd.DataFrame({"fiscal_year": s["period"].str[2:].astype(int), "actual": s["share_within"],
                            "n": s["n"], "last_loaded": s["last_loaded"], "synthetic": s["synthetic"]})
        out["actual_source"] = "standard " + m.standard
        return out[cols]
    metric = decl.metrics[m.metric]
    channel = m.channel or "all"
    if metric.table == "survey_results":
        s = driver_scores(db, "year", by_channel=m.channel is not None, data_dir=data_dir)
        s = s[(s["service_id"] == m.service) & (s["channel"] == channel) & (s["driver"] == metric.driver)]
        out = pd.DataFrame({"fiscal_year": s["fiscal_year"], "actual": s["agree_share"], "n": s["n"],
                            "last_loaded": s["last_loaded"], "synthetic": s["synthetic"]})
        out["actual_source"] = "survey"
        return out[cols]
    r = reader(db)
    if metric.table == "service_events":
        stat = event_stat_column(decl, m.metric)
        if stat is None:
            return pd.DataFrame(columns=cols)
        rows = period_rows(db, "year")  # the page's standards read them already
        mine = rows["service_id"].eq(m.service) & rows["channel"].eq(channel)
        rows = rows[mine.fillna(False).astype(bool)]
        frame = rows[["period_start", stat[0], stat[1], "load_ids"]].set_axis(
            ["period_start", "actual", "n", "load_ids"], axis=1).reset_index(drop=True)
        source = "events"
    else:
        frame = reported_values(r, "year", {m.metric: metric.aggregate})
        frame = frame[(frame["service_id"] == m.service) & (frame["channel"] == channel)
                      & (frame["metric"] == m.metric)].rename(columns={"value": "actual"})
        source = "reported"
    frame = attach_freshness(frame.reset_index(drop=True), loads_table(r))
    frame["fiscal_year"] = pd.to_datetime(frame["period_start"]).dt.year + 1
    frame["actual_source"] = source
    # Added up from quarters here: public only when all its quarters are (metrics.db).
    frame = withhold_partial_years(frame.assign(service_id=m.service, grain="year"), db)
    return frame[cols]


@cached
def goal_progress(db: str | os.PathLike[str] | None = None,
                  data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """GPRA goals x fiscal years with a target: actual, status by direction, progress from baseline."""
    from metrics.goals import gpra_status

    decl = load_declarations(Path(data_dir))
    r = reader(db)
    loads = loads_table(r)
    gpra = _gpra_rows(r)
    rows = []
    for goal in decl.goals.values():
        if goal.measure is None:
            found = gpra[gpra["key"] == _norm(goal.indicator)] if len(gpra) else gpra
            actuals = attach_freshness(found.reset_index(drop=True), loads) if len(found) else None
            if actuals is not None:
                actuals["n"] = np.nan
                actuals["actual_source"] = "GPRA report"
        else:
            actuals = _measured(str(r.path), goal, data_dir)
        by_year = {} if actuals is None else {int(a.fiscal_year): a for a in actuals.itertuples(index=False)}
        for t in goal.targets:
            a = by_year.get(t.fiscal_year)
            actual = None if a is None or pd.isna(a.actual) else float(a.actual)
            base = goal.baseline
            rows.append({
                "goal_id": goal.id, "agency": goal.agency, "goal": goal.goal, "indicator": goal.indicator,
                "unit": goal.unit, "direction": goal.direction, "priority_goal": goal.priority_goal,
                "fiscal_year": t.fiscal_year, "target": t.target, "min_target": t.min_target,
                "max_target": t.max_target, "actual": actual, "n": None if a is None else a.n,
                "actual_source": None if a is None else a.actual_source,
                "status": gpra_status(t.target, actual, t.min_target, t.max_target, goal.direction),
                "baseline_year": base.fiscal_year if base else None, "baseline": base.value if base else None,
                "progress": progress(actual, base.value if base else None, t.target, goal.direction),
                "basis": goal.basis, "source": goal.source,
                "last_loaded": None if a is None else a.last_loaded,
                "synthetic": bool(loads["synthetic"].any()) if a is None else bool(a.synthetic),
            })
    return pd.DataFrame(rows)


@cached
def initiative_milestones(db: str | os.PathLike[str] | None = None,
                          data_dir: str | os.PathLike[str] = DATA_DIR) -> pd.DataFrame:
    """Signature initiatives and action plans (data/initiatives.yaml), one row per milestone, with the
    latest fiscal-year status of each standard the initiative addresses. A milestone is late when it
    was missed, was done after its due date, or is not done and its due date is before the last day of
    the standards' figures (a warehouse without them judges only missed and late-done milestones)."""
    decl = load_declarations(Path(data_dir))
    latest = standards_status(db, "year", data_dir=data_dir)
    latest = latest[latest["status"] != "not reported"].sort_values("period_start")
    latest = latest.groupby("standard_id").last()
    last_day = latest["period_end"].max() if len(latest) else None
    rows = []
    for ini in decl.initiatives.values():
        standing = "; ".join(f"{sid}: {latest.loc[sid, 'status']} ({latest.loc[sid, 'period']})"
                             for sid in ini.addresses.standards if sid in latest.index)
        for ms in ini.milestones or ():
            late = (ms.status == "missed" or (ms.done_on is not None and ms.done_on > ms.due) or (
                ms.status not in ("done", "dropped") and last_day is not None and ms.due < last_day))
            rows.append({"initiative_id": ini.id, "kind": ini.kind, "service_id": ini.service,
                         "title": ini.title, "milestone": ms.name, "due": ms.due,
                         "milestone_status": ms.status, "done_on": ms.done_on, "late": late,
                         "standards": ", ".join(ini.addresses.standards),
                         "goals": ", ".join(ini.addresses.goals), "standards_latest": standing,
                         "basis": ini.basis})
    return pd.DataFrame(rows)
