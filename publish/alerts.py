"""Evaluate the alert rules of data/alerts.yaml on the metrics layer's figures, and keep what they find.

`refresh` runs after every load and workflow move (the command line and the submission route call
it; `servicestat alerts refresh` runs it by hand, e.g. daily, since a deadline passes without any
load). It reads the figures through the metrics layer, the same tables the pages show, and hands
the conditions found to `ingest.alerts_store.record`, which opens, updates and resolves alerts in
one atomic write. Each kind of rule (core/check_alerts.py) is one function here, built on the
existing figures and tests, never a new statistic:

* standard_off_track - `metrics.standards.standards_status`: the standard's latest judged period is
  off track, and so were the `periods` - 1 periods just before it (contiguous). Its subject is the
  standard and the period the run began, so one run is one alert, from the period it began to the
  period it ends (resolved); figures from `metrics.exceptions.exceptions_history`;
* survey_drop - `metrics.survey.driver_scores` (all channels): in a service's latest quarter the
  driver's agree share is lower than the quarter before and the pooled two-proportion test
  (`metrics.stats`) gives p below the declared significance level; resolved when a later quarter
  no longer shows it;
* report_overdue - `metrics.reporting.reporting_status`: compliance `overdue` (core/publication.py
  deadline and obligation), at least `days_late` days past the deadline;
* load_rejects - `metrics.loads`: a load with at least `min_rejected` rejected rows, until a later
  load of a file of the same name lands with none.

Who may see an alert: the rules are evaluated as OMB (audience `staff`: OMB and the agency); a rule
declared `public` is evaluated again as the public, through the public's own (published, suppressed)
figures. A condition the public's evaluation tells in the same words is for `everyone`; one it tells
otherwise (the standard is off track in the latest *published* quarter, while staff see a later draft
quarter too) is kept as the public's own version (audience `public`, subject marked `PUBLIC_VERSION`),
which staff do not see twice. So the public never learns of a breach in an unpublished quarter, nor of
a figure suppressed for small numbers.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from core.check_alerts import AlertRule, LoadParams, OverdueParams, StandardParams, SurveyParams, alert_rules
from core.fiscal import fiscal_quarter_of, period_label
from core.paths import DATA_DIR, db_path
from ingest.alerts_store import Finding, Recorded, record
from metrics.access import OMB, PUBLIC, viewing
from metrics.exceptions import POINTS, exceptions_history
from metrics.loads import load_agencies, loads
from metrics.reporting import reporting_status, today
from metrics.standards import standards_status
from metrics.stats import significant
from metrics.survey import driver_scores

Db = str | os.PathLike[str] | None
#: Marks the subject of the public's version of a condition staff see told otherwise.
PUBLIC_VERSION = " (as published)"


def _share(value: object) -> str:
    return "no data" if pd.isna(value) else f"{float(value) * 100:.1f}%"


def _figure(value: object, unit: str) -> str:
    if pd.isna(value):
        return "no data"
    return _share(value) if unit == "share" else f"{float(value):g} {str(unit).replace('_', ' ')}"


def _gap(value: object, unit: str) -> str:
    if pd.isna(value):
        return "gap not known"
    number = float(value)
    if unit == POINTS:
        return f"{number:+.1f} points"
    return f"{number:+g} {str(unit).replace('_', ' ')}"


def _where(start: object, grain: str) -> tuple[int | None, int | None]:
    """Fiscal year and quarter an alert is placed in: the quarter of the period's start (a month's
    quarter too); a fiscal-year figure has no quarter, so it is never public."""
    if grain == "year":
        return None, None
    return fiscal_quarter_of(pd.Timestamp(start).date())


def _standard(db: Db, rule: AlertRule, p: StandardParams) -> list[Finding]:
    status = standards_status(db, p.grain)
    if status.empty:
        return []
    figures = exceptions_history(db, p.grain).set_index(["standard_id", "period"])
    out = []
    for standard_id, rows in status.sort_values(["standard_id", "period_start"]).groupby("standard_id"):
        rows = rows.reset_index(drop=True)
        judged = rows.index[rows["status"].isin(("on track", "at risk", "off track")).fillna(False)]
        if not len(judged) or rows.at[judged[-1], "status"] != "off track":
            continue
        last = int(judged[-1])
        first = last
        while (first > 0 and rows.at[first - 1, "status"] == "off track"
               and pd.Timestamp(rows.at[first - 1, "period_end"]) + timedelta(days=1)
               == pd.Timestamp(rows.at[first, "period_start"])):
            first -= 1
        run = last - first + 1
        if run < p.periods:
            continue
        row = rows.iloc[last]
        since = str(rows.at[first, "period"])
        if (standard_id, row["period"]) not in figures.index:
            continue  # every off-track standard-period is an exception: not reached
        fig = figures.loc[(standard_id, row["period"])]
        unit = fig["result_unit"]
        values = {
            "service": row["service"], "agency": row["agency"], "standard": row["standard"],
            "channel": "all channels" if row["channel"] == "all" else row["channel"],
            "period": row["period"], "since": since, "periods": run,
            "result": _figure(fig["result"], unit), "target": _figure(fig["target"], unit),
            "gap": _gap(fig["gap"], fig["gap_unit"]),
        }
        fy, q = _where(row["period_start"], p.grain)
        out.append(Finding(rule.id, rule.kind, rule.severity, f"{standard_id} off track since {since}",
                           rule.render(values), "staff", row["agency_id"], row["service_id"], fy, q))
    return out


def _survey(db: Db, rule: AlertRule, p: SurveyParams) -> list[Finding]:
    scores = driver_scores(db, "quarter", by_channel=False)
    scores = scores[scores["driver"].isin(p.drivers)]
    out = []
    for (service_id, driver), rows in scores.sort_values("period_start").groupby(["service_id", "driver"]):
        row = rows.iloc[-1]
        change, p_value = row["change_prev"], row["p_value_prev"]
        if pd.isna(change) or pd.isna(p_value) or change >= 0 or not significant(p_value, p.significance):
            continue
        previous = period_label("quarter", pd.Timestamp(row["period_start"]) - pd.DateOffset(months=3))
        values = {
            "service": row["service"], "agency": row["agency"], "driver": driver, "period": row["period"],
            "previous_period": previous, "share": _share(row["agree_share"]),
            "previous_share": _share(row["prev_agree_share"]), "change": f"{float(change) * 100:+.1f} points",
            "p_value": f"{float(p_value):.3g}", "n": f"{int(row['n']):,}", "significance": p.significance,
        }
        out.append(Finding(rule.id, rule.kind, rule.severity, f"{service_id} {driver} {row['period']}",
                           rule.render(values), "staff", row["agency_id"], service_id,
                           int(row["fiscal_year"]), int(row["quarter"])))
    return out


def _overdue(db: Db, rule: AlertRule, p: OverdueParams, as_of: date) -> list[Finding]:
    status = reporting_status(db, as_of)
    out = []
    for row in status[status["compliance"] == "overdue"].itertuples(index=False):
        late = (as_of - pd.Timestamp(row.deadline).date()).days
        if late < p.days_late:
            continue
        values = {"service": row.service, "agency": row.agency, "period": row.period,
                  "deadline": pd.Timestamp(row.deadline).date().isoformat(), "days_late": late}
        out.append(Finding(rule.id, rule.kind, rule.severity, f"{row.service_id} {row.period} report",
                           rule.render(values), "staff", row.agency_id, row.service_id,
                           int(row.fiscal_year), int(row.quarter)))
    return out


def _rejects(db: Db, rule: AlertRule, p: LoadParams) -> list[Finding]:
    frame = loads(db)
    owners = load_agencies(db).groupby("load_id")["agency_id"].agg(list)
    clean = frame[(frame["rows_rejected"] == 0) & (frame["status"] != "refused")]
    out = []
    for row in frame[frame["rows_rejected"] >= p.min_rejected].itertuples(index=False):
        later = clean[(clean["file_name"] == row.file_name) & (clean["load_id"] > row.load_id)]
        if not later.empty:
            continue
        agencies = owners.get(row.load_id, [])
        agency = agencies[0] if len(agencies) == 1 else None  # a load of several agencies: OMB's alone
        values = {"file": row.file_name, "load_id": int(row.load_id), "rejected": int(row.rows_rejected),
                  "read": int(row.rows_read), "agency": agency or "no single agency"}
        out.append(Finding(rule.id, rule.kind, rule.severity, f"load {int(row.load_id)}", rule.render(values),
                           "staff", agency, load_id=int(row.load_id)))
    return out


def conditions(db: Db, rules: list[AlertRule], as_of: date) -> list[Finding]:
    """What each rule finds holding, for the current viewer (the figures they may see)."""
    kinds: dict[str, Callable[[AlertRule], list[Finding]]] = {
        "standard_off_track": lambda r: _standard(db, r, r.params()),
        "survey_drop": lambda r: _survey(db, r, r.params()),
        "report_overdue": lambda r: _overdue(db, r, r.params(), as_of),
        "load_rejects": lambda r: _rejects(db, r, r.params()),
    }
    return [finding for rule in rules for finding in kinds[rule.kind](rule)]


def _key(f: Finding) -> tuple[str, str, str]:
    return f.rule_id, f.subject, f.message


def evaluate(db: Db, rules: list[AlertRule], as_of: date) -> list[Finding]:
    """Every condition found as OMB, for `everyone` when the public's own figures tell it alike; and the
    public's own versions of the public rules' conditions that staff see told otherwise."""
    with viewing(OMB):
        found = conditions(db, rules, as_of)
    with viewing(PUBLIC):
        public = conditions(db, [r for r in rules if r.public], as_of)
    alike = {_key(f) for f in public}
    staff = {_key(f) for f in found}
    return ([replace(f, audience="everyone" if _key(f) in alike else "staff") for f in found]
            + [replace(f, subject=f.subject + PUBLIC_VERSION, audience="public") for f in public
               if _key(f) not in staff])


def refresh(db: Db = None, rules: list[AlertRule] | None = None, as_of: date | None = None,
            at: datetime | None = None, data_dir: str | os.PathLike[str] = DATA_DIR) -> Recorded:
    """Evaluate the rules (default: data/alerts.yaml) on the warehouse and keep what they find."""
    path = Path(db_path(db))
    rules = alert_rules(data_dir) if rules is None else rules
    day = as_of or today()
    return record(path, lambda: evaluate(path, rules, day), at)
