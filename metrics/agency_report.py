"""An agency's Customer Service Plan progress report (Executive Order 13571 section 3): its standards
with their latest status, their trend, its signature initiatives and milestones, its GPRA goals, its
survey trust and drivers, and its own words, for one fiscal quarter, on one printable page.

Assembled from the metrics that already exist, never re-queried: `standards_status` (through
`metrics.exceptions.standard_results`, so result, target and gap read as on the attention list),
`driver_scores`, `initiative_milestones`, `goal_progress`, `metrics.narratives.service_narratives`
and, for the quarters there are, `metrics.periods.quarter_status`. Each of those is scoped to the
viewer and suppressed for them (metrics.cache), so the report is too: the public sees published
quarters and small numbers suppressed; an agency manager their own drafts; OMB everything.

The quarter reported on is the one asked for, else the agency's latest published quarter for the
viewer (`default_quarter`). Trends cover that quarter and the `TREND_QUARTERS - 1` before it, so the
same quarter a year before is in the table.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

from core.fiscal import quarter_bounds
from core.paths import DATA_DIR
from core.vocab import DRIVERS
from metrics.directory import agencies, services
from metrics.exceptions import standard_results
from metrics.narratives import service_narratives
from metrics.periods import DRAFT, default_quarter, quarter_status
from metrics.scorecard import goal_progress, initiative_milestones
from metrics.standards import standards_status
from metrics.survey import driver_scores

#: Quarters in the trend tables: the quarter reported on and the four before it (a year back).
TREND_QUARTERS = 5

STANDARD_COLUMNS = ["standard_id", "standard", "service_id", "service", "channel", "period", "status",
                    "judged_on", "result", "target", "result_unit", "better", "gap", "gap_unit",
                    "change_yago", "n", "suppressed"]
TREND_COLUMNS = ["kind", "key", "label", "service", "period", "period_start", "result", "result_unit",
                 "status", "n", "suppressed"]
DRIVER_COLUMNS = ["service_id", "service", "driver", "period", "n", "agree_share", "agree_ci_low",
                  "agree_ci_high", "change_yago", "significant_yago", "suppressed"]
GOAL_COLUMNS = ["goal_id", "goal", "indicator", "unit", "direction", "priority_goal", "fiscal_year", "target",
                "actual", "status", "progress", "n", "basis", "source", "suppressed"]
INITIATIVE_COLUMNS = ["initiative_id", "kind", "service_id", "title", "milestone", "due", "milestone_status",
                      "done_on", "late", "standards_latest", "basis"]


@dataclass(frozen=True)
class AgencyReport:
    """What the report page draws; every frame already scoped and suppressed for the viewer."""

    agency_id: str
    name: str
    department: str
    services: pd.DataFrame  # service_id, name
    quarters: pd.DataFrame  # metrics.periods.quarter_status of the agency, oldest first
    period: str | None  # the quarter reported on; None: no quarter with figures for this viewer
    period_start: date | None
    period_end: date | None
    draft: bool  # the quarter holds figures not yet published (only staff ever see one)
    trend_periods: list[str]  # oldest first, ending with `period`
    standards: pd.DataFrame  # STANDARD_COLUMNS, one row per standard in force in `period`
    trends: pd.DataFrame  # TREND_COLUMNS: each standard and each service's trust, by quarter
    drivers: pd.DataFrame  # DRIVER_COLUMNS: each service's A-11 drivers in `period`
    goals: pd.DataFrame  # GOAL_COLUMNS: each of the agency's GPRA goals, its latest year with an actual
    initiatives: pd.DataFrame  # INITIATIVE_COLUMNS: milestones of the agency's services' initiatives
    narratives: pd.DataFrame  # metrics.narratives.COLUMNS: each service's latest words up to `period`
    last_loaded: pd.Timestamp | None
    synthetic: bool

    @property
    def covered(self) -> str | None:
        """The quarters the report covers, in words: "FY2024 Q3 to FY2025 Q3"."""
        if not self.trend_periods:
            return None
        first, last = self.trend_periods[0], self.trend_periods[-1]
        return last if first == last else f"{first} to {last}"


def agency_name(row: dict) -> str:
    """The bureau's name, else the department's (as the agency page heads itself)."""
    bureau = row.get("bureau")
    return bureau if isinstance(bureau, str) and bureau else str(row["department"])


def find_agency(db: str | os.PathLike[str] | None, agency_id: str | None) -> dict | None:
    """The agencies row of `agency_id`, or None when no agency has that id."""
    frame = agencies(db)
    found = frame[frame["agency_id"] == agency_id]
    return None if found.empty else found.iloc[0].to_dict()


def _name_key(text: object) -> str:
    """An agency name as goals.yaml and agencies.csv may both write it ("Department of the Treasury",
    "Department of Treasury", "Health & Human Services"): lower case, "&" as "and", no "the"."""
    words = re.sub(r"[^a-z0-9 ]", " ", str(text or "").lower().replace("&", " and ")).split()
    return " ".join(w for w in words if w != "the")


def _standards(db: str | os.PathLike[str] | None, agency_id: str, data_dir: str | os.PathLike[str]
               ) -> pd.DataFrame:
    """Every quarter of every standard of the agency, with result, target and gap in their units."""
    status = standards_status(db, "quarter", **_declared(data_dir))
    status = status[status["agency_id"] == agency_id]
    results = standard_results(status, data_dir)
    if results.empty:
        return results.assign(suppressed=pd.Series(dtype=bool))
    hidden = status[["standard_id", "period"]].assign(
        suppressed=status.get("suppressed", False))
    return results.merge(hidden, on=["standard_id", "period"], how="left")


def _declared(data_dir: str | os.PathLike[str]) -> dict[str, str | os.PathLike[str]]:
    """No keyword for the shipped declarations, so the cached tables are the pages' cache entries."""
    return {} if os.path.realpath(data_dir) == os.path.realpath(DATA_DIR) else {"data_dir": data_dir}


def _trends(standards: pd.DataFrame, trust: pd.DataFrame, periods: list[str]) -> pd.DataFrame:
    """Long form: one row per standard (or service's trust) and quarter of the trend window."""
    parts = []
    rows = standards[standards["period"].isin(periods)]
    if len(rows):
        parts.append(pd.DataFrame({
            "kind": "standard", "key": rows["standard_id"],
            "label": rows["standard"] + " (" + rows["channel"].astype(str) + ")", "service": rows["service"],
            "period": rows["period"], "period_start": rows["period_start"], "result": rows["result"],
            "result_unit": rows["result_unit"], "status": rows["status"], "n": rows["n"],
            "suppressed": rows["suppressed"]}))
    rows = trust[trust["period"].isin(periods)]
    if len(rows):
        parts.append(pd.DataFrame({
            "kind": "trust", "key": rows["service_id"], "label": "Trust (agree share): " + rows["service"],
            "service": rows["service"], "period": rows["period"], "period_start": rows["period_start"],
            "result": rows["agree_share"], "result_unit": "share", "status": None, "n": rows["n"],
            "suppressed": rows.get("suppressed", False)}))
    if not parts:
        return pd.DataFrame(columns=TREND_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["period_start"] = pd.to_datetime(out["period_start"])
    # A standard's wording changes with its versions: label each row with the newest version's words.
    newest = out.sort_values("period_start").groupby(["kind", "key"])["label"].last()
    out["label"] = [newest[(k, key)] for k, key in zip(out["kind"], out["key"], strict=True)]
    out["suppressed"] = out["suppressed"].astype("boolean").fillna(False).astype(bool)
    return out.sort_values(["kind", "service", "key", "period_start"], ignore_index=True)[TREND_COLUMNS]


def _drivers(scores: pd.DataFrame, period: str | None) -> pd.DataFrame:
    """Each service's drivers in the quarter, trust first, then in the A-11 order of data/."""
    rows = scores[scores["period"] == period].copy()
    if "suppressed" not in rows:
        rows["suppressed"] = False
    order = {d: i for i, d in enumerate(["trust", *[d for d in DRIVERS if d != "trust"]])}
    rows["_order"] = rows["driver"].map(order).fillna(len(order))
    return rows.sort_values(["service", "_order"], ignore_index=True)[DRIVER_COLUMNS]


def _goals(db: str | os.PathLike[str] | None, agency: dict, data_dir: str | os.PathLike[str],
           fiscal_year: int | None) -> pd.DataFrame:
    """The agency's GPRA goals (matched on its department's or bureau's name): for each, the latest
    fiscal year with an actual up to the report's year; a goal with none, its target for that year
    (or its first target after it), status "no data"."""
    goals = goal_progress(db, **_declared(data_dir))
    if goals.empty:
        return pd.DataFrame(columns=GOAL_COLUMNS)
    names = {_name_key(agency.get("department")), _name_key(agency.get("bureau"))} - {""}
    goals = goals[goals["agency"].map(_name_key).isin(names)]
    if "suppressed" not in goals:
        goals = goals.assign(suppressed=False)
    picked = []
    for _, rows in goals.sort_values(["goal_id", "fiscal_year"]).groupby("goal_id", sort=False):
        upto = rows if fiscal_year is None else rows[rows["fiscal_year"] <= fiscal_year]
        measured = upto[upto["actual"].notna() | upto["suppressed"].astype(bool)]
        if len(measured):
            picked.append(measured.iloc[-1])
        else:
            later = rows if fiscal_year is None else rows[rows["fiscal_year"] >= fiscal_year]
            picked.append(later.iloc[0] if len(later) else rows.iloc[-1])
    if not picked:
        return pd.DataFrame(columns=GOAL_COLUMNS)
    out = pd.DataFrame(picked).reset_index(drop=True)
    out["suppressed"] = out["suppressed"].astype("boolean").fillna(False).astype(bool)
    return out[GOAL_COLUMNS]


def _narratives(service_ids: set[str], db: str | os.PathLike[str] | None, data_dir: str | os.PathLike[str],
                period_start: date | None) -> pd.DataFrame:
    """Each service's newest narrative whose period starts no later than the quarter reported on (so
    the words never run ahead of the figures the viewer may see)."""
    words = service_narratives(sorted(service_ids), db=db, data_dir=data_dir)
    if period_start is None:
        return words.iloc[0:0]
    words = words[pd.to_datetime(words["period_start"]) <= pd.Timestamp(period_start)]
    return words.sort_values("period_start", ascending=False).drop_duplicates("service_id").sort_values(
        "service", ignore_index=True)


def agency_report(db: str | os.PathLike[str] | None, agency_id: str, period: str | None = None,
                  data_dir: str | os.PathLike[str] = DATA_DIR) -> AgencyReport | None:
    """The report of `agency_id` for the quarter `period` ("FY2025 Q3"; None: the latest published one
    for the viewer). None when no agency has that id; ValueError for a quarter the viewer has no
    figures of for this agency."""
    agency = find_agency(db, agency_id)
    if agency is None:
        return None
    svc = services(db)
    svc = svc[svc["agency_id"] == agency_id].sort_values("name", ignore_index=True)
    ids = set(svc["service_id"])
    quarters = quarter_status(db, agency=agency_id)
    if period is None:
        period = default_quarter(quarters)
    elif period not in set(quarters["period"]):
        raise ValueError(f"{agency_id} has no figures for {period!r}; quarters: "
                         + ", ".join(quarters["period"]))
    chosen = quarters[quarters["period"] == period]
    fiscal_year = int(chosen["fiscal_year"].iloc[0]) if len(chosen) else None
    start, end = (quarter_bounds(fiscal_year, int(chosen["quarter"].iloc[0])) if len(chosen)
                  else (None, None))
    starts = pd.to_datetime(quarters["period_start"])
    window = quarters[starts <= pd.Timestamp(start)] if start else quarters[0:0]
    trend_periods = list(window.sort_values("period_start")["period"].iloc[-TREND_QUARTERS:])

    standards = _standards(db, agency_id, data_dir)
    latest = standards[standards["period"] == period].sort_values(["service", "standard"], ignore_index=True)
    scores = driver_scores(db, "quarter", by_channel=False, **_declared(data_dir))
    scores = scores[scores["service_id"].isin(ids)]
    trust = scores[scores["driver"] == "trust"]
    initiatives = initiative_milestones(db, **_declared(data_dir))
    if len(initiatives):
        initiatives = initiatives[initiatives["service_id"].isin(ids)].sort_values(
            ["title", "due"], ignore_index=True)[INITIATIVE_COLUMNS]
    else:
        initiatives = pd.DataFrame(columns=INITIATIVE_COLUMNS)
    shown = [latest, scores[scores["period"].isin(trend_periods)]]
    stamps = pd.concat([f["last_loaded"] for f in shown if "last_loaded" in f and len(f)] or [pd.Series()])
    stamps = pd.to_datetime(stamps.dropna())
    synthetic = any(bool(f["synthetic"].fillna(False).any()) for f in shown if "synthetic" in f and len(f))
    return AgencyReport(
        agency_id=agency_id, name=agency_name(agency), department=str(agency["department"]),
        services=svc[["service_id", "name"]], quarters=quarters, period=period, period_start=start,
        period_end=end, draft=bool(len(chosen)) and chosen["status"].iloc[0] == DRAFT,
        trend_periods=trend_periods, standards=latest[STANDARD_COLUMNS],
        trends=_trends(standards, trust, trend_periods), drivers=_drivers(scores, period),
        goals=_goals(db, agency, data_dir, fiscal_year), initiatives=initiatives,
        narratives=_narratives(ids, db, data_dir, start),
        last_loaded=stamps.max() if len(stamps) else None, synthetic=synthetic)
