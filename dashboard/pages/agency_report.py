"""An agency's Customer Service Plan progress report (``/agency/<agency_id>/report``), on one page
that prints: standards and their latest status, trends, survey trust and drivers, initiatives and
milestones, GPRA goals, and the agency's own words (EO 13571 section 3; metrics.agency_report).

Drawing only: every figure comes from ``metrics.agency_report.agency_report``. The page is plain
HTML (``server_rendered``: it reads and prints without JavaScript); other quarters are links, not a
form. The print stylesheet is ``dashboard/assets/print.css``; "Print this report" calls the
browser's print through ``dashboard/assets/print.js`` (no inline script: the CSP allows none).

It is registered with an ``order`` so that Dash's router tries ``/agency/<id>/report`` before the
agency page's ``/agency/<agency_id>`` (whose wildcard would otherwise take ``dos-ca/report``).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

import dash
import flask
from dash import html

from dashboard.components import current_db
from dashboard.filters import FilterSpec, read_filters
from dashboard.formatting import (
    NO_DATA,
    fmt_date,
    fmt_gap,
    fmt_interval,
    fmt_number,
    fmt_percent,
    fmt_percent1,
    fmt_value,
    fmt_when,
    is_missing,
    last_updated_text,
    plural,
)
from dashboard.notices import (
    empty_state,
    no_such_page,
    no_warehouse_page,
    notices_alert,
    page_intro,
    status_badge,
)
from dashboard.tables import scroll_table, usa_table
from metrics.agency_report import AgencyReport, agency_name, agency_report, find_agency
from metrics.db import WarehouseMissing
from metrics.directory import agencies
from metrics.exceptions import POINTS
from metrics.periods import default_quarter, quarter_status
from metrics.suppression import suppressed_label


def title(agency_id: str | None = None, **_: Any) -> str:
    """The page title, also written server-side by dashboard.app (callable titles)."""
    try:
        row = find_agency(current_db(), agency_id)
    except Exception:  # noqa: BLE001 - a title must never fail the page
        row = None
    return (f"Customer Service Plan progress report: {agency_name(row)} – ServiceStat" if row
            else "No such agency – ServiceStat")


dash.register_page(
    __name__,
    path_template="/agency/<agency_id>/report",
    name="Agency report",
    title=title,
    # Before agency.py (no order) in Dash's router: see the module docstring.
    order=20,
    # dashboard.app answers /agency/<unknown id>/report with HTTP 404 (the page still explains).
    known=lambda agency_id=None, **_: find_agency(current_db(), agency_id) is not None,
    server_rendered=True,
    description="An agency's Customer Service Plan progress report: standards, trends, initiatives, "
    "goals, survey results and the agency's own words, on one printable page.",
)


# --------------------------------------------------------------------------- formatting


def _figure(value: object, unit: str | None) -> str:
    """A result or target in its unit: a share as "84.7%", a wait as "4.6 minutes"."""
    return fmt_percent1(value) if unit == "share" else fmt_value(value, unit)


def _signed(value: object, unit: str | None) -> str:
    """A gap or change in its unit (the exceptions table's units: POINTS or a duration)."""
    return fmt_gap(value, unit, POINTS)


def _absolute(path: str) -> str:
    """The full address of a path on this site, for printed links."""
    root = flask.request.url_root if flask.has_request_context() else "/"
    return root.rstrip("/") + path


def _link(text: str, path: str) -> html.A:
    """A link whose full address is printed after it (print.css, ``data-print-url``)."""
    return html.A(text, href=path, className="usa-link", **{"data-print-url": _absolute(path)})


def _section(block_id: str, heading: str, about: str, body: list[Any]) -> html.Section:
    """One part of the report: heading, what it shows, then its tables or text."""
    return html.Section(id=block_id, className="report-section margin-y-4",
                        **{"aria-labelledby": f"{block_id}-title"}, children=[
                            html.H2(heading, id=f"{block_id}-title"),
                            html.P(about, className="measure-6 font-sans-xs"), *body])


def _table(table: html.Table, label: str) -> html.Div:
    return scroll_table(table, label=label)


# --------------------------------------------------------------------------- sections


def _standards(report: AgencyReport) -> html.Section:
    rows = report.standards
    about = ("Each service standard in force in the quarter: the result (the share of transactions served "
             "within the standard, or the reported value), its target, the gap between them (result minus "
             "target), the change on the same quarter a year before, and its status. Status is by icon "
             "and word: on track, at risk, off track, insufficient data, not reported.")
    if rows.empty:
        return _section("report-standards", "Standards and their status", about,
                        [empty_state(f"No standard of this agency is in force with figures for "
                                     f"{report.period}.")])
    shown = rows.assign(
        result_text=[_figure(r.result, r.result_unit) for r in rows.itertuples()],
        target_text=[_figure(r.target, r.result_unit) for r in rows.itertuples()],
        gap_text=[_signed(r.gap, r.gap_unit) for r in rows.itertuples()],
        yago_text=[_signed(r.change_yago, r.gap_unit) for r in rows.itertuples()])
    counts = rows["status"].value_counts()
    summary = (f"{len(rows)} standard{'s' if len(rows) != 1 else ''} in {report.period}: "
               + ", ".join(f"{int(v)} {k}" for k, v in counts.items()) + ".")
    table = usa_table(shown, caption=f"Standards and their status, {report.period}", columns=[
        ("standard", "Standard"), ("service", "Service"), ("channel", "Channel"), ("result_text", "Result"),
        ("target_text", "Target"), ("gap_text", "Gap"), ("yago_text", "Change on a year before"),
        ("n", "n"), ("status", "Status")],
        formatters={"n": fmt_number, "status": status_badge},
        label_columns=["standard", "service", "channel", "target_text"], table_id="report-standards-table")
    return _section("report-standards", "Standards and their status", about,
                    [html.P(summary), _table(table, "Standards and their status: table")])


def _trend_cell(row: Any) -> str:
    if row.suppressed:
        return suppressed_label()
    figure = _figure(row.result, row.result_unit)
    return f"{figure}, {row.status}" if isinstance(row.status, str) and row.status else figure


def _trends(report: AgencyReport) -> html.Section:
    rows = report.trends
    heading = f"Trends, {report.covered}" if report.covered else "Trends"
    about = ("Each standard's result and status, and each service's trust agree share (the share of survey "
             "answers 4 or 5), in the quarter reported on and the quarters before it. A dash: no figure for "
             "that quarter (a standard not in force or not judged then; no survey answers).")
    if rows.empty:
        return _section("report-trends", heading, about,
                        [empty_state("No standard or survey figures for these quarters.")])
    rows = rows.assign(cell=[_trend_cell(r) for r in rows.itertuples()])
    wide = rows.pivot_table(index=["kind", "key", "label"], columns="period", values="cell",
                            aggfunc="first", sort=False).reset_index()
    wide = wide.sort_values(["kind", "label"], kind="mergesort", ignore_index=True)
    periods = [p for p in report.trend_periods if p in wide.columns]
    wide[periods] = wide[periods].fillna("–")
    table = usa_table(wide, caption=f"Standards and trust by quarter, {report.covered}",
                      columns=[("label", "Measure"), *[(p, p) for p in periods]],
                      label_columns=["label", *periods], table_id="report-trends-table")
    return _section("report-trends", heading, about, [_table(table, f"{heading}: table")])


def _drivers(report: AgencyReport) -> html.Section:
    rows = report.drivers
    heading = f"Survey results: trust and drivers, {report.period}"
    about = ("The A-11 post-transaction survey of each service, all channels together: the share who agree "
             "(answers 4 or 5) for trust and each driver, its 95% interval, the number of answers (n), and "
             "the change on the same quarter a year before in percentage points.")
    if rows.empty:
        return _section("report-drivers", heading, about,
                        [empty_state(f"No survey answers from this agency's services for {report.period}.")])
    shown = rows.assign(
        interval=[fmt_interval(lo, hi, 1) for lo, hi in zip(rows["agree_ci_low"], rows["agree_ci_high"],
                                                           strict=True)],
        yago=[_signed(v * 100, POINTS) if not is_missing(v) else NO_DATA for v in rows["change_yago"]],
        driver_name=rows["driver"].str.replace("_", " ").str.capitalize())
    table = usa_table(shown, caption=heading, columns=[
        ("service", "Service"), ("driver_name", "Driver"), ("agree_share", "Agree"),
        ("interval", "95% interval"), ("n", "n"), ("yago", "Change on a year before")],
        formatters={"agree_share": fmt_percent1, "n": fmt_number},
        label_columns=["service", "driver_name"], table_id="report-drivers-table")
    return _section("report-drivers", heading, about, [_table(table, f"{heading}: table")])


def _initiatives(report: AgencyReport) -> html.Section:
    rows = report.initiatives
    heading = "Signature initiatives and action plans"
    about = ("The agency's signature initiatives and customer service action plans (Executive Order 13571 "
             "section 2), each milestone with its due date and state; late: done after its due date, or "
             "not done and overdue.")
    if rows.empty:
        return _section("report-initiatives", heading, about,
                        [empty_state("No initiatives or action plans are declared for this agency's "
                                     "services.")])
    body: list[Any] = []
    for initiative_id, part in rows.groupby("initiative_id", sort=False):
        first = part.iloc[0]
        kind = "Signature initiative" if first["kind"] == "signature_initiative" else "Action plan"
        late = int(part["late"].sum())
        shown = part.assign(state=[s.replace("_", " ") for s in part["milestone_status"]],
                            on_time=["late" if x else "on time" for x in part["late"]])
        basis = (" Illustrative: written for the demonstration, not the agency's own plan."
                 if first["basis"] == "illustrative" else "")
        body += [
            html.H3(first["title"], id=f"initiative-{initiative_id}"),
            html.P(f"{kind}. {plural(len(part), 'milestone')}, {late} late. "
                   f"Standards it addresses, latest status: {first['standards_latest'] or NO_DATA}.{basis}"),
            _table(usa_table(shown, caption=f"Milestones: {first['title']}", columns=[
                ("milestone", "Milestone"), ("due", "Due"), ("state", "State"), ("done_on", "Done on"),
                ("on_time", "On time")],
                formatters={"due": fmt_date, "done_on": fmt_when,
                            "state": status_badge, "on_time": status_badge},
                label_columns=["milestone", "state", "on_time"],
                table_id=f"report-milestones-{initiative_id}"),
                f"Milestones: {first['title']}"),
        ]
    return _section("report-initiatives", heading, about, body)


def _goal_figure(value: object, unit: str) -> str:
    return fmt_percent1(value) if unit == "share" else fmt_number(value, 1)


def _goals(report: AgencyReport) -> html.Section:
    rows = report.goals
    heading = "GPRA performance goals"
    about = ("Goals from the agency's strategic plan and Annual Performance Report: for each, the latest "
             "fiscal year with an actual up to the quarter reported on, against its target (met or not met "
             "by the goal's direction), and the progress from the baseline (0% at the baseline, 100% at the "
             "target).")
    if rows.empty:
        return _section("report-goals", heading, about,
                        [empty_state("No GPRA performance goal of this agency is declared.")])
    shown = rows.assign(
        indicator=[f"{i} (illustrative, not the agency's goal)" if b == "illustrative" else i
                   for i, b in zip(rows["indicator"], rows["basis"], strict=True)],
        year=[f"FY{y}" for y in rows["fiscal_year"]],
        target_text=[_goal_figure(v, u) for v, u in zip(rows["target"], rows["unit"], strict=True)],
        actual_text=[_goal_figure(v, u) for v, u in zip(rows["actual"], rows["unit"], strict=True)])
    table = usa_table(shown, caption="GPRA goals: latest actual against target", columns=[
        ("indicator", "Indicator"), ("year", "Fiscal year"), ("target_text", "Target"),
        ("actual_text", "Actual"), ("progress", "Progress from baseline"), ("status", "Status")],
        formatters={"progress": fmt_percent, "status": status_badge},
        label_columns=["indicator", "year", "target_text"], table_id="report-goals-table")
    return _section("report-goals", heading, about, [_table(table, f"{heading}: table")])


def _narratives(report: AgencyReport) -> html.Section:
    heading = "In the agency's words"
    about = ("What customers said, what the agency did and what comes next, for each service: the narrative "
             "OMB Circular A-11 section 280 asks of each High Impact Service Provider, the newest one up to "
             "the quarter reported on.")
    words = report.narratives
    body: list[Any] = []
    for service in report.services.itertuples():
        found = words[words["service_id"] == service.service_id]
        body.append(html.H3(service.name))
        if found.empty:
            body.append(html.P(f"No narrative is declared for {service.name} up to {report.period}."))
            continue
        entry = found.iloc[0]
        body += [html.P(f"Narrative for {entry['period']}.", className="text-bold"),
                 html.H4("What customers said"), html.P(entry["customers_said"], className="measure-6"),
                 html.H4("What the agency did"), html.P(entry["agency_did"], className="measure-6"),
                 html.H4("What comes next"), html.P(entry["next_steps"], className="measure-6")]
        if isinstance(entry["source_url"], str) and entry["source_url"]:
            body.append(html.P(["Source: ", html.A(entry["source_title"] or entry["source_url"],
                                                    href=entry["source_url"], className="usa-link")]))
        if bool(entry["synthetic"]):
            body.append(html.P("Illustrative text written for the demonstration data, not the agency's "
                               "words.", className="font-sans-xs text-italic"))
    return _section("report-narratives", heading, about, body)


def _header(report: AgencyReport, agency_id: str) -> list[Any]:
    """What the report covers and when it was made, the print control and the other quarters."""
    facts = [("Quarter reported on", f"{report.period} ({fmt_date(report.period_start)} to "
                                     f"{fmt_date(report.period_end)})"),
             ("Period covered", f"{report.covered} (trends)"),
             ("Report date", fmt_date(date.today())),
             ("Figures last loaded", last_updated_text(report.last_loaded) or "not known")]
    out: list[Any] = [html.Dl(className="report-facts", children=[
        part for label, value in facts for part in (html.Dt(label, className="text-bold"), html.Dd(value))])]
    if report.draft:
        out.append(html.Div(className="usa-alert usa-alert--warning usa-alert--slim margin-y-2",
                            **{"data-testid": "draft-notice"}, children=html.Div(
                                className="usa-alert__body", children=html.P(
                                    f"Draft: some figures for {report.period} are not yet published.",
                                    className="usa-alert__text"))))
    out.append(html.Div(className="no-print margin-y-2", children=[
        html.Button("Print this report", type="button", id="print-report",
                    className="usa-button usa-button--outline", **{"data-print": "report"}),
        html.Span(" or use your browser's Print command (Ctrl+P, or Command+P on a Mac).",
                  className="font-sans-xs"),
    ]))
    others = report.quarters.sort_values("period_start", ascending=False)["period"].tolist()
    if len(others) > 1:
        path = f"/agency/{quote(agency_id)}/report"
        out.append(html.Nav(className="no-print margin-y-2", **{"aria-label": "Other quarters"}, children=[
            html.P("The report for another quarter:", className="margin-bottom-05"),
            html.Ul(className="usa-list usa-list--unstyled display-flex flex-wrap", children=[
                html.Li(className="margin-right-2", children=html.A(
                    p, href=f"{path}?period={quote(p)}", className="usa-link",
                    **({"aria-current": "page"} if p == report.period else {})))
                for p in others])]))
    return out


def build_layout(db: str | None, agency_id: str | None, query: dict[str, Any]) -> html.Div:
    """The report for one agency and the quarter asked for (``?period=FY2025 Q3``)."""
    agency = find_agency(db, agency_id)
    if agency is None:
        frame = agencies(db)
        names = frame["bureau"].fillna(frame["department"])
        return no_such_page("agency", "Agencies", agency_id,
                            sorted(zip(names, "/agency/" + frame["agency_id"] + "/report", strict=True)))
    assert agency_id is not None
    quarters = quarter_status(db, agency=agency_id)
    choices = quarters["period"].tolist()
    default = default_quarter(quarters) or ""
    values, notices = read_filters(query, {"period": FilterSpec("Quarter", default, choices)})
    report = agency_report(db, agency_id, values["period"] or None)
    assert report is not None
    names = ", ".join(report.services["name"])
    children: list[Any] = page_intro(
        f"Customer Service Plan progress report: {report.name}", show_synthetic_notice=report.synthetic,
        lead=f"{report.department}. Progress on the agency's Customer Service Plan (Executive Order 13571, "
             f"section 3) for its {len(report.services)} High Impact Service Provider "
             f"service{'s' if len(report.services) != 1 else ''}: {names}.")
    if notices:
        children.append(notices_alert(notices))
    if report.period is None:  # the plan's initiatives and goals stand without a quarter's figures
        children += [empty_state("No figures for this agency yet: its standards, trends, survey results "
                                 "and narratives appear once a quarter of its figures is published."),
                     _initiatives(report), _goals(report)]
    else:
        children += [*_header(report, agency_id), _standards(report), _trends(report), _drivers(report),
                     _initiatives(report), _goals(report), _narratives(report)]
    links = [(f"{report.name}: agency page", f"/agency/{agency_id}"),
             *[(f"{s.name}: service page", f"/service/{s.service_id}") for s in report.services.itertuples()],
             ("How the figures are made (methodology)", "/methodology")]
    children += [html.H2("Pages of this report's figures"),
                 html.Ul(className="usa-list", children=[html.Li(_link(text, path)) for text, path in links])]
    return html.Div(className="line-height-sans-5 agency-report", children=children)


def layout(agency_id: str | None = None, **query: Any) -> html.Div:
    try:
        return build_layout(current_db(), agency_id, query)
    except WarehouseMissing:
        return no_warehouse_page("Customer Service Plan progress report")

