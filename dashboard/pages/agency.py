"""Agency view (``/agency/<agency_id>``) for agency managers.

Each service's standards with status, one standard's trend against its target and at-risk band,
the channel breakdown, GPRA goal progress, and signature-initiative milestones. Filters (period,
standard) live in the URL. An unknown agency id gets an explicit "no such agency" page.
"""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import html

from dashboard.channels_block import channel_blocks
from dashboard.charts import chart_block
from dashboard.components import current_db
from dashboard.exceptions_block import exceptions_block
from dashboard.filters import (
    FilterSpec,
    filter_form,
    label_drafts,
    read_filters,
    select_control,
    with_draft_labels,
)
from dashboard.formatting import fmt_date, fmt_number, fmt_percent, fmt_percent1, fmt_when, last_updated_text
from dashboard.notices import (
    any_synthetic,
    empty_state,
    link_list,
    no_such_page,
    no_warehouse_page,
    notices_alert,
    page_intro,
    status_badge,
)
from dashboard.quality_block import quality_section
from dashboard.survey_blocks import channel_drivers_block, driver_trend_block
from dashboard.tables import usa_table
from dashboard.views import grain_of, period_options, standard_trend_block, standards_table_block
from metrics.access import current_viewer
from metrics.channels import channel_labels
from metrics.db import WarehouseMissing
from metrics.directory import agencies, services
from metrics.holdings import holdings
from metrics.periods import default_period as metrics_default_period
from metrics.periods import draft_periods, quarter_status
from metrics.providers import provider_scores
from metrics.scorecard import goal_progress, initiative_milestones
from metrics.standards import standards_status
from metrics.survey import driver_scores


def _agency_row(agency_id: str | None) -> dict | None:
    db = current_db()
    frame = agencies(db)
    found = frame[frame["agency_id"] == agency_id]
    return None if found.empty else found.iloc[0].to_dict()


def _name(row: dict) -> str:
    return row["bureau"] if isinstance(row.get("bureau"), str) and row["bureau"] else row["department"]


def title(agency_id: str | None = None, **_: Any) -> str:
    """The page title, also written server-side by dashboard.app (callable titles)."""
    try:
        row = _agency_row(agency_id)
    except Exception:  # noqa: BLE001 - a title must never fail the page
        row = None
    return f"{_name(row)} – ServiceStat" if row else "No such agency – ServiceStat"


dash.register_page(
    __name__,
    path_template="/agency/<agency_id>",
    name="Agency",
    title=title,
    # dashboard.app answers /agency/<unknown id> with HTTP 404 (the page still explains).
    known=lambda agency_id=None, **_: _agency_row(agency_id) is not None,
    description="An agency's services against their standards, goals, channels and initiatives.",
)


def _no_such_agency(db: str | None, agency_id: str | None) -> html.Div:
    frame = agencies(db)
    names = frame["bureau"].fillna(frame["department"])
    return no_such_page("agency", "Agencies", agency_id,
                        sorted(zip(names, "/agency/" + frame["agency_id"], strict=True)))


def _goals_block(db: str, agency: dict) -> Any:
    goals = goal_progress(db)
    names = {agency.get("department"), agency.get("bureau")}
    rows = goals[goals["agency"].isin(names) & goals["actual"].notna()]
    rows = rows.sort_values(["goal_id", "fiscal_year"])
    title = "GPRA performance goals"
    definition = ("Goals from the agency's strategic plan and Annual Performance Report: "
                  "the actual against the target each fiscal year (met / not met by the goal's direction) "
                  "and the progress from the baseline (0% at the baseline, 100% at the target).")
    if rows.empty:
        return chart_block(block_id="agency-goals", title=title, summary="", definition=definition,
                           figure=None, table=None, last_updated=None,
                           empty_message="No GPRA goal of this agency has an actual in the warehouse.")
    counts = rows["status"].value_counts()
    summary = (f"{len(rows)} goal-years with an actual: "
               + ", ".join(f"{int(v)} {k}" for k, v in counts.items()) + ".")
    unit_fmt = (lambda v: fmt_percent1(v)) if (rows["unit"] == "share").all() else fmt_number
    table = usa_table(rows.assign(year=[f"FY{y}" for y in rows["fiscal_year"]]),
                      caption="GPRA goals: actual against target by fiscal year",
                      columns=[("indicator", "Indicator"), ("year", "Fiscal year"), ("target", "Target"),
                               ("actual", "Actual"), ("progress", "Progress from baseline"), ("n", "n"),
                               ("status", "Status")],
                      formatters={"target": unit_fmt, "actual": unit_fmt, "progress": fmt_percent,
                                  "n": fmt_number, "status": status_badge},
                      label_columns=["indicator", "year"], table_id="agency-goals-table")
    return chart_block(block_id="agency-goals", title=title, summary=summary, definition=definition,
                       figure=None, table=table, last_updated=last_updated_text(rows))


def _initiatives_block(db: str, service_ids: set[str]) -> Any:
    rows = initiative_milestones(db)
    rows = rows[rows["service_id"].isin(service_ids)] if len(rows) else rows
    title = "Signature initiatives and action plans"
    definition = ("Milestones of the agency's signature initiatives and action plans "
                  "(as declared for ServiceStat), each with its due date and state; late: done after its due "
                  "date, or not done and overdue. "
                  "The last column gives the latest status of the standards the initiative addresses.")
    if rows.empty:
        return chart_block(block_id="agency-initiatives", title=title, summary="", definition=definition,
                           figure=None, table=None, last_updated=None,
                           empty_message="No initiatives or action plans are declared for this "
                           "agency's services.")
    rows = rows.assign(state=[s.replace("_", " ") for s in rows["milestone_status"]],
                       on_time=["late" if late else "on time" for late in rows["late"]])
    late = int(rows["late"].sum())
    summary = f"{len(rows)} milestones in {rows['initiative_id'].nunique()} initiatives; {late} late."
    table = usa_table(rows, caption="Initiative milestones",
                      columns=[("milestone", "Milestone"), ("title", "Initiative"), ("due", "Due"),
                               ("state", "State"), ("done_on", "Done on"), ("on_time", "On time"),
                               ("standards_latest", "Standards now")],
                      formatters={"due": fmt_date, "done_on": fmt_when, "state": status_badge,
                                  "on_time": status_badge},
                      label_columns=["milestone", "title", "state", "on_time", "standards_latest"],
                      table_id="agency-initiatives-table")
    return chart_block(block_id="agency-initiatives", title=title, summary=summary, definition=definition,
                       figure=None, table=table, last_updated=None)


def _survey_frames(db: str | None, service_ids: set[str]) -> dict[str, pd.DataFrame]:
    """The agency's services' driver scores per grain, by channel and pooled ("all") in one frame."""
    frames = {}
    for grain in ("quarter", "year"):
        both = pd.concat([driver_scores(db, grain, by_channel=True),
                          driver_scores(db, grain, by_channel=False)], ignore_index=True)
        frames[grain] = both[both["service_id"].isin(service_ids)]
    return frames


def _periods(*frames: pd.DataFrame) -> pd.DataFrame:
    """period and period_start of every row of the frames, once each (for period_options)."""
    parts = [f[["period", "period_start"]] for f in frames if len(f)]
    if not parts:
        return pd.DataFrame({"period": pd.Series(dtype=object),
                             "period_start": pd.Series(dtype="datetime64[s]")})
    out = pd.concat(parts, ignore_index=True).drop_duplicates("period")
    return out.assign(period_start=pd.to_datetime(out["period_start"]))


def _survey_blocks(surveys: dict[str, pd.DataFrame], svc: pd.DataFrame, period: str) -> list[Any]:
    """Per service of the agency: its drivers by channel in the period (with the mean), then its trust
    every quarter by channel."""
    labels = channel_labels()
    grain = grain_of(period)
    blocks: list[Any] = []
    for service in svc.sort_values("name").itertuples():
        mine = surveys["quarter"][surveys["quarter"]["service_id"] == service.service_id]
        rows = surveys[grain][(surveys[grain]["service_id"] == service.service_id)
                              & (surveys[grain]["period"] == period)]
        if rows.empty and mine.empty:
            continue
        blocks.append(channel_drivers_block(
            rows, block_id=f"agency-survey-{service.service_id}",
            title=f"Survey results: {service.name}, {period}", period=period, scope=service.name,
            labels=labels, empty_message=f"No survey answers for {service.name} in {period}.",
            notes=[html.P(["Each period of this service, with its response rate and benchmark: ", html.A(
                service.name, href=f"/service/{service.service_id}", className="usa-link"), "."],
                className="font-sans-xs")]))
        blocks.append(driver_trend_block(
            mine, block_id=f"agency-trust-trend-{service.service_id}", driver="trust", name=service.name,
            labels=labels, empty_message=f"No trust survey answers for {service.name}."))
    if not blocks:
        blocks.append(empty_state(f"No survey answers from this agency's services for {period}."))
    return blocks


def _provider_blocks(db: str | None, agency_id: str) -> list[Any]:
    """Trust every quarter per A-11 service provider, its services pooled: the series that carries on
    when A-11 renames, splits or merges the services. Only where a provider pools several services
    (with one, its series is the service's, shown above)."""
    rows = provider_scores(db)
    rows = rows[rows["agency_id"] == agency_id]
    pooled = rows[rows["services"].str.contains(",", regex=False)]
    blocks = []
    providers = pooled[["provider_id", "provider"]].drop_duplicates()
    for provider_id, provider in providers.itertuples(index=False):
        blocks.append(driver_trend_block(
            rows[rows["provider_id"] == provider_id], block_id=f"agency-provider-trend-{provider_id}",
            driver="trust", name=f"{provider} (its services pooled)", labels=channel_labels(),
            empty_message="No trust survey answers from this provider.",
            definition="Trust agree share each fiscal quarter for the A-11 service provider, with the answer "
            "counts of all its services pooled (each service's provider as ServiceStat declares it), by "
            "channel and all channels: the provider's series carries on where its services were renamed, "
            "split or merged. The table gives each point's interval, n and mean."))
    return blocks


def _no_standards_text(db: str | None) -> str:
    """Why the agency page has no standards: nothing loaded to judge them, or nothing visible yet."""
    if not holdings(db).operations:
        return ("No standards of this agency are judged: standards are judged from transactions or reported "
                "figures, and the warehouse holds none. Its survey results are above.")
    if current_viewer().role == "public":
        return "No standards of this agency have published figures yet."
    return "No standards of this agency have figures in the warehouse yet."


def build_layout(db: str | None, agency_id: str | None, query: dict[str, Any]) -> html.Div:
    """The page for one agency and one set of query parameters."""
    agency = _agency_row(agency_id)
    if agency is None:
        return _no_such_agency(db, agency_id)
    name = _name(agency)
    svc = services(db)
    svc = svc[svc["agency_id"] == agency_id]
    quarter = standards_status(db, "quarter")
    year = standards_status(db, "year")
    quarter = quarter[quarter["agency_id"] == agency_id]
    year = year[year["agency_id"] == agency_id]
    surveys = _survey_frames(db, set(svc["service_id"]))
    periods = period_options(_periods(quarter, surveys["quarter"]), _periods(year, surveys["year"]))
    standards = quarter.drop_duplicates("standard_id").sort_values("standard")
    published = quarter_status(db, agency=agency_id)  # opens on the latest published quarter (#14.1)
    default_period = metrics_default_period(published, [v for v, _ in periods])
    spec = {"period": FilterSpec("Period", default_period, [v for v, _ in periods]),
            "standard": FilterSpec("Standard", standards["standard_id"].iloc[0] if len(standards) else "",
                                   standards["standard_id"].tolist())}
    values, notices = read_filters(query, spec)
    period, standard_id = values["period"], values["standard"]
    grain = grain_of(period)
    status = quarter if grain == "quarter" else year
    children: list[Any] = page_intro(
        name, show_synthetic_notice=any_synthetic(quarter, year, surveys["quarter"]),
        lead=f"{agency['department']}: {len(svc)} High Impact Service Provider "
             f"service{'s' if len(svc) != 1 else ''} — " + ", ".join(svc["name"]) + ".")
    children.append(html.P(html.A("Customer Service Plan progress report (printable)",
                                  href=f"/agency/{agency_id}/report", className="usa-link",
                                  id="agency-report-link")))
    if periods:
        controls = [select_control("period", "Period", with_draft_labels(periods, draft_periods(published)),
                                   period)]
        if len(standards):
            controls.append(select_control(
                "standard", "Standard (trend chart)",
                list(zip(standards["standard_id"], standards["standard"], strict=True)), standard_id))
        children.append(filter_form(f"/agency/{agency_id}", controls))
    if notices:
        children.append(notices_alert(notices))
    if not periods:
        children.append(empty_state(_no_figures_text(db)))
    else:
        survey = [*_survey_blocks(surveys, svc, period), *_provider_blocks(db, agency_id)]
        if len(standards):  # standards first, as the agency is judged on them
            children += label_drafts([
                exceptions_block(db, period=period, query=query, path=f"/agency/{agency_id}", keep=values,
                                 agency_id=agency_id),
                standards_table_block(status, block_id="agency-standards", period=period, show_service=True),
                standard_trend_block(status, block_id="agency-trend", standard_id=standard_id),
                *channel_blocks(db, period=period, agency_id=agency_id, block_id="agency-channels"),
                *survey,
            ], period, draft_periods(published))
        else:
            children += [*label_drafts(survey, period, draft_periods(published)),
                         empty_state(_no_standards_text(db))]
    children += [_goals_block(db, agency), _initiatives_block(db, set(svc["service_id"]))]
    children += quality_section(db, agency_id)  # staff only: loads, rejects, findings
    children += [html.H2("Services"),
                 link_list(list(zip(svc["name"], "/service/" + svc["service_id"], strict=True)))]
    return html.Div(className="line-height-sans-5", children=children)


def _no_figures_text(db: str | None) -> str:
    """The agency has nothing to show this viewer: say whether nothing is loaded or nothing published."""
    held = holdings(db)
    if not held.anything:
        return "No figures yet: no survey results, transactions or reported figures have been loaded."
    if current_viewer().role == "public":
        return "No published figures for this agency yet: its quarters appear here once OMB publishes them."
    return "No survey results or standards figures of this agency are in the warehouse yet."


def layout(agency_id: str | None = None, **query: Any) -> html.Div:
    try:
        return build_layout(current_db(), agency_id, query)
    except WarehouseMissing:
        return no_warehouse_page("Agency")
